// The structured log sink.

#include "verdict/log.hpp"

#include <fstream>
#include <mutex>

#include "verdict/secrets.hpp"

namespace verdict::log {
namespace {
std::mutex sink_mutex;
std::ofstream sink;  // GUARDED_BY(sink_mutex)
}  // namespace

void set_sink_path(const std::string& path) {
  std::lock_guard lock(sink_mutex);
  if (sink.is_open()) sink.close();
  if (!path.empty()) sink.open(path, std::ios::app);
}

void write_line(std::string_view json_line) {
  std::lock_guard lock(sink_mutex);
  if (!sink.is_open()) return;
  sink << secrets::redact(json_line) << '\n';
}

}  // namespace verdict::log
