// The stress toolkit: workers, timeouts, the watchdog, the history and its overlap.

#include "verdict/stress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <latch>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "verdict/secrets.hpp"
#include "verdict/server.hpp"

namespace verdict::stress {
namespace {
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::int64_t micros_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

json operation_json(const Operation& o) {
  json line{{"worker", o.worker},
            {"index", o.index},
            {"command", o.command.name},
            {"args", json::parse(o.command.args_json, nullptr, false)},
            {"invoked_us", o.invoked_us},
            {"completed_us", o.completed_us},
            {"outcome", to_string(o.outcome.status)},
            {"attempts", o.outcome.attempts},
            {"touched", json::parse(o.outcome.touched_json, nullptr, false)}};
  if (o.outcome.status == OutcomeStatus::ok) line["values"] = json::parse(o.outcome.values_json, nullptr, false);
  if (o.outcome.status == OutcomeStatus::error) line["code"] = o.outcome.code;
  if (!o.exception.empty()) line["exception"] = o.exception;
  return line;
}

}  // namespace

std::string replay_line(const std::string& workload, const StressParams& params) {
  return fmt::format("{} stress --workload {} --seed {} --threads {} --ops {}", replay_prefix(), workload, params.seed,
                     params.threads, params.ops_per_thread);
}

int max_in_flight(const std::vector<Operation>& operations) {
  // A sweep over start (+1) and end (-1) events; an end at the same instant as a start comes first.
  std::vector<std::pair<std::int64_t, int>> events;
  for (const auto& o : operations) {
    events.emplace_back(o.invoked_us, +1);
    events.emplace_back(o.completed_us, -1);
  }
  std::sort(events.begin(), events.end());
  int now = 0, most = 0;
  for (const auto& [at, delta] : events) {
    now += delta;
    most = std::max(most, now);
  }
  return most;
}

History run_workers(const RunContext& context, const std::string& workload, const std::string& app_conninfo,
                    const std::string& admin_conninfo, const StressParams& params, const NextCommand& next,
                    SuiteStats& stats) {
  History history;
  const auto& system = system_under_test();
  // Every worker's connection is named, so that the watchdog can find and cancel its statements.
  const std::string tag = fmt::format("verdict-stress-{}-{}", workload, ::getpid());
  std::vector<std::unique_ptr<SystemConnection>> connections;
  for (int w = 0; w < params.threads; ++w) {
    connections.push_back(
        system.connect(db::with_session_settings(app_conninfo,
                                                 {{"lock_timeout", std::to_string(lock_timeout_ms)},
                                                  {"statement_timeout", std::to_string(statement_timeout_ms)}},
                                                 fmt::format("{}-w{}", tag, w))));
  }

  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;  // GUARDED_BY(mutex)
  std::vector<std::vector<Operation>> per_worker(params.threads);
  std::vector<SuiteStats> per_worker_stats(params.threads);
  std::atomic<bool> deadline_hit{false};
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(params.deadline_ms);

  // The watchdog: at the deadline, cancel whatever the workers are waiting on.
  std::thread watchdog([&] {
    std::unique_lock lock(mutex);
    if (done_cv.wait_until(lock, deadline, [&] { return done; })) return;
    deadline_hit = true;
    lock.unlock();
    try {
      db::exec_admin(admin_conninfo, fmt::format("SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
                                                 "WHERE application_name LIKE '{}-w%'",
                                                 tag));
    } catch (const std::exception&) {
      // The workers stop at their next check of the deadline anyway.
    }
  });

  std::latch ready(params.threads);
  std::vector<std::thread> workers;
  for (int w = 0; w < params.threads; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937_64 rng(params.seed * 1000003ULL + static_cast<std::uint64_t>(w));
      ready.arrive_and_wait();
      for (int i = 0; i < params.ops_per_thread && !deadline_hit; ++i) {
        if (Clock::now() > deadline) {
          deadline_hit = true;
          break;
        }
        auto command = next(w, i, rng);
        if (!command) break;
        Operation op;
        op.worker = w;
        op.index = i;
        op.command = *command;
        op.invoked_us = micros_since(start);
        try {
          op.outcome = connections[w]->execute(op.command);
        } catch (const std::exception& e) {
          // The system must answer with an outcome; the workload's laws judge an exception.
          op.outcome.status = OutcomeStatus::error;
          op.outcome.code = "EXCEPTION";
          op.exception = e.what();
        }
        op.completed_us = micros_since(start);
        per_worker_stats[w].record(op.completed_us - op.invoked_us, std::max(op.outcome.attempts, 1));
        per_worker[w].push_back(std::move(op));
      }
    });
  }
  for (auto& t : workers) t.join();
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  done_cv.notify_all();
  watchdog.join();

  history.wall_us = micros_since(start);
  history.deadline_hit = deadline_hit;
  for (int w = 0; w < params.threads; ++w) {
    stats.merge(per_worker_stats[w]);
    for (auto& op : per_worker[w]) history.operations.push_back(std::move(op));
  }
  if (!context.out_dir().empty()) {
    history.path = context.out_dir() + "/history-" + workload + ".jsonl";
    std::ofstream out(history.path);
    for (const auto& op : history.operations)
      out << secrets::redact(operation_json(op).dump(-1, ' ', false, json::error_handler_t::replace)) << "\n";
    if (!out) throw std::runtime_error("cannot write the history " + history.path);
  }
  return history;
}

}  // namespace verdict::stress
