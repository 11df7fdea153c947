#pragma once
// Where structured log lines go (one JSON object a line). The runner points it at
// <out>/mutations.jsonl; with no sink set, lines are dropped.
#include <string>
#include <string_view>

namespace verdict::log {
void set_sink_path(const std::string& path);  // "" closes the sink; a file there is started afresh
void write_line(std::string_view json_line);  // thread-safe
}  // namespace verdict::log
