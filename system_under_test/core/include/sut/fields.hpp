#pragma once
// Declared fields (issue 5 §2): a command or read declares its fields once, and this validates a
// request's arguments against the declaration before any transaction starts. An unknown field, a
// wrong type or a missing required field is VALIDATION_FAILED naming the field.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sut/errors.hpp"
#include "verdict/system.hpp"

namespace sut {

// Builders that keep declarations one line each.
namespace field {
verdict::FieldDecl text(std::string name, int length_max, std::string description, bool required = true);
verdict::FieldDecl id(std::string name, std::string description, bool required = true);
// sign: "" (any), "positive", "non_negative", "non_zero"
verdict::FieldDecl decimal(std::string name, int scale, std::string sign, std::string description,
                           bool required = true);
verdict::FieldDecl enumeration(std::string name, std::vector<std::string> values, std::string description,
                               bool required = true);
verdict::FieldDecl boolean(std::string name, std::string description, bool required = false);
verdict::FieldDecl date(std::string name, std::string description, bool required = true);
verdict::FieldDecl instant(std::string name, std::string description, bool required = true);
// A list of 1..items_max objects, each validated against `items` (errors name "lines[2].debit").
verdict::FieldDecl list(std::string name, std::vector<verdict::FieldDecl> items, int items_max, std::string description,
                        bool required = true);
}  // namespace field

// Validated arguments. Every value is in its canonical form: decimals at their declared scale
// ("4" for a scale-4 field reads "4.0000"), ids as integers. Absent optional fields read as empty.
class Args {
 public:
  bool has(const std::string& name) const { return values_.contains(name); }
  std::string text(const std::string& name) const;        // text, enum, date, instant, decimal
  long long id(const std::string& name) const;            // 0 when absent
  bool flag(const std::string& name) const;               // false when absent
  std::vector<Args> list(const std::string& name) const;  // a list field's items; empty when absent
  // The canonical request: the same for two requests that mean the same (the idempotency fingerprint).
  const nlohmann::json& canonical() const { return values_; }

 private:
  friend Outcome<Args> validate_args(const std::vector<verdict::FieldDecl>&, const nlohmann::json&, const std::string&);
  nlohmann::json values_ = nlohmann::json::object();
};

// Text checks every module and the wrapper share.
bool valid_utf8(const std::string& text);
// A real calendar date (YYYY-MM-DD already matched) / instant (…THH:MM:SS[.ffffff]Z already matched).
bool valid_date(const std::string& text);
bool valid_instant(const std::string& text);

// REQUIRES: args is a JSON object (the caller says so otherwise, naming "with"). `prefix` is the
// path of a list item ("lines[2]"), put before every field name an error names.
Outcome<Args> validate_args(const std::vector<verdict::FieldDecl>& fields, const nlohmann::json& args,
                            const std::string& prefix = "");

}  // namespace sut
