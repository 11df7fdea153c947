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
// Filters std::cout and std::cerr through redact(), a line at a time. Idempotent.
void guard_standard_streams();

}  // namespace verdict::secrets
