#include "server/scheduling/schedule_pusher.h"

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "common/util/log.h"
#include "common/util/time_format.h"
#include "server/scheduling/wire_mapping.h"

namespace rmgr::server::scheduling {
namespace {
std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }

// The stored form of an ack's rejected entries: each with the server time
// since when it has not been applied (kept from the previous ack while the
// schedule stays rejected), which is when its windows began to be missed.
std::string RejectionsJson(const std::vector<protocol::ScheduleRejection>& entries, std::string_view previous_json,
                           TimePoint now) {
  std::map<std::string, std::string, std::less<>> since_before;
  boost::system::error_code ec;
  const auto previous = boost::json::parse(previous_json, ec);
  if (!ec && previous.is_array()) {
    for (const auto& item : previous.as_array()) {
      const auto* entry = item.if_object();
      if (entry == nullptr) continue;
      const auto* id = entry->if_contains("schedule_id");
      const auto* since = entry->if_contains("since");
      if (id && id->is_string() && since && since->is_string()) {
        since_before[std::string(id->as_string())] = std::string(since->as_string());
      }
    }
  }
  boost::json::array out;
  for (const auto& entry : entries) {
    const auto kept = since_before.find(entry.schedule_id);
    out.push_back(boost::json::object{
        {"schedule_id", entry.schedule_id},
        {"reason", entry.reason},
        {"since", kept != since_before.end() ? kept->second : FormatRfc3339Utc(now)}});
  }
  return boost::json::serialize(out);
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
      rejected_json = RejectionsJson(*ack.rejected, host->schedule_rejected_json, ctx_.Now());
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
