// Exact decimals (DESIGN §4 "Money and quantity"): the wire form round-trips, hostile text is refused
// with a validation error naming the field, and arithmetic near the limits refuses instead of wrapping.

#include "sut/decimal.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace sut {
// So that gtest prints a decimal as its text, not as bytes.
template <int Scale, int Precision>
void PrintTo(const Decimal<Scale, Precision>& value, std::ostream* out) {
  *out << value.to_string();
}
}  // namespace sut

namespace {

using sut::Money;
using sut::Quantity;
using ::testing::HasSubstr;

constexpr const char* max_quantity = "9999999999999999.9999";  // NUMERIC(20,4): 16 integer digits

// A quantity the test needs; the parse itself is checked by the round-trip tests.
Quantity quantity(const std::string& text) {
  auto parsed = Quantity::parse(text, "qty");
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? parsed.value() : Quantity();
}

TEST(Decimal, QuantityRoundTripsToItsCanonicalForm) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", "0.0000"},
      {"-0", "0.0000"},  // negative zero is zero
      {"-0.0001", "-0.0001"},
      {"10.000", "10.0000"},
      {"+1", "1.0000"},
      {".5", "0.5000"},
      {"007.25", "7.2500"},
      {max_quantity, max_quantity},
      {"-9999999999999999.9999", "-9999999999999999.9999"},
  };
  for (const auto& [text, canonical] : cases) {
    SCOPED_TRACE(text);
    auto parsed = Quantity::parse(text, "qty");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed.value().to_string(), canonical);
    // The canonical form parses back to the same value.
    auto again = Quantity::parse(canonical, "qty");
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value(), parsed.value());
  }
}

TEST(Decimal, QuantityUnitsAreTenThousandthsOfOne) {
  EXPECT_EQ(quantity("1").units(), 10000);
  EXPECT_EQ(quantity("-0.0001").units(), -1);
  EXPECT_EQ(quantity("12.3456").units(), 123456);
}

TEST(Decimal, RejectsHostileTextNamingTheField) {
  const std::vector<std::string> hostile = {
      "NaN",
      "nan",
      "inf",
      "Infinity",
      "-inf",
      "1e999",
      "1E5",
      "1.00001",            // five places: the scale is four
      "10000000000000000",  // seventeen integer digits: out of range
      "",
      ".",
      "1.",
      "--1",
      "+-1",
      "-",
      " 1",
      "1 ",
      "1,5",
      "1.2.3",
      "0x10",
  };
  for (const auto& text : hostile) {
    SCOPED_TRACE("'" + text + "'");
    auto parsed = Quantity::parse(text, "unit_cost");
    ASSERT_TRUE(parsed.is_error()) << "parsed as " << parsed.value().to_string();
    EXPECT_EQ(parsed.error().code, std::string(sut::codes::validation_failed));
    EXPECT_EQ(parsed.error().field, "unit_cost");
    EXPECT_THAT(parsed.error().message, HasSubstr("unit_cost"));
  }
}

TEST(Decimal, RejectionsSayWhy) {
  EXPECT_THAT(Quantity::parse("1.00001", "qty").error().message, HasSubstr("more than 4 decimal places"));
  EXPECT_THAT(Quantity::parse("10000000000000000", "qty").error().message, HasSubstr("out of range"));
  EXPECT_THAT(Quantity::parse("", "qty").error().message, HasSubstr("empty"));
}

TEST(Decimal, AddAndSubtractRefuseToLeaveTheRange) {
  const Quantity max = quantity(max_quantity);
  const Quantity min = max.negated();
  const Quantity tick = quantity("0.0001");

  EXPECT_EQ(max.add(tick), std::nullopt);
  EXPECT_EQ(min.subtract(tick), std::nullopt);
  EXPECT_EQ(max.subtract(min), std::nullopt);
  EXPECT_EQ(min.add(min), std::nullopt);
  // At the limit itself the arithmetic still works.
  ASSERT_TRUE(max.subtract(tick).has_value());
  EXPECT_EQ(max.subtract(tick).value().to_string(), "9999999999999999.9998");
  ASSERT_TRUE(max.add(min).has_value());
  EXPECT_TRUE(max.add(min).value().is_zero());
  EXPECT_EQ(quantity("1.5").add(quantity("-2.25")).value().to_string(), "-0.7500");
}

TEST(Decimal, MultiplyRefusesToLeaveTheRangeAndNeverWraps) {
  const Quantity max = quantity(max_quantity);
  EXPECT_EQ(max.multiply(2), std::nullopt);
  EXPECT_EQ(max.multiply(-2), std::nullopt);
  // Overflows 128 bits, not only the declared precision: must still refuse, not wrap.
  EXPECT_EQ(max.multiply(LLONG_MAX), std::nullopt);
  EXPECT_EQ(max.negated().multiply(LLONG_MIN), std::nullopt);
  EXPECT_EQ(max.multiply(1), max);
  EXPECT_EQ(max.multiply(-1), max.negated());
  EXPECT_EQ(quantity("2.5").multiply(3).value().to_string(), "7.5000");
  EXPECT_EQ(quantity("2.5").multiply(0).value().to_string(), "0.0000");
}

TEST(Decimal, ConstructionFromUnitsAndIntegersIsChecked) {
  EXPECT_EQ(Quantity::from_units(Quantity::units_limit), std::nullopt);
  EXPECT_EQ(Quantity::from_units(-Quantity::units_limit), std::nullopt);
  ASSERT_TRUE(Quantity::from_units(Quantity::units_limit - 1).has_value());
  EXPECT_EQ(Quantity::from_units(Quantity::units_limit - 1).value().to_string(), max_quantity);
  EXPECT_EQ(Quantity::from_integer(LLONG_MAX), std::nullopt);  // 9.2e18 > 16 integer digits
  ASSERT_TRUE(Quantity::from_integer(-42).has_value());
  EXPECT_EQ(Quantity::from_integer(-42).value().to_string(), "-42.0000");
}

TEST(Decimal, MoneyHasTwoPlaces) {
  auto amount = Money::parse("19.9", "amount");
  ASSERT_TRUE(amount.ok());
  EXPECT_EQ(amount.value().to_string(), "19.90");
  EXPECT_EQ(amount.value().units(), 1990);

  auto three_places = Money::parse("1.005", "amount");
  ASSERT_TRUE(three_places.is_error());
  EXPECT_EQ(three_places.error().code, std::string(sut::codes::validation_failed));
  EXPECT_EQ(three_places.error().field, "amount");
  EXPECT_THAT(three_places.error().message, HasSubstr("more than 2 decimal places"));

  // NUMERIC(20,2): eighteen integer digits fit, nineteen do not.
  auto max = Money::parse("999999999999999999.99", "amount");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max.value().to_string(), "999999999999999999.99");
  EXPECT_EQ(max.value().add(Money::parse("0.01", "amount").value()), std::nullopt);
  EXPECT_TRUE(Money::parse("1000000000000000000", "amount").is_error());
}

TEST(Decimal, ComparesByValueNotByText) {
  EXPECT_EQ(quantity("1.5"), quantity("1.5000"));
  EXPECT_EQ(quantity("0"), quantity("-0"));
  EXPECT_NE(quantity("1.5"), quantity("1.5001"));
  EXPECT_LT(quantity("-1"), quantity("0"));
  EXPECT_LT(quantity("0"), quantity("0.0001"));
  EXPECT_LT(quantity("9.9999"), quantity("10"));
  EXPECT_GT(quantity("10"), quantity("9.9999"));
  EXPECT_LE(quantity("2"), quantity("2.0"));
  EXPECT_GE(quantity("2"), quantity("2.0"));
  EXPECT_EQ(quantity("-2") <=> quantity("-1"), std::strong_ordering::less);
  EXPECT_EQ(quantity("3") <=> quantity("3.0000"), std::strong_ordering::equal);
}

TEST(Decimal, SignPredicates) {
  EXPECT_TRUE(quantity("0").is_zero());
  EXPECT_FALSE(quantity("0").is_positive());
  EXPECT_FALSE(quantity("0").is_negative());
  EXPECT_TRUE(quantity("0.0001").is_positive());
  EXPECT_TRUE(quantity("-0.0001").is_negative());
  EXPECT_EQ(quantity("-0.0001").negated().to_string(), "0.0001");
}

}  // namespace

// docs/MONEY.md: a line amount is quantity × unit price rounded half away from zero to 2 places.
std::string rounded(const std::string& qty, const std::string& price) {
  auto amount = sut::multiply_rounded<Money>(quantity(qty), quantity(price));
  return amount ? amount->to_string() : "overflow";
}

TEST(Decimal, ProductsRoundHalfAwayFromZeroToTheResultScale) {
  EXPECT_EQ(rounded("3", "0.3333"), "1.00");   // 0.9999
  EXPECT_EQ(rounded("1", "2.345"), "2.35");    // a half rounds up...
  EXPECT_EQ(rounded("-1", "2.345"), "-2.35");  // ...and away from zero below it
  EXPECT_EQ(rounded("1", "2.3449"), "2.34");   // just under a half rounds down
  EXPECT_EQ(rounded("-1", "2.3449"), "-2.34");
  EXPECT_EQ(rounded("0.0001", "0.0049"), "0.00");  // too small to post
  EXPECT_EQ(rounded("0.0001", "50"), "0.01");      // 0.005 exactly
  EXPECT_EQ(rounded("2.5", "4"), "10.00");
}

TEST(Decimal, ProductsOutOfRangeAreRefusedNotWrapped) {
  EXPECT_EQ(rounded(max_quantity, max_quantity), "overflow");
  EXPECT_EQ(rounded("10000000000", "10000000000"), "overflow");  // 10^20: NUMERIC(20,2) holds 18 digits
  EXPECT_EQ(rounded("100000000", "100000000"), "10000000000000000.00");
}
