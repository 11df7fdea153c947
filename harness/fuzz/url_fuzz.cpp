// Fuzz target: DATABASE_URL and connection-string handling, and secrets redaction
// (harness/src/server.cpp, harness/src/secrets.cpp; docs/FUZZING.md). The input is a DATABASE_URL
// (a postgresql:// URL or a keyword/value string). No connection is made.
//
// The laws:
// - a URL libpq cannot parse is refused with std::runtime_error, and its message hides the passwords
//   the URL holds (libpq's message may quote it);
// - a URL that parses gives, for any database and role, a connection string libpq parses back to
//   the URL's own keywords and values (but dbname and options, which it sets);
// - every password libpq reads from the URL is one secrets:: finds in it by hand (in one of its
//   forms), and redacting with those hides it in that connection string (a password containing '*'
//   may meet the mask "***" itself, so it is left out of this check).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

#include "verdict/secrets.hpp"
#include "verdict/server.hpp"

namespace {

using namespace verdict;

void require(bool holds, const char* what, const std::string& detail) {
  if (holds) return;
  std::fprintf(stderr, "url_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

std::map<std::string, std::string> params_of(const std::string& conninfo) {
  std::map<std::string, std::string> out;
  for (auto& [key, value] : db::conninfo_params(conninfo, "fuzz")) out[key] = value;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string url(reinterpret_cast<const char*>(data), size);
  if (url.find('\0') != std::string::npos) return 0;  // an environment variable holds no NUL
  std::vector<std::string> forms;
  for (const auto& password : secrets::passwords_in(url))
    for (auto& form : secrets::forms_of(password)) forms.push_back(std::move(form));
  const std::vector<std::string_view> form_views(forms.begin(), forms.end());
  auto hidden = [&](const std::string& text, const std::string& secret) {
    return secret.empty() || secret.find('*') != std::string::npos ||
           secrets::redact_forms(text, form_views).find(secret) == std::string::npos;
  };

  std::unique_ptr<db::Server> server;
  try {
    server = db::parse_database_url(url);
  } catch (const std::runtime_error& e) {
    // What libpq read as the password cannot be known here; what the URL holds by hand can.
    for (const auto& password : secrets::passwords_in(url))
      require(hidden(e.what(), password), "a refused URL's message shows its password", e.what());
    return 0;
  }
  const auto url_params = params_of(url);
  const std::string password = url_params.count("password") ? url_params.at("password") : "";
  const bool found_by_hand = password.empty() || password.find('*') != std::string::npos ||
                             std::find(forms.begin(), forms.end(), password) != forms.end();
  require(found_by_hand, "a password libpq reads is not found by hand", password);

  for (const char* role : {"", "verdict_app"}) {
    const std::string conninfo = server->conninfo("verdict_db", role);
    std::map<std::string, std::string> back;
    try {
      back = params_of(conninfo);
    } catch (const std::runtime_error& e) {
      require(false, "the connection string made from a URL does not parse", e.what());
    }
    require(back["dbname"] == "verdict_db", "dbname did not round-trip", conninfo);
    for (const auto& [key, value] : url_params) {
      if (key == "dbname" || key == "options") continue;
      require(back.count(key) && back.at(key) == value, "a keyword did not round-trip", key);
    }
    require(hidden(conninfo, password), "the connection string shows the password", password);
    require(hidden(server->describe(), password), "describe() shows the password", password);
  }
  return 0;
}
