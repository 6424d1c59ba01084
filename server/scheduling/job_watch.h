#pragma once
// JobWatch: what the core remembers about unfinished jobs between messages —
// when each job's agent last spoke of it (the lost sweep's evidence) and
// which jobs each host's agent says it runs (from hello and its periodic
// jobs.running report). A job the server marked lost or interrupted that
// its agent still runs holds its repository like a running one: the
// server's guess never breaks "one job per repository". Operators' cancels
// are kept in the store (jobs.cancel_requested_at), not here.
// Thread safety: none; used only on the scheduling thread.

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "common/util/time_format.h"
#include "server/store/store_types.h"

namespace rmgr::server::scheduling {

//! Last word per job and the cancels still owed to agents.
class JobWatch {
 public:
  //! The job's agent spoke of it at `at`.
  void NoteWord(const std::string& job_id, TimePoint at) { last_word_[job_id] = at; }
  //! When the job was last heard of: its last word, or else its start, dispatch or creation.
  TimePoint LastHeard(const store::Job& job) const {
    TimePoint heard = job.started_at.value_or(job.dispatched_at.value_or(job.created_at));
    if (auto word = last_word_.find(job.id); word != last_word_.end()) heard = std::max(heard, word->second);
    return heard;
  }
  //! The job ended (or is not this server's concern any more): forget its word.
  void Forget(const std::string& job_id) { last_word_.erase(job_id); }

  //! What the host's agent last said it runs (empty: nothing, or it is gone).
  void SetAgentRunning(const std::string& host_id, std::set<std::string> job_ids) {
    if (job_ids.empty()) {
      agent_running_.erase(host_id);
    } else {
      agent_running_[host_id] = std::move(job_ids);
    }
  }
  //! The job ids the host's agent last said it runs.
  const std::set<std::string>& AgentRunning(std::string_view host_id) const {
    static const std::set<std::string> kNone;
    auto it = agent_running_.find(host_id);
    return it == agent_running_.end() ? kNone : it->second;
  }

 private:
  std::map<std::string, TimePoint, std::less<>> last_word_;
  std::map<std::string, std::set<std::string>, std::less<>> agent_running_;
};

}  // namespace rmgr::server::scheduling
