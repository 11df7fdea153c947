#include "sut/decimal.hpp"

#include <fmt/format.h>

namespace sut {

Outcome<int128> parse_decimal_units(std::string_view text, int scale, int precision, std::string_view field) {
  const std::string f(field);
  auto bad = [&](const std::string& why) {
    return validation(f, fmt::format("{}: '{}' is not a valid decimal: {}", f, std::string(text.substr(0, 64)), why));
  };
  if (text.empty()) return bad("it is empty");
  if (text.size() > 64) return bad("it is too long");
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  int128 units = 0;
  int integer_digits = 0;
  int fraction_digits = 0;
  bool seen_point = false;
  bool seen_digit = false;
  const int max_integer_digits = precision - scale;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (seen_point) return bad("two decimal points");
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') {
      // NaN, Infinity, 1e999, "1,5", spaces: all land here.
      return bad(fmt::format("unexpected character '{}' (digits and one '.' only; no exponents, NaN or infinity)", c));
    }
    seen_digit = true;
    if (seen_point) {
      if (++fraction_digits > scale) return bad(fmt::format("more than {} decimal places", scale));
    } else if (integer_digits > 0 || c != '0') {
      if (++integer_digits > max_integer_digits)
        return bad(fmt::format("more than {} integer digits (out of range)", max_integer_digits));
    }
    units = units * 10 + (c - '0');  // cannot overflow: at most `precision` <= 36 digits
  }
  if (!seen_digit) return bad("no digits");
  if (seen_point && fraction_digits == 0) return bad("no digits after the decimal point");
  for (int k = fraction_digits; k < scale; ++k) units *= 10;
  return negative ? -units : units;
}

std::string format_decimal_units(int128 units, int scale) {
  bool negative = units < 0;
  // Work on the magnitude as unsigned: -(min int128) is out of our range anyway (|units| < 10^36).
  uint128 magnitude = negative ? static_cast<uint128>(-units) : static_cast<uint128>(units);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude > 0);
  while (static_cast<int>(digits.size()) <= scale) digits.insert(digits.begin(), '0');
  std::string out = negative ? "-" : "";
  out += digits.substr(0, digits.size() - scale);
  if (scale > 0) out += "." + digits.substr(digits.size() - scale);
  return out;
}

}  // namespace sut
