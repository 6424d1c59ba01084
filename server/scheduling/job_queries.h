#pragma once
// Store reads and records every scheduling decision shares: the jobs of a
// host in a state, the jobs that hold a repository, the server's own
// verdicts and audit entries.
// Thread safety: pure functions over a transaction the caller owns.

#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/store/store.h"

namespace rmgr::server::scheduling {

//! Every job in `status` — of one host, or of all when `host_id` is empty — oldest first.
Result<std::vector<store::Job>> JobsIn(store::ReadTx& tx, const std::optional<std::string>& host_id,
                                       store::JobStatus status);

//! Jobs that hold their repository on the host: dispatched or running, oldest first per state.
Result<std::vector<store::Job>> ActiveJobs(store::ReadTx& tx, const std::string& host_id);

//! ActiveJobs plus the jobs the server gave up on (lost, interrupted) that
//! the host's agent still says it runs: together, what holds repositories.
Result<std::vector<store::Job>> HeldJobs(store::ReadTx& tx, const std::string& host_id,
                                         const std::set<std::string>& agent_running);

//! Adds to `held` the host's jobs the server gave up on (lost, interrupted)
//! that its agent still lists in `agent_running` (and `held` lacks).
Result<void> AddGivenUpButRunning(store::ReadTx& tx, const std::string& host_id,
                                  const std::set<std::string>& agent_running, std::vector<store::Job>& held);

//! The repository a job holds ("" when it has none).
std::string RepositoryKey(const store::Job& job);

//! An audit entry written by the server itself (schedule, catch-up, system).
store::AuditEntry SystemAudit(store::ActorKind kind, std::string actor_id, std::string action,
                              std::string target_kind, std::string target_id, boost::json::object detail);

//! A final state the server decides (lost, interrupted, failed before dispatch).
store::JobResult ServerVerdict(store::JobStatus status, std::string error, store::ErrorKind kind);

//! Gives up on an unfinished job: `lost` with `error`, audited as job.lost with `detail`.
Result<void> MarkLost(store::WriteTx& tx, const store::Job& job, std::string error, boost::json::object detail);

//! Creates `jobs`, skipping fire slots that already have one (a re-sent fire); the ids made.
Result<std::vector<std::string>> CreateJobs(store::WriteTx& tx, const std::vector<store::NewJob>& jobs);

//! Job ids as a JSON array (audit detail).
boost::json::array JsonIds(const std::vector<std::string>& ids);

}  // namespace rmgr::server::scheduling
