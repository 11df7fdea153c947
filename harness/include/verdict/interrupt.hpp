#pragma once
// Signals and crashes (issue 6, "signal-safe clean-up"). One thread of the process handles SIGINT,
// SIGTERM and SIGHUP (every other thread has them blocked) and, when the harness crashes (SIGSEGV,
// SIGBUS, SIGFPE, SIGILL, SIGABRT), the clean-up the crashed thread cannot do itself. It runs the
// registered hooks (the embedded server removes its clusters, the run writes a verdict.json with
// status error and the reason) and then ends the process: 128 + N after a signal (130, 143, 129),
// by the crash signal itself after a crash.
//
// Exactly one of two things ends the process: the main thread (finish()) or the handler. Whichever
// comes first wins, so an interrupted run never exits with the code of a run that went on, and a
// run that ended never has its files half rewritten.
//
// Invariants: a hook runs at most once per process, in registration order, on the handler thread
// (never inside a signal handler: it may allocate, spawn pg_ctl and write files).

#include <functional>
#include <string>
#include <string_view>

namespace verdict::interrupt {

// Put a limit on the clean-up after a crash: a heap or lock the crash left broken may hang it; after
// this many seconds SIGALRM ends the process (what is still registered is removed by the next run).
inline constexpr unsigned crash_cleanup_s_max = 30;

// REQUIRES: called before any thread is started (first thing in main), so that every thread
// inherits the blocked signals. Idempotent.
void install();

// Why the run is being ended, for the hooks.
struct Event {
  int signal = 0;      // SIGINT, SIGTERM, SIGHUP, or the crash signal
  bool crash = false;  // the harness crashed (the process ends by `signal` after the hooks)
  std::string reason;  // e.g. "interrupted by SIGTERM", "the harness crashed (SIGSEGV)"
};

using Hook = std::function<void(const Event&)>;
// Adds a hook; returns its id for remove_hook.
int add_hook(Hook hook);
void remove_hook(int id);

// Writes to a file descriptor directly. Hooks print with this, never through std::cout or stdio: a
// crashed thread may hold their locks.
void print(int fd, std::string_view text);

// True once a signal or crash has been taken: the process is about to end; the caller must not
// write results of its own any more (they would contradict the exit status).
bool requested();

// Ends the main thread's part: returns `code` when nothing was requested (and from then on a signal
// no longer changes how the process ends); otherwise never returns (the handler ends the process).
int finish(int code);

// Never returns: blocks the calling thread until the handler ends the process. REQUIRES: requested().
[[noreturn]] void wait_for_exit();

// "SIGINT", "SIGTERM", ... ("signal N" for others).
std::string signal_name(int signal);

}  // namespace verdict::interrupt
