// Validation of declared fields. Messages start with the field's name, as every error here does.

#include "sut/fields.hpp"

#include <fmt/format.h>

#include <regex>

#include "sut/decimal.hpp"

namespace sut {
namespace field {
namespace {
verdict::FieldDecl make(std::string name, const char* type, std::string description, bool required) {
  verdict::FieldDecl f;
  f.name = std::move(name);
  f.type = type;
  f.description = std::move(description);
  f.required = required;
  return f;
}
}  // namespace

verdict::FieldDecl text(std::string name, int length_max, std::string description, bool required) {
  auto f = make(std::move(name), "text", std::move(description), required);
  f.length_max = length_max;
  return f;
}
verdict::FieldDecl id(std::string name, std::string description, bool required) {
  return make(std::move(name), "id", std::move(description), required);
}
verdict::FieldDecl decimal(std::string name, int scale, std::string sign, std::string description, bool required) {
  auto f = make(std::move(name), "decimal", std::move(description), required);
  f.scale = scale;
  f.sign = std::move(sign);
  return f;
}
verdict::FieldDecl enumeration(std::string name, std::vector<std::string> values, std::string description,
                               bool required) {
  auto f = make(std::move(name), "enum", std::move(description), required);
  f.values = std::move(values);
  return f;
}
verdict::FieldDecl boolean(std::string name, std::string description, bool required) {
  return make(std::move(name), "bool", std::move(description), required);
}
verdict::FieldDecl date(std::string name, std::string description, bool required) {
  return make(std::move(name), "date", std::move(description), required);
}
verdict::FieldDecl instant(std::string name, std::string description, bool required) {
  return make(std::move(name), "instant", std::move(description), required);
}

verdict::FieldDecl list(std::string name, std::vector<verdict::FieldDecl> items, int items_max, std::string description,
                        bool required) {
  auto f = make(std::move(name), "list", std::move(description), required);
  f.items = std::move(items);
  f.items_max = items_max;
  return f;
}

}  // namespace field

namespace {
using json = nlohmann::json;

constexpr std::size_t id_digits_max = 18;  // fits a bigint

std::optional<Error> check_text(const std::string& value, const verdict::FieldDecl& f) {
  const char* name = f.name.c_str();
  if (value.empty()) return validation(f.name, fmt::format("{}: is required", name));
  if (f.length_max > 0 && value.size() > static_cast<std::size_t>(f.length_max))
    return validation(f.name, fmt::format("{}: longer than {} characters", name, f.length_max));
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return validation(f.name, fmt::format("{}: control characters are not allowed", name));
  }
  if (!valid_utf8(value)) return validation(f.name, fmt::format("{}: not valid UTF-8", name));
  return std::nullopt;
}

// One field's value in canonical form, or the error naming it (`path`: its name, with the list item's
// path before it).
Outcome<json> canonical_value(const verdict::FieldDecl& declared, const json& v, const std::string& path) {
  verdict::FieldDecl f = declared;
  f.name = path;
  const char* name = path.c_str();
  if (f.type == "text") {
    if (!v.is_string()) return validation(f.name, fmt::format("{}: expected a string", name));
    if (auto e = check_text(v.get<std::string>(), f)) return *e;
    return v;
  }
  if (f.type == "id") {
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<long long>() > 0)) {
      if (v.get<long long>() > 0) return json(v.get<long long>());
    }
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (!s.empty() && s.size() <= id_digits_max && s.find_first_not_of("0123456789") == std::string::npos &&
          std::stoll(s) > 0)
        return json(std::stoll(s));
    }
    return validation(f.name, fmt::format("{}: expected a positive integer id", name));
  }
  if (f.type == "decimal") {
    std::string text;
    if (v.is_string()) {
      text = v.get<std::string>();
    } else if (v.is_number_integer()) {
      text = v.dump();  // whole numbers keep their digits as written (2^64-1 must not wrap)
    } else if (v.is_number()) {
      // A JSON fraction has already been through a double, which is exactly what we refuse.
      return validation(f.name, fmt::format("{}: send decimals as strings, not JSON numbers", name));
    } else {
      return validation(f.name, fmt::format("{}: expected a decimal string", name));
    }
    auto units = parse_decimal_units(text, f.scale, f.precision, f.name);
    if (!units.ok()) return units.error();
    int128 u = units.value();
    if (f.sign == "positive" && u <= 0)
      return validation(f.name, fmt::format("{}: must be greater than zero, got {}", name, text));
    if (f.sign == "non_negative" && u < 0) return validation(f.name, fmt::format("{}: must not be negative", name));
    if (f.sign == "non_zero" && u == 0) return validation(f.name, fmt::format("{}: must not be zero", name));
    return json(format_decimal_units(u, f.scale));
  }
  if (f.type == "enum") {
    if (v.is_string()) {
      for (const auto& allowed : f.values)
        if (v.get<std::string>() == allowed) return v;
    }
    std::string list;
    for (const auto& allowed : f.values) list += (list.empty() ? "" : ", ") + allowed;
    return validation(f.name, fmt::format("{}: expected one of {}", name, list));
  }
  if (f.type == "bool") {
    if (!v.is_boolean()) return validation(f.name, fmt::format("{}: expected true or false", name));
    return v;
  }
  if (f.type == "date" || f.type == "instant") {
    static const std::regex date_shape(R"(\d{4}-\d{2}-\d{2})");
    static const std::regex instant_shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z)");
    bool is_date = f.type == "date";
    if (!v.is_string() || !std::regex_match(v.get<std::string>(), is_date ? date_shape : instant_shape) ||
        !(is_date ? valid_date(v.get<std::string>()) : valid_instant(v.get<std::string>())))
      return validation(f.name, fmt::format("{}: expected {}", name, is_date ? "YYYY-MM-DD" : "YYYY-MM-DDTHH:MM:SSZ"));
    return v;
  }
  if (f.type == "list") {
    if (!v.is_array()) return validation(f.name, fmt::format("{}: expected a list of objects", name));
    if (v.empty()) return validation(f.name, fmt::format("{}: needs at least one item", name));
    if (v.size() > static_cast<std::size_t>(f.items_max))
      return validation(f.name, fmt::format("{}: more than {} items", name, f.items_max));
    json items = json::array();
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string item_path = fmt::format("{}[{}]", path, i);
      if (!v[i].is_object()) return validation(item_path, fmt::format("{}: expected an object", item_path));
      auto item = validate_args(f.items, v[i], item_path);
      if (!item.ok()) return item.error();
      items.push_back(item.value().canonical());
    }
    return items;
  }
  std::abort();  // a declaration with an unknown type is a programmer error
}

}  // namespace

bool valid_utf8(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (extra < 0 || i + extra >= text.size() + (extra == 0 ? 1 : 0)) return false;
    std::uint32_t code = extra == 0 ? c : c & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6) != 0x2) return false;
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < smallest[extra] || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return false;
    i += extra + 1;
  }
  return true;
}

bool valid_date(const std::string& text) {
  int y = std::stoi(text.substr(0, 4)), m = std::stoi(text.substr(5, 2)), d = std::stoi(text.substr(8, 2));
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool valid_instant(const std::string& text) {
  if (!valid_date(text.substr(0, 10))) return false;
  int h = std::stoi(text.substr(11, 2)), mi = std::stoi(text.substr(14, 2)), sec = std::stoi(text.substr(17, 2));
  return h <= 23 && mi <= 59 && sec <= 59;
}

std::string Args::text(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

long long Args::id(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? 0 : it->get<long long>();
}

std::vector<Args> Args::list(const std::string& name) const {
  std::vector<Args> out;
  auto it = values_.find(name);
  if (it == values_.end()) return out;
  for (const auto& item : *it) {
    Args a;
    a.values_ = item;
    out.push_back(std::move(a));
  }
  return out;
}

bool Args::flag(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->get<bool>();
}

Outcome<Args> validate_args(const std::vector<verdict::FieldDecl>& fields, const json& args,
                            const std::string& prefix) {
  auto path_of = [&](const std::string& name) { return prefix.empty() ? name : prefix + "." + name; };
  for (const auto& [key, value] : args.items()) {
    bool declared = false;
    for (const auto& f : fields) declared = declared || f.name == key;
    if (!declared) {
      std::string list;
      for (const auto& f : fields) list += (list.empty() ? "" : ", ") + f.name;
      // A key "" would make an error that names nothing: name the object that holds it instead.
      const std::string where = key.empty() ? (prefix.empty() ? "with" : prefix) : path_of(key);
      return validation(where, fmt::format("{}: {} (declared: {})", where,
                                           key.empty() ? "a field with an empty name" : "unknown field",
                                           list.empty() ? "none" : list));
    }
  }
  Args out;
  // In declaration order: the first field at fault is the one named, the same on every run.
  for (const auto& f : fields) {
    auto it = args.find(f.name);
    if (it == args.end() || it->is_null()) {
      if (f.required) return validation(path_of(f.name), fmt::format("{}: is required", path_of(f.name)));
      continue;
    }
    auto value = canonical_value(f, *it, path_of(f.name));
    if (!value.ok()) return value.error();
    out.values_[f.name] = value.value();
  }
  return out;
}

}  // namespace sut
