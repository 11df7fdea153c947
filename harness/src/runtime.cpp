// Run context: server, template, output directory, run ids.

#include "verdict/runtime.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "verdict/log.hpp"

#ifndef VERDICT_SOURCE_DIR
#define VERDICT_SOURCE_DIR "."
#endif

namespace fs = std::filesystem;

namespace verdict {

RunContext::RunContext(const std::string& out_dir, const db::ServerOptions& options)
    : server_(db::server_from_environment(options)), out_dir_(out_dir) {
  template_ = db::ensure_template(*server_);
  if (!out_dir_.empty()) {
    fs::create_directories(out_dir_);
    log::set_sink_path(out_dir_ + "/mutations.jsonl");
  }
}

RunContext::~RunContext() { log::set_sink_path(""); }

std::unique_ptr<db::ScratchDatabase> RunContext::new_database(const std::string& label) const {
  return std::make_unique<db::ScratchDatabase>(*server_, template_, label);
}

std::string new_run_id() { return fmt::format("{:%Y%m%dT%H%M%SZ}-{}", fmt::gmtime(std::time(nullptr)), getpid()); }

std::string out_dir_path(const std::string& requested, const std::string& out_root, const std::string& run_id) {
  return requested.empty() ? out_root + "/" + run_id : requested;
}

std::string prepare_out_dir(const std::string& requested, const std::string& out_root, const std::string& run_id) {
  std::string dir = out_dir_path(requested, out_root, run_id);
  fs::create_directories(dir);
  if (!requested.empty()) return dir;
  std::error_code ec;
  fs::remove(out_root + "/latest", ec);
  fs::create_directory_symlink(run_id, out_root + "/latest", ec);
  return dir;
}

std::string replay_prefix() { return "./verdict"; }

std::string root_dir() {
  if (const char* r = std::getenv("VERDICT_ROOT"); r && *r) return r;
  return VERDICT_SOURCE_DIR;
}

std::string display_path(const std::string& path) {
  std::error_code ec;
  auto absolute = fs::absolute(path, ec);
  auto root = fs::absolute(root_dir(), ec);
  if (ec) return path;
  auto relative = absolute.lexically_normal().lexically_relative(root.lexically_normal());
  if (relative.empty() || *relative.begin() == "..") return absolute.lexically_normal().string();
  return relative.string();
}

}  // namespace verdict
