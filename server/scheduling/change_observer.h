#pragma once
// ChangeObserver: the seam through which parts above the scheduling core
// (the alert engine, healthchecks-style pings) hear about committed job and
// host changes — the same changes the Publisher sends to the web UI. The core
// calls every observer after the change committed, on the scheduling thread,
// so an observer must only note the change and return (queue it, post it to
// its own executor); it never blocks and never throws.
//
// A change heard here is a hint, not a record: a crash between the commit and
// the call loses the hint, so an observer that must not miss anything also
// re-reads the store periodically (the alert engine's periodic pass does).
//
// Thread safety: called from the scheduling thread only, one call at a time
// per core; an observer shared with other threads guards its own state.

#include "server/store/store_types.h"

namespace rmgr::server::scheduling {

//! Hears committed job and host changes; implementations only queue.
class ChangeObserver {
 public:
  virtual ~ChangeObserver() = default;
  //! A job's record after any committed change (created, dispatched, started, finished).
  virtual void JobChanged(const store::Job& job) = 0;
  //! A host's record after a connect, a disconnect or a schedule ack.
  virtual void HostChanged(const store::Host& host) = 0;
};

}  // namespace rmgr::server::scheduling
