// What the invariant checker's cost is made of: each invariant's own query timed alone, and the
// plans (EXPLAIN ANALYZE) of those queries and of the checker's combined statement.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>

#include "support.hpp"

namespace bench {
namespace {

constexpr int warmup_rounds = 10;  // past the plan cache's five custom plans

// The parameter as libpqxx sends it: the scope's text, or NULL for the full form.
pqxx::result execute(pqxx::transaction_base& tx, const std::string& statement,
                     const std::optional<std::string>& scope) {
  return scope ? tx.exec_prepared(statement, *scope) : tx.exec_prepared(statement, nullptr);
}

std::string literal(pqxx::transaction_base& tx, const std::optional<std::string>& scope) {
  return scope ? tx.quote(*scope) + "::jsonb" : std::string("NULL::jsonb");
}

}  // namespace

std::vector<const verdict::Invariant*> selected_invariants(const std::optional<std::string>& scope) {
  std::vector<const verdict::Invariant*> out;
  std::set<std::string> kinds;
  if (scope) {
    const json parsed = json::parse(*scope);  // items() refers to it: it must outlive the loop
    for (const auto& [kind, ids] : parsed.items())
      if (!ids.empty()) kinds.insert(kind);
  }
  for (const auto& invariant : verdict::invariants()) {
    if (!scope ||
        std::any_of(invariant.reads.begin(), invariant.reads.end(), [&](const auto& k) { return kinds.count(k) > 0; }))
      out.push_back(&invariant);
  }
  return out;
}

std::string checker_sql(const std::vector<const verdict::Invariant*>& invariants) {
  std::string sql;
  for (const auto* invariant : invariants) {
    if (!sql.empty()) sql += "\nUNION ALL\n";
    sql += fmt::format(
        "(SELECT '{}'::text AS invariant_id, count(*) AS row_count, "
        "coalesce(jsonb_agg(v.j ORDER BY v.n) FILTER (WHERE v.n <= {}), '[]'::jsonb)::text AS rows "
        "FROM (SELECT (SELECT jsonb_object_agg(e.key, e.value #>> '{{}}') FROM jsonb_each(to_jsonb(r)) e) AS j, "
        "row_number() OVER () AS n FROM ({}) r) v)",
        invariant->id, verdict::rows_reported_max, invariant->sql);
  }
  return sql;
}

std::vector<std::pair<std::string, double>> time_invariants(const std::string& conninfo,
                                                            const std::optional<std::string>& scope, int repeats) {
  pqxx::connection c(conninfo);
  auto invariants = selected_invariants(scope);
  for (std::size_t i = 0; i < invariants.size(); ++i) c.prepare(fmt::format("inv_{}", i), invariants[i]->sql);
  std::vector<std::vector<double>> samples(invariants.size());
  for (int round = 0; round < warmup_rounds + repeats; ++round) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(c);
    for (std::size_t i = 0; i < invariants.size(); ++i) {
      auto started = std::chrono::steady_clock::now();
      auto rows = execute(tx, fmt::format("inv_{}", i), scope);
      double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();
      if (round >= warmup_rounds) samples[i].push_back(us);
      if (!rows.empty()) throw std::runtime_error(invariants[i]->id + " found violations in a clean history");
    }
    tx.commit();
  }
  std::vector<std::pair<std::string, double>> out;
  for (std::size_t i = 0; i < invariants.size(); ++i) out.emplace_back(invariants[i]->id, median(samples[i]));
  return out;
}

void write_explain(const std::string& conninfo, const std::optional<std::string>& scope, const std::string& path) {
  pqxx::connection c(conninfo);
  auto invariants = selected_invariants(scope);
  std::ofstream out(path);
  pqxx::work tx(c);
  const std::string parameter = literal(tx, scope);
  auto explain = [&](const std::string& title, const std::string& statement) {
    out << "== " << title << "\n";
    for (const auto& row : tx.exec(fmt::format("EXPLAIN (ANALYZE, BUFFERS) EXECUTE {}({})", statement, parameter)))
      out << row[0].as<std::string>() << "\n";
  };
  for (std::size_t i = 0; i < invariants.size(); ++i) {
    tx.exec(fmt::format("PREPARE inv_{}(jsonb) AS {}", i, invariants[i]->sql));
    for (int round = 0; round < warmup_rounds; ++round) tx.exec(fmt::format("EXECUTE inv_{}({})", i, parameter));
    explain(invariants[i]->id + ", alone", fmt::format("inv_{}", i));
  }
  tx.exec("PREPARE checker(jsonb) AS " + checker_sql(invariants));
  explain("the checker's statement, first execution", "checker");
  for (int round = 0; round < warmup_rounds; ++round) tx.exec(fmt::format("EXECUTE checker({})", parameter));
  explain("the checker's statement, after the plan cache's first five executions", "checker");
  out << "== the checker's statement\n" << checker_sql(invariants) << "\n";
}

std::optional<std::string> explain_dir() {
  const char* dir = std::getenv("VERDICT_BENCH_EXPLAIN_DIR");
  if (!dir || !*dir) return std::nullopt;
  return std::string(dir);
}

}  // namespace bench
