#pragma once
// ServerMetrics: everything GET /metrics shows, in one place — the store's
// state (read in one snapshot per scrape, see snapshot_families.h), the
// agent hub's connections and frame counters, the scheduling core's queue,
// HTTP request durations by route pattern (it is the HttpServer's
// RequestObserver), the process's start time and build, and any collector
// added later.
//
// Extension point for the alert engine: implement metrics::Collector and
// write one family, e.g.
//   # TYPE rmgr_alerts_firing gauge
//   rmgr_alerts_firing{kind="host_unprotected"} 3
// (every kind listed, 0 included), then AddCollector it in server_app.cpp
// before the server starts. Its Collect runs on the scrape's thread (a
// handler thread), so it may read the store but must be thread safe.
//
// Thread safety: AddCollector before serving; OnRequest and Scrape from any
// number of threads at once.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/http/http_server.h"
#include "server/metrics/registry.h"
#include "server/store/store.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server::metrics {

//! Where the server's metrics come from. Everything but the store may be absent.
struct MetricsSources {
  store::Store* store = nullptr;                        ///< Read once per scrape; required.
  const ws::AgentHub* hub = nullptr;                    ///< Live agent connections and frame counters.
  std::function<std::size_t()> scheduling_queue_depth;  ///< Scheduling core's unhandled events.
  TimePoint started_at = Clock::now();                  ///< The process's start (process_start_time_seconds).
  std::string version;                                  ///< Build version (rmgr_build_info).
};

//! The upper bounds (seconds) of the HTTP request duration histogram.
inline const std::vector<double> kHttpDurationBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                     0.25,  0.5,    1,     2.5,  5,     10};

class ServerMetrics final : public http::RequestObserver {
 public:
  //! `sources.store` must outlive this object, as must the hub.
  explicit ServerMetrics(MetricsSources sources);

  //! Adds a collector asked on every scrape (see the file comment). Not
  //! owned; must outlive this object. Call before serving.
  void AddCollector(Collector* collector);

  //! Counts one HTTP request in rmgr_http_request_duration_seconds.
  void OnRequest(const http::RequestRecord& record) override;

  //! One scrape in the text exposition format; the store's error (kBusy,
  //! kInternal) when its snapshot cannot be read.
  Result<std::string> Scrape();

 private:
  class ServerCollector;

  MetricsSources sources_;
  Registry registry_;
  HistogramVec* http_durations_ = nullptr;  // owned by registry_
};

}  // namespace rmgr::server::metrics
