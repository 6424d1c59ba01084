#include "server/scheduling/repository_leases.h"

#include <algorithm>

#include "common/cron/cron_parser.h"

namespace rmgr::server::scheduling {
namespace {

using store::JobKind;

// At most a week: a window is a daily or weekly slot.
constexpr int kMaxWindowMinutes = 7 * 24 * 60;

std::string WaitingFor(const LeaseJob& holder, const std::string& repository, std::string_view what = "") {
  return "waiting for " + std::string(what) + std::string(store::ToString(holder.kind)) + " of repository " +
         repository + " on host " + holder.host_name;
}

}  // namespace

std::string_view ToString(Lease lease) {
  switch (lease) {
    case Lease::kNone:
      return "none";
    case Lease::kShared:
      return "shared";
    case Lease::kExclusive:
      return "exclusive";
  }
  return "none";
}

Lease LeaseOf(JobKind kind) {
  switch (kind) {
    case JobKind::kBackup:
    case JobKind::kRestore:
    case JobKind::kSnapshots:
    case JobKind::kLs:
    case JobKind::kStats:
    case JobKind::kDrill:
      return Lease::kShared;
    case JobKind::kForget:
    case JobKind::kPrune:
    case JobKind::kCheck:
    case JobKind::kUnlock:
      return Lease::kExclusive;
    case JobKind::kInit:
      return Lease::kNone;
  }
  return Lease::kExclusive;  // an unknown kind is kept alone
}

bool IsMaintenance(JobKind kind) {
  return kind == JobKind::kForget || kind == JobKind::kPrune || kind == JobKind::kCheck;
}

Result<void> ValidateMaintenanceWindow(const MaintenanceWindow& window) {
  if (window.cron.empty()) {
    if (window.minutes != 0) {
      return MakeError(ErrorCode::kInvalidArgument, "a maintenance window without a cron has no duration",
                       "maintenance_minutes");
    }
    return Ok();
  }
  auto parsed = cron::ParseCron(window.cron);
  if (!parsed) {
    return MakeError(ErrorCode::kInvalidArgument, "maintenance window: " + parsed.error().message,
                     "maintenance_cron");
  }
  if (parsed->IsInterval()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "maintenance window: @every has no fixed opening time; use a cron expression",
                     "maintenance_cron");
  }
  if (window.minutes < 1 || window.minutes > kMaxWindowMinutes) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "maintenance window: the duration must be 1 to " + std::to_string(kMaxWindowMinutes) + " minutes",
        "maintenance_minutes");
  }
  return Ok();
}

bool InsideMaintenanceWindow(const MaintenanceWindow& window, TimePoint now) {
  if (window.cron.empty()) return true;
  auto parsed = cron::ParseCron(window.cron);
  if (!parsed || parsed->IsInterval()) return false;
  const auto at = std::chrono::floor<std::chrono::seconds>(now);
  auto opened = parsed->LastFireAtOrBefore(at, cron::Location::Utc());
  if (!opened) return false;
  return at < *opened + std::chrono::minutes(window.minutes);
}

LeaseDecision DecideLease(const LeaseJob& job, const RepositoryState& repository) {
  const Lease lease = LeaseOf(job.kind);
  if (lease == Lease::kNone) return {true, ""};
  if (IsMaintenance(job.kind) && !repository.inside_maintenance_window) {
    return {false, "waiting for the maintenance window of repository " + repository.name};
  }
  const auto exclusive = [](const LeaseJob& j) { return LeaseOf(j.kind) == Lease::kExclusive; };
  const auto& holders = repository.holders;
  if (auto holder = std::find_if(holders.begin(), holders.end(), exclusive); holder != holders.end()) {
    return {false, WaitingFor(*holder, repository.name)};
  }
  if (lease == Lease::kExclusive) {
    const auto leased = [](const LeaseJob& j) { return LeaseOf(j.kind) != Lease::kNone; };
    if (auto holder = std::find_if(holders.begin(), holders.end(), leased); holder != holders.end()) {
      return {false, WaitingFor(*holder, repository.name)};
    }
    return {true, ""};
  }
  const auto& waiting = repository.waiting_exclusive;
  if (auto ahead = std::find_if(waiting.begin(), waiting.end(),
                                [&](const LeaseJob& j) { return j.job_id != job.job_id && exclusive(j); });
      ahead != waiting.end()) {
    return {false, WaitingFor(*ahead, repository.name, "queued ")};
  }
  if (job.kind == JobKind::kBackup && repository.max_concurrent_backups > 0) {
    const auto backups = std::count_if(holders.begin(), holders.end(),
                                       [](const LeaseJob& j) { return j.kind == JobKind::kBackup; });
    if (backups >= repository.max_concurrent_backups) {
      return {false, "waiting for a backup slot of repository " + repository.name + " (" +
                         std::to_string(backups) + " of " +
                         std::to_string(repository.max_concurrent_backups) + " running)"};
    }
  }
  return {true, ""};
}

}  // namespace rmgr::server::scheduling
