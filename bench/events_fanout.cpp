// Live-update fan-out: how fast one server pushes job events to many open
// /api/v1/events streams (browsers). Starts the real HttpServer + EventBus +
// EventStreams on 127.0.0.1, connects N raw SSE clients, publishes M
// job.progress-sized events and measures the time until every client has
// read every event, and the per-event latency (publish → last client read).
//
//   events_fanout [clients=200] [events=2000]
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/tls/maybe_tls_stream.h"
#include "server/events/event_bus.h"
#include "server/events/event_stream.h"
#include "server/http/http_server.h"

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace rmgr::server;

int main(int argc, char** argv) {
  const int clients = argc > 1 ? std::atoi(argv[1]) : 200;
  const int events_count = argc > 2 ? std::atoi(argv[2]) : 2000;

  asio::io_context io;
  events::EventBus bus;
  events::StreamOptions options;
  options.max_backlog_bytes = 64 * 1024 * 1024;  // measure throughput, not the drop policy
  options.max_streams = static_cast<std::size_t>(clients) + 10;
  events::EventStreams streams(bus, options);
  auto router = std::make_shared<http::Router>();
  router->AddOutcome(
      http::beast_http::verb::get, "/api/v1/events", [&](http::RequestContext&) -> http::Outcome {
        return http::Takeover{[&](rmgr::tls::MaybeTlsStream stream, http::Request) {
          streams.Serve(std::move(stream), auth::Role::kViewer, "event: ready\ndata: {}\n\n", nullptr);
        }};
      });
  http::HttpServer server(io, router);
  auto endpoint = server.Listen("127.0.0.1", 0);
  if (!endpoint) return 1;
  server.Start();
  std::vector<std::thread> pool;
  for (int i = 0; i < 2; ++i) pool.emplace_back([&] { io.run(); });

  // Clients: plain sockets, read on one thread with poll().
  asio::io_context client_io;
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  for (int i = 0; i < clients; ++i) {
    auto s = std::make_unique<tcp::socket>(client_io);
    s->connect(*endpoint);
    const std::string request = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(*s, asio::buffer(request));
    s->non_blocking(true);
    sockets.push_back(std::move(s));
  }
  while (streams.Count() != static_cast<std::size_t>(clients) ||
         bus.SubscriberCount() != static_cast<std::size_t>(clients)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // A job.progress-sized payload (~350 bytes on the wire).
  boost::json::object progress{
      {"percent_done", 0.42},
      {"total_files", 12000},
      {"files_done", 5040},
      {"total_bytes", 1 << 30},
      {"bytes_done", 450000000},
      {"seconds_elapsed", 61},
      {"seconds_remaining", 84},
      {"error_count", 0},
      {"current_files", boost::json::array{"/srv/data/projects/report-2026-11.pdf"}}};
  std::vector<std::size_t> seen(static_cast<std::size_t>(clients), 0);  // events fully read per client
  std::vector<std::string> carry(static_cast<std::size_t>(clients));
  std::vector<Clock::time_point> published(static_cast<std::size_t>(events_count));
  std::vector<Clock::time_point> last_read(static_cast<std::size_t>(events_count));

  std::atomic<bool> done{false};
  std::thread reader([&] {
    std::vector<pollfd> fds(sockets.size());
    char buffer[65536];
    std::size_t complete = 0;
    while (complete < sockets.size()) {
      for (std::size_t i = 0; i < sockets.size(); ++i)
        fds[i] = pollfd{sockets[i]->native_handle(), POLLIN, 0};
      ::poll(fds.data(), fds.size(), 100);
      for (std::size_t i = 0; i < sockets.size(); ++i) {
        if ((fds[i].revents & POLLIN) == 0) continue;
        boost::system::error_code ec;
        const std::size_t n = sockets[i]->read_some(asio::buffer(buffer), ec);
        if (ec) continue;
        carry[i].append(buffer, n);
        std::size_t pos;
        while ((pos = carry[i].find("\n\n")) != std::string::npos) {
          const bool is_event =
              carry[i].compare(0, 11, "event: job.") == 0 || carry[i].find("\nevent: job.") < pos;
          carry[i].erase(0, pos + 2);
          if (!is_event) continue;
          const std::size_t k = seen[i]++;
          if (k < last_read.size()) last_read[k] = std::max(last_read[k], Clock::now());
          if (seen[i] == static_cast<std::size_t>(events_count)) ++complete;
        }
      }
    }
    done = true;
  });

  const auto start = Clock::now();
  for (int k = 0; k < events_count; ++k) {
    published[static_cast<std::size_t>(k)] = Clock::now();
    progress["seq"] = k;
    bus.Publish(events::Event{
        "job.progress",
        boost::json::object{{"job_id", "01JOB"}, {"host_id", "01HOST"}, {"progress", progress}}});
  }
  reader.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> latency_ms;
  for (int k = 0; k < events_count; ++k) {
    latency_ms.push_back(std::chrono::duration<double, std::milli>(last_read[static_cast<std::size_t>(k)] -
                                                                   published[static_cast<std::size_t>(k)])
                             .count());
  }
  std::sort(latency_ms.begin(), latency_ms.end());
  const double deliveries = static_cast<double>(clients) * events_count;
  const std::size_t frame =
      events::FormatEvent(events::Event{"job.progress", boost::json::object{{"job_id", "01JOB"},
                                                                            {"host_id", "01HOST"},
                                                                            {"progress", progress}}})
          .size();
  std::printf("clients %d, events %d (published in one burst), frame %zu bytes\n", clients, events_count,
              frame);
  std::printf("all delivered in %.3f s: %.0f deliveries/s, %.1f MB/s\n", seconds, deliveries / seconds,
              deliveries * static_cast<double>(frame) / seconds / 1e6);
  std::printf("publish -> last client read: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              latency_ms[latency_ms.size() / 2], latency_ms[latency_ms.size() * 99 / 100], latency_ms.back());

  server.Stop();
  streams.Stop();
  for (auto& s : sockets) s->close();
  for (auto& t : pool) t.join();
  return done ? 0 : 1;
}
