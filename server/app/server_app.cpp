#include "server/app/server_app.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "common/util/log.h"
#include "server/alerts/alert_engine.h"
#include "server/api/api_deps.h"
#include "server/api/api_routes.h"
#include "server/api/auth_handlers.h"
#include "server/api/download_handlers.h"
#include "server/api/live_handlers.h"
#include "server/api/openapi.h"
#include "server/api/resource_routes.h"
#include "server/api/server_tls_handlers.h"
#include "server/app/self_backup_task.h"
#include "server/app/server_run_keeper.h"
#include "server/app/tls_mode.h"
#include "server/app/tls_setup.h"
#include "server/auth/bootstrap.h"
#include "server/auth/secret_box.h"
#include "server/auth/session_authenticator.h"
#include "server/auth/update_signing_key.h"
#include "server/events/event_bus.h"
#include "server/events/event_stream.h"
#include "server/http/http_server.h"
#include "server/metrics/alert_metrics.h"
#include "server/metrics/metrics_route.h"
#include "server/metrics/server_metrics.h"
#include "server/notify/notifier.h"
#include "server/releases/release_catalog.h"
#include "server/scheduling/scheduling_core.h"
#include "server/scheduling/stats_planner.h"
#include "server/store/store.h"
#include "server/web/static_site.h"
#include "server/ws/agent_authenticator.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server {

namespace beast_http = http::beast_http;

namespace {
// When the process started, for process_start_time_seconds.
const TimePoint kProcessStart = Clock::now();
}  // namespace

ServerApp::ServerApp(ServerConfig config) : config_(std::move(config)) {}

ServerApp::~ServerApp() = default;

Result<void> ServerApp::Init() {
  auto log = Logger("server");
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create data dir " + config_.data_dir.string() + ": " + ec.message(), "data_dir");
  }
  auto lock = DataDirLock::Acquire(config_.data_dir, "serve");
  if (!lock) return lock.error();
  data_dir_lock_.emplace(std::move(lock).value());
  // Before the store and the listener: a TLS setting that cannot work stops the start here.
  auto tls = SetUpTls(config_);
  if (!tls) return tls.error();
  tls_ = std::move(*tls);
  auto opened = store::OpenSqliteStore(config_.DatabasePath());
  if (!opened) return opened.error();
  store_ = std::move(opened).value();
  // Before any agent connects: the new run closes presence the last one left open.
  run_keeper_ =
      std::make_unique<ServerRunKeeper>(blocking_.get_executor(), *store_, ServerRunKeeper::Settings{});
  if (auto started = run_keeper_->Start(); !started) return started.error();
  auto key = auth::SecretBox::LoadWithRotation(config_.data_dir / "server.key");
  if (!key) return key.error();
  secrets_ = std::make_unique<auth::SecretBox>(std::move(key).value());
  events_ = std::make_unique<events::EventBus>();
  events::StreamOptions stream_options;
  stream_options.recheck_executor = blocking_.get_executor();
  streams_ = std::make_unique<events::EventStreams>(*events_, stream_options);
  deps_ = std::make_unique<api::ApiDeps>(api::ApiDeps{*store_, *secrets_});
  // Made on first start, so every agent enrolled from now on pins it.
  auto update_key = auth::LoadOrCreateUpdateSigningKey(config_.data_dir);
  if (!update_key) return update_key.error();
  deps_->update_key = update_key->public_key;
  releases_ = std::make_unique<releases::ReleaseCatalog>(config_.data_dir);
  deps_->releases = releases_.get();
  deps_->events = events_.get();
  notify::NotifierSettings notify_settings;
  notify_settings.server_url = config_.public_url;
  notifier_ = std::make_unique<notify::Notifier>(*store_, *secrets_, notify_settings);
  deps_->notifier = notifier_.get();

  auto admin = auth::EnsureInitialAdmin(
      *store_, auth::AdminPasswordSourcesFromEnvironment(config_.admin_password_file));
  if (!admin) return admin.error();
  if (admin->created) {
    log->info("created the initial admin user \"admin\" (password source: {})", admin->source);
    if (admin->generated_password) {
      // Shown this once, on stdout only: never in the log.
      std::fprintf(stdout, "initial admin password: %s\n", admin->generated_password->Reveal().c_str());
      std::fflush(stdout);
    }
  }

  auto router = std::make_shared<http::Router>();
  router_ = router;
  authenticator_ = std::make_unique<auth::SessionAuthenticator>(*store_, deps_->now);
  routes_ = std::make_unique<api::ApiRoutes>(*router, *authenticator_);
  auth_handlers_ = std::make_unique<api::AuthHandlers>(*deps_, *authenticator_);
  auth_handlers_->Register(*routes_);
  api::RegisterResourceRoutes(*routes_, *deps_);
  api::RegisterLiveRoutes(*routes_, *deps_, *authenticator_, *streams_);
  api::RegisterOpenApiRoute(*routes_);
  api::RegisterDownloadRoutes(*router, *routes_, config_.packages_dir);
  api::RegisterServerTlsRoute(
      *routes_, [tls = tls_, insecure = !tls_ && !IsLoopbackHost(ListenHost(config_.listen))] {
        return api::ServerTlsState{.tls = tls != nullptr,
                                   .fingerprint = tls ? tls->Fingerprint() : std::string(),
                                   .next_fingerprint = tls ? tls->NextFingerprint() : std::string(),
                                   .spki_pin = tls ? tls->SpkiPin() : std::string(),
                                   .insecure_http = insecure};
      });
  // The web UI answers GET/HEAD requests no route took: from the binary, or
  // from --web-root while someone works on the UI.
  if (config_.web_root) {
    auto site = web::StaticSite::FromDirectory(*config_.web_root);
    if (!site) return site.error();
    site_ = std::make_unique<web::StaticSite>(std::move(*site));
    log->info("serving the web UI from {}", config_.web_root->string());
  } else {
    site_ = std::make_unique<web::StaticSite>(web::StaticSite::Embedded());
  }
  router->SetFallback([site = site_.get()](const http::Request& request) { return site->Serve(request); });
  router->Add(beast_http::verb::get, "/healthz", [](http::RequestContext&) {
    return http::JsonResponse(http::Status::ok, boost::json::object{{"status", "ok"}});
  });
  router->Add(beast_http::verb::get, "/readyz", [this](http::RequestContext&) {
    auto ping = store_->Read(
        [](store::ReadTx& tx) { return tx.ListHosts(store::PageRequest{.cursor = {}, .limit = 1}); });
    if (!ping) {
      return http::ErrorResponse(http::Status::service_unavailable, "unavailable", "store is not reachable");
    }
    return http::JsonResponse(http::Status::ok, boost::json::object{{"status", "ready"}});
  });

  // The agent side: the hub authenticates through the controller, the
  // controller answers the hub's events and the REST API's notices.
  // The alert engine hears every committed job and host change from the core.
  alerts::AlertEngineOptions alert_options;
  alert_options.period = config_.alert_interval;
  alert_options.settle = config_.alert_settle;
  alert_options.events = events_.get();
  alert_options.sink = &notifier_->sink();
  alerts_ = std::make_unique<alerts::AlertEngine>(*store_, alert_options);
  deps_->alert_rules_changed = [engine = alerts_.get()] { engine->RequestPass(); };

  scheduling::SchedulingOptions agent_options;
  agent_options.catchup_settle = config_.catchup_settle;
  agent_options.lost_after = config_.job_lost_after;
  agent_options.events = events_.get();
  agent_options.observers = {alerts_.get(), &notifier_->observer()};
  if (tls_) agent_options.next_certificate = [tls = tls_] { return tls->NextFingerprint(); };
  agent_options.sweep_interval =
      std::min<std::chrono::milliseconds>(std::chrono::seconds(30), config_.job_lost_after / 4);
  hub_ = std::make_unique<ws::AgentHub>(
      io_, [this](std::string_view token) { return ws::AuthenticateAgent(*store_, token); });
  agents_ = std::make_unique<scheduling::SchedulingCore>(*store_, *secrets_, *hub_, agent_options);
  hub_->SetEvents(agents_.get());
  deps_->agents = agents_.get();
  scheduling::StatsPlanner::Settings stats_settings;
  stats_settings.plan.interval = config_.stats_interval;
  stats_settings.plan.retry_after =
      std::min<std::chrono::milliseconds>(stats_settings.plan.retry_after, config_.stats_interval);
  stats_settings.check_every =
      std::min<std::chrono::milliseconds>(stats_settings.check_every, config_.stats_interval);
  stats_planner_ = std::make_unique<scheduling::StatsPlanner>(blocking_.get_executor(), *store_, *agents_,
                                                              *events_, stats_settings);

  // GET /metrics: the scrape token (if configured) or any API token.
  metrics::ScrapeAuth scrape_auth{.scrape_token_hash = {}, .api_tokens = authenticator_.get()};
  if (config_.metrics_token_file) {
    auto hash = metrics::LoadScrapeTokenHash(*config_.metrics_token_file);
    if (!hash) return hash.error();
    scrape_auth.scrape_token_hash = std::move(*hash);
  }
  metrics_ = std::make_unique<metrics::ServerMetrics>(metrics::MetricsSources{
      .store = store_.get(),
      .hub = hub_.get(),
      .scheduling_queue_depth = [core = agents_.get()] { return core->QueueDepth(); },
      .started_at = kProcessStart,
      .version = RMGR_VERSION,
  });
  alert_metrics_ = std::make_unique<metrics::AlertMetrics>(*store_);
  metrics_->AddCollector(alert_metrics_.get());
  metrics::RegisterMetricsRoute(*router, *metrics_, std::move(scrape_auth));

  http::HttpLimits limits;
  // ResolveConfig refused a list that does not parse.
  if (auto proxies = http::TrustedProxies::Parse(config_.trusted_proxies)) limits.trusted_proxies = *proxies;
  http_ = std::make_unique<http::HttpServer>(io_, router, limits);
  http_->SetHandlerExecutor(blocking_.get_executor());
  http_->SetRequestObserver(metrics_.get());
  if (tls_) http_->SetTls(tls_);
  http_->SetUpgradeHandler("/agent/ws",
                           [this](tls::MaybeTlsStream stream, http::Request request, std::string remote) {
                             hub_->Accept(std::move(stream), std::move(request), std::move(remote));
                           });
  const auto colon = config_.listen.rfind(':');
  const auto host = config_.listen.substr(0, colon);
  const auto port = static_cast<std::uint16_t>(std::stoi(config_.listen.substr(colon + 1)));
  auto endpoint = http_->Listen(host, port);
  if (!endpoint) return endpoint.error();
  port_ = endpoint->port();
  log->info("listening on {}:{}", host, port_);
  if (config_.self_backup_dir) {
    SelfBackupOptions written;
    written.server_version = RMGR_VERSION;
    SelfBackupTask::Settings self_backup{
        .dir = *config_.self_backup_dir,
        .interval = config_.self_backup_interval,
        .keep = static_cast<std::size_t>(config_.self_backup_keep),
        .passphrase_file = config_.self_backup_passphrase_file.value_or(std::filesystem::path()),
        .sources = SelfBackupSources::InDataDir(config_.data_dir),
        .options = written,
    };
    self_backup_ =
        std::make_unique<SelfBackupTask>(blocking_.get_executor(), *store_, std::move(self_backup));
    if (auto started = self_backup_->Start(); !started) return started.error();
  }
  return Ok();
}

void ServerApp::Run(const std::function<void()>& on_ready) {
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    Logger("server")->info("signal {} received, stopping", signo);
    RequestStop();
  });
  if (tls_) WaitForReload();
  http_->Start();
  agents_->Start();
  alerts_->Start();
  notifier_->Start();
  stats_planner_->Start();
  if (on_ready) on_ready();

  // A few io threads; handlers run on blocking_.
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& t : pool) t.join();
  blocking_.join();  // the run keeper has stopped; no request is left
  self_backup_.reset();
  stats_planner_.reset();
  agents_.reset();
  alerts_.reset();
  hub_.reset();
  notifier_.reset();  // after the core (its observer), before the store; waits for a send in flight
  run_keeper_.reset();
  store_.reset();
  Logger("server")->info("stopped");
}

void ServerApp::WaitForReload() {
  reload_signals_.add(SIGHUP);
  reload_signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    auto log = Logger("server");
    // New handshakes use the new context; connected agents keep their sessions.
    if (auto reloaded = tls_->Reload(); !reloaded) {
      log->error("SIGHUP: kept the current certificate: {}", reloaded.error().Describe());
    } else {
      log->info("SIGHUP: serving certificate {}", tls_->Fingerprint());
    }
    // A next certificate placed since the start is announced to every connected agent now.
    if (const auto next = tls_->NextFingerprint(); !next.empty()) {
      const auto hosts = hub_->ConnectedHosts();
      for (const auto& host : hosts) hub_->Send(host, protocol::Envelope{"", protocol::TlsNext{next}});
      log->info("SIGHUP: announced next certificate {} to {} connected agent(s)", next, hosts.size());
    }
    WaitForReload();
  });
}

void ServerApp::RequestStop() {
  // Cancelling the signal wait and stopping the listener leaves the
  // io_context without work once in-flight requests have finished.
  boost::asio::post(io_, [this] {
    http_->Stop();
    streams_->Stop();
    stats_planner_->Stop();
    if (self_backup_) self_backup_->Stop();
    agents_->Stop();
    alerts_->Stop();
    hub_->Stop();
    run_keeper_->Stop();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    reload_signals_.cancel(ignored);
  });
}

}  // namespace rmgr::server
