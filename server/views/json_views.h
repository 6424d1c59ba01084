#pragma once
// The JSON form of every store record the REST API answers with
// (docs/api-contract.md "Resources"). One place decides each shape, so the
// handlers, the CLI and the UI see the same fields everywhere. Nothing
// secret is ever written: no token hashes, no repository ciphertext.
// Conventions: times RFC 3339 UTC; absent values (unset optionals, text an
// agent has not reported yet) are null; stored JSON (progress, summary,
// retention, options, audit detail) is embedded as an object.
// Thread safety: pure functions.

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/alert_types.h"
#include "server/store/stats_types.h"
#include "server/store/store_types.h"

namespace rmgr::server::views {

//! A time as RFC 3339 UTC.
boost::json::value TimeJson(TimePoint time);
//! An optional time; null when unset.
boost::json::value TimeJson(const std::optional<TimePoint>& time);
//! Text, or null when empty.
boost::json::value TextOrNull(std::string_view text);
//! Stored JSON text as a value; null when empty or (never expected) unparseable.
boost::json::value StoredJson(std::string_view text);

//! Host labels as a JSON object of strings.
boost::json::object LabelsJson(const labels::Labels& labels);
//! Host; "mode" is "always_on" or "intermittent".
boost::json::object HostJson(const store::Host& host);
//! Enrollment token with its status at `now` (never the token or its hash).
boost::json::object EnrollmentTokenJson(const store::EnrollmentToken& token, TimePoint now);
//! Repository with "has_password" (never the password or its ciphertext).
boost::json::object RepositoryJson(const store::Repository& repository);
//! Snapshot of a repository's index.
boost::json::object SnapshotJson(const store::Snapshot& snapshot);
//! Source group.
boost::json::object SourceGroupJson(const store::SourceGroup& group);
//! Schedule with its host's canonical version and its next fire times.
boost::json::object ScheduleJson(const store::Schedule& schedule, int64_t schedule_version,
                                 const std::vector<std::string>& next_fires);
//! Job with progress and summary as objects (or null).
boost::json::object JobJson(const store::Job& job);
//! One job log line.
boost::json::object JobLogJson(const store::JobLogLine& line);
//! Audit entry with its detail as an object.
boost::json::object AuditJson(const store::AuditEntry& entry);
//! Alert (docs/api-contract.md "Alerts").
boost::json::object AlertJson(const store::Alert& alert);

//! One point of a repository's size series (GET /repositories/{id}/stats,
//! and a repository's latest_stats).
boost::json::object RepositoryStatsJson(const store::RepositoryStatsRow& row);

}  // namespace rmgr::server::views
