// Fuzz target: the command-argument decoder of every registered command (sut::decode_request, what
// the critical mutation wrapper checks before any transaction; docs/FUZZING.md). The first input
// byte chooses the command (modulo the number registered, in registry order), the second the
// request context (a valid one, or one with a hostile tenant, actor, time or idempotency key taken
// from the rest), and the rest is the arguments' JSON text, parsed as the plugin parses it.
//
// The laws: a request is decoded or refused with a registered code and a message (a malformed
// one as VALIDATION_FAILED naming the field), never a crash or an exception; a decoded request's canonical form (its
// idempotency fingerprint) decodes again to itself, so two requests that mean the same have one fingerprint.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sut/module.hpp"
#include "sut/session.hpp"

namespace {

using namespace sut;
using json = nlohmann::json;

void require(bool holds, const char* what, const std::string& detail) {
  if (holds) return;
  std::fprintf(stderr, "command_args_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

const std::vector<const CommandDef*>& commands() {
  static const std::vector<const CommandDef*> all = [] {
    std::vector<const CommandDef*> out;
    for (const auto& m : modules())
      for (const auto& c : m.commands) out.push_back(&c);
    return out;
  }();
  return all;
}

bool known_code(const std::string& code) {
  static const std::vector<CodeInfo> all = all_codes();
  for (const auto& c : all)
    if (c.name == code) return true;
  return false;
}

// The context fields a hostile value may take, each cut a little past its own limit.
struct HostileField {
  std::string RequestContext::*field;
  std::size_t bytes_max;
};
constexpr HostileField hostile_fields[] = {{&RequestContext::idempotency_key, 300},
                                           {&RequestContext::tenant, 80},
                                           {&RequestContext::actor, 200},
                                           {&RequestContext::as_of, 40},
                                           {&RequestContext::correlation_id, 80}};

// choice % 8: 0, 6 and 7 keep the context valid; 1..5 put `text` into one of its fields.
RequestContext context_for(std::uint8_t choice, const std::string& text) {
  RequestContext c{"acme", "clerk", "2026-01-01T00:00:00Z", "fuzz#1", ""};
  const std::size_t index = choice % 8;
  if (index >= 1 && index <= std::size(hostile_fields)) {
    const HostileField& h = hostile_fields[index - 1];
    c.*h.field = text.substr(0, h.bytes_max);
  }
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || commands().empty()) return 0;
  const CommandDef& command = *commands()[data[0] % commands().size()];
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  const RequestContext context = context_for(data[1], text);
  json args;
  try {
    args = json::parse(text);
  } catch (const json::exception&) {
    return 0;  // the plugin answers VALIDATION_FAILED naming "with"
  }
  auto decoded = decode_request(command.decl.name, context, args);
  if (!decoded.ok()) {
    // A malformed request is VALIDATION_FAILED (or UNAUTHENTICATED: no actor) naming its field; a
    // command's own cross-field check may answer with its module's code (UNBALANCED_JOURNAL).
    const Error& error = decoded.error();
    const bool malformed = error.code == codes::validation_failed || error.code == codes::unauthenticated;
    require(!malformed || !error.field.empty(), "a malformed request refused without naming the field", error.message);
    require(known_code(error.code), "refused with an unregistered code", error.code);
    require(!error.message.empty(), "refused without a message", error.code);
    return 0;
  }
  const json& canonical = decoded.value().canonical();
  auto again = decode_request(command.decl.name, context, canonical);
  require(again.ok(), "the canonical form is refused", command.decl.name + " " + canonical.dump());
  require(again.value().canonical() == canonical, "the canonical form is not stable",
          command.decl.name + " " + canonical.dump());
  return 0;
}
