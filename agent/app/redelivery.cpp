#include "agent/app/redelivery.h"

#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/util/log.h"

namespace rmgr::agent {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return Logger("agent");
}

std::string FireKey(const protocol::ScheduleFire& fire) {
  return fire.schedule_id + "@" + FormatRfc3339Utc(fire.scheduled_at);
}

}  // namespace

struct Redelivery::Core : std::enable_shared_from_this<Redelivery::Core> {
  // When a frame is due again, and the interval that led there.
  struct Track {
    SteadyTime due;
    std::chrono::milliseconds interval;
  };

  Core(Sources s, Options o) : sources(std::move(s)), options(std::move(o)) {
    if (!options.now) options.now = [] { return std::chrono::steady_clock::now(); };
  }

  // --- guarded by mutex
  template <class Item, class KeyOf, class Grow>
  void Walk(const std::vector<Item>& pending, std::map<std::string, Track>& tracks, KeyOf key_of,
            std::chrono::milliseconds first, Grow grow, bool send_all, SteadyTime now) {
    std::map<std::string, Track> next;
    for (const Item& item : pending) {
      const std::string key = key_of(item);
      auto it = tracks.find(key);
      if (send_all || (it != tracks.end() && now >= it->second.due)) {
        const auto interval = send_all || it == tracks.end() ? first : grow(it->second.interval);
        if (!sources.send(item)) {
          Log()->debug("{} {} could not be queued; retrying in {} ms", Item::kType, key, interval.count());
        } else if (!send_all) {
          Log()->info("{} {} still unanswered; sent again", Item::kType, key);
        }
        next.emplace(key, Track{now + interval, interval});
      } else if (it == tracks.end()) {
        // New since the last look: its producer sent it just now (or tried to).
        next.emplace(key, Track{now + first, first});
      } else {
        next.emplace(key, it->second);
      }
    }
    tracks = std::move(next);  // answered ones are forgotten
  }

  void Run(bool send_all) {
    if (!ready) return;
    const SteadyTime now = options.now();
    const auto same = [](std::chrono::milliseconds d) { return d; };
    const auto doubled = [this](std::chrono::milliseconds d) {
      return std::min(d * 2, options.result_resend_max);
    };
    Walk(sources.fires(), fire_tracks, FireKey, options.fire_resend, same, send_all, now);
    Walk(
        sources.results(), result_tracks, [](const protocol::JobResult& r) { return r.job_id; },
        options.result_resend_initial, doubled, send_all, now);
    if (send_all) {
      next_report = now + options.report_every;
    } else if (now >= next_report) {
      sources.send(sources.report());
      next_report = now + options.report_every;
    }
  }

  void Arm() {
    if (!timer || stopped) return;
    timer->expires_after(options.tick);
    timer->async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec == boost::asio::error::operation_aborted) return;
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->mutex);
      if (self->stopped) return;
      self->Run(/*send_all=*/false);
      self->Arm();
    });
  }

  Sources sources;
  Options options;
  std::optional<boost::asio::steady_timer> timer;

  std::mutex mutex;
  bool ready = false;
  bool stopped = false;
  SteadyTime next_report{};
  std::map<std::string, Track> fire_tracks;
  std::map<std::string, Track> result_tracks;
};

Redelivery::Redelivery(Sources sources, Options options)
    : core_(std::make_shared<Core>(std::move(sources), std::move(options))) {}

Redelivery::Redelivery(boost::asio::any_io_executor executor, Sources sources, Options options)
    : Redelivery(std::move(sources), std::move(options)) {
  core_->timer.emplace(std::move(executor));
  std::lock_guard lock(core_->mutex);
  core_->Arm();
}

Redelivery::~Redelivery() {
  Stop();
}

void Redelivery::OnReady() {
  std::lock_guard lock(core_->mutex);
  core_->ready = true;
  core_->Run(/*send_all=*/true);
}

void Redelivery::OnClosed() {
  std::lock_guard lock(core_->mutex);
  core_->ready = false;
  core_->fire_tracks.clear();
  core_->result_tracks.clear();
}

void Redelivery::Tick() {
  std::lock_guard lock(core_->mutex);
  core_->Run(/*send_all=*/false);
}

void Redelivery::Stop() {
  std::lock_guard lock(core_->mutex);
  core_->stopped = true;
  if (core_->timer) core_->timer->cancel();
}

}  // namespace rmgr::agent
