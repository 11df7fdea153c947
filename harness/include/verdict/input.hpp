#pragma once
// Files a person wrote (scenario files, gate profiles) read strictly: what the harness cannot read
// exactly as written is an error naming the place, never a guess. A duplicate key is an error (a
// JSON parser would silently keep the last one, so the first would never run).

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace verdict {

// A file the harness cannot read as written. `pointer` is the JSON Pointer of the place
// ("/steps/3/with"), "" when the place is the whole file; `what()` is "<pointer>: <reason>".
struct InputError : std::runtime_error {
  InputError(std::string pointer_, std::string reason_);
  std::string pointer;
  std::string reason;
};

// Parses `text`. Throws InputError on invalid JSON and on a key that appears twice in one object.
nlohmann::json parse_input_json(std::string_view text);
// Reads and parses the file at `path`. Throws InputError when it cannot be read or parsed.
nlohmann::json read_input_json(const std::string& path);

// The first key of `object` not in `allowed`, if any: a misspelt key must not silently weaken
// what a file says. REQUIRES: object is an object.
std::optional<std::string> unknown_key(const nlohmann::json& object, std::initializer_list<const char*> allowed);

}  // namespace verdict
