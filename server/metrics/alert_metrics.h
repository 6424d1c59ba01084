#pragma once
// AlertMetrics: the alert engine's state in a scrape — how many unresolved
// alerts there are by kind, state and severity (rmgr_alerts, every kind ×
// state listed, 0 included, so a rule on "== 0" never sees a gap) and the
// firing ones by kind (rmgr_alerts_firing), read from the store at scrape
// time with one GROUP BY.
// Thread safety: Collect may run on any number of scrape threads at once.

#include "server/metrics/registry.h"
#include "server/store/store.h"

namespace rmgr::server::metrics {

//! Writes rmgr_alerts{kind,state,severity} and rmgr_alerts_firing{kind}.
class AlertMetrics final : public Collector {
 public:
  //! Reads `store` (which must outlive this) on every scrape.
  explicit AlertMetrics(store::Store& store) : store_(store) {}
  //! Writes both families; on a store error it writes nothing (the scrape's
  //! own snapshot reports the store's trouble).
  void Collect(TextWriter& out) override;

 private:
  store::Store& store_;
};

}  // namespace rmgr::server::metrics
