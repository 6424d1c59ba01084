#pragma once
// FireOutbox: the agent's on-disk queue of schedule.fire frames (DESIGN.md
// "A fire is never lost silently"). Every fire the local cron makes is
// written here — fsync'd — before it is sent, and stays until a fire.answer
// for the same (schedule_id, scheduled_at) arrives, whatever its outcome.
//
// Coalescing: one fire per schedule, its latest slot. A newer slot replaces an
// unanswered older one (a missed window fires once); an older slot than the
// one kept is ignored. Fires of schedules no longer in the applied set are
// dropped (Retain).
//
// Layout: `<state>/fires/<schedule_id>.json`, one encoded schedule.fire frame
// each, written and loaded by frame_dir.h (temp files removed, corrupt files
// quarantined in `<state>/fires/corrupt/`).
//
// Thread safety: every member may be called from any thread; one internal
// mutex serialises them (disk writes included — fires are few and small).
// Two FireOutbox objects must not share one directory.

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::agent {

//! Crash-safe store of unanswered fires, one per schedule.
class FireOutbox {
 public:
  //! Opens (creating it if needed) `<state_dir>/fires` and loads every unanswered fire.
  //! Fails (kUnavailable) only when the directory cannot be created or listed.
  static Result<std::unique_ptr<FireOutbox>> Open(const std::filesystem::path& state_dir);

  //! Stores `fire` durably unless a fire of the same schedule for a later slot
  //! is kept (then it is a no-op, false). True when `fire` is now the kept one.
  //! Errors: kInvalidArgument for a schedule id unusable as a file name, the
  //! peer's decode error for a frame the server would reject, kUnavailable on
  //! I/O (a full disk): the fire is then still kept in memory and resent until
  //! answered, so only a restart of the agent before the answer loses it.
  Result<bool> Put(const protocol::ScheduleFire& fire);

  //! Drops the fire of (schedule_id, scheduled_at), on any fire.answer for it.
  //! True when one was dropped; an answer for another slot changes nothing.
  //! A file that cannot be removed is logged (it comes back after a restart
  //! and is answered again).
  bool Answer(std::string_view schedule_id, TimePoint scheduled_at);

  //! Drops the fires of schedules not in `active` (after a new set was applied).
  void Retain(const std::set<std::string, std::less<>>& active);

  //! Every unanswered fire, by schedule id.
  std::vector<protocol::ScheduleFire> Pending() const;

  //! Number of unanswered fires.
  std::size_t Size() const;

  FireOutbox(const FireOutbox&) = delete;
  FireOutbox& operator=(const FireOutbox&) = delete;

 private:
  explicit FireOutbox(std::filesystem::path dir);
  void DropLocked(std::map<std::string, protocol::ScheduleFire, std::less<>>::iterator it);

  const std::filesystem::path dir_;
  mutable std::mutex mutex_;
  std::map<std::string, protocol::ScheduleFire, std::less<>> fires_;  // guarded by mutex_
};

}  // namespace rmgr::agent
