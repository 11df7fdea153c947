#include "inventory_model.hpp"

#include <algorithm>

namespace model {
namespace {

Expected done(int created) { return Expected{true, "", "", created}; }

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}
}  // namespace

std::optional<Units> parse_units(const std::string& text) {
  std::size_t i = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    i = 1;
  }
  Units whole = 0, fraction = 0;
  int places = -1, digits = 0, whole_digits = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (places >= 0) return std::nullopt;
      places = 0;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    ++digits;
    if (places >= 0) {
      if (++places > 4) return std::nullopt;
      fraction = fraction * 10 + (c - '0');
    } else {
      if (whole_digits > 0 || c != '0') ++whole_digits;
      if (whole_digits > 16) return std::nullopt;  // NUMERIC(20,4): at most 16 integer digits
      whole = whole * 10 + (c - '0');
    }
  }
  if (digits == 0 || places == 0) return std::nullopt;
  for (int k = std::max(places, 0); k < 4; ++k) fraction *= 10;
  Units units = whole * units_per_one + fraction;
  return negative ? -units : units;
}

std::string format_units(Units units) {
  bool negative = units < 0;
  Units magnitude = negative ? -units : units;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude > 0);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  return (negative ? "-" : "") + digits.substr(0, digits.size() - 4) + "." + digits.substr(digits.size() - 4);
}

InventoryModel::InventoryModel(std::vector<std::string> skus, std::vector<std::string> locations)
    : skus_(std::move(skus)), locations_(std::move(locations)) {}

Units InventoryModel::level(const Slot& slot) const {
  auto it = on_hand_.find(slot);
  return it == on_hand_.end() ? 0 : it->second;
}

Expected InventoryModel::grant(const std::string& role) { return actors_.grant(role); }
Expected InventoryModel::revoke(const std::string& role) { return actors_.revoke(role); }

bool InventoryModel::batch_exists(const std::string& sku, const std::string& batch) const {
  return batch_costs_.count({sku, batch}) > 0;
}

void InventoryModel::record(Movement m) {
  on_hand_[Slot{m.sku, m.batch, m.location}] += m.qty;
  movements_.push_back(std::move(m));
}

Expected InventoryModel::receive(const std::string& actor, const std::string& sku, const std::string& batch,
                                 const std::string& location, const std::string& qty, const std::string& unit_cost) {
  auto q = parse_units(qty);
  if (!q || *q <= 0) return fail("VALIDATION_FAILED", "qty");
  auto cost = parse_units(unit_cost);
  if (!cost || *cost < 0) return fail("VALIDATION_FAILED", "unit_cost");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!contains(skus_, sku)) return fail("NOT_FOUND", "sku");
  if (!contains(locations_, location)) return fail("NOT_FOUND", "location");
  auto known = batch_costs_.find({sku, batch});
  if (known != batch_costs_.end() && known->second != *cost) return fail("VALIDATION_FAILED", "unit_cost");
  if (!in_range(level({sku, batch, location}) + *q)) return fail("VALIDATION_FAILED", "qty");
  batch_costs_[{sku, batch}] = *cost;  // a refused first receipt creates no batch: it rolled back
  record(Movement{"receive", sku, batch, location, *q});
  return done(1);
}

Expected InventoryModel::fulfill(const std::string& actor, const std::string& sku, const std::string& batch,
                                 const std::string& location, const std::string& qty) {
  auto q = parse_units(qty);
  if (!q || *q <= 0) return fail("VALIDATION_FAILED", "qty");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!contains(skus_, sku)) return fail("NOT_FOUND", "sku");
  if (!batch_exists(sku, batch)) return fail("NOT_FOUND", "batch");
  if (!contains(locations_, location)) return fail("NOT_FOUND", "location");
  if (level({sku, batch, location}) < *q) return fail("INSUFFICIENT_STOCK", "qty");
  record(Movement{"fulfill", sku, batch, location, -*q});
  return done(1);
}

Expected InventoryModel::adjust(const std::string& actor, const std::string& sku, const std::string& batch,
                                const std::string& location, const std::string& delta, const std::string& reason) {
  auto d = parse_units(delta);
  if (!d) return fail("VALIDATION_FAILED", "delta");
  if (*d == 0) return fail("VALIDATION_FAILED", "delta");
  if (reason.empty()) return fail("VALIDATION_FAILED", "reason");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!contains(skus_, sku)) return fail("NOT_FOUND", "sku");
  if (!batch_exists(sku, batch)) return fail("NOT_FOUND", "batch");
  if (!contains(locations_, location)) return fail("NOT_FOUND", "location");
  if (!in_range(level({sku, batch, location}) + *d)) return fail("VALIDATION_FAILED", "delta");
  if (level({sku, batch, location}) + *d < 0) return fail("INSUFFICIENT_STOCK", "delta");
  record(Movement{"adjust", sku, batch, location, *d});
  return done(1);
}

Expected InventoryModel::transfer(const std::string& actor, const std::string& sku, const std::string& batch,
                                  const std::string& from, const std::string& to, const std::string& qty) {
  // Field checks in declaration order, then the checks across fields (as the system validates).
  auto q = parse_units(qty);
  if (!q || *q <= 0) return fail("VALIDATION_FAILED", "qty");
  if (from == to) return fail("VALIDATION_FAILED", "to");
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (!contains(skus_, sku)) return fail("NOT_FOUND", "sku");
  if (!batch_exists(sku, batch)) return fail("NOT_FOUND", "batch");
  if (!contains(locations_, from)) return fail("NOT_FOUND", "from");
  if (!contains(locations_, to)) return fail("NOT_FOUND", "to");
  if (level({sku, batch, from}) < *q) return fail("INSUFFICIENT_STOCK", "qty");
  if (!in_range(level({sku, batch, to}) + *q)) return fail("VALIDATION_FAILED", "qty");
  int t = transfers_++;
  Movement out{"transfer_out", sku, batch, from, -*q};
  out.transfer = t;
  Movement in{"transfer_in", sku, batch, to, *q};
  in.transfer = t;
  record(out);
  record(in);
  return done(2);
}

Expected InventoryModel::reverse(const std::string& actor, int index) {
  if (actors_.forbidden(actor)) return fail("FORBIDDEN", "actor");
  if (index < 0 || index >= static_cast<int>(movements_.size())) return fail("NOT_FOUND", "movement");
  if (movements_[index].kind == "reversal") return fail("NOT_REVERSIBLE", "movement");
  std::vector<int> legs;
  if (movements_[index].transfer >= 0) {
    for (int i = 0; i < static_cast<int>(movements_.size()); ++i)
      if (movements_[i].transfer == movements_[index].transfer) legs.push_back(i);
  } else {
    legs.push_back(index);
  }
  for (int leg : legs)
    if (movements_[leg].reversed) return fail("ALREADY_REVERSED", "movement");
  std::map<Slot, Units> after;
  for (int leg : legs) {
    const auto& m = movements_[leg];
    Slot slot{m.sku, m.batch, m.location};
    Units base = after.count(slot) ? after[slot] : level(slot);
    if (!in_range(base - m.qty)) return fail("VALIDATION_FAILED", "movement");
    if (base - m.qty < 0) return fail("INSUFFICIENT_STOCK", "movement");
    after[slot] = base - m.qty;
  }
  for (int leg : legs) {
    movements_[leg].reversed = true;
    Movement r{"reversal", movements_[leg].sku, movements_[leg].batch, movements_[leg].location, -movements_[leg].qty};
    r.reverses = leg;
    record(r);
  }
  return done(static_cast<int>(legs.size()));
}

}  // namespace model
