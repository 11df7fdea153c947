// Signals and crashes: one handler thread runs the clean-up hooks and ends the process.

#include "verdict/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "verdict/secrets.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define VERDICT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VERDICT_SANITIZED 1
#endif
#endif

namespace verdict::interrupt {
namespace {

// The crashed thread cannot clean up (its stack, heap or locks may be broken, and a signal handler
// may call only async-signal-safe functions): it tells the handler thread with this signal and waits.
constexpr int crash_notice_signal = SIGUSR2;
constexpr int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

struct State {
  std::mutex hooks_mutex;
  std::vector<std::pair<int, Hook>> hooks;  // GUARDED_BY(hooks_mutex)
  int next_id = 1;                          // GUARDED_BY(hooks_mutex)
  // Taken, and never released, by whichever ends the process: the main thread (finish) or the
  // handler thread. The other one then blocks on it until the process is gone.
  std::mutex exit_mutex;
  std::atomic<bool> requested{false};
};

// Never destroyed: the handler thread may still use it while the main thread runs exit().
State& state() {
  static State* s = new State;
  return *s;
}

volatile sig_atomic_t crash_signal = 0;
std::atomic<pid_t> handler_tid{0};

void on_crash(int sig) {
  // The handler thread itself called abort() (in a hook): nobody is left to clean up; die as we
  // would have.
  if (handler_tid.load() == gettid()) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  if (crash_signal == 0) {
    crash_signal = sig;
    kill(getpid(), crash_notice_signal);
  }
  for (;;) pause();  // the handler thread ends the process
}

std::vector<Hook> current_hooks() {
  std::lock_guard lock(state().hooks_mutex);
  std::vector<Hook> hooks;
  for (const auto& [id, hook] : state().hooks) hooks.push_back(hook);
  return hooks;
}

[[noreturn]] void end_process(const Event& event) {
  if (event.crash) {
    // Die by the crash signal, as the process would have without us (a debugger, a core dump and the
    // shell's 128 + N all see it).
    signal(event.signal, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, event.signal);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    raise(event.signal);
  }
  _exit(128 + event.signal);
}

void handler_main(sigset_t set) {
  handler_tid = gettid();
  // A crash signal sent from outside (kill -SEGV) goes to another thread, which waits while this one
  // cleans up; a fault of this thread itself, with the signal blocked, ends the process at once.
  sigset_t crashes;
  sigemptyset(&crashes);
  for (int sig : crash_signals) sigaddset(&crashes, sig);
  pthread_sigmask(SIG_BLOCK, &crashes, nullptr);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    Event event;
    if (sig == crash_notice_signal) {
      if (crash_signal == 0) continue;  // someone else's SIGUSR2: not ours to act on
      alarm(crash_cleanup_s_max);       // SIGALRM (not blocked anywhere) ends a clean-up that hangs
      event = Event{crash_signal, true, "the harness crashed (" + signal_name(crash_signal) + ")"};
    } else {
      event = Event{sig, false, "interrupted by " + signal_name(sig)};
    }
    state().requested = true;
    state().exit_mutex.lock();  // blocks for good when the main thread is already ending the process
    if (!event.crash) {
      // What the run printed comes first. Not after a crash: the crashed thread may hold the lock of
      // stdout (it was stopped inside a write), and flushing would wait for it forever.
      std::cout.flush();
      std::fflush(nullptr);
    }
    print(STDERR_FILENO, "\nverdict: " + event.reason + ": cleaning up\n");
    for (const auto& hook : current_hooks()) {
      try {
        hook(event);
      } catch (const std::exception& e) {
        print(STDERR_FILENO, secrets::redact(std::string("verdict: clean-up step failed: ") + e.what()) + "\n");
      } catch (...) {
        print(STDERR_FILENO, "verdict: clean-up step failed\n");
      }
    }
    end_process(event);
  }
}

// An alternate stack for the crash handler of the thread that installs it, so that a stack overflow
// (the one crash a deep recursion gives) can still be reported.
void install_alternate_stack() {
  static std::vector<char> stack(64 * 1024);
  stack_t alt{};
  alt.ss_sp = stack.data();
  alt.ss_size = stack.size();
  sigaltstack(&alt, nullptr);
}

}  // namespace

void install() {
  static std::once_flag once;
  std::call_once(once, [] {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, crash_notice_signal}) sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    // A closed stdout (`verdict gate | head`) must make writes fail, not kill the run before its
    // clean-up; libpq guards its sockets itself.
    signal(SIGPIPE, SIG_IGN);
    std::thread(handler_main, set).detach();
    struct sigaction action {};
    action.sa_handler = on_crash;
    action.sa_flags = SA_RESETHAND | SA_ONSTACK;  // a second crash dies at once
    sigemptyset(&action.sa_mask);
#ifdef VERDICT_SANITIZED
    // AddressSanitizer reports faults itself (and exits without a signal); only abort() is ours.
    for (int sig : {SIGABRT}) sigaction(sig, &action, nullptr);
#else
    install_alternate_stack();
    for (int sig : crash_signals) sigaction(sig, &action, nullptr);
#endif
  });
}

int add_hook(Hook hook) {
  std::lock_guard lock(state().hooks_mutex);
  int id = state().next_id++;
  state().hooks.emplace_back(id, std::move(hook));
  return id;
}

void remove_hook(int id) {
  std::lock_guard lock(state().hooks_mutex);
  std::erase_if(state().hooks, [id](const auto& entry) { return entry.first == id; });
}

void print(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;  // a closed terminal: nothing more to say
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

bool requested() { return state().requested.load(); }

int finish(int code) {
  state().exit_mutex.lock();  // kept: from here on the main thread ends the process
  if (!requested()) return code;
  state().exit_mutex.unlock();  // the handler took a signal first: let it finish
  wait_for_exit();
}

void wait_for_exit() {
  for (;;) pause();
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGILL:
      return "SIGILL";
    case SIGABRT:
      return "SIGABRT";
    default:
      return "signal " + std::to_string(signal);
  }
}

}  // namespace verdict::interrupt
