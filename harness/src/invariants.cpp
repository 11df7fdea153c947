// Running invariants and rendering docs/INVARIANTS.md.
//
// Every check is one statement: the selected invariants' queries joined by UNION ALL, each wrapped
// so that it reports its id, the count of all its violating rows and the first rows_reported_max
// of them as a JSON array of objects whose values are text (exact decimals stay strings; nothing
// passes through a double). Statements are prepared once per connection and invariant set.

#include "verdict/invariants.hpp"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>

namespace verdict {
namespace {

std::string wrapped(const Invariant& invariant) {
  return fmt::format(
      "SELECT '{}'::text AS invariant_id, count(*) AS row_count, "
      "coalesce(jsonb_agg(v.j ORDER BY v.n) FILTER (WHERE v.n <= {}), '[]'::jsonb)::text AS rows "
      "FROM (SELECT (SELECT jsonb_object_agg(e.key, e.value #>> '{{}}') FROM jsonb_each(to_jsonb(r)) e) AS j, "
      "row_number() OVER () AS n FROM ({}) r) v",
      invariant.id, rows_reported_max, invariant.sql);
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// One form of an invariant's text, with the switch between its forms decided before planning: the
// planner then drops the other form's branches, a full statement has no parameter at all, and a
// scoped one keeps only index conditions on $1, so generic plans stay cheap and use the indexes.
std::string form(std::string sql, bool full) {
  replace_all(sql, "$1::jsonb IS NOT NULL", full ? "false" : "true");
  replace_all(sql, "$1::jsonb IS NULL", full ? "true" : "false");
  if (full) replace_all(sql, "$1::jsonb", "NULL::jsonb");
  return sql;
}

std::string combined_sql(const std::vector<const Invariant*>& selected, bool full) {
  std::string sql;
  for (const auto* invariant : selected) {
    if (!sql.empty()) sql += "\nUNION ALL\n";
    Invariant one = *invariant;
    one.sql = form(one.sql, full);
    sql += "(" + wrapped(one) + ")";
  }
  return sql;
}

}  // namespace

struct InvariantChecker::Impl {
  explicit Impl(const std::string& conninfo) : connection(conninfo) {
    pqxx::nontransaction n(connection);
    // The forms are fixed before preparing (see form()), so a generic plan is the right plan: plan
    // each statement once, not per call (planning the combined statement costs milliseconds).
    n.exec("SET plan_cache_mode = force_generic_plan");
    // A scoped plan made on a fresh, near-empty database would keep scanning whole tables as they
    // grow: scoped forms are planned with sequential scans off (the full form turns them back on
    // for its own plan), and without JIT, whose compile time dwarfs an index probe.
    n.exec("SET jit = off");
    n.exec("SET enable_seqscan = off");
    // A checker that cannot see every row would pass any database: row-level security hides other
    // tenants' rows from roles that neither bypass it nor own the tables. Refuse to judge instead.
    auto sees_all = n.exec1(fmt::format(
        "SELECT r.rolname, r.rolsuper OR r.rolbypassrls OR EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = '{}' "
        "AND pg_has_role(current_user, o.oid, 'MEMBER')) FROM pg_roles r WHERE r.rolname = current_user",
        invariant_reader_role));
    if (!sees_all[1].as<bool>()) {
      throw std::runtime_error(
          fmt::format("the invariant checker connects as role '{}', which cannot see every tenant's rows (row-level "
                      "security would hide them and every invariant would pass): connect as a superuser, a role with "
                      "BYPASSRLS, or a member of {}",
                      sees_all[0].as<std::string>(), invariant_reader_role));
    }
  }
  pqxx::connection connection;
  std::map<std::string, std::string> prepared;  // invariant ids joined -> statement name

  std::vector<Violation> run(const std::vector<const Invariant*>& selected, const std::optional<std::string>& scope) {
    std::vector<Violation> out;
    if (selected.empty()) return out;
    std::string key = scope ? "scoped:" : "full:";
    for (const auto* i : selected) key += i->id + ",";
    auto it = prepared.find(key);
    if (it == prepared.end()) {
      std::string name = fmt::format("verdict_invariants_{}", prepared.size());
      connection.prepare(name, combined_sql(selected, !scope));
      it = prepared.emplace(key, name).first;
    }
    // One statement, so one snapshot for all invariants: they judge one consistent state. The scoped
    // form runs alone (one round trip); the full form in a transaction that re-enables sequential
    // scans, under which its plan is made on first use.
    pqxx::result rows;
    if (scope) {
      pqxx::nontransaction tx(connection);
      rows = tx.exec_prepared(it->second, *scope);
    } else {
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(connection);
      tx.exec("SET LOCAL enable_seqscan = on");
      rows = tx.exec_prepared(it->second);
      tx.commit();
    }
    std::map<std::string, const Invariant*> by_id;
    for (const auto* i : selected) by_id[i->id] = i;
    for (const auto& row : rows) {
      auto count = row[1].as<std::size_t>();
      if (count == 0) continue;
      const Invariant* invariant = by_id.at(row[0].as<std::string>());
      out.push_back({invariant->id, invariant->severity, row[2].as<std::string>(), count});
    }
    return out;
  }
};

InvariantChecker::InvariantChecker(const std::string& conninfo) : impl_(new Impl(conninfo)) {}
InvariantChecker::~InvariantChecker() { delete impl_; }

std::vector<Violation> InvariantChecker::check(const std::optional<std::string>& scope_json) {
  std::vector<const Invariant*> selected;
  if (!scope_json) {
    for (const auto& invariant : invariants()) selected.push_back(&invariant);
    return impl_->run(selected, std::nullopt);
  }
  std::set<std::string> touched;
  auto scope = nlohmann::json::parse(*scope_json);
  for (const auto& [kind, ids] : scope.items())
    if (!ids.empty()) touched.insert(kind);
  for (const auto& invariant : invariants()) {
    for (const auto& kind : invariant.reads) {
      if (touched.count(kind)) {
        selected.push_back(&invariant);
        break;
      }
    }
  }
  return impl_->run(selected, scope_json);
}

std::vector<Violation> InvariantChecker::check_ids(const std::vector<std::string>& ids) {
  std::vector<const Invariant*> selected;
  for (const auto& invariant : invariants())
    for (const auto& id : ids)
      if (invariant.id == id) selected.push_back(&invariant);
  return impl_->run(selected, std::nullopt);
}

std::string invariants_markdown() {
  std::string out =
      "# Invariants\n\n"
      "<!-- Generated by `./verdict docs` from the invariant registry; do not edit by hand. -->\n\n"
      "Each invariant is a query that returns the rows that break it; zero rows means it holds. The "
      "step engine runs the scoped form (only the keys a step touched, and only the invariants that read "
      "a touched kind, in one statement) after every step and the full form every K steps and at the end "
      "of a run. The scoped form costs O(rows the step changed); the full form re-sums independently. "
      "`verdict invariants --check --database URL` runs them all against any database.\n\n"
      "| id | module | severity | reads | purpose |\n|---|---|---|---|---|\n";
  for (const auto& inv : invariants()) {
    std::string reads;
    for (const auto& r : inv.reads) reads += (reads.empty() ? "`" : ", `") + r + "`";
    out += fmt::format("| {} | {} | {} | {} | {} |\n", inv.id, inv.module, inv.severity, reads, inv.purpose);
  }
  for (const auto& inv : invariants()) {
    out += fmt::format("\n## {}\n\n{}\n\n- module: {}\n- severity: {}\n- remediation: {}\n\n```sql\n{}\n```\n", inv.id,
                       inv.purpose, inv.module, inv.severity, inv.remediation, inv.sql);
  }
  return out;
}

}  // namespace verdict
