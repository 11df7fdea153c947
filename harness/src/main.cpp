// The verdict executable. The rooms that plug in register themselves (static registrars), so this
// file names none of them.
#include "verdict/cli.hpp"

int main(int argc, char** argv) { return verdict::cli_main(argc, argv); }
