#pragma once
// LocalScheduler: the agent's local cron (DESIGN.md "Wire protocol"). It holds
// the schedule set the server pushed and, when a slot comes due, reports
// "schedule S fired for slot T" through a FireSink; it never builds a job.
//
// - Apply replaces the whole set atomically: it waits for an in-flight fire to
//   finish, drops the entries no longer in the set (they never fire again),
//   keeps the entries whose (id, kind, cron, enabled, timezone, jitter) did
//   not change — with their next slot and the jitter already drawn — builds
//   the new and changed ones from now, arms the timer and returns the
//   ScheduleAck to send. Disabled entries are skipped; entries it cannot
//   apply (invalid cron or time zone) are listed in the ack's `rejected` with
//   the reason. Applying the same version with the same entries again
//   changes nothing.
// - Each entry is evaluated in its own time zone (ScheduleEntry.timezone, or
//   the host's zone when empty; a TZ= prefix in the expression wins) and fires
//   after a random delay of 0..jitter_seconds (capped by Options) past its
//   slot. scheduled_at is always the slot itself, never the delayed time.
// - A slot whose fire comes late (suspend, clock jump, long jitter) reports
//   the latest slot passed, once: a missed window fires once, not N times.
// - Slots missed while the agent was down fire once: the scheduler keeps, per
//   schedule, the time up to which every slot was handled (Options::evaluated
//   on start, Options::record to persist it — on every fire, on Apply and at
//   most every record_every otherwise). The first Apply fires, for every
//   entry with such a record, the latest slot in (record, now] once, at once
//   and with late = true. An entry without a record fires nothing
//   retroactively. Keeping unsent fires is the FireSink's business (the
//   agent's FireOutbox).
//
// Time: the scheduler reads wall time from Options::clock. RunDue(now) is the
// whole firing logic and is deterministic; in timer mode (constructed with an
// executor) a steady timer wakes it at the next due time (at most
// Options::max_wait later, so wall-clock jumps are noticed) and calls RunDue
// with the clock's time. Tests use manual mode and drive RunDue themselves.
//
// Thread safety: every public member may be called from any thread. RunDue
// and Apply exclude each other (that is how Apply waits for in-flight fires);
// the FireSink and Options::record are called on the thread running RunDue
// or Apply — the io_context's in timer mode — and must not call Apply, RunDue
// or Stop. The destructor stops the timer and waits
// for a running fire; in timer mode the io_context must outlive the scheduler.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/cron/cron_schedule.h"
#include "common/cron/location.h"
#include "common/protocol/messages.h"
#include "common/util/time_format.h"

namespace rmgr::agent {

//! Receives a fire: schedule S fired for slot T; `late` when the slot passed
//! while the agent was not running. It must keep the fire until the server answers.
using FireSink = std::function<void(const std::string& schedule_id, Seconds scheduled_at, bool late)>;

//! Per schedule id, the time up to which every slot was handled (fired or not due).
using EvaluationRecord = std::map<std::string, Seconds, std::less<>>;

//! The agent's cron: applies schedule sets and fires slots.
class LocalScheduler {
 public:
  //! Knobs; the defaults suit production.
  struct Options {
    //! Wall-clock source (tests inject a manual clock).
    std::function<TimePoint()> clock = [] { return Clock::now(); };
    //! Picks a delay in [0, max] seconds for jitter; defaults to a uniform random draw.
    std::function<uint32_t(uint32_t max)> jitter{};
    //! Upper bound on any entry's jitter, whatever the server sent.
    uint32_t max_jitter_seconds = 3600;
    //! Zone for entries without a timezone; defaults to the host's zone (UTC if unknown).
    std::optional<cron::Location> host_zone{};
    //! Longest timer sleep before re-reading the clock (timer mode).
    std::chrono::milliseconds max_wait{std::chrono::seconds{60}};
    //! The record persisted by the previous run (empty: a fresh install, nothing fires late).
    EvaluationRecord evaluated{};
    //! Persists the record (atomically); none = not persisted.
    std::function<void(const EvaluationRecord&)> record{};
    //! Without a fire or an Apply, the record is persisted at most this often.
    std::chrono::seconds record_every{5};
  };

  //! Manual mode: no timer; the owner calls RunDue.
  LocalScheduler(FireSink sink, Options options);

  //! Timer mode: a timer on `executor` calls RunDue(clock()) whenever something is due.
  LocalScheduler(boost::asio::any_io_executor executor, FireSink sink, Options options);

  //! Stops (see Stop); in-flight fires finish first.
  ~LocalScheduler();

  LocalScheduler(const LocalScheduler&) = delete;
  LocalScheduler& operator=(const LocalScheduler&) = delete;

  //! Replaces the schedule set (see the file comment) and returns the ack to
  //! send: the set's version and the time the new set took effect.
  protocol::ScheduleAck Apply(const protocol::ScheduleSet& set);

  //! Fires every entry due at `now` (at most once each) and returns how many
  //! fired. Deterministic given the clock and jitter source; the timer calls it too.
  std::size_t RunDue(TimePoint now);

  //! Version of the set in force (0 before the first Apply).
  int64_t applied_version() const;

  //! Ids of the entries that will fire (enabled and valid), sorted.
  std::vector<std::string> ActiveIds() const;

  //! When the entry fires next (slot plus jitter), if it is active and has a next slot.
  std::optional<TimePoint> NextFireTime(const std::string& schedule_id) const;

  //! The next slot of an active entry (what its fire will report as scheduled_at).
  std::optional<Seconds> NextSlot(const std::string& schedule_id) const;

  //! Stops firing for good: cancels the timer and waits for a running fire. Idempotent.
  void Stop();

 private:
  struct Core;
  std::shared_ptr<Core> core_;  // shared with timer handlers, which hold it weakly
};

}  // namespace rmgr::agent
