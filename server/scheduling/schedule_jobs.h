#pragma once
// The jobs one run of a schedule makes, whoever asks for it: a fire from the
// agent's cron, a catch-up, a pending run that starts late, or "run now" in
// the REST API. One job per source group (a schedule without groups, such
// as prune or check, runs once), each carrying the schedule's retention and
// options frozen into args_json — a later edit of the schedule does not
// change a job already made.
// Thread safety: pure functions.

#include <optional>
#include <string>
#include <vector>

#include "common/util/time_format.h"
#include "server/store/store_types.h"

namespace rmgr::server::scheduling {

//! The queued jobs for one run of `schedule`. `slot` is the cron slot of a
//! fire or catch-up (it makes the job unique per schedule × slot × group);
//! none for a run-now.
std::vector<store::NewJob> JobsForSchedule(const store::Schedule& schedule, store::ActorKind actor_kind,
                                           const std::string& actor_id, std::optional<TimePoint> slot);

//! The args_json of a job of `schedule`: {"retention": ..., "options": ...}
//! with empty parts left out (the shape api::JobArgsSpec reads).
std::string JobArgsOf(const store::Schedule& schedule);

}  // namespace rmgr::server::scheduling
