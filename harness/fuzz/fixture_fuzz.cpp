// Fuzz target: the fixture-file parser and step decoder (docs/FUZZING.md). The input is a scenario
// file's text; the real interpreter reads it (strict JSON, header, step kinds, declared commands,
// reads and fields, references, expectations, clock and failpoints) against a backend with no
// database, which answers every command `ok` with its own arguments as the result (so "$name.key"
// references resolve) and every read with its arguments.
//
// The law: whatever the text, the interpreter returns a verdict; a file it cannot interpret is an
// error of the file (a typed message naming the place), never a library exception that reached the
// top ("harness error"), a crash, or a sanitizer report.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "verdict/failpoints.hpp"
#include "verdict/fixtures.hpp"

namespace {

using namespace verdict;

class EchoBackend final : public ScenarioBackend {
 public:
  StepRecord execute(Command command) override {
    StepRecord record;
    record.index = ++steps_;
    record.outcome.status = OutcomeStatus::ok;
    record.outcome.values_json = command.args_json;
    record.command = std::move(command);
    return record;
  }
  std::string read(const std::string&, const std::string&, const std::string& args_json) override { return args_json; }
  std::string fingerprint() override { return "0:"; }
  std::vector<Violation> check_all() override { return {}; }

 private:
  int steps_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const CaseResult result =
      run_scenario_text(text, "fuzz.json", FixtureOptions{}, [] { return std::make_unique<EchoBackend>(); });
  // The runner's catch-all says "<file>: harness error: <what>"; the file's own text may say anything.
  static const std::string library_error = display_path("fuzz.json") + ": harness error: ";
  if (result.status == Status::error && result.detail.rfind(library_error, 0) == 0) {
    std::fprintf(stderr, "fixture_fuzz: a library error reached the top: %s\n", result.detail.c_str());
    std::abort();
  }
  failpoints::disarm_all();
  return 0;
}
