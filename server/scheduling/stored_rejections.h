#pragma once
// The stored form of a host's schedule entries its agent could not apply
// (Host::schedule_rejected_json): [{"schedule_id","reason","since"?}], where
// "since" is the server time of the first ack that rejected the entry. The
// schedule pusher writes it; the window record reads it.
// Thread safety: pure functions.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/time_format.h"

namespace rmgr::server::scheduling {

//! One entry the agent could not apply.
struct StoredRejection {
  std::string schedule_id;
  std::string reason;
  std::optional<TimePoint> since;  ///< Absent on entries stored before it was kept.
};

//! The entries of `json`; text that is not such an array (or "") reads as none.
inline std::vector<StoredRejection> ParseRejections(std::string_view json) {
  std::vector<StoredRejection> out;
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_array()) return out;
  for (const auto& item : parsed.as_array()) {
    const auto* entry = item.if_object();
    const auto* id = entry ? entry->if_contains("schedule_id") : nullptr;
    if (id == nullptr || !id->is_string()) continue;
    StoredRejection rejection{std::string(id->as_string()), {}, std::nullopt};
    if (const auto* reason = entry->if_contains("reason"); reason && reason->is_string()) {
      rejection.reason = std::string(reason->as_string());
    }
    if (const auto* since = entry->if_contains("since"); since && since->is_string()) {
      if (auto time = ParseRfc3339(since->as_string())) rejection.since = time->time;
    }
    out.push_back(std::move(rejection));
  }
  return out;
}

//! The stored form of `rejections` (every entry written with its "since").
inline std::string RejectionsJson(const std::vector<StoredRejection>& rejections) {
  boost::json::array out;
  for (const auto& r : rejections) {
    boost::json::object entry{{"schedule_id", r.schedule_id}, {"reason", r.reason}};
    if (r.since) entry["since"] = FormatRfc3339Utc(*r.since);
    out.push_back(std::move(entry));
  }
  return boost::json::serialize(out);
}

}  // namespace rmgr::server::scheduling
