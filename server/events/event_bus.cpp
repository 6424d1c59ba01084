#include "server/events/event_bus.h"

#include <boost/json/serialize.hpp>

#include <vector>

namespace rmgr::server::events {

namespace {
class DropAll final : public EventSink {
 public:
  void Publish(Event) override {}
};
}  // namespace

EventSink& NoEvents() {
  static DropAll sink;
  return sink;
}

std::string FormatEvent(const Event& event) {
  // One data line: serialized JSON never contains a raw newline.
  std::string frame;
  frame.reserve(event.type.size() + 64);
  frame += "event: ";
  frame += event.type;
  frame += "\ndata: ";
  frame += boost::json::serialize(event.data);
  frame += "\n\n";
  return frame;
}

std::uint64_t EventBus::Subscribe(auth::Role role, Deliver deliver) {
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  subscribers_.emplace(id, Subscriber{role, std::make_shared<Deliver>(std::move(deliver))});
  return id;
}

void EventBus::Unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mu_);
  subscribers_.erase(id);
}

std::size_t EventBus::SubscriberCount() const {
  std::lock_guard lock(mu_);
  return subscribers_.size();
}

void EventBus::Publish(Event event) {
  std::vector<std::shared_ptr<Deliver>> targets;
  {
    std::lock_guard lock(mu_);
    if (subscribers_.empty()) return;
    for (const auto& [id, subscriber] : subscribers_) {
      if (static_cast<int>(subscriber.role) >= static_cast<int>(event.min_role)) targets.push_back(subscriber.deliver);
    }
  }
  if (targets.empty()) return;
  auto frame = std::make_shared<const std::string>(FormatEvent(event));
  for (const auto& deliver : targets) (*deliver)(frame);
}

}  // namespace rmgr::server::events
