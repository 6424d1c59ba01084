#include "server/metrics/server_metrics.h"

#include "server/metrics/snapshot_families.h"

namespace rmgr::server::metrics {
namespace {

double Seconds(TimePoint at) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()) /
         1000.0;
}

// "2xx", "4xx", ...: bounded, and what dashboards group by.
std::string StatusClass(unsigned status) {
  return std::to_string(status / 100) + "xx";
}

}  // namespace

// The families of the process, the hub and the scheduling core (read, not stored).
class ServerMetrics::ServerCollector final : public Collector {
 public:
  explicit ServerCollector(const MetricsSources& sources) : sources_(sources) {}

  void Collect(TextWriter& out) override {
    out.Family("process_start_time_seconds", "gauge",
               "Start time of the process since unix epoch in seconds");
    out.Sample("process_start_time_seconds", Seconds(sources_.started_at));
    out.Family("rmgr_build_info", "gauge", "Always 1; the server's version as a label");
    out.Sample("rmgr_build_info", {{"version", sources_.version}}, 1);

    out.Family("rmgr_scheduling_queue_depth", "gauge",
               "Agent events and API notices queued for the scheduling core, not yet handled");
    if (sources_.scheduling_queue_depth) {
      out.Sample("rmgr_scheduling_queue_depth", static_cast<double>(sources_.scheduling_queue_depth()));
    }

    out.Family("rmgr_agents_connected", "gauge", "Agents with a live WebSocket connection to this server");
    if (sources_.hub == nullptr) return;
    out.Sample("rmgr_agents_connected", static_cast<double>(sources_.hub->ConnectionCount()));
    const auto counters = sources_.hub->Counters();
    out.Family("rmgr_ws_frames_received_total", "counter",
               "WebSocket frames decoded from agents, by message type");
    for (const auto& [type, count] : counters.frames_received) {
      out.Sample("rmgr_ws_frames_received_total", {{"type", type}}, static_cast<double>(count));
    }
    out.Family("rmgr_ws_frames_sent_total", "counter", "WebSocket frames queued for agents, by message type");
    for (const auto& [type, count] : counters.frames_sent) {
      out.Sample("rmgr_ws_frames_sent_total", {{"type", type}}, static_cast<double>(count));
    }
    const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t value) {
      out.Family(name, "counter", help);
      out.Sample(name, static_cast<double>(value));
    };
    counter("rmgr_ws_connections_opened_total",
            "Agent connections that became live (authenticated and upgraded)", counters.connections_opened);
    counter("rmgr_ws_connections_closed_total", "Live agent connections that ended",
            counters.connections_closed);
    counter("rmgr_ws_protocol_errors_total",
            "Undecodable, binary or oversized agent frames and protocol violations",
            counters.protocol_errors);
    counter("rmgr_ws_slow_consumers_dropped_total",
            "Agent connections dropped because their write queue overflowed",
            counters.slow_consumers_dropped);
    counter("rmgr_ws_connections_replaced_total",
            "Agent connections closed because a newer one of the host arrived",
            counters.connections_replaced);
  }

 private:
  const MetricsSources& sources_;
};

ServerMetrics::ServerMetrics(MetricsSources sources) : sources_(std::move(sources)) {
  http_durations_ = &registry_.AddHistogram("rmgr_http_request_duration_seconds",
                                            "HTTP requests by route pattern, method and status class, from "
                                            "the request read to the response written",
                                            {"route", "method", "code"}, kHttpDurationBounds);
}

void ServerMetrics::AddCollector(Collector* collector) {
  registry_.AddCollector(collector);
}

void ServerMetrics::OnRequest(const http::RequestRecord& record) {
  http_durations_->Observe(
      {std::string(record.route), std::string(http::beast_http::to_string(record.method)),
       StatusClass(record.status)},
      std::chrono::duration<double>(record.elapsed).count());
}

Result<std::string> ServerMetrics::Scrape() {
  const auto began = std::chrono::steady_clock::now();
  auto snapshot = sources_.store->Read([](store::ReadTx& tx) { return tx.GetMetricsSnapshot(); });
  if (!snapshot.ok()) return snapshot.error();
  const double read_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();

  TextWriter out;
  WriteSnapshotFamilies(*snapshot, out);
  ServerCollector(sources_).Collect(out);
  out.Family("rmgr_metrics_store_read_seconds", "gauge", "How long this scrape's read of the store took");
  out.Sample("rmgr_metrics_store_read_seconds", read_seconds);
  std::string text = out.Take();
  text += registry_.Render();
  return text;
}

}  // namespace rmgr::server::metrics
