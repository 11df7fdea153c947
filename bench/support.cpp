// Bench support: the run context, the shop, pgbench on the same cluster, summary statistics.

#include "support.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <stdexcept>

namespace bench {
namespace {

// Where pgbench lives: the PostgreSQL 15 binaries the embedded cluster runs from.
std::string pgbench_path() {
  const char* dir = std::getenv("VERDICT_PG_BIN");
  return fmt::format("{}/pgbench", dir ? dir : "/usr/lib/postgresql/15/bin");
}

// Runs argv without a shell (a conninfo string may hold quotes and spaces) and returns its
// stdout and stderr together. Throws when it cannot start or exits non-zero.
std::string run_capture(const std::vector<std::string>& argv) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error(fmt::format("pipe: {}", strerror(errno)));
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(fmt::format("fork: {}", strerror(errno)));
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("{} failed (status {}):\n{}", argv[0], status, text));
  return text;
}

}  // namespace

verdict::RunContext& run_context() {
  static verdict::RunContext context("");
  static const bool described = (verdict::system_under_test(), true);
  (void)described;
  return context;
}

json must(const sut::Executed& executed, const std::string& step) {
  if (executed.kind == sut::Executed::Kind::ok) return executed.values;
  if (executed.kind == sut::Executed::Kind::error)
    throw std::runtime_error(
        fmt::format("set-up step '{}' failed: {} {}", step, executed.error.code, executed.error.message));
  throw std::runtime_error(fmt::format("set-up step '{}' has an unknown outcome: {}", step, executed.message));
}

json must(const verdict::StepOutcome& outcome, const std::string& step) {
  if (outcome.status == verdict::OutcomeStatus::ok) return json::parse(outcome.values_json);
  throw std::runtime_error(fmt::format("step '{}' came back {}: {} {}", step, verdict::to_string(outcome.status),
                                       outcome.code, outcome.message));
}

verdict::Command command(const std::string& name, const json& args) {
  verdict::Command c;
  c.name = name;
  c.tenant = tenant;
  c.actor = actor;
  c.as_of = as_of;
  c.args_json = args.dump();
  return c;
}

Shop::Shop(const std::vector<std::string>& locations)
    : database_(run_context().new_database("bench")),
      session_(database_->app_conninfo()),
      context_{tenant, actor, as_of, "", ""} {
  must(run("access.create_tenant", json::object()), "create tenant");
  must(run("inventory.add_product", {{"sku", sku}, {"name", "Widget"}}), "add product");
  for (const auto& l : locations) must(run("inventory.add_location", {{"location", l}}), "add location " + l);
}

sut::Executed Shop::run(const std::string& name, const json& args) { return session_.execute(name, context_, args); }

json Shop::receive(const std::string& batch, const std::string& location, const std::string& qty) {
  return must(run("inventory.receive",
                  {{"sku", sku}, {"batch", batch}, {"location", location}, {"qty", qty}, {"unit_cost", "1.0000"}}),
              fmt::format("receive {} {} at {}", qty, batch, location));
}

PgbenchRun run_pgbench(int clients, int duration_s) {
  // A database of its own, cloned like any other and dropped when this returns.
  auto database = run_context().new_database("pgbench");
  const std::string conninfo = database->admin_conninfo();
  run_capture({pgbench_path(), "-i", "-q", "-s", "1", conninfo});
  std::string text = run_capture({pgbench_path(), "-n", "-c", std::to_string(clients), "-j",
                                  std::to_string(std::min(clients, 2)), "-T", std::to_string(duration_s), conninfo});
  std::smatch tps, processed;
  if (!std::regex_search(text, tps, std::regex(R"(tps = ([0-9.]+))")))
    throw std::runtime_error("pgbench printed no 'tps = ' line:\n" + text);
  if (!std::regex_search(text, processed, std::regex(R"(actually processed: ([0-9]+))")))
    throw std::runtime_error("pgbench printed no 'actually processed' line:\n" + text);
  return {clients, duration_s, std::stod(tps[1]), std::stoll(processed[1])};
}

double median(std::vector<double> samples) { return percentile(std::move(samples), 50); }

double percentile(std::vector<double> samples, int p) {
  if (samples.empty()) throw std::logic_error("percentile of no samples");
  std::sort(samples.begin(), samples.end());
  // Nearest rank: the smallest sample with at least p% of the samples at or below it.
  auto rank = static_cast<std::size_t>((p * samples.size() + 99) / 100);
  return samples[rank == 0 ? 0 : rank - 1];
}

}  // namespace bench
