#include "server/metrics/alert_metrics.h"

#include <map>
#include <string>
#include <tuple>

namespace rmgr::server::metrics {

void AlertMetrics::Collect(TextWriter& out) {
  auto counts = store_.Read([](store::ReadTx& tx) { return tx.CountOpenAlerts(); });
  if (!counts.ok()) return;
  std::map<std::tuple<store::AlertKind, store::AlertState, store::AlertSeverity>, int64_t> by;
  std::map<store::AlertKind, int64_t> firing;
  for (const auto& count : *counts) {
    by[{count.kind, count.state, count.severity}] += count.count;
    if (count.state == store::AlertState::kFiring) firing[count.kind] += count.count;
  }
  out.Family("rmgr_alerts", "gauge", "Unresolved alerts by kind, state and severity");
  for (store::AlertKind kind : protocol::AllValues<store::AlertKind>()) {
    for (store::AlertState state : protocol::AllValues<store::AlertState>()) {
      if (state == store::AlertState::kResolved) continue;
      for (store::AlertSeverity severity : protocol::AllValues<store::AlertSeverity>()) {
        const auto found = by.find({kind, state, severity});
        out.Sample("rmgr_alerts",
                   {{"kind", ToString(kind)}, {"state", ToString(state)}, {"severity", ToString(severity)}},
                   found == by.end() ? 0.0 : static_cast<double>(found->second));
      }
    }
  }
  out.Family("rmgr_alerts_firing", "gauge", "Firing alerts (not acknowledged, not silenced) by kind");
  for (store::AlertKind kind : protocol::AllValues<store::AlertKind>()) {
    out.Sample("rmgr_alerts_firing", {{"kind", ToString(kind)}}, static_cast<double>(firing[kind]));
  }
}

}  // namespace rmgr::server::metrics
