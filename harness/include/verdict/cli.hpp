#pragma once
#include <string>

namespace verdict {
int cli_main(int argc, char** argv);
std::string errors_markdown();     // docs/ERRORS.md
std::string commands_markdown();   // docs/COMMANDS.md
std::string commands_json_text();  // verdict commands --json
}  // namespace verdict
