#pragma once
// AlertNotice: what the alert engine hands to notification delivery each
// time an alert must be told — it fired, it is still firing after the
// re-notify interval, it resolved — and the seam it hands it through.
//
// Durability: the engine calls AlertNoticeSink::Enqueue inside the same
// write transaction that changes the alert, so a notice is queued exactly
// when the state change commits (never lost across a restart, never queued
// for a change that rolled back). The sink only writes rows through the tx
// (routing, rendering of the body, the delivery queue); it does no network
// I/O there.
//
// Thread safety: AlertNotice is a value; a sink is called from the alert
// engine's thread only, inside Store::Write callbacks.

#include "common/result.h"
#include "server/store/alert_types.h"
#include "server/store/store.h"

namespace rmgr::server::alerts {

//! Why a notice is sent.
enum class NoticeEvent {
  kFiring,    ///< The alert fired (first notice).
  kReminder,  ///< Still firing after the re-notify interval.
  kResolved,  ///< The condition cleared.
};

//! Stable name: "firing", "reminder", "resolved".
constexpr std::string_view ToString(NoticeEvent event) {
  switch (event) {
    case NoticeEvent::kFiring:
      return "firing";
    case NoticeEvent::kReminder:
      return "reminder";
    case NoticeEvent::kResolved:
      return "resolved";
  }
  return "";
}

//! One notice of one alert.
struct AlertNotice {
  NoticeEvent event = NoticeEvent::kFiring;  ///< Why it is sent.
  store::Alert alert;                        ///< The alert as committed with this change.
};

//! Where notices go (notification routing and delivery implements it).
class AlertNoticeSink {
 public:
  virtual ~AlertNoticeSink() = default;
  //! Queues deliveries of `notice` to every channel routed to it, through
  //! `tx`; an error rolls the alert's change back with it.
  virtual Result<void> Enqueue(store::WriteTx& tx, const AlertNotice& notice) = 0;
};

}  // namespace rmgr::server::alerts
