// Fuzz target: the exact-decimal parser (sut/decimal.hpp; docs/FUZZING.md). The input is the text of
// one decimal, or two separated by '|' (a quantity and a unit price).
//
// The laws, for every scale and precision the system declares:
// - a text parses to units within ±10^precision, or is refused as VALIDATION_FAILED naming the field;
// - what parses formats back to a canonical text that parses to the same units (the wire form);
// - checked arithmetic (add, subtract, multiply, multiply_rounded) stays in range or says nullopt.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sut/decimal.hpp"

namespace {

using namespace sut;

void require(bool holds, const char* what, std::string_view text) {
  if (holds) return;
  std::fprintf(stderr, "decimal_fuzz: %s: '%.*s'\n", what, static_cast<int>(text.size()), text.data());
  std::abort();
}

// Parses `text` at (scale, precision) and checks the round trip; the units when it parses.
std::optional<int128> parse_checked(std::string_view text, int scale, int precision) {
  auto units = parse_decimal_units(text, scale, precision, "amount");
  if (!units.ok()) {
    require(units.error().code == codes::validation_failed, "refused with another code than VALIDATION_FAILED", text);
    require(units.error().field == "amount", "the refusal does not name the field", text);
    return std::nullopt;
  }
  const int128 limit = pow10_i128(precision);
  require(units.value() > -limit && units.value() < limit, "parsed out of range", text);
  const std::string canonical = format_decimal_units(units.value(), scale);
  auto again = parse_decimal_units(canonical, scale, precision, "amount");
  require(again.ok() && again.value() == units.value(), "the canonical form does not parse back", canonical);
  require(format_decimal_units(again.value(), scale) == canonical, "the canonical form is not stable", canonical);
  return units.value();
}

template <typename D>
void arithmetic(std::string_view left, std::string_view right) {
  auto a = D::parse(left, "a");
  auto b = D::parse(right, "b");
  if (!a.ok() || !b.ok()) return;
  for (auto r : {a.value().add(b.value()), a.value().subtract(b.value()), a.value().multiply(-3)}) {
    if (r) require(D::from_units(r->units()).has_value(), "arithmetic left the range", left);
  }
  require(a.value().negated().negated() == a.value(), "negation is not its own inverse", left);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto bar = input.find('|');
  const std::string_view left = input.substr(0, bar);
  const std::string_view right = bar == std::string_view::npos ? left : input.substr(bar + 1);
  // Every (scale, precision) declared: quantities, prices and rates, amounts, running balances.
  for (auto [scale, precision] : {std::pair{4, 20}, {2, 20}, {2, 22}, {0, 20}}) parse_checked(left, scale, precision);
  arithmetic<Quantity>(left, right);
  arithmetic<Money>(left, right);
  auto quantity = Quantity::parse(left, "qty");
  auto price = UnitPrice::parse(right, "unit_price");
  if (quantity.ok() && price.ok()) {
    auto amount = multiply_rounded<Money>(quantity.value(), price.value());
    if (amount) require(Money::from_units(amount->units()).has_value(), "a line amount left the range", input);
  }
  return 0;
}
