#include "agent/executor/restic_listing.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>

#include "common/protocol/envelope.h"
#include "common/protocol/limits.h"
#include "common/schema/utf8.h"

namespace rmgr::agent {
namespace {

namespace json = boost::json;
namespace limits = protocol::limits;
using std::chrono::milliseconds;

//! Job id of the probe message that checks a snapshot against the wire rules.
constexpr std::string_view kProbeJobId = "00000000000000000000000000";

constexpr TimePoint kFirstWireTime{limits::kMinTime};
constexpr TimePoint kLastWireTime = TimePoint{limits::kMaxTime} - milliseconds{1};

std::optional<std::string_view> String(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string_view(v->get_string());
}

std::vector<std::string> Strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->get_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

uint64_t Count(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  constexpr auto kMax = static_cast<uint64_t>(limits::kMaxCount);
  if (v == nullptr) return 0;
  if (v->is_uint64()) return std::min(v->get_uint64(), kMax);
  if (v->is_int64()) return v->get_int64() < 0 ? 0 : static_cast<uint64_t>(v->get_int64());
  return 0;
}

//! restic's time floored to milliseconds and clamped into the wire range;
//! nothing when malformed. ParseRfc3339 refuses years outside 1900-2199, so
//! those are told apart by their (four-digit) year.
std::optional<TimePoint> ClampedTime(std::string_view text) {
  if (const auto parsed = ParseRfc3339(text); parsed.ok()) {
    return std::clamp<TimePoint>(std::chrono::floor<milliseconds>(parsed->time), kFirstWireTime,
                                 kLastWireTime);
  }
  if (text.size() < 5 || text[4] != '-' ||
      !std::all_of(text.begin(), text.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const int year = std::stoi(std::string(text.substr(0, 4)));
  if (year < 1900) return kFirstWireTime;
  if (year >= 2200) return kLastWireTime;
  return std::nullopt;
}

//! restic's time floored to milliseconds when inside the wire range.
std::optional<TimePoint> WireTime(std::string_view text) {
  const auto parsed = ParseRfc3339(text);
  if (!parsed.ok()) return std::nullopt;
  const TimePoint t = std::chrono::floor<milliseconds>(parsed->time);
  if (t < kFirstWireTime || t > kLastWireTime) return std::nullopt;
  return t;
}

//! Whether the server would accept `snapshot` inside a job.result (the wire
//! rules live in one place: the schema behind protocol::Validate).
bool WireAccepts(const protocol::SnapshotInfo& snapshot) {
  protocol::JobResult probe{.job_id = std::string(kProbeJobId), .status = protocol::JobStatus::kSucceeded};
  probe.snapshot_index = protocol::SnapshotIndex{.complete = false, .snapshots = {snapshot}};
  return protocol::Validate(protocol::Envelope{"", std::move(probe)}).ok();
}

std::optional<protocol::SnapshotInfo> ToSnapshot(const json::value& v) {
  const auto* o = v.if_object();
  if (o == nullptr) return std::nullopt;
  const auto id = String(*o, "id");
  const auto time = String(*o, "time");
  if (!id || !time) return std::nullopt;
  const auto when = ClampedTime(*time);
  if (!when) return std::nullopt;
  protocol::SnapshotInfo s;
  s.id = std::string(*id);
  s.short_id = std::string(String(*o, "short_id").value_or(id->substr(0, 8)));
  s.time = *when;
  s.hostname = std::string(String(*o, "hostname").value_or(""));
  s.paths = Strings(*o, "paths");
  s.tags = Strings(*o, "tags");
  if (!WireAccepts(s)) return std::nullopt;
  return s;
}

std::string_view WithoutTrailingSlash(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

std::string_view ParentOf(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  return slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
}

}  // namespace

Result<SnapshotList> ParseSnapshotList(std::string_view text) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return MakeError(ErrorCode::kMalformed, "snapshot list is not JSON: " + ec.message());
  if (!v.is_array()) return MakeError(ErrorCode::kMalformed, "snapshot list is not a JSON array");
  SnapshotList list;
  for (const auto& item : v.get_array()) {
    if (auto snapshot = ToSnapshot(item)) {
      list.snapshots.push_back(std::move(*snapshot));
    } else {
      ++list.skipped;
    }
  }
  std::stable_sort(list.snapshots.begin(), list.snapshots.end(),
                   [](const auto& a, const auto& b) { return a.time < b.time; });
  return list;
}

std::optional<protocol::BrowseEntry> ParseLsNode(std::string_view line, std::string_view dir) {
  if (!line.starts_with('{')) return std::nullopt;
  boost::system::error_code ec;
  const json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  if (String(o, "struct_type") != "node") return std::nullopt;
  const auto path = String(o, "path");
  const std::string_view parent = WithoutTrailingSlash(dir);
  if (!path || *path == parent || ParentOf(*path) != parent) return std::nullopt;
  protocol::BrowseEntry entry;
  entry.name = schema::SanitizeUtf8(String(o, "name").value_or(""), limits::kMaxPathBytes);
  if (!FromString(String(o, "type").value_or(""), entry.type)) entry.type = protocol::NodeType::kOther;
  entry.path = schema::SanitizeUtf8(*path, limits::kMaxPathBytes);
  entry.size = Count(o, "size");
  if (const auto mtime = String(o, "mtime")) entry.mtime = WireTime(*mtime);
  entry.permissions = schema::SanitizeUtf8(String(o, "permissions").value_or(""), 32);
  return entry;
}

}  // namespace rmgr::agent
