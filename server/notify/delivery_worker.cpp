#include "server/notify/delivery_worker.h"

#include <algorithm>
#include <random>

#include "common/util/log.h"
#include "server/auth/secret_box.h"
#include "server/notify/channel_fields.h"
#include "server/notify/job_pings.h"
#include "server/notify/render.h"
#include "server/notify/sender.h"
#include "server/store/store.h"

namespace rmgr::server::notify {
namespace {

using std::chrono::milliseconds;

double DefaultJitter() {
  thread_local std::mt19937 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.8, 1.2)(random);
}

// After a wake, one more pass this soon: the wake may come from inside the
// transaction that queues the row, before it committed.
constexpr milliseconds kRecheckAfterWake{250};

}  // namespace

milliseconds BackoffDelay(int64_t attempts, milliseconds initial, milliseconds max, double jitter) {
  milliseconds delay = initial;
  for (int64_t i = 1; i < attempts && delay < max; ++i) delay *= 2;
  delay = std::min(delay, max);
  return milliseconds(static_cast<int64_t>(static_cast<double>(delay.count()) * jitter));
}

DeliveryWorker::DeliveryWorker(store::Store& store, const auth::SecretBox& box, JobPings* pings,
                               Settings settings)
    : store_(store), box_(box), pings_(pings), settings_(std::move(settings)) {}

DeliveryWorker::~DeliveryWorker() {
  Stop();
}

void DeliveryWorker::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void DeliveryWorker::Stop() {
  std::thread thread;
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    started_ = false;
    stopping_ = true;
    thread = std::move(thread_);
  }
  cv_.notify_all();
  if (thread.joinable()) thread.join();
}

void DeliveryWorker::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void DeliveryWorker::Loop() {
  Logger("notify")->info("delivery worker started");
  std::unique_lock lock(mu_);
  bool recheck = false;
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    const int attempted = RunOnce();
    PruneIfDue();
    lock.lock();
    if (attempted >= settings_.batch) continue;  // more may be due
    const milliseconds wait =
        recheck ? std::min(kRecheckAfterWake, settings_.poll_interval) : settings_.poll_interval;
    recheck = false;
    if (cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; })) recheck = !stopping_;
  }
  Logger("notify")->info("delivery worker stopped");
}

int DeliveryWorker::RunOnce() {
  std::lock_guard pass(pass_mu_);
  QueuePings();
  const TimePoint now = settings_.now();
  auto claimed = store_.Write(
      [&](store::WriteTx& tx) {
        return tx.ClaimNotificationDeliveries(now, now + settings_.lease, settings_.batch);
      },
      store::Durability::kRelaxed);
  if (!claimed) {
    Logger("notify")->warn("cannot claim due deliveries: {}", claimed.error().message);
    return 0;
  }
  for (const auto& delivery : *claimed) {
    static_cast<void>(Attempt(delivery, /*final=*/false));
  }
  return static_cast<int>(claimed->size());
}

Result<store::NotificationDelivery> DeliveryWorker::Attempt(const store::NotificationDelivery& delivery,
                                                            bool final) {
  auto log = Logger("notify");
  auto channel =
      store_.Read([&](store::ReadTx& tx) { return tx.GetNotificationChannel(delivery.channel_id); });
  if (!channel) return channel.error();  // deleted with its deliveries
  store::NotificationAttempt attempt;
  attempt.id = delivery.id;
  Result<void> sent = Ok();
  if (!channel->enabled) {
    sent = MakeError(ErrorCode::kUnavailable, "the channel is disabled");
    final = true;
  } else if (auto fields = LoadFields(box_, *channel); !fields) {
    sent = fields.error();
    final = true;
  } else {
    sent = SendDelivery(*channel, *fields, delivery, settings_.transport, settings_.now());
  }
  attempt.at = settings_.now();
  if (sent) {
    attempt.state = store::DeliveryState::kSent;
    log->info("delivery {} ({} to channel \"{}\") sent on attempt {}", delivery.id, ToString(delivery.event),
              channel->name, delivery.attempts);
  } else if (final || delivery.attempts >= settings_.max_attempts ||
             attempt.at - delivery.created_at >= settings_.give_up_after) {
    attempt.state = store::DeliveryState::kFailed;
    attempt.error = sent.error().message;
    log->warn("delivery {} ({} to channel \"{}\") failed for good after {} attempt(s): {}", delivery.id,
              ToString(delivery.event), channel->name, delivery.attempts, attempt.error);
  } else {
    attempt.state = store::DeliveryState::kQueued;
    attempt.error = sent.error().message;
    const double jitter = settings_.jitter ? settings_.jitter() : DefaultJitter();
    attempt.next_attempt_at = attempt.at + BackoffDelay(delivery.attempts, settings_.backoff_initial,
                                                        settings_.backoff_max, jitter);
    log->warn("delivery {} ({} to channel \"{}\") attempt {} failed, retrying at {}: {}", delivery.id,
              ToString(delivery.event), channel->name, delivery.attempts,
              FormatRfc3339Utc(attempt.next_attempt_at), attempt.error);
  }
  auto recorded = store_.Write([&](store::WriteTx& tx) -> Result<store::NotificationDelivery> {
    if (auto ok = tx.RecordNotificationAttempt(attempt); !ok) return ok.error();
    return tx.GetNotificationDelivery(delivery.id);
  });
  if (!recorded) {
    // The lease runs out and the row is tried again: at least once.
    log->warn("cannot record the attempt of delivery {}: {}", delivery.id, recorded.error().message);
    return recorded.error();
  }
  if (settings_.on_attempt) settings_.on_attempt(*recorded);
  return recorded;
}

void DeliveryWorker::QueuePings() {
  if (pings_ == nullptr) return;
  std::vector<store::Job> jobs = pings_->Drain();
  if (jobs.empty()) return;
  const TimePoint now = settings_.now();
  auto queued = store_.Write([&](store::WriteTx& tx) -> Result<int> {
    auto channels = tx.ListEnabledNotificationChannels();
    if (!channels) return channels.error();
    std::erase_if(*channels, [](const store::NotificationChannel& channel) {
      return channel.kind != store::ChannelKind::kHealthchecks;
    });
    int count = 0;
    if (channels->empty()) return count;
    for (const auto& job : jobs) {
      const auto event = PingEventOf(job);
      if (!event) continue;
      auto host = tx.GetHost(job.host_id);
      const std::string host_name = host ? host->name : job.host_id;
      const labels::Labels host_labels = host ? host->labels : labels::Labels{};
      auto schedule = tx.GetScheduleById(*job.schedule_id);
      const std::string schedule_name = schedule ? schedule->name : *job.schedule_id;
      for (const auto& channel : *channels) {
        const ChannelFields fields = PlainFields(channel);
        if (!fields.schedule_ids.empty() && std::find(fields.schedule_ids.begin(), fields.schedule_ids.end(),
                                                      *job.schedule_id) == fields.schedule_ids.end()) {
          continue;
        }
        if (!HostRouted(channel, host_name, host_labels)) continue;
        store::NewNotificationDelivery delivery;
        delivery.channel_id = channel.id;
        delivery.notice_key = "job/" + job.id + "/" + std::string(ToString(*event));
        delivery.event = *event;
        delivery.payload = RenderPing(*event, job, host_name, schedule_name);
        delivery.next_attempt_at = now;
        auto made = tx.QueueNotificationDelivery(delivery);
        if (!made) return made.error();
        if (*made) ++count;
      }
    }
    return count;
  });
  if (!queued) Logger("notify")->warn("cannot queue healthchecks pings: {}", queued.error().message);
}

void DeliveryWorker::PruneIfDue() {
  const TimePoint now = settings_.now();
  if (now - last_prune_ < std::chrono::hours(1)) return;
  last_prune_ = now;
  auto pruned = store_.Write(
      [&](store::WriteTx& tx) { return tx.PruneNotificationDeliveries(now - settings_.keep_log); },
      store::Durability::kRelaxed);
  if (!pruned) Logger("notify")->warn("cannot prune the delivery log: {}", pruned.error().message);
}

}  // namespace rmgr::server::notify
