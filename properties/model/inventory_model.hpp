#pragma once
// The reference model of inventory: an oracle for the property suite and the stress checkers.
// Deliberately simple — maps and vectors, integer units, no SQL — and sharing no code with the
// system under test beyond the command and outcome vocabulary (names, error codes, fields).
//
// Quantities are integers of 1/10000 (scale 4), parsed and printed by the model itself, so a bug in
// the system's decimal type cannot hide behind the same bug here. The range is NUMERIC(20,4)'s:
// |value| < 10^16, so a movement that would take on-hand past it is refused (VALIDATION_FAILED).

#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common.hpp"

namespace model {

__extension__ typedef __int128 Units;  // 1 unit = 0.0001
inline constexpr Units units_per_one = 10000;
inline constexpr Units units_limit = static_cast<Units>(10000000000LL) * 10000000000LL;  // 10^20, exclusive
inline bool in_range(Units u) { return u > -units_limit && u < units_limit; }

// "2.5" -> 25000; nullopt when the text is not a plain decimal with at most 4 places, or is huge.
std::optional<Units> parse_units(const std::string& text);
std::string format_units(Units units);  // always 4 places: "2.5000"

struct Movement {
  std::string kind;  // receive | fulfill | transfer_out | transfer_in | adjust | reversal
  std::string sku, batch, location;
  Units qty = 0;      // signed
  int transfer = -1;  // index of the transfer, -1 if none
  int reverses = -1;  // index of the reversed movement, -1 if none
  bool reversed = false;
};

using Slot = std::tuple<std::string, std::string, std::string>;  // sku, batch, location

class InventoryModel {
 public:
  InventoryModel(std::vector<std::string> skus, std::vector<std::string> locations);

  // The tenant's admin (who created it) and a second actor whose roles the sequence grants and
  // revokes. Every command names its actor; a helper without the clerk role is FORBIDDEN, checked
  // after the request's fields and before anything else (the system's order).
  static constexpr const char* admin = Actors::admin;
  static constexpr const char* helper = Actors::helper;
  // The roles the sequence grants the helper and revokes (a repeat weighs the draw).
  static std::vector<std::string> grantable_roles() { return {"clerk", "clerk", "clerk", "viewer"}; }
  Expected grant(const std::string& role);   // to the helper, by the admin
  Expected revoke(const std::string& role);  // from the helper, by the admin
  const std::set<std::string>& helper_roles() const { return actors_.helper_roles(); }

  // Each command mutates the model only when it succeeds, exactly like the system must.
  Expected receive(const std::string& actor, const std::string& sku, const std::string& batch,
                   const std::string& location, const std::string& qty, const std::string& unit_cost);
  Expected fulfill(const std::string& actor, const std::string& sku, const std::string& batch,
                   const std::string& location, const std::string& qty);
  Expected adjust(const std::string& actor, const std::string& sku, const std::string& batch,
                  const std::string& location, const std::string& delta, const std::string& reason);
  Expected transfer(const std::string& actor, const std::string& sku, const std::string& batch, const std::string& from,
                    const std::string& to, const std::string& qty);
  // index: a movement of the model (-1: one the system has never seen → NOT_FOUND).
  Expected reverse(const std::string& actor, int index);

  const std::map<Slot, Units>& on_hand() const { return on_hand_; }
  const std::vector<Movement>& movements() const { return movements_; }
  bool batch_exists(const std::string& sku, const std::string& batch) const;
  const std::vector<std::string>& skus() const { return skus_; }
  const std::vector<std::string>& locations() const { return locations_; }

 private:
  Units level(const Slot& slot) const;
  void record(Movement m);

  std::vector<std::string> skus_;
  std::vector<std::string> locations_;
  std::map<std::pair<std::string, std::string>, Units> batch_costs_;
  std::map<Slot, Units> on_hand_;  // only slots that ever moved; absent = 0
  std::vector<Movement> movements_;
  int transfers_ = 0;
  Actors actors_{"clerk"};
};

}  // namespace model
