// The verdict executable. The rooms that plug in register themselves (static registrars), so this
// file names none of them.
#include "verdict/cli.hpp"
#include "verdict/interrupt.hpp"

// Signals are taken over before anything else (a thread, a cluster) exists; see interrupt.hpp.
int main(int argc, char** argv) {
  verdict::interrupt::install();
  return verdict::interrupt::finish(verdict::cli_main(argc, argv));
}
