#pragma once
// Translations between what the store keeps and what travels to and from
// agents: the schedule set of a host, the command.run of a job (repository
// secret opened with the server key), and an agent's job.result, progress
// and snapshot list turned back into store records.
// Thread safety: pure functions over the transaction they are given.

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "common/protocol/messages.h"
#include "common/result.h"
#include "server/store/store.h"

namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::scheduling {

//! The host's full schedule set at its canonical version.
Result<protocol::ScheduleSet> BuildScheduleSet(store::ReadTx& tx, const std::string& host_id);

//! The command.run for a dispatched job, built as the struct and checked
//! with the wire rules: repository (secret opened, only for a host that uses
//! it: repository_access.h), source group, retention and options from its
//! args, hooks from its schedule.
//! kInvalidArgument (with a reason an operator understands) when the job
//! cannot run: its repository or group is gone, its host does not use the
//! repository, the secret does not open, or its kind lacks what it needs.
Result<protocol::CommandRun> BuildCommandRun(store::ReadTx& tx, const store::Job& job,
                                             const auth::SecretBox& secrets);

//! The browse.request to `host_id`'s agent listing `path` of `snapshot_id`
//! in `repository_id` (secret opened), checked with the wire rules:
//! kInvalidArgument naming `snapshot_id` or `path` for values the agent would
//! refuse, kNotFound for an unknown repository, kPermissionDenied when the
//! host does not use the repository (repository_access.h).
Result<protocol::BrowseRequest> BuildBrowseRequest(store::ReadTx& tx, const std::string& request_id,
                                                   const std::string& host_id,
                                                   const std::string& repository_id,
                                                   const std::string& snapshot_id, const std::string& path,
                                                   const auth::SecretBox& secrets);

//! The store's form of an agent's result. A short snapshot id (restic 0.14)
//! becomes the full id when the result's snapshot index has exactly one
//! snapshot starting with it.
store::JobResult ToStoreResult(const protocol::JobResult& result);

//! The progress kept on the job and sent to the UI (the job.progress payload without job_id).
boost::json::object ProgressObject(const protocol::JobProgress& progress);

//! The store's log lines of a job.log batch (seq = first_seq + index).
std::vector<store::JobLogLine> ToLogLines(const protocol::JobLog& log);

//! Index rows for the snapshots an agent reported, attributed to `host_id`
//! when they were made by a backup of that host.
std::vector<store::Snapshot> ToSnapshots(const protocol::SnapshotIndex& index, const std::optional<std::string>& host_id);

//! One point of the repository's size series from a stats job's result
//! (values past the store's int64 range are clamped).
store::RepositoryStatsRow ToStatsRow(const protocol::RepositoryStats& stats, const std::string& repository_id,
                                     const std::string& job_id, TimePoint at);

}  // namespace rmgr::server::scheduling
