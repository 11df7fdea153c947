#pragma once
// The database server the harness runs against (DESIGN §4 "Database roles", issue #2 §2).
//   - embedded: a throwaway PostgreSQL 15 cluster in a private temporary directory, run as the
//     `postgres` system user when we are root, removed on exit, on failure and on SIGINT/SIGTERM;
//     a cluster left behind by a killed run is removed by the next run.
//   - external: DATABASE_URL. Only databases with our prefix are created and dropped.
// Connection strings are libpq keyword/value strings (psql accepts them as they are).

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace verdict::db {

inline constexpr const char* owner_role = "verdict_owner";  // runs migrations, owns the schema
inline constexpr const char* app_role = "verdict_app";      // the system under test: DML only
inline constexpr const char* database_prefix = "verdict_";

struct ServerOptions {
  bool durable = false;   // keep fsync, synchronous_commit, full_page_writes on (and stay on disk)
  bool in_memory = true;  // may live in /dev/shm (not for a cluster kept for a person to inspect)
};

class Server {
 public:
  virtual ~Server() = default;
  // A connection string to `dbname` as `role` ("" = the administrator: the embedded cluster's
  // superuser, or the DATABASE_URL user).
  virtual std::string conninfo(const std::string& dbname, const std::string& role) const = 0;
  // The same as a postgresql:// URL where the server can say it that way (else the conninfo).
  virtual std::string url(const std::string& dbname, const std::string& role) const { return conninfo(dbname, role); }
  virtual std::string describe() const = 0;
  virtual bool embedded() const = 0;
  // Leave the server running when this object dies (`verdict db start`).
  virtual void keep() = 0;
};

// VERDICT_SERVER_STATE (a cluster kept by `verdict db start --state FILE`, e.g. the CTest fixture),
// else DATABASE_URL, else a new embedded cluster.
std::unique_ptr<Server> server_from_environment(const ServerOptions& options);
std::unique_ptr<Server> start_embedded(const ServerOptions& options);
std::unique_ptr<Server> attach_state_file(const std::string& state_path);
std::unique_ptr<Server> external_server(const std::string& database_url);
// DATABASE_URL read into a server, without connecting (external_server then checks and prepares it;
// the fuzz target stops here). Throws when libpq cannot parse it.
std::unique_ptr<Server> parse_database_url(const std::string& database_url);
// The set keywords of a libpq connection string or URL, in libpq's order. Throws naming `what`.
std::vector<std::pair<std::string, std::string>> conninfo_params(const std::string& conninfo, const char* what);
// Writes the state file of a kept embedded server (so another process can attach or stop it).
void write_state_file(const Server& server, const std::string& state_path);
// Stops and removes the embedded cluster a state file names; false if there was none.
bool stop_state_file(const std::string& state_path);
// Whether the server named by the cluster's postmaster.pid still runs: its PID is alive, not a zombie,
// and that cluster's postmaster (its command line names <root>/data), not a process that reused the
// PID. An unreadable pid file or command line counts as alive (never remove under a live server).
bool postmaster_alive(const std::string& cluster_root);
// Removes embedded clusters whose owning process is gone. Called by every start.
int remove_stale_clusters();

// What a run needs of an external server's role, checked once before anything else: a superuser, or
// CREATEDB and (CREATEROLE, or membership in verdict_owner and verdict_app made by an administrator),
// and verdict_app held by row-level security. Throws one message naming everything missing and the
// statements that grant it.
void preflight(const Server& server);
// Creates our roles if missing; drops our databases left by killed runs (external servers).
void prepare_server(const Server& server);

// Template database migrated once; every test, case and run clones it (~40 ms).
// Concurrency-safe across processes (an advisory lock serialises builders).
std::string ensure_template(const Server& server);

// A database cloned from the template, dropped when this object dies unless kept.
class ScratchDatabase {
 public:
  ScratchDatabase(const Server& server, const std::string& template_name, const std::string& label);
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  std::string app_conninfo() const;
  std::string owner_conninfo() const;
  std::string admin_conninfo() const;
  // Renames it to verdict_kept_… and leaves it when this object dies. REQUIRES: no connection to it yet.
  void keep();

 private:
  const Server& server_;
  std::string name_;
  bool keep_ = false;
};

// Runs SQL as the administrator on `conninfo` (no result). For set-up and planting in tests.
void exec_admin(const std::string& conninfo, const std::string& sql);
// Runs a query (as whoever conninfo names) and returns its rows as a JSON array of objects, every
// value as text. For the laws of stress workloads and for tests.
std::string query_rows_json(const std::string& conninfo, const std::string& sql);
// Per table: "<row count>:<md5 of the rows in order>". Equal before and after = nothing written.
std::string table_fingerprints(const std::string& conninfo, const std::vector<std::string>& tables);
// Quotes a value for a libpq keyword/value connection string.
std::string quote_conninfo_value(const std::string& value);
// `conninfo` with session settings added to its options (kept: whatever options it had, such as
// `-c role=…`) and an application_name: e.g. {{"lock_timeout", "5000"}} → options='… -c lock_timeout=5000'.
std::string with_session_settings(const std::string& conninfo,
                                  const std::vector<std::pair<std::string, std::string>>& settings,
                                  const std::string& application_name);

}  // namespace verdict::db
