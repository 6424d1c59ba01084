#include "server/scheduling/schedule_pusher.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/util/log.h"
#include "server/scheduling/stored_rejections.h"
#include "server/scheduling/wire_mapping.h"

namespace rmgr::server::scheduling {
namespace {
std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }

// An ack's rejected entries as stored: each keeps the "since" of the
// previous ack while the schedule stays rejected (when its windows began to
// be missed), else it starts now.
std::string RejectedNow(const std::vector<protocol::ScheduleRejection>& entries, std::string_view previous_json,
                        TimePoint now) {
  const auto previous = ParseRejections(previous_json);
  std::vector<StoredRejection> out;
  for (const auto& entry : entries) {
    const auto kept = std::find_if(previous.begin(), previous.end(), [&](const StoredRejection& r) {
      return r.schedule_id == entry.schedule_id && r.since;
    });
    out.push_back({entry.schedule_id, entry.reason, kept != previous.end() ? kept->since : now});
  }
  return RejectionsJson(out);
}
}  // namespace

void SchedulePusher::Push(const std::string& host_id) {
  auto connection = ctx_.presence.Ready(host_id);
  if (!connection) return;  // pushed right after the next hello
  auto set = ctx_.store.Read([&](store::ReadTx& tx) { return BuildScheduleSet(tx, host_id); });
  if (!set) {
    Log()->error("schedule set of host {}: {}", host_id, set.error().message);
    return;
  }
  const int64_t version = set->version;
  if (ctx_.Send(host_id, *connection, std::move(*set))) {
    Log()->debug("pushed schedule version {} to host {}", version, host_id);
  }
}

void SchedulePusher::HandleAck(const ws::AgentIdentity& who, const protocol::ScheduleAck& ack) {
  // Entries the agent could not apply never fire: kept with the ack and
  // shown as drift, never taken for applied.
  if (ack.rejected) {
    for (const auto& entry : *ack.rejected) {
      Log()->warn("host {} could not apply schedule {}: {}", who.host_id, entry.schedule_id, entry.reason);
    }
  }
  auto recorded = ctx_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    std::string rejected_json;
    if (ack.rejected && !ack.rejected->empty()) {
      auto host = tx.GetHost(who.host_id);
      if (!host) return host.error();
      rejected_json = RejectedNow(*ack.rejected, host->schedule_rejected_json, ctx_.Now());
    }
    return tx.SetHostAppliedScheduleVersion(who.host_id, ack.version, ack.applied_at, rejected_json);
  });
  if (!recorded) {
    Log()->warn("schedule.ack {} from host {} ignored: {}", ack.version, who.host_id, recorded.error().message);
    return;
  }
  Log()->debug("host {} applied schedule version {}", who.host_id, ack.version);
  ctx_.publish.Host(who.host_id);
}

}  // namespace rmgr::server::scheduling
