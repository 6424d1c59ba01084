// GET /metrics on a real HTTP server and a real store: who may scrape (the
// scrape token, any user's API token, nobody else), that the values are the
// store's, and that promtool accepts the scrape.
#include "server/metrics/metrics_route.h"

#include <gtest/gtest.h>

#include <fstream>

#include "server/api/api_test_fixture.h"
#include "server/auth/credentials.h"
#include "server/auth/session_authenticator.h"
#include "server/metrics/metrics_test_fixture.h"

namespace rmgr::server::metrics {
namespace {

using api::testing::Reply;

constexpr std::string_view kScrapeToken = "scrape-token-0123456789abcdef";

std::string Seconds(TimePoint at) {
  return FormatValue(
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()) /
      1000.0);
}

class MetricsRouteTest : public api::testing::ApiFixture {
 protected:
  void SetUp() override {
    seeded_ = testing::SeedSucceededBackup(Store());
    authenticator_ = std::make_unique<auth::SessionAuthenticator>(Store(), [] { return Clock::now(); });
    MetricsSources sources;
    sources.store = &Store();
    sources.version = "9.9.9-test";
    metrics_ = std::make_unique<ServerMetrics>(std::move(sources));
    RegisterMetricsRoute(
        Router(), *metrics_,
        ScrapeAuth{.scrape_token_hash = auth::HashToken(kScrapeToken), .api_tokens = authenticator_.get()});
    Start();
  }

  // A user with `role` and an API token of theirs; returns the token.
  std::string ApiToken(const std::string& role, bool revoked = false) {
    const std::string token = auth::NewToken(auth::SessionAuthenticator::kApiTokenPrefix);
    auto made = Store().Write([&](store::WriteTx& tx) -> Result<store::ApiToken> {
      auto user =
          tx.CreateUser(store::NewUser{.username = role + "-user", .password_hash = "x", .role = role});
      if (!user) return user.error();
      store::NewApiToken api_token;
      api_token.user_id = user->id;
      api_token.name = "scrape";
      api_token.token_hash = auth::HashToken(token);
      auto created = tx.CreateApiToken(api_token);
      if (!created || !revoked) return created;
      return tx.RevokeApiToken(created->id);
    });
    EXPECT_TRUE(made.ok()) << made.error().Describe();
    return token;
  }

  // Gives web-1 a name with every character the format must escape.
  void MustRename() {
    auto renamed =
        Store().Write([&](store::WriteTx& tx) { return tx.RenameHost(seeded_.host.id, "we\"b\\1\n"); });
    ASSERT_TRUE(renamed.ok()) << renamed.error().Describe();
  }

  Reply Scrape(std::string_view token) {
    return Call("GET", "/metrics", {}, {{"Authorization", "Bearer " + std::string(token)}});
  }

  testing::SeededBackup seeded_;
  std::unique_ptr<auth::SessionAuthenticator> authenticator_;
  std::unique_ptr<ServerMetrics> metrics_;
};

TEST_F(MetricsRouteTest, NoTokenIsRefusedWith401) {
  const auto reply = Call("GET", "/metrics");
  EXPECT_EQ(reply.status, 401u);
  EXPECT_EQ(reply.ErrorCode(), "unauthenticated");
  EXPECT_EQ(reply.headers.count("www-authenticate"), 1u);
  EXPECT_EQ(reply.body.find("restic_"), std::string::npos);
}

TEST_F(MetricsRouteTest, WrongRevokedOrNonBearerTokensAreRefused) {
  EXPECT_EQ(Scrape("scrape-token-0123456789abcdeX").status, 401u);
  EXPECT_EQ(Scrape(ApiToken("viewer", /*revoked=*/true)).status, 401u);
  EXPECT_EQ(Call("GET", "/metrics", {}, {{"Authorization", "Basic " + std::string(kScrapeToken)}}).status,
            401u);
}

TEST_F(MetricsRouteTest, TheScrapeTokenScrapesInTheTextFormat) {
  const auto reply = Scrape(kScrapeToken);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(reply.headers.at("cache-control"), "no-store");
  EXPECT_NE(reply.body.find("# TYPE restic_backup_timestamp gauge\n"), std::string::npos);
}

TEST_F(MetricsRouteTest, AnyUsersApiTokenScrapesAViewerToo) {
  EXPECT_EQ(Scrape(ApiToken("viewer")).status, 200u);
  EXPECT_EQ(Scrape(ApiToken("admin")).status, 200u);
}

TEST_F(MetricsRouteTest, ValuesAreTheStores) {
  const auto reply = Scrape(kScrapeToken);
  ASSERT_EQ(reply.status, 200u);
  const std::string& body = reply.body;
  const std::string pair = R"({host="web-1",schedule="nightly",source_group="etc",repository="offsite"})";
  const auto has = [&](const std::string& line) {
    EXPECT_NE(body.find("\n" + line + "\n"), std::string::npos) << "missing: " << line << "\n" << body;
  };
  ASSERT_TRUE(seeded_.backup.finished_at.has_value());
  has("restic_backup_timestamp" + pair + " " + Seconds(*seeded_.backup.finished_at));
  has("restic_backup_success_timestamp" + pair + " " + Seconds(*seeded_.backup.finished_at));
  has("restic_backup_success" + pair + " 1");
  has("restic_backup_duration_seconds" + pair + " 2.5");
  has("restic_backup_files_new" + pair + " 3");
  has("restic_backup_added_bytes" + pair + " 1234");
  has("restic_backup_size_total" + pair + " 56789");
  has("rmgr_backup_enabled" + pair + " 1");
  has(R"(restic_snapshots_total{repository="offsite"} 2)");
  has(R"(restic_backup_snapshots_total{repository="offsite",host="web-1"} 2)");
  has(R"(restic_check_success{repository="offsite"} 0)");
  has(R"(restic_check_timestamp{repository="offsite"} )" + Seconds(*seeded_.check.finished_at));
  has(R"(rmgr_host_connected{host="web-1",mode="always_on"} 1)");
  has(R"(rmgr_hosts{state="connected"} 1)");
  has(R"(rmgr_jobs{kind="backup",status="succeeded"} 1)");
  has(R"(rmgr_jobs{kind="check",status="failed"} 1)");
  has(R"(rmgr_jobs{kind="prune",status="queued"} 0)");
  has(R"(rmgr_host_schedule_versions_behind{host="web-1",mode="always_on"} 1)");
  has(R"(rmgr_schedule_drift_hosts 1)");
  has(R"(rmgr_build_info{version="9.9.9-test"} 1)");
  EXPECT_EQ(body.find("restic_repository_size_bytes{"), std::string::npos) << "no size is known yet";
}

TEST_F(MetricsRouteTest, AHostileNameIsEscapedAndTheScrapeStillParses) {
  MustRename();
  const auto reply = Scrape(kScrapeToken);
  ASSERT_EQ(reply.status, 200u);
  EXPECT_NE(reply.body.find(R"(host="we\"b\\1\n")"), std::string::npos) << reply.body;
  const auto run = testing::RunPromtool({"check", "metrics"}, reply.body);
  ASSERT_TRUE(run.has_value())
      << "promtool is missing: install Debian's prometheus package (scripts/install-deps.sh)";
  EXPECT_EQ(run->exit_status, 0) << run->output;
}

TEST_F(MetricsRouteTest, PromtoolAcceptsTheScrape) {
  const auto reply = Scrape(kScrapeToken);
  ASSERT_EQ(reply.status, 200u);
  const auto run = testing::RunPromtool({"check", "metrics"}, reply.body);
  ASSERT_TRUE(run.has_value())
      << "promtool is missing: install Debian's prometheus package (scripts/install-deps.sh)";
  EXPECT_EQ(run->exit_status, 0) << run->output << "\n" << reply.body;
}

TEST_F(MetricsRouteTest, PromtoolCatchesABrokenScrape) {
  // The check above can fail: promtool rejects what breaks the format.
  const auto run = testing::RunPromtool({"check", "metrics"}, "# TYPE x gauge\nx{a=\"unterminated} 1\n");
  ASSERT_TRUE(run.has_value())
      << "promtool is missing: install Debian's prometheus package (scripts/install-deps.sh)";
  EXPECT_NE(run->exit_status, 0) << run->output;
}

TEST(ScrapeTokenFile, KeepsOnlyTheHashAndRefusesShortOrMultiLineTokens) {
  const auto dir = std::filesystem::temp_directory_path() / ("rmgr-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "token", std::ios::binary | std::ios::trunc) << text;
    return dir / "token";
  };
  auto hash = LoadScrapeTokenHash(write(std::string(kScrapeToken) + "\n"));
  ASSERT_TRUE(hash.ok()) << hash.error().Describe();
  EXPECT_EQ(*hash, auth::HashToken(kScrapeToken));
  EXPECT_FALSE(LoadScrapeTokenHash(write("short\n")).ok());
  EXPECT_FALSE(LoadScrapeTokenHash(write(std::string(kScrapeToken) + "\nsecond line\n")).ok());
  EXPECT_FALSE(LoadScrapeTokenHash(dir / "missing").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rmgr::server::metrics
