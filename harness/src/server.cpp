// Embedded and external PostgreSQL servers, roles, the template database and scratch clones.

#include "verdict/server.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "verdict/interrupt.hpp"
#include "verdict/secrets.hpp"
#include "verdict/system.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

extern char** environ;

namespace verdict::db {
namespace {

// Where initdb, pg_ctl and postgres live: $VERDICT_PG_BINDIR, else what `pg_config --bindir` says
// (Debian's pg_config names the newest installed server), else Debian's PostgreSQL 15 path. Found
// once; the caller checks that initdb is there and says what to install when it is not.
const std::string& pg_bin_dir() {
  static const std::string dir = [] {
    if (const char* env = std::getenv("VERDICT_PG_BINDIR"); env && *env) return std::string(env);
    std::string out;
    if (FILE* p = popen("pg_config --bindir 2>/dev/null", "r")) {
      char buf[512];
      while (fgets(buf, sizeof buf, p)) out += buf;
      pclose(p);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    if (!out.empty() && fs::exists(out + "/initdb")) return out;
    return std::string("/usr/lib/postgresql/15/bin");
  }();
  return dir;
}
constexpr int server_start_timeout_s = 60;
constexpr int port = 5432;  // the socket lives in a private directory, so no clash is possible
constexpr std::int64_t template_lock_key = 7331001;

bool running_as_root() { return geteuid() == 0; }

std::string temp_root() {
  // Never under /root: the postgres user cannot enter it.
  if (const char* dir = std::getenv("VERDICT_TMPDIR")) return dir;
  if (running_as_root()) return "/tmp";
  if (const char* dir = std::getenv("TMPDIR")) return dir;
  return "/tmp";
}

// Where a cluster's files live. A throwaway cluster goes to memory (/dev/shm) when there is one:
// cloning a database there takes ~10 ms instead of 100-350 ms on this machine's disk, and every
// test and property case clones one. A durable cluster stays on disk.
// Only with room to spare (a container's /dev/shm may be 64 MB), never for a durable or kept
// cluster, and not when VERDICT_IN_MEMORY=0.
constexpr unsigned long long memory_root_free_bytes_min = 2ULL << 30;
std::string data_root(const ServerOptions& options) {
  if (std::getenv("VERDICT_TMPDIR")) return temp_root();
  const char* in_memory = std::getenv("VERDICT_IN_MEMORY");
  bool allowed = !options.durable && options.in_memory && !(in_memory && std::string(in_memory) == "0");
  struct statvfs info {};
  if (allowed && access("/dev/shm", W_OK | X_OK) == 0 && statvfs("/dev/shm", &info) == 0 &&
      static_cast<unsigned long long>(info.f_bavail) * info.f_frsize >= memory_root_free_bytes_min) {
    return "/dev/shm";
  }
  return temp_root();
}

std::string registry_dir() { return fmt::format("{}/verdict-clusters-{}", temp_root(), geteuid()); }

// When a process started, in clock ticks since boot (field 22 of /proc/PID/stat); "" when unknown.
// With the pid it names one process: a pid reused by a later process has another start time.
std::string process_start_time(long pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');  // the command name may hold blanks and parentheses
  if (close == std::string::npos) return "";
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 22) return field;
  }
  return "";
}

bool process_alive(long pid, const std::string& start_time) {
  if (pid <= 0 || !(kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) return false;
  return start_time.empty() || process_start_time(pid).empty() || process_start_time(pid) == start_time;
}

// Runs argv (as the postgres user when we are root), output appended to log_path. Never inherits our
// stdout/stderr: a server holding ctest's pipes would hang ctest.
int run_logged(std::vector<std::string> argv, const std::string& log_path) {
  if (running_as_root()) {
    argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // A process group of its own: a Ctrl-C at the terminal reaches us, not initdb or pg_ctl halfway
  // through (our handler waits for the step and then removes the cluster). No signal blocked and
  // SIGPIPE back to its default: what we block and ignore is ours, not theirs.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(fmt::format("cannot run {}: {}", argv[0], strerror(rc)));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail_file(const std::string& path, std::size_t bytes = 2000) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

void chown_to_postgres(const std::string& path) {
  if (!running_as_root()) return;
  struct passwd* pw = getpwnam("postgres");
  if (pw == nullptr)
    throw std::runtime_error("running as root but there is no 'postgres' system user (install postgresql-15)");
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    throw std::runtime_error(fmt::format("chown postgres {}: {}", path, strerror(errno)));
  }
}

struct ClusterPaths {
  std::string root;
  std::string data() const { return root + "/data"; }
  std::string socket_dir() const { return root + "/sock"; }
  std::string server_log() const { return root + "/server.log"; }
  std::string command_log() const { return root + "/commands.log"; }
};

std::string registry_file_for(const std::string& root) {
  return registry_dir() + "/" + fs::path(root).filename().string() + ".json";
}

}  // namespace

bool postmaster_alive(const std::string& cluster_root) {
  const ClusterPaths paths{cluster_root};
  std::ifstream in(paths.data() + "/postmaster.pid");
  long pid = 0;
  if (!(in >> pid)) return true;  // unreadable (being written): not ours to call dead
  if (!process_alive(pid, "")) return false;
  std::ifstream stat_file(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');  // the state follows the command name: "Z" is dead, not yet reaped
  if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') return false;
  std::ifstream cmdline(fmt::format("/proc/{}/cmdline", pid));
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  return args.empty() || args.find(paths.data()) != std::string::npos;  // unreadable: alive
}

namespace {

// Stops a cluster's server and removes its files, and only then its registry record: a removal cut
// short (the process killed halfway) leaves the record, and the next run finishes it. A server that
// would not stop keeps its files (removing them under a running server would leave a server nobody
// can find). True when the cluster is gone.
bool remove_cluster(const ClusterPaths& paths, bool immediate) {
  std::error_code ec;
  if (fs::exists(paths.data() + "/postmaster.pid", ec)) {
    int rc = run_logged({fmt::format("{}/pg_ctl", pg_bin_dir()), "-D", paths.data(), "-m",
                         immediate ? "immediate" : "fast", "-w", "-t", "30", "stop"},
                        paths.command_log());
    // A server killed outright (SIGKILL, an OOM kill, a killed process group) leaves its pid file
    // behind and pg_ctl cannot stop what is gone: only a live server keeps its cluster.
    if (rc != 0 && fs::exists(paths.data() + "/postmaster.pid", ec) && postmaster_alive(paths.root)) return false;
  }
  fs::remove_all(paths.root, ec);
  if (fs::exists(paths.root, ec)) return false;
  fs::remove(registry_file_for(paths.root), ec);
  return true;
}

// The embedded clusters this process owns and has not removed. The mutex serialises every step that
// creates, starts or removes one (registering, initdb, pg_ctl start, the destructor's teardown) with
// the interrupt hook: the hook never removes a directory initdb is still writing or a server pg_ctl
// is still starting, and no step begins after the hook has removed its cluster.
struct LiveClusters {
  std::timed_mutex mutex;
  std::set<std::string> roots;  // GUARDED_BY(mutex)
};
// Never destroyed: the interrupt hook may run while the main thread is in exit().
LiveClusters& live_clusters() {
  static LiveClusters* live = new LiveClusters;
  return *live;
}

// Put a limit on the hook's wait for a running step: the longest is pg_ctl start
// (server_start_timeout_s); initdb takes seconds. After a crash the crashed thread may hold the lock.
constexpr int step_wait_s_max = 2 * server_start_timeout_s;
constexpr int crash_step_wait_s_max = 10;

void remove_live_clusters(const interrupt::Event& event) {
  auto& live = live_clusters();
  std::unique_lock lock(live.mutex, std::defer_lock);
  if (!lock.try_lock_for(std::chrono::seconds(event.crash ? crash_step_wait_s_max : step_wait_s_max))) {
    interrupt::print(STDERR_FILENO,
                     "verdict: a cluster step did not end: its cluster stays registered and the next run removes it\n");
    return;
  }
  for (const auto& root : live.roots) {
    interrupt::print(STDERR_FILENO, remove_cluster(ClusterPaths{root}, true)
                                        ? "verdict: removed the embedded cluster " + root + "\n"
                                        : "verdict: could not remove the embedded cluster " + root +
                                              " now: it stays registered and the next run removes it\n");
  }
  live.roots.clear();
}

// REQUIRES: the live-clusters lock is held. A step of `root`'s life may begin: no signal has been
// taken and the hook has not removed it.
void require_step_allowed(const std::string& root) {
  if (interrupt::requested() || live_clusters().roots.count(root) == 0)
    throw std::runtime_error("interrupted: the embedded cluster is being removed");
}

// Runs `step` of `root`'s life under the live-clusters lock (see LiveClusters).
template <typename Step>
void cluster_step(const std::string& root, Step step) {
  std::lock_guard lock(live_clusters().mutex);
  require_step_allowed(root);
  step();
}

void install_interrupt_hook() {
  static std::once_flag once;
  std::call_once(once, [] {
    interrupt::install();
    interrupt::add_hook(remove_live_clusters);
  });
}

// This process's token: it names our databases (verdict_t_<token>_…, verdict_build_<token>), and on a
// shared server a session advisory lock on (lease_class, token) says the run is alive. Random, so
// runs on different hosts (or with equal pids in containers) never collide.
constexpr int lease_class = 7331003;
constexpr long long token_max = 2147483646;  // the lock's second key is an int4
std::uint32_t run_token() {
  static const std::uint32_t token = [] {
    std::random_device device;
    return static_cast<std::uint32_t>(device() % static_cast<std::uint32_t>(token_max)) + 1;
  }();
  return token;
}

// Takes this process's lease on `server` once; held until the process ends. Every process that
// creates databases there holds one, whatever kind of server it reached them through: another
// run's clean-up must never take a live run's databases for leftovers.
void hold_lease(const Server& server) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<pqxx::connection>> holders;  // GUARDED_BY(mutex)
  std::string admin = server.conninfo("postgres", "");
  std::lock_guard lock(mutex);
  if (auto it = holders.find(admin); it != holders.end()) {
    // Still ours? A server that ended the session (restart, terminate) released the lock with it.
    try {
      pqxx::nontransaction tx(*it->second);
      tx.exec_params1("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objid = $1",
                      static_cast<long long>(run_token()));
      return;
    } catch (const std::exception&) {
      holders.erase(it);  // taken again below
    }
  }
  auto holder = std::make_unique<pqxx::connection>(admin);
  {
    pqxx::nontransaction tx(*holder);
    tx.exec("SET idle_session_timeout = 0");  // an idle lease is the point: never time it out
    tx.exec_params("SELECT pg_advisory_lock($1, $2)", lease_class, static_cast<long long>(run_token()));
  }
  holders[admin] = std::move(holder);
}

class EmbeddedServer final : public Server {
 public:
  EmbeddedServer(ClusterPaths paths, bool owned) : paths_(std::move(paths)), owned_(owned) {}
  ~EmbeddedServer() override {
    if (!owned_ || kept_) return;
    std::lock_guard lock(live_clusters().mutex);
    if (live_clusters().roots.erase(paths_.root) == 0) return;  // the interrupt hook removed it
    if (!remove_cluster(paths_, false))
      std::cerr << "verdict: could not remove the embedded cluster " << paths_.root
                << " now: the next run removes it\n";
  }

  std::string conninfo(const std::string& dbname, const std::string& role) const override {
    return fmt::format("host={} port={} dbname={} user={}", quote_conninfo_value(paths_.socket_dir()), port,
                       quote_conninfo_value(dbname), quote_conninfo_value(role.empty() ? "postgres" : role));
  }
  std::string url(const std::string& dbname, const std::string& role) const override {
    // Our names need no percent-encoding: the socket path is ours, database and role names are ours.
    return fmt::format("postgresql://{}@/{}?host={}&port={}", role.empty() ? "postgres" : role, dbname,
                       paths_.socket_dir(), port);
  }
  std::string describe() const override { return "embedded PostgreSQL 15 at " + paths_.root; }
  bool embedded() const override { return true; }
  void keep() override {
    std::lock_guard lock(live_clusters().mutex);
    live_clusters().roots.erase(paths_.root);
    kept_ = true;
  }
  const ClusterPaths& paths() const { return paths_; }
  std::string registry_file() const { return registry_file_for(paths_.root); }

 private:
  ClusterPaths paths_;
  bool owned_;
  bool kept_ = false;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> conninfo_params(const std::string& conninfo, const char* what) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
  if (options == nullptr) {
    std::string why = err ? err : "unparsable";
    PQfreemem(err);
    throw std::runtime_error(std::string(what) + ": " + why);
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto* o = options; o->keyword != nullptr; ++o)
    if (o->val != nullptr) out.emplace_back(o->keyword, o->val);
  PQconninfoFree(options);
  return out;
}

namespace {

class ExternalServer final : public Server {
 public:
  explicit ExternalServer(std::string url) : url_(std::move(url)) {
    for (const auto& [key, value] : conninfo_params(url_, "DATABASE_URL"))
      if (key != "dbname") params_[key] = value;
  }
  std::string conninfo(const std::string& dbname, const std::string& role) const override {
    std::string out;
    for (const auto& [k, v] : params_) {
      if (k != "options") out += fmt::format("{}={} ", k, quote_conninfo_value(v));
    }
    out += "dbname=" + quote_conninfo_value(dbname);
    // On a server we do not own we cannot log in as our roles; we become them after login, keeping
    // whatever options the URL carries. (A weaker wall than a login role: the session could RESET
    // ROLE. Our code never does; the embedded cluster logs in as the role itself.)
    std::string options = params_.count("options") ? params_.at("options") : "";
    if (!role.empty()) options += (options.empty() ? "" : " ") + std::string("-c role=") + role;
    if (!options.empty()) out += " options=" + quote_conninfo_value(options);
    return out;
  }
  std::string describe() const override {
    auto host = params_.count("host") ? params_.at("host") : std::string("localhost");
    return "PostgreSQL at " + host + " (DATABASE_URL)";
  }
  bool embedded() const override { return false; }
  void keep() override {}

 private:
  std::string url_;
  std::map<std::string, std::string> params_;
};

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::atomic<int> scratch_sequence{0};

}  // namespace

std::string with_session_settings(const std::string& conninfo,
                                  const std::vector<std::pair<std::string, std::string>>& settings,
                                  const std::string& application_name) {
  std::string out, session;
  for (const auto& [key, value] : conninfo_params(conninfo, "connection string")) {
    if (key == "options") {
      session = value;
    } else if (key != "application_name") {
      out += fmt::format("{}={} ", key, quote_conninfo_value(value));
    }
  }
  for (const auto& [name, value] : settings)
    session += fmt::format("{}-c {}={}", session.empty() ? "" : " ", name, value);
  if (!session.empty()) out += "options=" + quote_conninfo_value(session) + " ";
  out += "application_name=" + quote_conninfo_value(application_name);
  return out;
}

std::string quote_conninfo_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

namespace {
// Written whole or not at all (temp file, then rename): a reader never sees half a record.
void write_file_atomically(const std::string& path, const std::string& text) {
  std::string temporary = fmt::format("{}.tmp.{}", path, getpid());
  std::ofstream out(temporary);
  out << text;
  out.close();  // flush errors (a full disk) show up here, not at the write
  std::error_code ec;
  if (!out) {
    fs::remove(temporary, ec);
    throw std::runtime_error("cannot write " + temporary);
  }
  fs::rename(temporary, path, ec);
  if (ec) {
    fs::remove(temporary, ec);
    throw std::runtime_error("cannot rename " + temporary + " to " + path);
  }
}
}  // namespace

int remove_stale_clusters() {
  int removed = 0;
  std::error_code ec;
  if (!fs::is_directory(registry_dir(), ec)) return 0;
  for (const auto& entry : fs::directory_iterator(registry_dir(), ec)) {
    if (entry.path().extension() != ".json") continue;
    json state;
    try {
      std::ifstream in(entry.path());
      state = json::parse(in);
    } catch (const std::exception&) {
      continue;  // records are written atomically: an unreadable one is not ours to judge
    }
    if (state.value("kept", false)) continue;  // `verdict db start`: removed by `db stop`
    if (process_alive(state.value("owner_pid", 0L), state.value("owner_start", ""))) continue;
    std::string root = state.value("root", "");
    if (root.empty() || fs::path(root).filename() != entry.path().stem()) continue;  // not a record we wrote
    if (remove_cluster(ClusterPaths{root}, true)) ++removed;
  }
  return removed;
}

namespace {
// A new cluster's root under `parent`, recorded in the registry before the directory exists: a run
// killed at any point after this leaves a record the next run acts on, never a directory nobody
// knows. Returns the root, made (mode 0700) and live.
std::string register_new_cluster(const std::string& parent) {
  constexpr int name_attempts_max = 100;
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device device;
  fs::create_directories(registry_dir());
  std::lock_guard lock(live_clusters().mutex);
  if (interrupt::requested()) throw std::runtime_error("interrupted before the embedded cluster was made");
  for (int attempt = 0; attempt < name_attempts_max; ++attempt) {
    std::string root = parent + "/verdict-pg-";
    for (int i = 0; i < 6; ++i) root += alphabet[device() % (sizeof alphabet - 1)];
    std::error_code ec;
    if (fs::exists(registry_file_for(root), ec) || fs::exists(root, ec)) continue;
    write_file_atomically(registry_file_for(root), json{{"root", root},
                                                        {"owner_pid", static_cast<long>(getpid())},
                                                        {"owner_start", process_start_time(getpid())},
                                                        {"kept", false}}
                                                       .dump());
    if (mkdir(root.c_str(), 0700) == 0) {
      live_clusters().roots.insert(root);
      return root;
    }
    int error = errno;
    fs::remove(registry_file_for(root), ec);
    if (error != EEXIST) throw std::runtime_error(fmt::format("mkdir {}: {}", root, strerror(error)));
  }
  throw std::runtime_error("no free cluster name under " + parent);
}
}  // namespace

std::unique_ptr<Server> start_embedded(const ServerOptions& options) {
  install_interrupt_hook();
  remove_stale_clusters();
  if (!fs::exists(fmt::format("{}/initdb", pg_bin_dir()))) {
    throw std::runtime_error(
        fmt::format("PostgreSQL 15 is not installed ({}/initdb missing): run ./ci/setup as root, or "
                    "apt-get install postgresql-15 (or set VERDICT_PG_BINDIR)",
                    pg_bin_dir()));
  }
  ClusterPaths paths{register_new_cluster(data_root(options))};
  // From here the server object removes the cluster when it dies (also on an exception below).
  auto server = std::make_unique<EmbeddedServer>(paths, true);
  cluster_step(paths.root, [&] {
    fs::create_directories(paths.socket_dir());
    chown_to_postgres(paths.root);
    chown_to_postgres(paths.socket_dir());
    { std::ofstream(paths.command_log()); }
    chown_to_postgres(paths.command_log());
    int rc = run_logged({fmt::format("{}/initdb", pg_bin_dir()), "-D", paths.data(), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--locale=C", "--no-sync"},
                        paths.command_log());
    if (rc != 0) throw std::runtime_error("initdb failed:\n" + tail_file(paths.command_log()));
    std::ofstream conf(paths.data() + "/postgresql.conf", std::ios::app);
    conf << "\n# verdict embedded cluster\n"
         << "listen_addresses = ''\n"
         << "unix_socket_directories = '" << paths.socket_dir() << "'\n"
         << "port = " << port << "\n"
         << "max_connections = 200\n"
         << "shared_buffers = 128MB\n"
         << "log_min_messages = warning\n";
    if (!options.durable) {
      // A throwaway cluster: no crash safety, and little WAL kept around (it may live in memory).
      conf << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
           << "max_wal_size = 128MB\nmin_wal_size = 32MB\n";
    }
  });
  cluster_step(paths.root, [&] {
    int rc = run_logged({fmt::format("{}/pg_ctl", pg_bin_dir()), "-D", paths.data(), "-l", paths.server_log(), "-w",
                         "-t", std::to_string(server_start_timeout_s), "start"},
                        paths.command_log());
    if (rc != 0) {
      throw std::runtime_error("pg_ctl start failed:\n" + tail_file(paths.command_log()) +
                               tail_file(paths.server_log()));
    }
  });
  prepare_server(*server);
  return server;
}

void write_state_file(const Server& server, const std::string& state_path) {
  auto* embedded = dynamic_cast<const EmbeddedServer*>(&server);
  if (embedded == nullptr) throw std::runtime_error("only an embedded server has a state file");
  json state{{"root", embedded->paths().root},
             {"owner_pid", 0},
             {"kept", true},
             {"conninfo", server.conninfo("postgres", "")}};
  write_file_atomically(embedded->registry_file(), state.dump());
  write_file_atomically(state_path, state.dump(2) + "\n");
}

std::unique_ptr<Server> attach_state_file(const std::string& state_path) {
  std::ifstream in(state_path);
  if (!in) throw std::runtime_error("no server state file at " + state_path + " (run `verdict db start`)");
  json state = json::parse(in);
  ClusterPaths paths{state.at("root").get<std::string>()};
  if (!fs::exists(paths.data() + "/postmaster.pid")) {
    throw std::runtime_error("the cluster named in " + state_path + " is not running");
  }
  return std::make_unique<EmbeddedServer>(paths, false);
}

bool stop_state_file(const std::string& state_path) {
  std::ifstream in(state_path);
  if (!in) return false;
  json state;
  try {
    state = json::parse(in);
  } catch (const std::exception&) {
    fs::remove(state_path);
    return false;
  }
  ClusterPaths paths{state.value("root", "")};
  if (paths.root.empty()) return false;
  if (!remove_cluster(paths, false)) throw std::runtime_error("could not remove the cluster at " + paths.root);
  std::error_code ec;
  fs::remove(state_path, ec);
  return true;
}

namespace {
std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}
}  // namespace

void preflight(const Server& server) {
  pqxx::connection c(server.conninfo("postgres", ""));
  pqxx::nontransaction tx(c);
  auto me =
      tx.exec1("SELECT current_user, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user");
  const std::string name = me[0].as<std::string>();
  // As a person types it in a statement: bare when it can be, else quoted.
  const bool bare = !name.empty() &&
                    name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos &&
                    !std::isdigit(static_cast<unsigned char>(name.front()));
  const std::string user = bare ? name : tx.quote_name(name);
  if (me[1].as<bool>()) return;  // a superuser may do all of it
  const bool createdb = me[2].as<bool>(), createrole = me[3].as<bool>();
  std::vector<std::string> missing, grants;
  if (!createdb) {
    missing.push_back("CREATEDB, to create the template and a database per test");
    grants.push_back(fmt::format("ALTER ROLE {} CREATEDB;", user));
  }
  std::vector<std::string> absent, not_member;
  for (const char* role : {owner_role, app_role}) {
    auto rows = tx.exec_params(
        "SELECT pg_has_role(current_user, oid, 'MEMBER'), pg_has_role(current_user, oid, 'MEMBER WITH ADMIN OPTION'), "
        "rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = $1",
        role);
    if (rows.empty()) {
      absent.push_back(role);
      continue;
    }
    // A member becomes the role with SET ROLE; CREATEROLE or the admin option lets us grant it to ourselves.
    if (!rows[0][0].as<bool>() && !rows[0][1].as<bool>() && !createrole) not_member.push_back(role);
    if (std::string(role) == app_role && rows[0][2].as<bool>()) {
      missing.push_back(
          fmt::format("{} to be held by row-level security (it is a superuser or BYPASSRLS, so every "
                      "tenancy rule would pass)",
                      app_role));
      grants.push_back(fmt::format("ALTER ROLE {} NOSUPERUSER NOBYPASSRLS;", app_role));
    }
  }
  if (!absent.empty() && !createrole) {
    missing.push_back(fmt::format(
        "the role(s) {} (they do not exist, and without CREATEROLE the run cannot create them)", joined(absent, ", ")));
    for (const auto& role : absent)
      grants.push_back(fmt::format("CREATE ROLE {} NOLOGIN NOSUPERUSER NOBYPASSRLS;", role));
    for (const auto& role : absent) not_member.push_back(role);
  }
  if (!not_member.empty()) {
    missing.push_back(fmt::format("membership in {} (the run becomes them with SET ROLE)", joined(not_member, ", ")));
    grants.push_back(fmt::format("GRANT {} TO {};", joined(not_member, ", "), user));
  }
  if (missing.empty()) return;
  throw std::runtime_error(fmt::format(
      "DATABASE_URL connects as role '{}', which lacks what a run needs:\n  - {}\n"
      "As a superuser, grant it with:\n  {}\n(or grant CREATEROLE instead of pre-making the roles: ALTER ROLE {} "
      "CREATEROLE;). Planting tests (ctest's invariant tests) need a superuser.",
      name, joined(missing, "\n  - "), joined(grants, "\n  "), user));
}

std::unique_ptr<Server> parse_database_url(const std::string& database_url) {
  return std::make_unique<ExternalServer>(database_url);
}

std::unique_ptr<Server> external_server(const std::string& database_url) {
  secrets::add_from_conninfo(database_url);
  auto server = parse_database_url(database_url);
  preflight(*server);  // before anything else: one message naming all that is missing
  hold_lease(*server);
  prepare_server(*server);
  return server;
}

std::unique_ptr<Server> server_from_environment(const ServerOptions& options) {
  if (auto state = env_or_empty("VERDICT_SERVER_STATE"); !state.empty()) return attach_state_file(state);
  if (auto url = env_or_empty("DATABASE_URL"); !url.empty()) return external_server(url);
  return start_embedded(options);
}

void exec_admin(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c(conninfo);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

void prepare_server(const Server& server) {
  pqxx::connection c(server.conninfo("postgres", ""));
  pqxx::nontransaction tx(c);
  // Roles are cluster-wide; several processes may race to create them.
  tx.exec(fmt::format(R"(
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{0}') THEN
        CREATE ROLE {0} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{1}') THEN
        CREATE ROLE {1} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS; END IF;
    EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
    END $$;)",
                      owner_role, app_role));
  if (!server.embedded()) {
    // The administrator must be able to become our roles (options=-c role=...). A member already
    // (pre-made roles an administrator granted) needs no grant, and without CREATEROLE could not make one.
    for (const char* role : {owner_role, app_role}) {
      if (!tx.exec_params1("SELECT pg_has_role(current_user, $1, 'MEMBER')", role)[0].as<bool>())
        tx.exec(fmt::format("GRANT {} TO CURRENT_USER", role));
    }
    // Drop our scratch databases whose run is gone: nobody holds its lease any more.
    auto rows = tx.exec(
        "SELECT datname FROM pg_database WHERE datname LIKE 'verdict\\_t\\_%' OR datname LIKE 'verdict\\_build\\_%'");
    for (const auto& row : rows) {
      std::string name = row[0].as<std::string>();
      auto first = name.find('_', std::string(database_prefix).size());
      long long token = std::atoll(name.c_str() + first + 1);
      if (token <= 0 || token > token_max) continue;  // not a name we gave
      try {
        if (tx.exec_params1("SELECT pg_try_advisory_lock($1, $2)", lease_class, token)[0].as<bool>()) {
          tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
          tx.exec_params("SELECT pg_advisory_unlock($1, $2)", lease_class, token);
        }
      } catch (const pqxx::sql_error& e) {
        // One leftover we cannot drop must not stop this run: the next run tries again.
        std::cerr << "verdict: could not drop leftover database " << name << ": " << e.what() << "\n";
      }
    }
  }
}

std::string ensure_template(const Server& server) {
  hold_lease(server);
  const auto& system = system_under_test();
  std::string name = fmt::format("{}tpl_{}", database_prefix, system.schema_fingerprint().substr(0, 16));
  pqxx::connection admin(server.conninfo("postgres", ""));
  pqxx::nontransaction tx(admin);
  tx.exec(fmt::format("SELECT pg_advisory_lock({})", template_lock_key));
  struct Unlock {
    pqxx::nontransaction& tx;
    ~Unlock() {
      try {
        tx.exec(fmt::format("SELECT pg_advisory_unlock({})", template_lock_key));
      } catch (...) {
      }
    }
  } unlock{tx};
  if (!tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name).empty()) return name;
  // Built under a temporary name and renamed when complete: a half-built template is never used.
  std::string building = fmt::format("{}build_{}", database_prefix, run_token());
  tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(building) + " WITH (FORCE)");
  tx.exec(fmt::format("CREATE DATABASE {} OWNER {} TEMPLATE template0", tx.quote_name(building), owner_role));
  system.migrate(server.conninfo(building, owner_role));
  tx.exec(fmt::format("ALTER DATABASE {} RENAME TO {}", tx.quote_name(building), tx.quote_name(name)));
  // Cloning fails while anyone is connected to the template.
  tx.exec(fmt::format("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true", tx.quote_name(name)));
  return name;
}

ScratchDatabase::ScratchDatabase(const Server& server, const std::string& template_name, const std::string& label)
    : server_(server) {
  hold_lease(server_);
  std::string clean;
  for (char c : label) {
    if (clean.size() >= 24) break;
    clean += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  name_ = fmt::format("{}t_{}_{}_{}", database_prefix, run_token(), scratch_sequence++, clean);
  exec_admin(server_.conninfo("postgres", ""),
             fmt::format("CREATE DATABASE \"{}\" TEMPLATE \"{}\" OWNER {}", name_, template_name, owner_role));
}

ScratchDatabase::~ScratchDatabase() {
  if (keep_) return;
  try {
    exec_admin(server_.conninfo("postgres", ""), fmt::format("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", name_));
  } catch (...) {
    // A scratch database that could not be dropped is removed with its cluster or by the next run.
  }
}

void ScratchDatabase::keep() {
  if (keep_) return;
  // Kept databases leave the scratch namespace, so no later run takes them for a killed run's leftovers.
  std::string kept = "verdict_kept_" + name_.substr(std::string("verdict_t_").size());
  exec_admin(server_.conninfo("postgres", ""), fmt::format("ALTER DATABASE \"{}\" RENAME TO \"{}\"", name_, kept));
  name_ = kept;
  keep_ = true;
}

std::string ScratchDatabase::app_conninfo() const { return server_.conninfo(name_, app_role); }
std::string ScratchDatabase::owner_conninfo() const { return server_.conninfo(name_, owner_role); }
std::string ScratchDatabase::admin_conninfo() const { return server_.conninfo(name_, ""); }

}  // namespace verdict::db

namespace verdict::db {

std::string query_rows_json(const std::string& conninfo, const std::string& sql) {
  pqxx::connection c(conninfo);
  pqxx::nontransaction tx(c);
  auto rows = tx.exec(sql);
  json array = json::array();
  for (const auto& row : rows) {
    json object = json::object();
    for (const auto& field : row) object[field.name()] = field.is_null() ? json(nullptr) : json(field.c_str());
    array.push_back(std::move(object));
  }
  return array.dump();
}

std::string table_fingerprints(const std::string& conninfo, const std::vector<std::string>& tables) {
  pqxx::connection c(conninfo);
  pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
  json out = json::object();
  for (const auto& table : tables) {
    auto row = tx.exec1(fmt::format(
        "SELECT count(*)::text || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {} t",
        tx.quote_name(table)));
    out[table] = row[0].as<std::string>();
  }
  return out.dump();
}

}  // namespace verdict::db
