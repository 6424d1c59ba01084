#include "server/scheduling/schedule_jobs.h"

#include <boost/json.hpp>

namespace rmgr::server::scheduling {
namespace {

// A stored JSON object, or nothing when it is empty or unreadable.
std::optional<boost::json::object> NonEmptyObject(const std::string& text) {
  boost::json::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object() || value.as_object().empty()) return std::nullopt;
  return std::move(value.as_object());
}

}  // namespace

std::string JobArgsOf(const store::Schedule& schedule) {
  boost::json::object args;
  if (auto retention = NonEmptyObject(schedule.retention_json)) args["retention"] = std::move(*retention);
  if (auto options = NonEmptyObject(schedule.options_json)) args["options"] = std::move(*options);
  return boost::json::serialize(args);
}

std::vector<store::NewJob> JobsForSchedule(const store::Schedule& schedule, store::ActorKind actor_kind,
                                           const std::string& actor_id, std::optional<TimePoint> slot) {
  store::NewJob job;
  job.host_id = schedule.host_id;
  job.kind = schedule.kind;
  job.actor_kind = actor_kind;
  job.actor_id = actor_id;
  job.schedule_id = schedule.id;
  job.repository_id = schedule.repository_id;
  job.scheduled_at = slot;
  job.args_json = JobArgsOf(schedule);
  std::vector<std::optional<std::string>> groups(schedule.source_group_ids.begin(),
                                                 schedule.source_group_ids.end());
  if (groups.empty()) groups.emplace_back();
  std::vector<store::NewJob> jobs;
  jobs.reserve(groups.size());
  for (auto& group : groups) {
    job.source_group_id = std::move(group);
    jobs.push_back(job);
  }
  return jobs;
}

}  // namespace rmgr::server::scheduling
