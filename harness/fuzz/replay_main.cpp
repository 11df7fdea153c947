// The fuzz targets' replay (docs/FUZZING.md): a main() for a target's LLVMFuzzerTestOneInput built
// with any compiler, no libFuzzer needed. It feeds every file under the given files and directories
// (recursively, in sorted order) to the target once; a crash, a failed check or a sanitizer report
// ends the process, and the path of the input being replayed is printed first. The PR gate runs it
// over every committed corpus (ci/tests.cmake, label fuzz).

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// The input being replayed, for the crash message. Written before each input, read by the handler.
char current_path[4096] = "";
struct sigaction previous[32];

void announce_crash(int signal) {
  const char* head = "replay: crashed on ";
  (void)!write(STDERR_FILENO, head, std::strlen(head));
  (void)!write(STDERR_FILENO, current_path, std::strlen(current_path));
  (void)!write(STDERR_FILENO, "\n", 1);
  sigaction(signal, &previous[signal], nullptr);  // then die as the previous handler would
  raise(signal);
}

// A stack overflow (the usual crash of a recursive parser) leaves no stack to run a handler on.
constexpr std::size_t handler_stack_bytes = 64 * 1024;
char handler_stack[handler_stack_bytes];

void install_crash_handlers() {
  stack_t stack{};
  stack.ss_sp = handler_stack;
  stack.ss_size = handler_stack_bytes;
  sigaltstack(&stack, nullptr);
  for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    struct sigaction action {};
    action.sa_handler = announce_crash;
    action.sa_flags = SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, &previous[signal]);
  }
}

std::vector<fs::path> inputs_under(const std::vector<std::string>& roots) {
  std::vector<fs::path> files;
  for (const auto& root : roots) {
    if (fs::is_directory(root)) {
      for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.is_regular_file() && entry.path().filename() != "README.md") files.push_back(entry.path());
    } else if (fs::is_regular_file(root)) {
      files.emplace_back(root);
    } else {
      std::fprintf(stderr, "replay: no file or directory %s\n", root.c_str());
      std::exit(2);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  const std::vector<fs::path> files = inputs_under({argv + 1, argv + argc});
  if (files.empty()) {
    std::fprintf(stderr, "replay: no inputs under the given paths\n");
    return 2;  // an empty corpus replays nothing: that must not read as a pass
  }
  install_crash_handlers();
  for (const auto& file : files) {
    std::snprintf(current_path, sizeof current_path, "%s", file.c_str());
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
      return 2;
    }
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // libFuzzer's contract: 0, or -1 (keep the input out of the corpus); anything else is reserved.
    const int returned = LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    if (returned != 0 && returned != -1) {
      std::fprintf(stderr, "replay: the target returned %d on %s (libFuzzer allows 0 and -1)\n", returned,
                   file.c_str());
      return 1;
    }
  }
  std::printf("replay: %zu inputs, no crash\n", files.size());
  return 0;
}
