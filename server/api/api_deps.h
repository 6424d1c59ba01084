#pragma once
// ApiDeps: what REST handlers need from the rest of the server. Owned by the
// composition root (ServerApp); handlers hold references for the server's life.
// Thread safety: every member is safe to use from any thread.

#include <functional>
#include <string>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/events/event_bus.h"
#include "server/scheduling/agent_notifier.h"

namespace rmgr::store {
class Store;
}
namespace rmgr::server::auth {
class SecretBox;
}
namespace rmgr::server::notify {
class Notifier;
}
namespace rmgr::server::releases {
class ReleaseCatalog;
}

namespace rmgr::server::api {

using scheduling::AgentNotifier;
using scheduling::BrowseDone;
using scheduling::BrowseQuery;

//! An AgentNotifier that does nothing (handler tests, servers without agents).
AgentNotifier& NoAgentNotifier();

struct ApiDeps {
  store::Store& store;                                           ///< All persistence.
  const auth::SecretBox& secrets;                                ///< Seals repository passwords at rest.
  std::function<TimePoint()> now = [] { return Clock::now(); };  ///< Clock (tests pin it).
  AgentNotifier* agents = &NoAgentNotifier();                    ///< The agent side; never null.
  events::EventSink* events = &events::NoEvents();               ///< Live updates for the UI; never null.
  //! Told after an admin changed an alert rule (the engine re-evaluates); may be empty.
  std::function<void()> alert_rules_changed{};
  notify::Notifier* notifier = nullptr;  ///< Notification delivery ("send test"); null: not running.
  //! Published agent releases (rollouts, downloads); null: none can be rolled out.
  const releases::ReleaseCatalog* releases = nullptr;
  //! The update signing key's public half ("ed25519:<hex>"), given to enrolling agents to pin; "" = none.
  std::string update_key{};
};

}  // namespace rmgr::server::api
