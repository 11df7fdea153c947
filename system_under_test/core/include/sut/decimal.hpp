#pragma once
// Exact fixed-point decimals (DESIGN §4 "Money and quantity"). A value is an integer count of
// 10^-Scale units, held in 128 bits; |units| < 10^Precision, matching SQL NUMERIC(Precision, Scale).
// No floating point anywhere; quantities and amounts cross the wire as strings.
//   Quantity = Decimal<4, 20>  (NUMERIC(20,4))
//   Money    = Decimal<2, 20>  (NUMERIC(20,2))
// Arithmetic is checked: add/sub/negate/multiply return std::nullopt on overflow, never wrap.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "sut/errors.hpp"

namespace sut {

__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

constexpr int128 pow10_i128(int n) {
  int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

// Parses an exact decimal string into units of 10^-scale. Rejects NaN, infinities, exponents,
// more than `scale` places, more than precision-scale integer digits. Errors name `field`.
Outcome<int128> parse_decimal_units(std::string_view text, int scale, int precision, std::string_view field);
std::string format_decimal_units(int128 units, int scale);

template <int Scale, int Precision>
class Decimal {
  static_assert(Scale >= 0 && Scale < Precision && Precision <= 36);

 public:
  static constexpr int scale = Scale;
  static constexpr int precision = Precision;
  static constexpr int128 units_per_one = pow10_i128(Scale);
  static constexpr int128 units_limit = pow10_i128(Precision);  // exclusive bound on |units|

  constexpr Decimal() = default;

  static Outcome<Decimal> parse(std::string_view text, std::string_view field) {
    auto units = parse_decimal_units(text, Scale, Precision, field);
    if (!units.ok()) return units.error();
    return Decimal(units.value());
  }
  static std::optional<Decimal> from_units(int128 units) {
    if (units <= -units_limit || units >= units_limit) return std::nullopt;
    return Decimal(units);
  }
  static std::optional<Decimal> from_integer(long long whole) {
    int128 units = 0;
    if (__builtin_mul_overflow(static_cast<int128>(whole), units_per_one, &units)) return std::nullopt;
    return from_units(units);
  }

  int128 units() const { return units_; }
  std::string to_string() const { return format_decimal_units(units_, Scale); }
  bool is_zero() const { return units_ == 0; }
  bool is_negative() const { return units_ < 0; }
  bool is_positive() const { return units_ > 0; }

  std::optional<Decimal> add(Decimal other) const {
    int128 r = 0;
    if (__builtin_add_overflow(units_, other.units_, &r)) return std::nullopt;
    return from_units(r);
  }
  std::optional<Decimal> subtract(Decimal other) const {
    int128 r = 0;
    if (__builtin_sub_overflow(units_, other.units_, &r)) return std::nullopt;
    return from_units(r);
  }
  std::optional<Decimal> multiply(long long factor) const {
    int128 r = 0;
    if (__builtin_mul_overflow(units_, static_cast<int128>(factor), &r)) return std::nullopt;
    return from_units(r);
  }
  // Negation cannot overflow: the range is symmetric.
  Decimal negated() const { return Decimal(-units_); }

  friend bool operator==(Decimal a, Decimal b) { return a.units_ == b.units_; }
  friend std::strong_ordering operator<=>(Decimal a, Decimal b) { return a.units_ <=> b.units_; }

 private:
  explicit constexpr Decimal(int128 units) : units_(units) {}
  int128 units_ = 0;
};

using Quantity = Decimal<4, 20>;
using UnitPrice = Decimal<4, 20>;  // unit prices, unit costs, rates (NUMERIC(20,4))
using Money = Decimal<2, 20>;
using Balance = Decimal<2, 22>;  // running balances (NUMERIC(22,2))

// a × b rounded half away from zero to scale R (docs/MONEY.md): a line amount is
// multiply_rounded<Money>(quantity, unit_price). nullopt when the result is out of range.
template <typename Result, int S1, int P1, int S2, int P2>
std::optional<Result> multiply_rounded(Decimal<S1, P1> a, Decimal<S2, P2> b) {
  static_assert(S1 + S2 >= Result::scale);
  int128 product = 0;
  if (__builtin_mul_overflow(a.units(), b.units(), &product)) return std::nullopt;
  const int128 divisor = pow10_i128(S1 + S2 - Result::scale);
  int128 quotient = product / divisor, remainder = product % divisor;
  if (2 * (remainder < 0 ? -remainder : remainder) >= divisor) quotient += product < 0 ? -1 : 1;
  return Result::from_units(quotient);
}

}  // namespace sut
