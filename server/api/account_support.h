#pragma once
// What the handlers of operator accounts share (AuthHandlers,
// AccountHandlers, TotpHandlers): the JSON of a user and of a session, the
// error answer that hides internals and adds WWW-Authenticate to a 401, and
// names fit for logs.
// Thread safety: pure functions; the logger is thread-safe.

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/http/http_types.h"
#include "server/store/store.h"

namespace rmgr::server::api {

//! The answer for a failed account request: internal errors are logged and
//! answered without details; a 401 carries WWW-Authenticate.
http::Response AuthFailure(const Error& error);

//! RFC 3339 text, or JSON null.
boost::json::value TimeOrNull(const std::optional<TimePoint>& time);

//! A user as the API shows it (never the password hash).
boost::json::object UserJson(const store::User& user);

//! A session as the session list shows it (never its token or CSRF hash);
//! `current` marks the caller's own.
boost::json::object SessionJson(const store::Session& session, bool current);

//! A username fit for logs and audit detail: anything else may be a
//! password typed into the wrong field, or an attempt at log injection.
std::string Loggable(std::string_view username);

}  // namespace rmgr::server::api
