#pragma once
// Timing of the scheduling core's own decisions.
// Thread safety: a plain value, read-only once the core is built.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/util/time_format.h"
#include "server/events/event_bus.h"
#include "server/scheduling/change_observer.h"

namespace rmgr::server::scheduling {

//! Knobs of the scheduling core; the defaults suit production.
struct SchedulingOptions {
  //! Quiet time after an intermittent host connects before catch-up runs.
  std::chrono::milliseconds catchup_settle{std::chrono::seconds(60)};
  //! A dispatched job (or a running one whose agent is gone) with no word for this long is `lost`.
  std::chrono::milliseconds lost_after{std::chrono::minutes(10)};
  //! How often the sweep runs (lost jobs, connected hosts' last_seen, dispatch of what waits).
  std::chrono::milliseconds sweep_interval{std::chrono::seconds(30)};
  //! How long a browse request waits for the agent's listing.
  std::chrono::milliseconds browse_timeout{std::chrono::seconds(30)};
  //! How often running rollouts are re-evaluated (deadlines, next waves).
  std::chrono::milliseconds rollout_tick{std::chrono::seconds(2)};
  //! A host of a rollout that is not back on the new version after this long fails it.
  std::chrono::milliseconds rollout_host_timeout{std::chrono::minutes(15)};
  //! Wall clock (tests may pin it; timers still use the steady clock).
  std::function<TimePoint()> now = [] { return Clock::now(); };
  //! Where job, progress, log and host changes are published for the UI; never null.
  events::EventSink* events = &events::NoEvents();
  //! Also told of every committed job and host change (alert engine, pings); each outlives the core.
  std::vector<ChangeObserver*> observers;
  //! The fingerprint of the certificate the server will rotate to (--tls-next-cert),
  //! announced with tls.next right after hello.ok; unset or empty: none. Any thread.
  std::function<std::string()> next_certificate;
};

}  // namespace rmgr::server::scheduling
