#include "server/alerts/alert_rules.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

namespace rmgr::server::alerts {
namespace {

namespace json = boost::json;
using store::AlertKind;
using store::AlertSeverity;

constexpr int64_t kMaxMinutes = 60 * 24 * 30;  // a month: beyond it a threshold is a typo

Error Bad(std::string key, std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), "params." + key);
}

Result<int64_t> IntIn(const json::value& value, const std::string& key, int64_t low, int64_t high) {
  const auto* number = value.if_int64();
  std::optional<int64_t> got;
  if (number) got = *number;
  if (const auto* u = value.if_uint64(); u && *u <= static_cast<uint64_t>(high))
    got = static_cast<int64_t>(*u);
  if (!got || *got < low || *got > high) {
    return Bad(key,
               key + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high));
  }
  return *got;
}

bool IsVersion(std::string_view text) {
  if (text.empty()) return true;
  bool digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.' || !digit) {
      return false;
    } else {
      digit = false;
    }
  }
  return digit && text.size() <= 32;
}

//! The keys a kind knows besides the common ones.
std::vector<std::string_view> KeysOf(AlertKind kind) {
  switch (kind) {
    case AlertKind::kHostUnprotected:
      return {"grace_factor", "intermittent_grace_hours"};
    case AlertKind::kHostOffline:
      return {"after_minutes", "always_on_only"};
    case AlertKind::kRepositoryLocked:
    case AlertKind::kScheduleDrift:
      return {"after_minutes"};
    case AlertKind::kAgentOutdated:
      return {"min_agent_version", "min_restic_version"};
    case AlertKind::kJobFailed:
    case AlertKind::kJobPartial:
    case AlertKind::kCheckFailed:
    case AlertKind::kDrillFailed:
      return {};
  }
  return {};
}

}  // namespace

RuleSettings RuleSet::DefaultsOf(AlertKind kind) {
  RuleSettings settings;
  switch (kind) {
    case AlertKind::kHostUnprotected:
      settings.severity = AlertSeverity::kCritical;
      break;
    case AlertKind::kHostOffline:
      settings.after = std::chrono::minutes(30);
      break;
    case AlertKind::kJobFailed:
    case AlertKind::kJobPartial:
      break;
    case AlertKind::kCheckFailed:
    case AlertKind::kDrillFailed:
      settings.severity = AlertSeverity::kCritical;
      break;
    case AlertKind::kRepositoryLocked:
      settings.after = std::chrono::minutes(60);
      break;
    case AlertKind::kScheduleDrift:
      settings.after = std::chrono::minutes(15);
      break;
    case AlertKind::kAgentOutdated:
      settings.min_restic_version = "0.14.0";  // the oldest restic this project is tested against
      break;
  }
  return settings;
}

RuleSet::RuleSet() {
  for (AlertKind kind : protocol::AllValues<AlertKind>())
    rules_.at(static_cast<size_t>(kind)) = DefaultsOf(kind);
}

RuleSet RuleSet::FromStored(const std::vector<store::AlertRule>& rules, std::vector<std::string>* problems) {
  RuleSet set;
  for (const auto& rule : rules) {
    auto parsed = ParseRuleParams(rule.kind, rule.enabled, rule.params_json);
    if (!parsed.ok()) {
      if (problems) {
        problems->push_back("rule " + std::string(ToString(rule.kind)) + ": " + parsed.error().message +
                            " (running on its defaults)");
      }
      continue;
    }
    set.Set(rule.kind, std::move(*parsed));
  }
  return set;
}

Result<RuleSettings> ParseRuleParams(AlertKind kind, bool enabled, std::string_view params_json) {
  RuleSettings settings = RuleSet::DefaultsOf(kind);
  settings.enabled = enabled;
  boost::system::error_code ec;
  const json::value doc = json::parse(params_json, ec);
  if (ec || !doc.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "params must be a JSON object", "params");
  }
  const std::vector<std::string_view> known = KeysOf(kind);
  for (const auto& [raw_key, value] : doc.as_object()) {
    const std::string key(raw_key);
    if (key == "renotify_minutes") {
      auto minutes = IntIn(value, key, 0, kMaxMinutes);
      if (!minutes.ok()) return minutes.error();
      settings.renotify = std::chrono::minutes(*minutes);
      continue;
    }
    if (key == "severity") {
      store::AlertSeverity severity{};
      if (!value.is_string() || !protocol::FromString(value.as_string(), severity)) {
        return Bad(key, "severity must be \"warning\" or \"critical\"");
      }
      settings.severity = severity;
      continue;
    }
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Bad(key, "unknown parameter \"" + key + "\" for rule " + std::string(ToString(kind)));
    }
    if (key == "grace_factor") {
      const double factor = value.is_number() ? value.to_number<double>() : -1;
      if (!(factor >= 1.0 && factor <= 10.0) || !std::isfinite(factor)) {
        return Bad(key, "grace_factor must be a number from 1 to 10 (schedule intervals)");
      }
      settings.grace_factor = factor;
    } else if (key == "intermittent_grace_hours") {
      auto hours = IntIn(value, key, 1, 24 * 90);
      if (!hours.ok()) return hours.error();
      settings.intermittent_grace = std::chrono::hours(*hours);
    } else if (key == "after_minutes") {
      auto minutes = IntIn(value, key, 1, kMaxMinutes);
      if (!minutes.ok()) return minutes.error();
      settings.after = std::chrono::minutes(*minutes);
    } else if (key == "always_on_only") {
      if (!value.is_bool()) return Bad(key, "always_on_only must be true or false");
      settings.always_on_only = value.as_bool();
    } else if (key == "min_agent_version" || key == "min_restic_version") {
      if (!value.is_string() || !IsVersion(value.as_string())) {
        return Bad(key, key + " must be a version like \"0.14.0\", or \"\" to not check it");
      }
      (key == "min_agent_version" ? settings.min_agent_version : settings.min_restic_version) =
          std::string(value.as_string());
    }
  }
  return settings;
}

json::object RuleParamsJson(AlertKind kind, const RuleSettings& settings) {
  json::object out;
  out["severity"] = ToString(settings.severity);
  out["renotify_minutes"] = settings.renotify.count();
  for (std::string_view key : KeysOf(kind)) {
    if (key == "grace_factor") out["grace_factor"] = settings.grace_factor;
    if (key == "intermittent_grace_hours")
      out["intermittent_grace_hours"] = settings.intermittent_grace.count();
    if (key == "after_minutes") out["after_minutes"] = settings.after.count();
    if (key == "always_on_only") out["always_on_only"] = settings.always_on_only;
    if (key == "min_agent_version") out["min_agent_version"] = settings.min_agent_version;
    if (key == "min_restic_version") out["min_restic_version"] = settings.min_restic_version;
  }
  return out;
}

std::optional<int> CompareVersions(std::string_view a, std::string_view b) {
  auto numbers = [](std::string_view text) {
    std::vector<long> out;
    const char* at = text.data();
    const char* end = text.data() + text.size();
    while (at < end) {
      long value = 0;
      auto [next, ec] = std::from_chars(at, end, value);
      if (ec != std::errc{}) break;
      out.push_back(value);
      if (next == end || *next != '.') break;
      at = next + 1;
    }
    return out;
  };
  const auto left = numbers(a);
  const auto right = numbers(b);
  if (left.empty() || right.empty()) return std::nullopt;
  for (size_t i = 0; i < std::max(left.size(), right.size()); ++i) {
    const long l = i < left.size() ? left[i] : 0;
    const long r = i < right.size() ? right[i] : 0;
    if (l != r) return l < r ? -1 : 1;
  }
  return 0;
}

}  // namespace rmgr::server::alerts
