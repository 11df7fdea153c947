#pragma once
// Files a person wrote (scenario files, gate profiles) read strictly: what the harness cannot read
// exactly as written is an error naming the place, never a guess. A duplicate key is an error (a
// JSON parser would silently keep the last one, so the first would never run).

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace verdict {

// Put a limit on everything a person (or a fuzzer) can make the harness read. Each is far beyond
// what a readable file needs, and each keeps what follows bounded: the recursive walks over a step
// (references, comparison, printing) go no deeper than json_depth_max, and no value echoed into a
// report is longer than json_string_bytes_max.
inline constexpr std::size_t input_file_bytes_max = 4 * 1024 * 1024;
inline constexpr std::size_t json_depth_max = 64;                // nested objects and arrays, the outermost included
inline constexpr std::size_t json_string_bytes_max = 64 * 1024;  // one string value or key

// A file the harness cannot read as written. `pointer` is the JSON Pointer of the place
// ("/steps/3/with"), "" when the place is the whole file; `what()` is "<pointer>: <reason>".
struct InputError : std::runtime_error {
  InputError(std::string pointer_, std::string reason_);
  std::string pointer;
  std::string reason;
};

// Parses `text`. Throws InputError on invalid JSON, on a key that appears twice in one object, on
// nesting deeper than json_depth_max and on a string longer than json_string_bytes_max.
nlohmann::json parse_input_json(std::string_view text);
// Reads and parses the file at `path`. Throws InputError when it cannot be read or parsed, or has
// more than input_file_bytes_max bytes.
nlohmann::json read_input_json(const std::string& path);

// The first key of `object` not in `allowed`, if any: a misspelt key must not silently weaken
// what a file says. REQUIRES: object is an object.
std::optional<std::string> unknown_key(const nlohmann::json& object, std::initializer_list<const char*> allowed);

}  // namespace verdict
