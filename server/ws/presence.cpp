#include "server/ws/presence.h"

namespace rmgr::server::ws {

void Presence::Connect(const std::string& host_id, std::uint64_t connection_id, TimePoint at) {
  links_[host_id] = Link{connection_id, false, at};
}

bool Presence::Disconnect(const std::string& host_id, std::uint64_t connection_id) {
  auto link = links_.find(host_id);
  if (link == links_.end() || link->second.connection_id != connection_id) return false;
  links_.erase(link);
  return true;
}

bool Presence::MarkReady(const std::string& host_id, std::uint64_t connection_id) {
  auto link = links_.find(host_id);
  if (link == links_.end() || link->second.connection_id != connection_id) return false;
  link->second.ready = true;
  return true;
}

std::optional<Presence::Link> Presence::Current(std::string_view host_id, std::uint64_t connection_id) const {
  auto link = Find(host_id);
  if (!link || link->connection_id != connection_id) return std::nullopt;
  return link;
}

std::optional<Presence::Link> Presence::Find(std::string_view host_id) const {
  auto link = links_.find(host_id);
  if (link == links_.end()) return std::nullopt;
  return link->second;
}

std::optional<std::uint64_t> Presence::Ready(std::string_view host_id) const {
  auto link = links_.find(host_id);
  if (link == links_.end() || !link->second.ready) return std::nullopt;
  return link->second.connection_id;
}

std::map<std::string, bool, std::less<>> Presence::Hosts() const {
  std::map<std::string, bool, std::less<>> hosts;
  for (const auto& [host, link] : links_) hosts.emplace(host, link.ready);
  return hosts;
}

}  // namespace rmgr::server::ws
