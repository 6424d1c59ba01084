#include "agent/outbox/fire_outbox.h"

#include <utility>

#include "agent/outbox/frame_dir.h"
#include "common/protocol/envelope.h"
#include "common/util/log.h"

namespace rmgr::agent {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return Logger("outbox");
}

}  // namespace

FireOutbox::FireOutbox(std::filesystem::path dir) : dir_(std::move(dir)) {}

Result<std::unique_ptr<FireOutbox>> FireOutbox::Open(const std::filesystem::path& state_dir) {
  std::unique_ptr<FireOutbox> box(new FireOutbox(state_dir / "fires"));
  auto loaded = LoadFrames<protocol::ScheduleFire>(
      box->dir_, "schedule id", [](const protocol::ScheduleFire& f) { return f.schedule_id; });
  if (!loaded) return loaded.error();
  std::lock_guard lock(box->mutex_);
  for (auto& [key, fire] : *loaded) box->fires_.emplace(std::move(key), std::move(fire));
  if (!box->fires_.empty()) Log()->info("{} fire(s) await the server's answer", box->fires_.size());
  return box;
}

Result<bool> FireOutbox::Put(const protocol::ScheduleFire& fire) {
  auto prepared = PrepareFrame(fire, fire.schedule_id, "schedule_id");
  if (!prepared) return prepared.error();
  std::lock_guard lock(mutex_);
  if (auto it = fires_.find(fire.schedule_id); it != fires_.end()) {
    if (it->second.scheduled_at > prepared->stored.scheduled_at) return false;
    if (it->second == prepared->stored) return true;
  }
  // Kept even when the disk refuses it (see Put's comment).
  auto written = StoreFrame(dir_, fire.schedule_id, prepared->text);
  fires_.insert_or_assign(fire.schedule_id, std::move(prepared->stored));
  if (!written) return written.error();
  return true;
}

void FireOutbox::DropLocked(std::map<std::string, protocol::ScheduleFire, std::less<>>::iterator it) {
  if (auto removed = RemoveFrame(dir_, it->first); !removed) {
    Log()->warn("fire of schedule {} dropped, but its file stays: {}", it->first, removed.error().Describe());
  }
  fires_.erase(it);
}

bool FireOutbox::Answer(std::string_view schedule_id, TimePoint scheduled_at) {
  std::lock_guard lock(mutex_);
  auto it = fires_.find(schedule_id);
  if (it == fires_.end() || it->second.scheduled_at != scheduled_at) return false;
  DropLocked(it);
  return true;
}

void FireOutbox::Retain(const std::set<std::string, std::less<>>& active) {
  std::lock_guard lock(mutex_);
  for (auto it = fires_.begin(); it != fires_.end();) {
    auto next = std::next(it);
    if (!active.contains(it->first)) {
      Log()->info("dropping the unanswered fire of schedule {}: no longer in the applied set", it->first);
      DropLocked(it);
    }
    it = next;
  }
}

std::vector<protocol::ScheduleFire> FireOutbox::Pending() const {
  std::lock_guard lock(mutex_);
  std::vector<protocol::ScheduleFire> out;
  out.reserve(fires_.size());
  for (const auto& [id, fire] : fires_) out.push_back(fire);
  return out;
}

std::size_t FireOutbox::Size() const {
  std::lock_guard lock(mutex_);
  return fires_.size();
}

}  // namespace rmgr::agent
