// Strict reading of the JSON files a person wrote (input.hpp). nlohmann's parser reports every
// structural event to a callback; a stack of open containers there knows where the parser is (for
// error messages) and which keys the innermost object already has.

#include "verdict/input.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
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

std::string escape_pointer_token(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
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
    }
  }

 private:
  void on_event(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        element_begins();
        open_.push_back(OpenContainer{event == json::parse_event_t::object_start, {}, {}, -1});
        return;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        open_.pop_back();
        return;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        OpenContainer& object = open_.back();
        if (!object.keys.insert(key).second)
          throw InputError(pointer(), fmt::format("duplicate key '{}' (JSON keeps only one of them)", key));
        object.key = key;
        return;
      }
      case json::parse_event_t::value:
        element_begins();
        return;
    }
  }

  // A value starts: inside an array it is the next element.
  void element_begins() {
    if (!open_.empty() && !open_.back().is_object) ++open_.back().index;
  }

  // Where the parser is: the pointer of the innermost open container.
  std::string pointer() const {
    std::string out;
    for (std::size_t i = 0; i + 1 < open_.size(); ++i) {
      const OpenContainer& c = open_[i];
      out += "/" + (c.is_object ? escape_pointer_token(c.key) : std::to_string(c.index));
    }
    return out;
  }

  std::vector<OpenContainer> open_;
};

}  // namespace

json parse_input_json(std::string_view text) { return StrictReader().parse(text); }

json read_input_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("", "cannot read the file");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError("", "cannot read the file");
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
