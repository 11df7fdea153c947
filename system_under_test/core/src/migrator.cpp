#include "sut/migrator.hpp"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <pqxx/pqxx>

namespace sut {
namespace {
constexpr long long migration_lock_key = 7331002;

// FNV-1a, 64 bit: a fingerprint to name a template, not a security boundary (checksums of applied
// migrations use the server's md5, see migrate()).
std::uint64_t fnv1a(const std::string& text, std::uint64_t hash) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}
}  // namespace

std::string migrations_fingerprint(const std::vector<Migration>& migrations) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const auto& m : migrations) hash = fnv1a(fmt::format("{}:{}:{}:{}\n", m.module, m.version, m.name, m.sql), hash);
  return fmt::format("{:016x}", hash);
}

int migrate(const std::string& conninfo, const std::vector<Migration>& migrations) {
  pqxx::connection c(conninfo);
  // libpqxx allows one open transaction object per connection: each statement gets its own.
  auto run = [&c](const std::string& sql) {
    pqxx::nontransaction n(c);
    n.exec(sql);
  };
  run(fmt::format("SELECT pg_advisory_lock({})", migration_lock_key));
  struct Unlock {
    std::function<void(const std::string&)> run;
    ~Unlock() {
      try {
        run(fmt::format("SELECT pg_advisory_unlock({})", migration_lock_key));
      } catch (...) {
      }
    }
  } unlock{run};
  run("CREATE TABLE IF NOT EXISTS schema_migrations ("
      " module text NOT NULL, version integer NOT NULL, name text NOT NULL, checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (module, version))");
  using Key = std::pair<std::string, int>;                  // (module, version)
  std::map<Key, std::pair<std::string, std::string>> done;  // -> (name, checksum)
  {
    pqxx::work w(c);
    for (const auto& row : w.exec("SELECT module, version, name, checksum FROM schema_migrations")) {
      done[{row[0].as<std::string>(), row[1].as<int>()}] = {row[2].as<std::string>(), row[3].as<std::string>()};
    }
    w.commit();
  }
  std::map<Key, const Migration*> known;
  for (const auto& m : migrations) known[{m.module, m.version}] = &m;
  for (const auto& [key, entry] : done) {
    if (!known.count(key)) {
      throw MigrationError(fmt::format("migration {}/{} ({}) is applied to the database but unknown to this build",
                                       key.first, key.second, entry.first));
    }
  }
  int applied = 0;
  // In the given order (modules by dependency, then version), not the map's.
  for (const auto& m : migrations) {
    Key key{m.module, m.version};
    pqxx::work w(c);
    std::string checksum = w.exec_params1("SELECT md5($1)", m.sql)[0].as<std::string>();
    if (auto it = done.find(key); it != done.end()) {
      if (it->second.second != checksum) {
        throw MigrationError(fmt::format(
            "migration {}/{} ({}) changed after it was applied: checksum {} in the database, {} in this build; "
            "add a new migration instead of editing an applied one",
            m.module, m.version, m.name, it->second.second, checksum));
      }
      continue;
    }
    try {
      w.exec(m.sql);
      w.exec_params("INSERT INTO schema_migrations (module, version, name, checksum) VALUES ($1, $2, $3, $4)", m.module,
                    m.version, m.name, checksum);
      w.commit();
    } catch (const pqxx::sql_error& e) {
      // The migration's transaction rolled back: none of it is applied.
      throw MigrationError(
          fmt::format("migration {}/{} ({}) failed and was rolled back: {}", m.module, m.version, m.name, e.what()));
    }
    ++applied;
  }
  return applied;
}

}  // namespace sut
