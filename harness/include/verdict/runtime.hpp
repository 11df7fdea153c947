#pragma once
// What every run shares: the server, the migrated template, the output directory. One per process.

#include <memory>
#include <string>

#include "verdict/server.hpp"

namespace verdict {

class RunContext {
 public:
  // Starts or attaches the server (server_from_environment) and ensures the template.
  explicit RunContext(const std::string& out_dir, const db::ServerOptions& options = {});
  ~RunContext();

  const db::Server& server() const { return *server_; }
  db::Server& server() { return *server_; }
  const std::string& template_name() const { return template_; }
  const std::string& out_dir() const { return out_dir_; }
  std::unique_ptr<db::ScratchDatabase> new_database(const std::string& label) const;

 private:
  std::unique_ptr<db::Server> server_;
  std::string template_;
  std::string out_dir_;
};

// <out_root>/<run id>/, with <out_root>/latest pointing at it (unless a directory was requested).
// A run id sorts by time: 20261124T010203Z-<pid>.
std::string new_run_id();
// Where prepare_out_dir puts a run's files, without making anything.
std::string out_dir_path(const std::string& requested, const std::string& out_root, const std::string& run_id);
std::string prepare_out_dir(const std::string& requested, const std::string& out_root, const std::string& run_id);

// The command line that reproduces a run: "./verdict " + args, for findings. Replay commands are
// run from the repository root, so paths in them are shown relative to it.
std::string replay_prefix();
std::string root_dir();  // $VERDICT_ROOT (set by ./verdict), else the source tree this was built from
std::string display_path(const std::string& path);

}  // namespace verdict
