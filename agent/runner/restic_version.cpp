#include "agent/runner/restic_version.h"

#include <charconv>
#include <vector>

namespace rmgr::agent::runner {
namespace {

// Reads one decimal number at the front of `text` and drops it.
std::optional<int> TakeNumber(std::string_view& text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<size_t>(end - text.data()));
  return value;
}

}  // namespace

std::optional<ResticVersion> ParseResticVersion(std::string_view text) {
  if (text.starts_with("restic ")) text.remove_prefix(7);
  if (text.starts_with('v')) text.remove_prefix(1);
  ResticVersion v;
  const auto major = TakeNumber(text);
  if (!major || !text.starts_with('.')) return std::nullopt;
  text.remove_prefix(1);
  const auto minor = TakeNumber(text);
  if (!minor) return std::nullopt;
  v.major = *major;
  v.minor = *minor;
  if (text.starts_with('.')) {  // "0.18.0"; a development build may say "0.18.0-dev (compiled manually)"
    text.remove_prefix(1);
    const auto patch = TakeNumber(text);
    if (!patch) return std::nullopt;
    v.patch = *patch;
  }
  if (!text.empty() && text.front() != ' ' && text.front() != '-') return std::nullopt;
  return v;
}

ResticFeatures FeaturesOf(const std::optional<ResticVersion>& version) {
  ResticFeatures f;
  if (!version) return f;
  f.retry_lock = *version >= ResticVersion{0, 16, 0};
  f.restore_json = *version >= ResticVersion{0, 16, 0};
  return f;
}

std::string Describe(const ResticFeatures& features) {
  std::vector<std::string_view> names;
  if (features.retry_lock) names.emplace_back("--retry-lock");
  if (features.restore_json) names.emplace_back("restore --json");
  if (names.empty()) return "none";
  std::string out;
  for (const auto name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace rmgr::agent::runner
