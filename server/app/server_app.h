#pragma once
// ServerApp: the composition root. Opens the store, builds the router with
// every handler and the agent hub + controller, runs the HTTP server on a
// small thread pool and stops cleanly on SIGINT/SIGTERM (in-flight requests
// finish, agent connections close, then the store closes).
// Thread safety: construct and Run() on the main thread; RequestStop() from any thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "common/result.h"
#include "server/app/data_dir_lock.h"
#include "server/app/server_config.h"

namespace rmgr::store {
class Store;
}

namespace rmgr::server {

namespace http {
class HttpServer;
class Router;
class TlsContext;
}  // namespace http
namespace auth {
class SecretBox;
class SessionAuthenticator;
}  // namespace auth
namespace ws {
class AgentHub;
}  // namespace ws
namespace releases {
class ReleaseCatalog;
}  // namespace releases
namespace alerts {
class AlertEngine;
}  // namespace alerts
namespace scheduling {
class SchedulingCore;
class StatsPlanner;
}  // namespace scheduling
namespace api {
struct ApiDeps;
class ApiRoutes;
class AuthHandlers;
}  // namespace api

namespace web {
class StaticSite;
}  // namespace web

namespace metrics {
class AlertMetrics;
class ServerMetrics;
}  // namespace metrics

namespace events {
class EventBus;
class EventStreams;
}  // namespace events

namespace notify {
class Notifier;
}  // namespace notify

class ServerRunKeeper;
class SelfBackupTask;

class ServerApp {
 public:
  explicit ServerApp(ServerConfig config);
  ~ServerApp();
  ServerApp(const ServerApp&) = delete;
  ServerApp& operator=(const ServerApp&) = delete;

  //! Opens the store (applying migrations), creates the first admin when
  //! there are no users (a generated password is printed once on stdout),
  //! registers the routes and binds the listener.
  Result<void> Init();

  //! The port actually bound (useful with port 0 in tests). Valid after Init().
  unsigned short Port() const { return port_; }

  //! Serves until SIGINT/SIGTERM or RequestStop(); returns when everything has stopped.
  //! `on_ready` runs once the listener accepts connections.
  void Run(const std::function<void()>& on_ready = {});

  //! Asks Run() to stop gracefully. Safe from any thread, idempotent.
  void RequestStop();

  //! The /api/v1 route registry (for the OpenAPI cross-check). Valid after Init().
  const api::ApiRoutes& Routes() const { return *routes_; }
  //! Every HTTP route, /api/v1 and the rest (/downloads, /metrics, ...). Valid after Init().
  const http::Router& HttpRouter() const { return *router_; }

 private:
  // Reloads the certificate on each SIGHUP (re-arms itself).
  void WaitForReload();

  ServerConfig config_;
  std::optional<DataDirLock> data_dir_lock_;  // held from Init to the end: one server per data dir
  boost::asio::io_context io_;
  // Where work that may wait on the store's disk runs (REST handlers, the
  // server-run keep-alive), so that the io threads only move bytes.
  boost::asio::thread_pool blocking_{4};
  boost::asio::signal_set signals_{io_};
  boost::asio::signal_set reload_signals_{io_};  // SIGHUP: reload the certificate
  std::shared_ptr<http::TlsContext> tls_;        // null when serving plain HTTP
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ServerRunKeeper> run_keeper_;         // this run in server_runs ("server down")
  std::unique_ptr<auth::SecretBox> secrets_;            // the server key (repository secrets)
  std::unique_ptr<releases::ReleaseCatalog> releases_;  // published agent bundles
  // Notification delivery: notifier_->sink() is where the alert engine queues
  // notices; its observer() hears the scheduling core's job changes
  // (healthchecks pings). Declared before agents_, which holds the observer.
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<web::StaticSite> site_;                      // the web UI's files
  std::unique_ptr<events::EventBus> events_;                   // live updates for the UI
  std::unique_ptr<events::EventStreams> streams_;              // open /api/v1/events connections
  std::unique_ptr<api::ApiDeps> deps_;                         // what handlers share
  std::unique_ptr<auth::SessionAuthenticator> authenticator_;  // sessions and API tokens
  std::shared_ptr<http::Router> router_;                       // every route; shared with http_
  std::unique_ptr<api::ApiRoutes> routes_;                     // /api/v1 registry; outlives http_
  std::unique_ptr<api::AuthHandlers> auth_handlers_;           // login, users, tokens
  std::unique_ptr<ws::AgentHub> hub_;                          // agent WebSockets
  std::unique_ptr<alerts::AlertEngine> alerts_;                // rules → alerts; observes agents_
  std::unique_ptr<scheduling::SchedulingCore> agents_;         // fires, dispatch, catch-up, sweeps
  std::unique_ptr<metrics::AlertMetrics> alert_metrics_;       // rmgr_alerts in a scrape
  std::unique_ptr<metrics::ServerMetrics> metrics_;            // GET /metrics; observes http_
  std::unique_ptr<scheduling::StatsPlanner> stats_planner_;    // queues stats jobs (repository size)
  std::unique_ptr<SelfBackupTask> self_backup_;                // --self-backup-dir, or null
  std::unique_ptr<http::HttpServer> http_;
  unsigned short port_ = 0;
};

}  // namespace rmgr::server
