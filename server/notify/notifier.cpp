#include "server/notify/notifier.h"

#include "common/util/ulid.h"
#include "server/notify/render.h"
#include "server/store/store.h"

namespace rmgr::server::notify {

Notifier::Notifier(store::Store& store, const auth::SecretBox& box, NotifierSettings settings)
    : store_(store), settings_(std::move(settings)) {
  pings_ = std::make_unique<JobPings>(nullptr);
  worker_ = std::make_unique<DeliveryWorker>(store, box, pings_.get(), settings_.worker);
  pings_->SetWake([worker = worker_.get()] { worker->Wake(); });
  NoticeSink::Options options;
  options.server_url = settings_.server_url;
  options.now = settings_.worker.now;
  options.wake = [worker = worker_.get()] { worker->Wake(); };
  sink_ = std::make_unique<NoticeSink>(std::move(options));
}

Notifier::~Notifier() {
  Stop();
}

void Notifier::Start() {
  worker_->Start();
}

void Notifier::Stop() {
  worker_->Stop();
}

Result<store::NotificationDelivery> Notifier::QueueTest(store::WriteTx& tx,
                                                        const store::NotificationChannel& channel) {
  const TimePoint now = settings_.worker.now();
  store::NewNotificationDelivery delivery;
  delivery.channel_id = channel.id;
  delivery.notice_key = "test/" + NewUlid(now);
  delivery.event = store::DeliveryEvent::kTest;
  delivery.payload = RenderTest(channel, RenderContext{settings_.server_url, now});
  delivery.next_attempt_at = now + settings_.worker.lease;
  delivery.attempts = 1;
  auto made = tx.QueueNotificationDelivery(delivery);
  if (!made) return made.error();
  if (!*made) return MakeError(ErrorCode::kConflict, "a test with this key is already queued");
  return std::move(**made);
}

Result<store::NotificationDelivery> Notifier::SendQueuedTest(const store::NotificationDelivery& delivery) {
  return worker_->Attempt(delivery, /*final=*/true);
}

}  // namespace rmgr::server::notify
