// Secrets: registered passwords, hidden in everything the harness writes.

#include "verdict/secrets.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <streambuf>
#include <vector>

namespace verdict::secrets {
namespace {

// Readers never wait: the terminal, a report and the interrupt handler's clean-up after a crash
// (when the crashed thread may have held any lock) all redact. Forms are published once and never
// change: a slot is filled, then the count that makes it visible is raised.
constexpr std::size_t forms_max = 1024;  // a form per escaping of each secret; far more than a run has
struct Registry {
  std::mutex writer_mutex;  // serialises add(); readers do not take it
  std::array<std::atomic<const std::string*>, forms_max> forms{};
  std::atomic<std::size_t> count{0};
};
// Never destroyed: output may be written while the process exits.
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

std::string json_escaped(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

std::string conninfo_quoted(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decoded(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// libpq's isspace: what ends a keyword or an unquoted value in a keyword/value string.
constexpr std::string_view conninfo_blanks = " \t\n\v\f\r";

// Every value after `password` and '=' in `text`, in each way libpq may read it: quoted (backslash
// escapes), unquoted (backslash escapes too, up to a blank), and as a URL query value (up to '&'
// or a blank, no escapes). Reading more than libpq does only hides more.
void add_keyword_passwords(std::string_view text, std::vector<std::string>& found) {
  for (auto at = text.find("password"); at != std::string_view::npos; at = text.find("password", at + 1)) {
    auto rest = text.substr(at + 8);
    auto start = rest.find_first_not_of(conninfo_blanks);
    if (start == std::string_view::npos || rest[start] != '=') continue;
    rest = rest.substr(start + 1);
    rest = rest.substr(std::min(rest.size(), rest.find_first_not_of(conninfo_blanks)));
    const bool quoted = !rest.empty() && rest.front() == '\'';
    std::string unescaped;
    for (std::size_t i = quoted ? 1 : 0; i < rest.size(); ++i) {
      if (quoted ? rest[i] == '\'' : conninfo_blanks.find(rest[i]) != std::string_view::npos) break;
      if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
      unescaped += rest[i];
    }
    found.push_back(unescaped);
    if (!quoted) found.emplace_back(rest.substr(0, rest.find_first_of(" \t\n\v\f\r&")));
  }
}

}  // namespace

// The passwords a connection string or URL holds, read by hand (this library links no libpq, and a
// malformed URL must be covered too): a URL's userinfo after the first ':' (up to the first '@', as
// libpq reads it, and up to the last '@' before the path), and every value after `password=`,
// quoted or not (a keyword/value string, a URL's query, whose keywords may be percent-encoded too).
// Forms still percent-encoded are decoded by add().
std::vector<std::string> passwords_in(std::string_view text) {
  std::vector<std::string> found;
  if (auto scheme = text.find("://"); scheme != std::string_view::npos) {
    auto authority = text.substr(scheme + 3);
    for (auto at : {authority.find_first_of("@/"), authority.rfind('@', authority.find_first_of("/?"))}) {
      if (at == std::string_view::npos || authority[at] != '@') continue;
      auto userinfo = authority.substr(0, at);
      if (auto colon = userinfo.find(':'); colon != std::string_view::npos)
        found.emplace_back(userinfo.substr(colon + 1));
    }
  }
  add_keyword_passwords(text, found);
  const std::string decoded = percent_decoded(text);
  if (decoded != text) add_keyword_passwords(decoded, found);
  return found;
}

std::vector<std::string> forms_of(std::string_view secret) {
  std::set<std::string> forms;
  if (secret.empty()) return {};
  for (const std::string& base : {std::string(secret), percent_decoded(secret)}) {
    for (const std::string& form :
         {base, json_escaped(base), conninfo_quoted(base), json_escaped(conninfo_quoted(base))})
      if (!form.empty()) forms.insert(form);
  }
  return {forms.begin(), forms.end()};
}

std::string redact_forms(std::string_view text, std::vector<std::string_view> forms) {
  std::string out(text);
  // Longest first, so a secret that contains another is hidden whole.
  std::stable_sort(forms.begin(), forms.end(), [](auto a, auto b) { return a.size() > b.size(); });
  for (const auto form : forms) {
    if (form.empty()) continue;
    for (auto at = out.find(form); at != std::string::npos; at = out.find(form, at + std::string_view(mask).size()))
      out.replace(at, form.size(), mask);
  }
  return out;
}

namespace {

// std::cout and std::cerr write through this: whole lines (or what a flush sends) are redacted
// before they reach the terminal.
class RedactingBuffer final : public std::streambuf {
 public:
  explicit RedactingBuffer(std::streambuf* target) : target_(target) {}

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    char ch = static_cast<char>(c);
    xsputn(&ch, 1);
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard lock(mutex_);
    pending_.append(s, static_cast<std::size_t>(n));
    if (auto last = pending_.rfind('\n'); last != std::string::npos) {
      std::string line = redact(std::string_view(pending_).substr(0, last + 1));
      target_->sputn(line.data(), static_cast<std::streamsize>(line.size()));
      pending_.erase(0, last + 1);
    }
    return n;
  }
  int sync() override {
    std::lock_guard lock(mutex_);
    std::string text = redact(pending_);
    target_->sputn(text.data(), static_cast<std::streamsize>(text.size()));
    pending_.clear();
    return target_->pubsync();
  }

 private:
  std::mutex mutex_;
  std::string pending_;  // GUARDED_BY(mutex_)
  std::streambuf* target_;
};

}  // namespace

void add(std::string_view secret) {
  const std::vector<std::string> forms = forms_of(secret);
  auto& r = registry();
  std::lock_guard lock(r.writer_mutex);
  for (const auto& form : forms) {
    std::size_t count = r.count.load(std::memory_order_relaxed);
    bool known = false;
    for (std::size_t i = 0; i < count && !known; ++i) known = *r.forms[i].load(std::memory_order_relaxed) == form;
    if (known) continue;
    if (count == forms_max) {
      std::fputs("verdict: too many secrets to hide; refusing to go on\n", stderr);
      std::abort();
    }
    r.forms[count].store(new std::string(form), std::memory_order_relaxed);
    r.count.store(count + 1, std::memory_order_release);
  }
}

void add_from_conninfo(std::string_view conninfo) {
  for (const auto& password : passwords_in(conninfo)) add(password);
}

std::string redact(std::string_view text) {
  auto& r = registry();
  const std::size_t count = r.count.load(std::memory_order_acquire);
  if (count == 0) return std::string(text);
  std::vector<std::string_view> forms;
  for (std::size_t i = 0; i < count; ++i) forms.emplace_back(*r.forms[i].load(std::memory_order_relaxed));
  return redact_forms(text, std::move(forms));
}

void guard_standard_streams() {
  static std::once_flag once;
  std::call_once(once, [] {
    static auto* out = new RedactingBuffer(std::cout.rdbuf());
    static auto* err = new RedactingBuffer(std::cerr.rdbuf());
    std::cout.rdbuf(out);
    std::cerr.rdbuf(err);
  });
}

}  // namespace verdict::secrets
