#pragma once
// Presence: which connection of each host the scheduling core talks to, and
// whether it is ready (its hello was handled, so commands may be sent). The
// hub knows sockets; Presence knows the core's view of them: a connection is
// linked when the hub reports it, ready once hello reconciliation is done,
// and unlinked only by its own goodbye (a replaced connection's late
// goodbye never unlinks its successor).
// Thread safety: none; owned and used by one executor (the scheduling thread).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/util/time_format.h"

namespace rmgr::server::ws {

//! The scheduling core's table of live agent connections, one per host.
class Presence {
 public:
  //! One host's live connection.
  struct Link {
    std::uint64_t connection_id = 0;  ///< The hub's id of the connection.
    bool ready = false;               ///< Hello handled: commands may be sent.
    TimePoint connected_at{};         ///< Jobs dispatched before this were not sent on this connection.
  };

  //! Links `connection_id` as the host's connection (replacing any older one), not ready yet.
  void Connect(const std::string& host_id, std::uint64_t connection_id, TimePoint at);
  //! Unlinks the host when `connection_id` is still its connection; false when it was replaced or unknown.
  bool Disconnect(const std::string& host_id, std::uint64_t connection_id);
  //! Marks the connection ready; false when it is no longer the host's connection.
  bool MarkReady(const std::string& host_id, std::uint64_t connection_id);

  //! The host's link while `connection_id` is its connection.
  std::optional<Link> Current(std::string_view host_id, std::uint64_t connection_id) const;
  //! The host's link, ready or not.
  std::optional<Link> Find(std::string_view host_id) const;
  //! The host's ready connection, if any.
  std::optional<std::uint64_t> Ready(std::string_view host_id) const;
  //! Every linked host → whether its connection is ready.
  std::map<std::string, bool, std::less<>> Hosts() const;

 private:
  std::map<std::string, Link, std::less<>> links_;
};

}  // namespace rmgr::server::ws
