// The structured log sink.

#include "verdict/log.hpp"

#include <fstream>
#include <mutex>
#include <string>

#include "verdict/secrets.hpp"

namespace verdict::log {
namespace {
std::mutex sink_mutex;
std::ofstream sink;  // GUARDED_BY(sink_mutex)
}  // namespace

void set_sink_path(const std::string& path) {
  std::lock_guard lock(sink_mutex);
  if (sink.is_open()) sink.close();
  if (!path.empty()) sink.open(path, std::ios::out | std::ios::trunc);  // the run's own lines only
}

void write_line(std::string_view json_line) {
  std::lock_guard lock(sink_mutex);
  if (!sink.is_open()) return;
  // One write of the whole line, flushed: a process that dies later leaves whole lines behind, never
  // an object without its newline for the next line to be glued to.
  std::string line = secrets::redact(json_line);
  line += '\n';
  sink.write(line.data(), static_cast<std::streamsize>(line.size()));
  sink.flush();
}

}  // namespace verdict::log
