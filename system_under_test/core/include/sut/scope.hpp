#pragma once
// SQL fragments for invariants' scoped forms (verdict/invariants.hpp: $1 is NULL for the full form,
// else the touched keys by kind).
//
// `col = ANY (ARRAY(subquery))`, not `col IN (subquery)`: an IN sublink under an OR stays a filter
// evaluated per row (a full scan); an array comparison is an index condition. The checker replaces
// `$1::jsonb IS NULL` by a constant before planning (verdict/invariants.hpp), so the OR folds away.

#include <fmt/format.h>

#include <string>

namespace sut {

// "column is among the touched keys of this kind".
inline std::string touched(const char* kind, const char* column) {
  return fmt::format("{} = ANY (ARRAY(SELECT (jsonb_array_elements_text($1::jsonb -> '{}'))::bigint))", column, kind);
}

// The same, or everything in the full form.
inline std::string in_scope(const char* kind, const char* column) {
  return fmt::format("($1::jsonb IS NULL OR {})", touched(kind, column));
}

// "column is the tenant of a touched row of `table` (whose key `key` the kind's ids name)", or
// everything in the full form: the scope of a per-tenant invariant (a subledger against its account).
inline std::string tenant_of_touched(const char* column, const char* table, const char* key, const char* kind) {
  return fmt::format("($1::jsonb IS NULL OR {} = ANY (ARRAY(SELECT s.tenant_id FROM {} s WHERE {})))", column, table,
                     touched(kind, fmt::format("s.{}", key).c_str()));
}

}  // namespace sut
