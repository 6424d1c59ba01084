#pragma once
// Notifier: notification delivery as one piece for the composition root —
// the AlertNoticeSink the alert engine queues through, the ChangeObserver
// the scheduling core tells of backup jobs (healthchecks pings), and the
// DeliveryWorker that sends what is queued. ServerApp owns one, hands
// sink() to the alert engine and observer() to SchedulingOptions, starts it
// after the store is open and stops it before the store closes. The REST
// API uses it for "send test".
// Thread safety: sink(), observer() and the test calls may be used from any
// thread; Start/Stop from the owner's.

#include <memory>
#include <string>

#include "common/result.h"
#include "server/alerts/alert_notice.h"
#include "server/notify/delivery_worker.h"
#include "server/notify/job_pings.h"
#include "server/notify/notice_sink.h"
#include "server/scheduling/change_observer.h"

namespace rmgr::server::notify {

//! Knobs of notification delivery.
struct NotifierSettings {
  std::string server_url;           ///< The server's public URL, mentioned in notifications ("" for none).
  DeliveryWorker::Settings worker;  ///< Polling, backoff, give-up, timeouts.
};

class Notifier {
 public:
  //! Delivers from `store`, opening channel secrets with `box`; both outlive the notifier.
  Notifier(store::Store& store, const auth::SecretBox& box, NotifierSettings settings);
  //! Stops the worker.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  //! Where the alert engine queues notices.
  alerts::AlertNoticeSink& sink() { return *sink_; }
  //! What the scheduling core tells of job changes (healthchecks pings).
  scheduling::ChangeObserver& observer() { return *pings_; }
  //! The delivery worker.
  DeliveryWorker& worker() { return *worker_; }

  //! Starts the delivery worker thread.
  void Start();
  //! Stops it (after the send in flight); idempotent.
  void Stop();

  //! Queues a test message to `channel` through `tx`, leased so the worker
  //! leaves it to SendQueuedTest (call that after the commit).
  Result<store::NotificationDelivery> QueueTest(store::WriteTx& tx,
                                                const store::NotificationChannel& channel);
  //! Sends a delivery made by QueueTest once, on the calling thread (blocks
  //! for at most the transport's total timeout); returns it as recorded.
  Result<store::NotificationDelivery> SendQueuedTest(const store::NotificationDelivery& delivery);

 private:
  store::Store& store_;
  const NotifierSettings settings_;
  std::unique_ptr<JobPings> pings_;
  std::unique_ptr<DeliveryWorker> worker_;
  std::unique_ptr<NoticeSink> sink_;
};

}  // namespace rmgr::server::notify
