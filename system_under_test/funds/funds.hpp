#pragma once
// Funds: funds, investors and their commitments; capital calls and distributions of a total split
// pro rata by commitment, exactly (docs/MONEY.md "Funds"), each posted to the ledger.

#include <string>
#include <vector>

#include "sut/decimal.hpp"

namespace sut::funds {

namespace codes {
inline constexpr const char* no_commitments = "NO_COMMITMENTS";
}  // namespace codes

namespace kinds {
inline constexpr const char* fund = "funds.fund";
inline constexpr const char* investor = "funds.investor";
inline constexpr const char* event = "funds.event";
}  // namespace kinds

struct Share {
  std::string investor;  // code: the tie-break
  Money commitment;
  Money amount;  // the part
};

// Splits `total` by the commitments (docs/MONEY.md): each part is its exact share total × c / Σc
// rounded down to the cent, and the cents left over go one each to the largest remainders (ties: the
// investor code, ascending). Σ parts = total; each part is within one cent of its exact share.
// nullopt when the products leave 128 bits. REQUIRES: at least one commitment, each > 0.
std::optional<std::vector<Share>> split(Money total, std::vector<Share> commitments);

}  // namespace sut::funds
