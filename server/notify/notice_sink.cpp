#include "server/notify/notice_sink.h"

#include "server/notify/render.h"

namespace rmgr::server::notify {

Result<void> NoticeSink::Enqueue(store::WriteTx& tx, const alerts::AlertNotice& notice) {
  auto channels = tx.ListEnabledNotificationChannels();
  if (!channels) return channels.error();
  const RenderContext context{options_.server_url, options_.now()};
  const store::DeliveryEvent event = EventOf(notice.event);
  // The host's labels as they are now (the alert keeps only its name); a
  // host gone since has none.
  labels::Labels host_labels;
  if (!notice.alert.host_id.empty()) {
    if (auto host = tx.GetHost(notice.alert.host_id); host.ok()) host_labels = std::move(host->labels);
  }
  bool queued = false;
  for (const auto& channel : *channels) {
    if (!RoutesAlert(channel, notice.alert, host_labels)) continue;
    store::NewNotificationDelivery delivery;
    delivery.channel_id = channel.id;
    delivery.alert_id = notice.alert.id;
    delivery.notice_key = "alert/" + notice.alert.id + "/" + std::string(ToString(event)) + "/" +
                          std::to_string(notice.alert.notify_count);
    delivery.event = event;
    delivery.payload = RenderAlert(channel, notice, context);
    delivery.next_attempt_at = context.now;
    auto made = tx.QueueNotificationDelivery(delivery);
    if (!made) return made.error();
    queued = queued || made->has_value();
  }
  if (queued && options_.wake) options_.wake();
  return Ok();
}

}  // namespace rmgr::server::notify
