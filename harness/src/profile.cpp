// Gate profiles: read strictly (input.hpp), every stage checked before any runs.

#include "verdict/profile.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "verdict/input.hpp"
#include "verdict/runtime.hpp"

namespace verdict {

using json = nlohmann::json;

namespace {

// A whole number within `range` at object[key], or `fallback` when absent.
std::uint64_t profile_number(const json& object, const char* key, std::uint64_t fallback, const CountRange& range) {
  if (!object.contains(key)) return fallback;
  const json& value = object[key];
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() < range.min || value.get<std::uint64_t>() > range.max)
    throw std::runtime_error(fmt::format("'{}' takes {}, not {}", key, range_text(range), value.dump()));
  return value.get<std::uint64_t>();
}

std::string profile_text(const json& object, const char* key) {
  if (!object.contains(key)) return "";
  if (!object[key].is_string()) throw std::runtime_error(fmt::format("'{}' must be a string", key));
  return object[key].get<std::string>();
}

void require_profile_keys(const json& object, std::initializer_list<const char*> allowed) {
  if (auto key = unknown_key(object, allowed)) throw std::runtime_error(fmt::format("unknown key '{}'", *key));
}

ProfileStage read_stage(const json& stage) {
  if (!stage.is_object()) throw std::runtime_error("a stage is an object");
  ProfileStage out;
  out.kind = profile_text(stage, "kind");
  if (out.kind == "fixtures") {
    require_profile_keys(stage, {"kind", "paths"});
    if (!stage.contains("paths") || !stage["paths"].is_array() || stage["paths"].empty())
      throw std::runtime_error("'paths' must be a non-empty array of paths");
    for (const auto& p : stage["paths"]) {
      if (!p.is_string()) throw std::runtime_error("'paths' must be a non-empty array of paths");
      out.paths.push_back(p.get<std::string>());
    }
    return out;
  }
  if (!stage.contains("seed"))
    out.seed = 1;
  else if (stage["seed"] != "random")
    out.seed = profile_number(stage, "seed", 0, seed_range);
  if (out.kind == "properties") {
    require_profile_keys(stage, {"kind", "suite", "seed", "cases", "max_size"});
    out.name = profile_text(stage, "suite");
    out.property.cases = static_cast<int>(profile_number(stage, "cases", out.property.cases, cases_range));
    out.property.max_size = static_cast<int>(profile_number(stage, "max_size", out.property.max_size, max_size_range));
    return out;
  }
  if (out.kind == "stress") {
    require_profile_keys(stage, {"kind", "workload", "seed", "threads", "ops_per_thread", "deadline_ms"});
    out.name = profile_text(stage, "workload");
    out.stress.threads = static_cast<int>(profile_number(stage, "threads", out.stress.threads, threads_range));
    out.stress.ops_per_thread =
        static_cast<int>(profile_number(stage, "ops_per_thread", out.stress.ops_per_thread, ops_range));
    out.stress.deadline_ms = static_cast<std::int64_t>(
        profile_number(stage, "deadline_ms", static_cast<std::uint64_t>(out.stress.deadline_ms), deadline_ms_range));
    return out;
  }
  throw std::runtime_error(fmt::format("unknown stage kind '{}' (fixtures, properties or stress)", out.kind));
}

// `text`: the profile's contents, or nullopt to read them from `file`.
std::vector<ProfileStage> read_profile_as(const std::string& file, std::optional<std::string_view> text) {
  json profile;
  try {
    profile = text ? parse_input_json(*text) : read_input_json(file);
  } catch (const InputError& e) {
    throw std::runtime_error(fmt::format("profile {}: {}", display_path(file), e.what()));
  }
  std::vector<ProfileStage> stages;
  try {
    if (!profile.is_object()) throw std::runtime_error("a profile is a JSON object");
    require_profile_keys(profile, {"name", "description", "stages"});
    if (!profile.contains("stages") || !profile["stages"].is_array() || profile["stages"].empty())
      throw std::runtime_error("'stages' must be a non-empty array");
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("profile {}: {}", display_path(file), e.what()));
  }
  for (const auto& stage : profile["stages"]) {
    try {
      stages.push_back(read_stage(stage));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(
          fmt::format("profile {}, stage {}: {}", display_path(file), stages.size() + 1, e.what()));
    }
  }
  return stages;
}

}  // namespace

std::string range_text(const CountRange& range) {
  return fmt::format("a whole number from {} to {}", range.min, range.max);
}

std::vector<ProfileStage> read_profile(const std::string& file) { return read_profile_as(file, std::nullopt); }

std::vector<ProfileStage> parse_profile(std::string_view text, const std::string& file) {
  return read_profile_as(file, text);
}

}  // namespace verdict
