#include "server/scheduling/schedule_pusher.h"

#include <boost/json.hpp>

#include "common/util/log.h"
#include "server/scheduling/wire_mapping.h"

namespace rmgr::server::scheduling {
namespace {
std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }
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
  std::string rejected_json;
  if (ack.rejected && !ack.rejected->empty()) {
    boost::json::array rejected;
    for (const auto& entry : *ack.rejected) {
      Log()->warn("host {} could not apply schedule {}: {}", who.host_id, entry.schedule_id, entry.reason);
      rejected.push_back(boost::json::object{{"schedule_id", entry.schedule_id}, {"reason", entry.reason}});
    }
    rejected_json = boost::json::serialize(rejected);
  }
  auto recorded = ctx_.store.Write([&](store::WriteTx& tx) {
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
