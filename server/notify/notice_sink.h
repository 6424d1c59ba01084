#pragma once
// NoticeSink: the AlertNoticeSink the alert engine calls inside the write
// transaction that changes an alert. It routes the notice (every enabled
// channel whose alert kinds, least severity and host globs take it; never a
// healthchecks channel), renders one payload per channel and queues one
// delivery row each, keyed "alert/<id>/<event>/<notify_count>" so that the
// same notice handed over twice is queued once. No network I/O here: the
// DeliveryWorker sends after the commit.
// Thread safety: immutable after construction; Enqueue may run on any
// thread (the engine's), inside its Store::Write callback.

#include <functional>
#include <string>

#include "server/alerts/alert_notice.h"

namespace rmgr::server::notify {

class NoticeSink final : public alerts::AlertNoticeSink {
 public:
  //! What the sink needs besides the transaction.
  struct Options {
    std::string server_url;                                        ///< Mentioned in payloads ("" for none).
    std::function<TimePoint()> now = [] { return Clock::now(); };  ///< When a notice is queued.
    std::function<void()> wake;  ///< Hint to the worker that rows were queued; may be empty, must not block.
  };

  explicit NoticeSink(Options options) : options_(std::move(options)) {}

  //! Queues deliveries of `notice` to every channel routed to it, through `tx`.
  Result<void> Enqueue(store::WriteTx& tx, const alerts::AlertNotice& notice) override;

 private:
  const Options options_;
};

}  // namespace rmgr::server::notify
