#pragma once
// Passwords never leave the process (issue 6, "secrets"). Every connection string or URL a person
// gives (DATABASE_URL, --database, PGPASSWORD) has its password registered here, and everything the
// harness prints or writes passes through redact(): the terminal (std::cout and std::cerr are
// filtered), the verdict files, findings.jsonl, mutations.jsonl and the stress histories. Redacting
// the text that goes out, not only the places known to hold a connection string, also covers a
// password that reaches a message by a way nobody foresaw (a libpq parse error quotes the URL).
//
// Every registered secret is hidden whatever its length (a short password makes odd output, never
// a leak), in the forms it can be written in: as given, percent-decoded, quoted for a keyword/value
// string, escaped for JSON.

#include <string>
#include <string_view>
#include <vector>

namespace verdict::secrets {

inline constexpr const char* mask = "***";

// Registers the passwords of a libpq connection string or postgresql:// URL: a URL's userinfo and
// every `password=` value. Read by hand, so a URL libpq refuses is covered too (its error message
// may quote it).
void add_from_conninfo(std::string_view conninfo);
// Registers one secret as given (and its escaped forms). Empty: ignored.
void add(std::string_view secret);
// `text` with every registered secret replaced by mask.
std::string redact(std::string_view text);

// The parts the functions above are made of, without the process-wide registry (the fuzz target
// calls them: harness/fuzz/url_fuzz.cpp).
// The passwords `conninfo` holds, as written (still percent-encoded in a URL).
std::vector<std::string> passwords_in(std::string_view conninfo);
// Every form a secret is hidden in (as given and percent-decoded; each also conninfo-quoted and
// JSON-escaped). Empty for an empty secret.
std::vector<std::string> forms_of(std::string_view secret);
// `text` with every occurrence of each form replaced by mask, longest first.
std::string redact_forms(std::string_view text, std::vector<std::string_view> forms);

// Filters std::cout and std::cerr through redact(), a line at a time. Idempotent.
void guard_standard_streams();

}  // namespace verdict::secrets
