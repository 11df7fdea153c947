#pragma once
// The stress toolkit (issue 5 §6): N workers, each with its own connection of the system under test,
// run their own sequence of commands at once; every connection carries lock_timeout and
// statement_timeout; a watchdog enforces the deadline even while workers wait on locks (it cancels
// their statements); every operation is recorded (invoke, completion, outcome, worker, touched keys)
// and saved as JSON Lines in the run directory. The same seed gives every worker the same sequence of
// commands; what the system answers still depends on scheduling.
//
// Laws about contention are preconditions, not findings: a workload checks the overlap it got
// (operations in flight at once, measured from the history) and reports too little as `error`,
// naming what to raise, never as a failure of the system.

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "verdict/report.hpp"
#include "verdict/runtime.hpp"
#include "verdict/suites.hpp"
#include "verdict/system.hpp"

namespace verdict::stress {

// Bounds on every worker connection: a lock or statement that waits longer is cancelled by the
// server (the outcome then says so), so no worker can hang the run.
inline constexpr int lock_timeout_ms = 5000;
inline constexpr int statement_timeout_ms = 30000;

struct Operation {
  int worker = 0;
  int index = 0;  // within the worker's sequence
  Command command;
  StepOutcome outcome;
  std::int64_t invoked_us = 0;    // since the run started
  std::int64_t completed_us = 0;  // since the run started
  std::string exception;          // when the connection threw instead of answering
};

struct History {
  std::vector<Operation> operations;  // in completion order per worker, workers concatenated
  bool deadline_hit = false;
  std::int64_t wall_us = 0;
  std::string path;  // where the JSON Lines were written ("" when no run directory)
};

// The next command of a worker's sequence, or nullopt when the worker is done. Must depend only on
// (worker, index, rng), where rng is the worker's own, seeded from the run's seed and the worker.
using NextCommand = std::function<std::optional<Command>(int worker, int index, std::mt19937_64& rng)>;

// Runs `params.threads` workers against `app_conninfo` until each sequence ends (at most
// `params.ops_per_thread` operations each) or the deadline passes. `admin_conninfo` is used by the
// watchdog only. Records every operation into `stats` and the history.
History run_workers(const RunContext& context, const std::string& workload, const std::string& app_conninfo,
                    const std::string& admin_conninfo, const StressParams& params, const NextCommand& next,
                    SuiteStats& stats);

// The most operations that were in flight at one moment (from the recorded intervals).
int max_in_flight(const std::vector<Operation>& operations);

std::string replay_line(const std::string& workload, const StressParams& params);

}  // namespace verdict::stress
