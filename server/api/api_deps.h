#pragma once
// ApiDeps: what REST handlers need from the rest of the server. Owned by the
// composition root (ServerApp); handlers hold references for the server's life.
// Thread safety: every member is safe to use from any thread.

#include <functional>

#include "common/util/time_format.h"

namespace rmgr::store {
class Store;
}
namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::api {

struct ApiDeps {
  store::Store& store;             ///< All persistence.
  const auth::SecretBox& secrets;  ///< Seals repository passwords at rest.
  std::function<TimePoint()> now = [] { return Clock::now(); };  ///< Clock (tests pin it).
};

}  // namespace rmgr::server::api
