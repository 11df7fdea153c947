// Strict reading of the JSON files a person wrote (input.hpp). nlohmann's parser reports every
// structural event to a callback; a stack of open containers there knows where the parser is (for
// error messages) and which keys the innermost object already has.

#include "verdict/input.hpp"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <vector>

namespace verdict {

using json = nlohmann::json;

InputError::InputError(std::string pointer_, std::string reason_)
    : std::runtime_error(pointer_.empty() ? reason_ : pointer_ + ": " + reason_),
      pointer(std::move(pointer_)),
      reason(std::move(reason_)) {}

namespace {

// One open object or array while parsing.
struct OpenContainer {
  bool is_object = false;
  std::set<std::string> keys;  // objects: the keys seen so far
  std::string key;             // objects: the key of the value being parsed
  long index = -1;             // arrays: the index of the element being parsed
};

// Error messages name places by JSON Pointer; a key longer than this is shown cut (with "…"), so a
// message stays short whatever the file holds.
constexpr std::size_t pointer_token_bytes_max = 64;

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token.substr(0, pointer_token_bytes_max)) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return token.size() > pointer_token_bytes_max ? out + "…" : out;
}

class StrictReader {
 public:
  json parse(std::string_view text) {
    json::parser_callback_t callback = [this](int, json::parse_event_t event, json& parsed) {
      on_event(event, parsed);
      return true;
    };
    try {
      return json::parse(text.begin(), text.end(), callback);
    } catch (const json::parse_error& e) {
      throw InputError("", std::string("not valid JSON: ") + e.what());
    } catch (const json::out_of_range& e) {
      // A number past a double's range (1e999): the parser refuses it with another exception than a
      // syntax error, and before the callback hears of the value, so the place is the next one.
      throw InputError(pointer_of_next_value(), fmt::format("a number out of range ({})", e.what()));
    }
  }

 private:
  void on_event(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        element_begins();
        if (open_.size() == json_depth_max)
          throw InputError(pointer_here(), fmt::format("nested deeper than {} levels", json_depth_max));
        open_.push_back(OpenContainer{event == json::parse_event_t::object_start, {}, {}, -1});
        return;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        open_.pop_back();
        return;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        OpenContainer& object = open_.back();
        check_length(key, "key", pointer());
        object.key = key;
        if (!object.keys.insert(key).second)
          throw InputError(pointer(), fmt::format("duplicate key '{}' (JSON keeps only one of them)", key));
        return;
      }
      case json::parse_event_t::value:
        element_begins();
        if (parsed.is_string()) check_length(parsed.get_ref<const std::string&>(), "string", pointer_here());
        return;
    }
  }

  // A value starts: inside an array it is the next element.
  void element_begins() {
    if (!open_.empty() && !open_.back().is_object) ++open_.back().index;
  }

  static void check_length(const std::string& text, const char* what, const std::string& where) {
    if (text.size() > json_string_bytes_max)
      throw InputError(
          where, fmt::format("a {} of {} bytes, over the limit of {} bytes", what, text.size(), json_string_bytes_max));
  }

  // The pointer of the first `depth` open containers' current places.
  std::string pointer_to(std::size_t depth) const {
    std::string out;
    for (std::size_t i = 0; i < depth; ++i) {
      const OpenContainer& c = open_[i];
      out += "/" + (c.is_object ? escape_pointer_token(c.key) : std::to_string(c.index));
    }
    return out;
  }
  // The value the parser is about to report: the current key's, or the array's next element.
  std::string pointer_of_next_value() const {
    std::string out = pointer();
    if (open_.empty()) return out;
    const OpenContainer& c = open_.back();
    return out + "/" + (c.is_object ? escape_pointer_token(c.key) : std::to_string(c.index + 1));
  }
  // The innermost open container.
  std::string pointer() const { return pointer_to(open_.empty() ? 0 : open_.size() - 1); }
  // The value being parsed.
  std::string pointer_here() const { return pointer_to(open_.size()); }

  std::vector<OpenContainer> open_;
};

}  // namespace

json parse_input_json(std::string_view text) { return StrictReader().parse(text); }

json read_input_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("", "cannot read the file");
  // One byte more than the limit tells an oversized file (or an endless one: a pipe, /dev/zero).
  std::string text(input_file_bytes_max + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw InputError("", "cannot read the file");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > input_file_bytes_max)
    throw InputError("", fmt::format("the file is over the limit of {} bytes", input_file_bytes_max));
  return parse_input_json(text);
}

std::optional<std::string> unknown_key(const json& object, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return key;
  }
  return std::nullopt;
}

}  // namespace verdict
