#pragma once
// The window record (DESIGN.md "Every window is accounted for"): for each
// schedule × source group × cron slot, what happened — a job, a pending run,
// or why nothing ran. Pure functions over a store::WindowRecord, free of HTTP
// and of the store's transactions, so the REST API, the CLI's server side
// and alert rules can share them.
//
// Windows. A cron schedule's windows are its slots (fire times in the
// schedule's zone). An `@every` schedule has no fixed slots (the agent's
// timer starts when it applies the set), so its windows are consecutive
// intervals aligned to the unix epoch, and whatever answered a slot inside
// one answers that window. A schedule without source groups (forget, prune,
// check) has one window per slot; otherwise one per slot and group.
//
// Classification of one window, first match wins:
//   1. the newest job whose window_slot falls in it → the job's status
//      (queued, running — for dispatched or running —, succeeded, partial,
//      failed, cancelled, interrupted, lost); a queued job's reason is what
//      it waits for (its wait_reason: repository leases);
//   2. the schedule's pending run for a slot in it → pending;
//   3. a window note (the group's or the whole schedule's, newest recorded)
//      → refused or deferred (their own outcomes), or missed with the
//      note's reason (coalesced, not applied, offline);
//   4. inferred, when nobody recorded anything:
//      schedule disabled now and the slot after its last change → missed
//      "schedule disabled"; the agent's last ack listed the schedule as
//      not applied since before the slot (bad cron, unknown zone) → missed
//      "the agent could not apply the schedule: <why>"; the slot within jitter + grace of now → due (not
//      missed yet: the fire may be in flight or waiting out its jitter); the
//      server not running at the slot (a gap in server runs) → missed
//      "server down"; the host's agent not connected at any moment from the
//      slot to its latest fire time → missed "host offline"; otherwise
//      missed "no fire received from the agent".
// Where presence or server-run history does not reach back to a slot, no
// "host offline" / "server down" is inferred for it.
//
// Thread safety: pure functions and value types.

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/store/store_types.h"

namespace rmgr::server::scheduling {

//! What happened in one window; stable lower-case names on the API.
enum class WindowOutcome {
  kQueued,       ///< "queued": a job waits to be dispatched.
  kRunning,      ///< "running": a job was dispatched or runs.
  kSucceeded,    ///< "succeeded".
  kPartial,      ///< "partial": snapshot made, some files unreadable.
  kFailed,       ///< "failed".
  kCancelled,    ///< "cancelled".
  kInterrupted,  ///< "interrupted": the agent came back without the job.
  kLost,         ///< "lost": no word from the agent for too long.
  kPending,      ///< "pending": the repository was busy; the run waits.
  kDue,          ///< "due": the slot is too recent to call it missed.
  kMissed,       ///< "missed": nothing ran; `reason` says why.
  kRefused,      ///< "refused": the server refused the fire (e.g. schedule disabled).
  kDeferred,     ///< "deferred": handed to catch-up, which has not made a job (yet).
};

//! Every outcome, in enum order (for name tables and tests).
inline constexpr WindowOutcome kAllWindowOutcomes[] = {
    WindowOutcome::kQueued,  WindowOutcome::kRunning, WindowOutcome::kSucceeded,   WindowOutcome::kPartial,
    WindowOutcome::kFailed,  WindowOutcome::kCancelled, WindowOutcome::kInterrupted, WindowOutcome::kLost,
    WindowOutcome::kPending, WindowOutcome::kDue,     WindowOutcome::kMissed,      WindowOutcome::kRefused,
    WindowOutcome::kDeferred};

//! Stable name ("succeeded", "missed", ...).
std::string_view ToString(WindowOutcome outcome);
//! The outcome a job of this status gives its window.
WindowOutcome OutcomeOfJob(store::JobStatus status);

//! Reasons the server infers (a note's own reason is passed through).
inline constexpr std::string_view kReasonHostOffline = "host offline";
inline constexpr std::string_view kReasonServerDown = "server down";
inline constexpr std::string_view kReasonNoFire = "no fire received from the agent";
inline constexpr std::string_view kReasonDisabled = "schedule disabled";
inline constexpr std::string_view kReasonNotApplied = "the agent could not apply the schedule";

//! One window and what happened in it.
struct Window {
  std::string schedule_id;                     ///< The schedule.
  TimePoint slot;                              ///< The cron slot (an @every window's start).
  std::optional<std::string> source_group_id;  ///< The group; nullopt for a schedule without groups.
  WindowOutcome outcome = WindowOutcome::kMissed;  ///< What happened.
  std::optional<std::string> job_id;           ///< The job that answered it, if any.
  std::string reason;                          ///< Why (missed, refused, deferred), or what a queued job waits for.
  bool operator==(const Window&) const = default;
};

//! Tuning of the inference.
struct WindowSettings {
  //! After slot + jitter, how long a fire may take to arrive before the window is missed.
  std::chrono::seconds grace{std::chrono::minutes(5)};
  //! How long after a run's last keep-alive (every 30 s) the server still counts as up.
  std::chrono::seconds server_alive_slack{90};
};

//! Slots of one page, newest first.
struct SlotPage {
  std::vector<TimePoint> slots;       ///< At most the requested limit, each in [from, to).
  std::optional<TimePoint> next_to;   ///< More slots lie before this (exclusive bound of the next page).
};

//! The schedule's slots in [max(from, created_at), to), newest first, at most
//! `limit` (>= 1). kInvalidArgument when the stored cron or zone no longer
//! parses (they were validated when stored).
Result<SlotPage> ScheduleSlots(const store::Schedule& schedule, TimePoint from, TimePoint to, int limit);

//! The range [from, to) a WindowRecord must cover to classify `slots` (newest first, not empty).
std::pair<TimePoint, TimePoint> RecordRange(const store::Schedule& schedule, std::span<const TimePoint> slots);

//! The windows of `slots` (newest first): per slot, one per source group in
//! the schedule's order (one without a group when it has none).
std::vector<Window> ClassifyWindows(const store::WindowRecord& record, std::span<const TimePoint> slots,
                                    TimePoint now, const WindowSettings& settings = {});

}  // namespace rmgr::server::scheduling
