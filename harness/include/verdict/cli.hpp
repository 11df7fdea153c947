#pragma once
#include <string>

namespace verdict {
int cli_main(int argc, char** argv);
std::string errors_markdown();  // docs/ERRORS.md
}  // namespace verdict
