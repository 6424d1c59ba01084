#pragma once
// EventStreams: the open `/api/v1/events` connections (server-sent events).
// Each one gets the HTTP head, a first event, then every frame the bus
// delivers for its caller's role, and a comment line as heartbeat. A
// connection ends when the browser goes away, when its unsent backlog grows
// past a bound (a stuck browser never holds memory; EventSource reconnects
// and the page refetches), when a write stalls, when the caller's
// credentials stop being valid (checked periodically), or on Stop().
//
// Thread safety: every member may be called from any thread; each
// connection's work runs on its own strand (the HTTP session's).
// Lifetime: the bus must outlive this object, and this object must outlive
// its connections' handlers: destroy it once the io_context stopped running,
// or after Stop() once Count() is 0 (a closed connection touches neither).

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/tls/maybe_tls_stream.h"
#include "server/auth/principal.h"
#include "server/events/event_bus.h"

namespace rmgr::server::events {

//! Bounds and timing of event streams.
struct StreamOptions {
  std::size_t max_backlog_bytes = 1024 * 1024;  ///< Unsent bytes before the stream is dropped.
  std::chrono::milliseconds heartbeat{std::chrono::seconds(15)};  ///< Comment line interval.
  int recheck_every = 2;                                          ///< Heartbeats between credential checks.
  std::chrono::seconds write_timeout{30};                         ///< One write may take this long.
  std::size_t max_streams = 1000;                                 ///< Open streams at once (more: 503).
  //! Where the credential check runs (it may touch the store's disk); the
  //! stream's own strand when unset.
  std::optional<boost::asio::any_io_executor> recheck_executor;
};

class EventStreams {
 public:
  explicit EventStreams(EventBus& bus, StreamOptions options = {});
  ~EventStreams();
  EventStreams(const EventStreams&) = delete;
  EventStreams& operator=(const EventStreams&) = delete;

  //! Whether another stream may open now.
  bool HasRoom() const;

  //! Serves `stream` (already past its request): events up to `role`,
  //! `first_frame` first. `still_allowed` is asked on the connection's
  //! strand every few heartbeats; false ends the stream.
  void Serve(tls::MaybeTlsStream stream, auth::Role role, std::string first_frame,
             std::function<bool()> still_allowed);

  //! Closes every stream (asynchronously, on their strands); later Serve
  //! calls close at once. Idempotent.
  void Stop();

  //! Streams not yet closed (tests, metrics).
  std::size_t Count() const;

 private:
  class Connection;
  void Forget(std::uint64_t id);

  EventBus& bus_;
  const StreamOptions options_;
  mutable std::mutex mu_;  // guards below
  bool stopped_ = false;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::weak_ptr<Connection>> open_;
};

}  // namespace rmgr::server::events
