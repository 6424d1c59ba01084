#pragma once
// GET /metrics: the scrape endpoint, never anonymous. A request needs
// `Authorization: Bearer <token>` with either
//  * the dedicated scrape token (--metrics-token-file / metrics_token_file:
//    the file's content, kept in memory only as its HashToken and compared
//    in constant time), or
//  * an API token of any user, any role (viewers may scrape: the metrics
//    hold nothing a viewer cannot already read).
// No or a bad token is 401; a session cookie alone does not do (Prometheus
// sends bearer tokens). The answer is the text exposition format 0.0.4.
// Thread safety: register on one thread before serving; the handler runs
// concurrently on the handler threads.

#include <filesystem>
#include <string>

#include "common/result.h"
#include "server/auth/principal.h"
#include "server/http/router.h"
#include "server/metrics/server_metrics.h"

namespace rmgr::server::metrics {

//! The path the route is served at.
inline constexpr std::string_view kMetricsPath = "/metrics";

//! Who may scrape.
struct ScrapeAuth {
  std::string scrape_token_hash;              ///< HashToken of the scrape token; empty: none configured.
  auth::Authenticator* api_tokens = nullptr;  ///< Checks API tokens; null: API tokens are not accepted.
};

//! Registers GET /metrics. `metrics` and `auth.api_tokens` must outlive the router.
void RegisterMetricsRoute(http::Router& router, ServerMetrics& metrics, ScrapeAuth auth);

//! Reads a scrape token from `file` (one trailing newline dropped) and
//! returns its HashToken; kInvalidArgument when it cannot be read, or holds
//! fewer than 16 bytes or a line break inside. The token is never logged.
Result<std::string> LoadScrapeTokenHash(const std::filesystem::path& file);

}  // namespace rmgr::server::metrics
