// GET /metrics through the whole server (ServerApp): a seeded store, the
// scrape token from --metrics-token-file, the HTTP histogram and the hub's
// families, promtool on the real scrape, and contrib/'s rules and dashboard
// checked against what the server exports.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/util/ulid.h"
#include "server/app/server_app.h"
#include "server/metrics/metrics_test_fixture.h"
#include "server/store/store.h"

namespace rmgr::server {
namespace {

namespace beast_http = boost::beast::http;
constexpr std::string_view kToken = "prometheus-scrape-token-for-tests";

struct Answer {
  unsigned status = 0;
  std::string body;
};

Answer Get(unsigned short port, const std::string& target, const std::string& bearer = {}) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  boost::beast::tcp_stream stream(io);
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  beast_http::request<beast_http::empty_body> request{beast_http::verb::get, target, 11};
  request.set(beast_http::field::host, "127.0.0.1");
  if (!bearer.empty()) request.set(beast_http::field::authorization, "Bearer " + bearer);
  beast_http::write(stream, request);
  boost::beast::flat_buffer buffer;
  beast_http::response<beast_http::string_body> response;
  beast_http::read(stream, buffer, response);
  return Answer{response.result_int(), response.body()};
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every restic_* / rmgr_* / process_* name in `text`, histogram suffixes taken off.
std::set<std::string> MetricNamesIn(const std::string& text) {
  static const std::regex kName(R"(\b(restic|rmgr|process)_[a-zA-Z0-9_]+)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kName); it != std::sregex_iterator(); ++it) {
    std::string name = it->str();
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() > suffix.size() && name.ends_with(suffix) && name.starts_with("rmgr_http_")) {
        name.resize(name.size() - suffix.size());
      }
    }
    names.insert(name);
  }
  return names;
}

class MetricsAppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rmgr-metrics-app-" + std::to_string(::getpid()) + "-" + NewUlid());
    std::filesystem::create_directories(dir_);
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_;
    {
      auto store = store::OpenSqliteStore(config.DatabasePath());
      ASSERT_TRUE(store.ok()) << store.error().Describe();
      metrics::testing::SeedSucceededBackup(**store);
    }
    std::ofstream(dir_ / "metrics.token") << kToken << "\n";
    config.metrics_token_file = dir_ / "metrics.token";
    ::setenv("RESTIC_MANAGER_ADMIN_PASSWORD", "metrics-app-test-password", 1);
    app_ = std::make_unique<ServerApp>(config);
    auto ok = app_->Init();
    ASSERT_TRUE(ok.ok()) << ok.error().Describe();
    std::promise<void> ready;
    auto started = ready.get_future();
    thread_ = std::thread([this, &ready] { app_->Run([&ready] { ready.set_value(); }); });
    started.wait();
  }
  void TearDown() override {
    if (app_) app_->RequestStop();
    if (thread_.joinable()) thread_.join();
    app_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Scrape() {
    const auto answer = Get(app_->Port(), "/metrics", std::string(kToken));
    EXPECT_EQ(answer.status, 200u) << answer.body;
    return answer.body;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ServerApp> app_;
  std::thread thread_;
};

TEST_F(MetricsAppTest, TheServerServesAnAuthenticatedScrapeThatPromtoolAccepts) {
  EXPECT_EQ(Get(app_->Port(), "/metrics").status, 401u);
  EXPECT_EQ(Get(app_->Port(), "/metrics", "not-the-token-at-all").status, 401u);
  ASSERT_EQ(Get(app_->Port(), "/healthz").status, 200u);
  ASSERT_EQ(Get(app_->Port(), "/api/v1/hosts/01ARZ3NDEKTSV4RRFFQ69G5FAV").status, 401u);

  const std::string body = Scrape();
  const auto has = [&](const std::string& text) {
    EXPECT_NE(body.find(text), std::string::npos) << "missing: " << text << "\n" << body;
  };
  has("\nrestic_backup_timestamp{host=\"web-1\",schedule=\"nightly\",source_group=\"etc\",repository="
      "\"offsite\"} ");
  has("\nrmgr_http_request_duration_seconds_bucket{route=\"/"
      "healthz\",method=\"GET\",code=\"2xx\",le=\"+Inf\"} 1\n");
  has("\nrmgr_http_request_duration_seconds_count{route=\"/api/v1/hosts/{id}\",method=\"GET\",code=\"4xx\"} "
      "1\n");
  has("\nrmgr_http_request_duration_seconds_count{route=\"/metrics\",method=\"GET\",code=\"4xx\"} 2\n");
  has("\nrmgr_agents_connected 0\n");
  has("\nrmgr_ws_frames_received_total{type=\"schedule.fire\"} 0\n");
  has("\nrmgr_ws_connections_opened_total 0\n");
  has("\nrmgr_scheduling_queue_depth ");
  has("\nrmgr_build_info{version=\"" RMGR_VERSION "\"} 1\n");
  has("\nprocess_start_time_seconds ");

  const auto run = metrics::testing::RunPromtool({"check", "metrics"}, body);
  ASSERT_TRUE(run.has_value())
      << "promtool is missing: install Debian's prometheus package (scripts/install-deps.sh)";
  EXPECT_EQ(run->exit_status, 0) << run->output;
}

TEST_F(MetricsAppTest, ContribRulesPassPromtoolAndUseOnlyExportedMetrics) {
  const auto rules = std::filesystem::path(RMGR_SOURCE_DIR) / "contrib/prometheus/restic-manager-rules.yml";
  const auto run = metrics::testing::RunPromtool({"check", "rules", rules.string()});
  ASSERT_TRUE(run.has_value())
      << "promtool is missing: install Debian's prometheus package (scripts/install-deps.sh)";
  EXPECT_EQ(run->exit_status, 0) << run->output;

  const auto exported = metrics::testing::FamilyNames(Scrape());
  const std::set<std::string> families(exported.begin(), exported.end());
  const auto used = MetricNamesIn(ReadFile(rules));
  EXPECT_GE(used.size(), 6u);
  for (const auto& name : used)
    EXPECT_TRUE(families.count(name)) << "the rules use " << name << ", not exported";
}

TEST_F(MetricsAppTest, ContribDashboardParsesAndUsesOnlyExportedMetrics) {
  const auto path = std::filesystem::path(RMGR_SOURCE_DIR) / "contrib/grafana/restic-manager.json";
  boost::system::error_code ec;
  const auto dashboard = boost::json::parse(ReadFile(path), ec);
  ASSERT_FALSE(ec) << "contrib/grafana/restic-manager.json is not JSON: " << ec.message();
  const auto& panels = dashboard.at("panels").as_array();
  EXPECT_GE(panels.size(), 6u);

  std::string expressions;
  for (const auto& panel : panels) {
    for (const auto& target : panel.at("targets").as_array()) {
      expressions += std::string(target.at("expr").as_string()) + "\n";
    }
  }
  const auto exported = metrics::testing::FamilyNames(Scrape());
  const std::set<std::string> families(exported.begin(), exported.end());
  const auto used = MetricNamesIn(expressions);
  for (const std::string needed :
       {"restic_backup_success_timestamp", "restic_repository_size_bytes", "rmgr_agents_connected",
        "rmgr_jobs", "rmgr_http_request_duration_seconds"}) {
    EXPECT_TRUE(used.count(needed)) << "the dashboard has no panel on " << needed;
  }
  for (const auto& name : used)
    EXPECT_TRUE(families.count(name)) << "the dashboard uses " << name << ", not exported";
}

}  // namespace
}  // namespace rmgr::server
