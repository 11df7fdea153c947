#pragma once
// SQL fragments for invariants' scoped forms (verdict/invariants.hpp: $1 is NULL for the full form,
// else the touched keys by kind).
//
// `col = ANY (ARRAY(subquery))`, not `col IN (subquery)`: under an OR, PostgreSQL keeps an IN
// sublink as a filter evaluated per row (a full scan); an array comparison is an index condition.
// The checker plans every execution with the actual $1 (plan_cache_mode = force_custom_plan), so
// `$1 IS NULL` folds away and the scoped form probes the index.

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

}  // namespace sut
