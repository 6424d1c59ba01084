// The live routes over real HTTP on 127.0.0.1: the server-sent event stream
// (head, first event, role filter, credential re-checks, slow consumers,
// Stop) and the snapshot browse route, whose answer is deferred until the
// agent side replies (here a fake AgentNotifier answering from its own
// thread). Also the cron preview route. Waits are bounded; nothing asserts on
// speed.
#include "server/api/live_handlers.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "server/api/api_test_fixture.h"
#include "server/api/schedule_handlers.h"

namespace rmgr::server::api {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using asio::ip::tcp;

constexpr auto kWait = 10s;

//! HeaderAuthenticator that can be switched off (a logout, say).
class SwitchableAuthenticator : public Authenticator {
 public:
  Result<Principal> Authenticate(const http::RequestContext& ctx, bool mutating) override {
    if (!valid.load()) return MakeError(ErrorCode::kUnauthenticated, "session ended");
    auto principal = inner_.Authenticate(ctx, mutating);
    if (principal) principal->totp_enrolment_required = must_enrol.load();
    return principal;
  }
  std::atomic<bool> valid{true};
  std::atomic<bool> must_enrol{false};  ///< As when admins require TOTP of a user without it.

 private:
  testing::HeaderAuthenticator inner_;
};

//! A raw client of one event stream.
class SseClient {
 public:
  SseClient(std::uint16_t port, const std::string& role) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::string request = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    if (!role.empty()) request += "X-Test-Role: " + role + "\r\n";
    request += "\r\n";
    asio::write(socket_, asio::buffer(request));
  }

  //! Reads until `needle` has arrived (true) or the stream ended / kWait passed (false).
  bool ReadUntil(const std::string& needle) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (received_.find(needle) == std::string::npos) {
      if (!ReadSome(deadline)) return false;
    }
    return true;
  }

  //! Reads until the server closes the connection (true) or kWait passed (false).
  bool ReadUntilClosed() {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!closed_) {
      if (!ReadSome(deadline) && !closed_) return false;
    }
    return true;
  }

  const std::string& Received() const { return received_; }

 private:
  bool ReadSome(std::chrono::steady_clock::time_point deadline) {
    if (closed_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{socket_.native_handle(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[4096];
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
    if (ec) {
      closed_ = true;
      return false;
    }
    received_.append(buffer, n);
    return true;
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::string received_;
  bool closed_ = false;
};

//! An agent side whose Browse answers from its own thread with `answer`.
class FakeAgents : public AgentNotifier {
 public:
  void SchedulesChanged(const std::string&) override {}
  void JobsQueued(const std::string&) override {}
  void CancelRequested(const std::string&, const std::string&) override {}
  void HostDeleted(const std::string&) override {}
  void Browse(BrowseQuery query, BrowseDone done) override {
    {
      std::lock_guard lock(mu_);
      queries_.push_back(query);
    }
    if (drop) return;  // `done` dies uncalled
    threads_.emplace_back([this, done = std::move(done)] {
      std::this_thread::sleep_for(20ms);  // answered after the handler returned
      done(answer);
    });
  }
  ~FakeAgents() override {
    for (auto& t : threads_) t.join();
  }
  std::vector<BrowseQuery> Queries() {
    std::lock_guard lock(mu_);
    return queries_;
  }

  Result<protocol::BrowseResult> answer = protocol::BrowseResult{};
  bool drop = false;

 private:
  std::mutex mu_;
  std::vector<BrowseQuery> queries_;
  std::vector<std::thread> threads_;
};

class LiveRoutesTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    Deps().agents = &agents_;
    UseAuthenticator(&auth_);
    events::StreamOptions options;
    options.heartbeat = 50ms;
    options.recheck_every = 1;
    options.max_backlog_bytes = 64 * 1024;
    options.recheck_executor = checks_.get_executor();
    streams_ = std::make_unique<events::EventStreams>(bus_, options);
    RegisterLiveRoutes(Routes(), Deps(), auth_, *streams_);
    RegisterScheduleRoutes(Routes(), Deps());
    Start();
  }
  void TearDown() override {
    streams_->Stop();
    EXPECT_TRUE(WaitStreams(0)) << "streams still open after Stop()";
  }

  std::string MakeHost(const std::string& name = "laptop") {
    store::NewHost host;
    host.name = name;
    host.token_hash = "hash-" + name;
    auto created = Store().Write([&](store::WriteTx& tx) { return tx.CreateHost(host); });
    EXPECT_TRUE(created.ok());
    return created ? created->id : "";
  }
  std::string MakeRepository() {
    store::Repository repository;
    repository.name = "nas";
    repository.url = "/srv/restic";
    auto sealed = Deps().secrets.Seal("pw");
    repository.secret_ciphertext = sealed.ciphertext;
    repository.secret_nonce = sealed.nonce;
    auto created = Store().Write([&](store::WriteTx& tx) { return tx.CreateRepository(repository); });
    EXPECT_TRUE(created.ok());
    return created ? created->id : "";
  }
  // Makes `host` a user of `repository` the way a snapshot the host made
  // in it does (a schedule or a job of the host on it would as well).
  void IndexSnapshotOf(const std::string& host, const std::string& repository) {
    store::Snapshot snapshot;
    snapshot.id = std::string(64, 'a');
    snapshot.short_id = "aaaaaaaa";
    snapshot.hostname = "laptop";
    snapshot.paths = {"/home"};
    snapshot.host_id = host;
    auto indexed = Store().Write([&](store::WriteTx& tx) {
      return tx.UpsertSnapshots(repository, std::span<const store::Snapshot>(&snapshot, 1));
    });
    ASSERT_TRUE(indexed.ok()) << indexed.error().Describe();
  }
  void RunJobOn(const std::string& host, const std::string& repository) {
    store::NewJob job;
    job.host_id = host;
    job.kind = store::JobKind::kCheck;
    job.repository_id = repository;
    auto made = Store().Write([&](store::WriteTx& tx) { return tx.CreateJob(job); });
    ASSERT_TRUE(made.ok()) << made.error().Describe();
  }
  std::vector<store::AuditEntry> Audit(const std::string& action) {
    store::AuditFilter filter;
    filter.action = action;
    auto page = Store().Read([&](store::ReadTx& tx) { return tx.ListAudit(filter, store::PageRequest{}); });
    EXPECT_TRUE(page.ok());
    return page ? page->items : std::vector<store::AuditEntry>{};
  }
  bool WaitStreams(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (streams_->Count() != count || bus_.SubscriberCount() != count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  events::EventBus bus_;
  boost::asio::thread_pool checks_{1};  // credential checks run here, as in the server
  std::unique_ptr<events::EventStreams> streams_;
  SwitchableAuthenticator auth_;
  FakeAgents agents_;
};

// ------------------------------------------------------------- events

TEST_F(LiveRoutesTest, StreamStartsWithItsHeadAndReadyThenCarriesPublishedEvents) {
  SseClient client(Port(), "viewer");
  ASSERT_TRUE(client.ReadUntil("event: ready\n"));
  EXPECT_NE(client.Received().find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  EXPECT_NE(client.Received().find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(client.Received().find("Cache-Control: no-store"), std::string::npos);
  EXPECT_NE(client.Received().find(R"("role":"viewer")"), std::string::npos);
  ASSERT_TRUE(WaitStreams(1));

  bus_.Publish(events::Event{"job", json::object{{"id", "01JOB"}, {"status", "running"}}});
  ASSERT_TRUE(client.ReadUntil("event: job\ndata: {\"id\":\"01JOB\",\"status\":\"running\"}\n\n"));
  ASSERT_TRUE(client.ReadUntil(": keep-alive\n\n"));  // heartbeats flow too
}

TEST_F(LiveRoutesTest, EventsAboveTheCallersRoleAreNotSent) {
  SseClient viewer(Port(), "viewer");
  SseClient admin(Port(), "admin");
  ASSERT_TRUE(viewer.ReadUntil("event: ready"));
  ASSERT_TRUE(admin.ReadUntil("event: ready"));
  ASSERT_TRUE(WaitStreams(2));

  bus_.Publish(events::Event{"user", json::object{{"secret_ish", "admins only"}}, Role::kAdmin});
  bus_.Publish(events::Event{"host", json::object{{"id", "after"}}});
  // Frames of one stream keep their order: once "after" arrived, the admin event would have too.
  ASSERT_TRUE(viewer.ReadUntil(R"({"id":"after"})"));
  ASSERT_TRUE(admin.ReadUntil(R"({"id":"after"})"));
  EXPECT_EQ(viewer.Received().find("admins only"), std::string::npos);
  EXPECT_NE(admin.Received().find("admins only"), std::string::npos);
}

TEST_F(LiveRoutesTest, NoCredentialsAre401AndOpenNoStream) {
  auto reply = Call("GET", "/api/v1/events");
  EXPECT_EQ(reply.status, 401u);
  EXPECT_EQ(reply.ErrorCode(), "unauthenticated");
  EXPECT_EQ(streams_->Count(), 0u);
}

TEST_F(LiveRoutesTest, StreamEndsOnceTheCredentialsStopBeingValid) {
  SseClient client(Port(), "operator");
  ASSERT_TRUE(client.ReadUntil("event: ready"));
  ASSERT_TRUE(WaitStreams(1));
  auth_.valid = false;
  EXPECT_TRUE(client.ReadUntilClosed());
  EXPECT_TRUE(WaitStreams(0));
}

TEST_F(LiveRoutesTest, StreamEndsOnceAdminsRequireTotpOfAUserWithoutIt) {
  SseClient client(Port(), "operator");
  ASSERT_TRUE(client.ReadUntil("event: ready"));
  ASSERT_TRUE(WaitStreams(1));
  auth_.must_enrol = true;
  EXPECT_TRUE(client.ReadUntilClosed());
  EXPECT_TRUE(WaitStreams(0));
  // ...and a new stream is refused until the user has enrolled.
  auto refused = Call("GET", "/api/v1/events", "", {{"X-Test-Role", "operator"}});
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(refused.ErrorCode(), "totp_enrolment_required");
}

TEST_F(LiveRoutesTest, AClientThatStopsReadingIsDroppedNotBuffered) {
  SseClient stuck(Port(), "viewer");
  ASSERT_TRUE(stuck.ReadUntil("event: ready"));
  ASSERT_TRUE(WaitStreams(1));
  // Far more than the socket buffers and the 64 KiB backlog bound hold.
  const std::string filler(4096, 'x');
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (streams_->Count() != 0 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 256; ++i) bus_.Publish(events::Event{"job.log", json::object{{"text", filler}}});
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(streams_->Count(), 0u);
  EXPECT_TRUE(WaitStreams(0));
}

TEST_F(LiveRoutesTest, StopClosesOpenStreamsAndRefusesNewOnes) {
  SseClient client(Port(), "viewer");
  ASSERT_TRUE(client.ReadUntil("event: ready"));
  streams_->Stop();
  EXPECT_TRUE(client.ReadUntilClosed());
  auto reply = Call("GET", "/api/v1/events", {}, {{"X-Test-Role", "viewer"}});
  EXPECT_EQ(reply.status, 503u);
}

// ------------------------------------------------------------- browse

TEST_F(LiveRoutesTest, BrowseAnswersWithTheAgentsListingOnceItArrives) {
  const std::string host = MakeHost();
  const std::string repository = MakeRepository();
  protocol::BrowseResult listing;
  protocol::BrowseEntry dir;
  dir.name = "etc";
  dir.type = protocol::NodeType::kDir;
  dir.path = "/etc";
  protocol::BrowseEntry file;
  file.name = "notes.txt";
  file.type = protocol::NodeType::kFile;
  file.path = "/notes.txt";
  file.size = 1234;
  file.permissions = "-rw-r--r--";
  listing.entries = {dir, file};
  agents_.answer = listing;
  RunJobOn(host, repository);

  auto reply =
      As("operator", "GET",
         "/api/v1/hosts/" + host + "/browse?repository_id=" + repository + "&snapshot_id=abcdef12&path=/");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const auto body = reply.Json().as_object();
  EXPECT_EQ(body.at("path").as_string(), "/");
  EXPECT_FALSE(body.at("truncated").as_bool());
  const json::array entries = body.at("entries").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].at("type").as_string(), "dir");
  EXPECT_EQ(entries[1].at("name").as_string(), "notes.txt");
  EXPECT_EQ(entries[1].at("size").as_int64(), 1234);
  EXPECT_TRUE(entries[1].at("mtime").is_null());
  auto queries = agents_.Queries();
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0].host_id, host);
  EXPECT_EQ(queries[0].repository_id, repository);
  EXPECT_EQ(queries[0].snapshot_id, "abcdef12");
}

TEST_F(LiveRoutesTest, BrowseMapsTheAgentSidesFailures) {
  const std::string host = MakeHost();
  const std::string repository = MakeRepository();
  const std::string target =
      "/api/v1/hosts/" + host + "/browse?repository_id=" + repository + "&snapshot_id=abcdef12&path=/etc";
  RunJobOn(host, repository);

  agents_.answer = MakeError(ErrorCode::kConflict, "the host is offline");
  auto offline = As("operator", "GET", target);
  EXPECT_EQ(offline.status, 409u);
  EXPECT_NE(offline.body.find("offline"), std::string::npos);

  agents_.answer = MakeError(ErrorCode::kUnavailable, "the agent did not answer within 30 s");
  EXPECT_EQ(As("operator", "GET", target).status, 504u);

  protocol::BrowseResult failed;
  failed.error = "snapshot abcdef12 not found";
  agents_.answer = failed;
  auto unlisted = As("operator", "GET", target);
  EXPECT_EQ(unlisted.status, 422u);
  EXPECT_EQ(unlisted.ErrorCode(), "browse_failed");
  EXPECT_NE(unlisted.body.find("not found"), std::string::npos);

  agents_.drop = true;  // the agent side forgets the request: never a hung connection
  EXPECT_EQ(As("operator", "GET", target).status, 500u);
}

TEST_F(LiveRoutesTest, BrowseChecksItsQueryBeforeAskingAnAgent) {
  const std::string host = MakeHost();
  const std::string repository = MakeRepository();
  auto unknown_host =
      As("operator", "GET", "/api/v1/hosts/01NOPE/browse?repository_id=" + repository + "&snapshot_id=ab");
  EXPECT_EQ(unknown_host.status, 404u);
  auto no_snapshot = As("operator", "GET", "/api/v1/hosts/" + host + "/browse?repository_id=" + repository);
  EXPECT_EQ(no_snapshot.status, 400u);
  EXPECT_EQ(no_snapshot.ErrorField(), "snapshot_id");
  auto no_repository = As("operator", "GET", "/api/v1/hosts/" + host + "/browse?snapshot_id=abcdef12");
  EXPECT_EQ(no_repository.ErrorField(), "repository_id");
  auto bad_repository =
      As("operator", "GET", "/api/v1/hosts/" + host + "/browse?repository_id=01NOPE&snapshot_id=abcdef12");
  EXPECT_EQ(bad_repository.status, 400u);
  EXPECT_EQ(bad_repository.ErrorField(), "repository_id");
  EXPECT_EQ(Call("GET", "/api/v1/hosts/" + host + "/browse?repository_id=x&snapshot_id=y").status, 401u);
  EXPECT_TRUE(agents_.Queries().empty());
}

// Listing a snapshot sends the repository's password to the host's agent
// and shows file names: operators only.
TEST_F(LiveRoutesTest, AViewerCannotBrowse) {
  const std::string host = MakeHost();
  const std::string repository = MakeRepository();
  RunJobOn(host, repository);
  auto reply =
      As("viewer", "GET",
         "/api/v1/hosts/" + host + "/browse?repository_id=" + repository + "&snapshot_id=abcdef12&path=/");
  EXPECT_EQ(reply.status, 403u) << reply.body;
  EXPECT_TRUE(agents_.Queries().empty()) << "no request reached an agent";
  EXPECT_TRUE(Audit("snapshot.browse").empty());
}

// A host that neither backs up to the repository nor runs jobs on it never
// gets its password: refused before any agent is asked. The snapshot's own
// host (its snapshot in the index) may list it.
TEST_F(LiveRoutesTest, BrowseThroughAHostThatDoesNotUseTheRepositoryIsRefused) {
  const std::string owner = MakeHost("laptop");
  const std::string stranger = MakeHost("stranger");
  const std::string repository = MakeRepository();
  IndexSnapshotOf(owner, repository);
  const std::string query =
      "/browse?repository_id=" + repository + "&snapshot_id=" + std::string(64, 'a') + "&path=/";

  auto refused = As("admin", "GET", "/api/v1/hosts/" + stranger + query);
  EXPECT_EQ(refused.status, 403u) << refused.body;
  EXPECT_EQ(refused.ErrorCode(), "permission_denied");
  EXPECT_EQ(refused.ErrorField(), "repository_id");
  EXPECT_NE(refused.body.find("stranger"), std::string::npos) << refused.body;
  EXPECT_TRUE(agents_.Queries().empty()) << "the stranger's agent was asked";
  EXPECT_TRUE(Audit("snapshot.browse").empty()) << "a refused listing made no browse entry";

  auto allowed = As("operator", "GET", "/api/v1/hosts/" + owner + query);
  EXPECT_EQ(allowed.status, 200u) << allowed.body;
  ASSERT_EQ(agents_.Queries().size(), 1u);
  EXPECT_EQ(agents_.Queries()[0].host_id, owner);
}

TEST_F(LiveRoutesTest, EveryBrowseIsAudited) {
  const std::string host = MakeHost();
  const std::string repository = MakeRepository();
  RunJobOn(host, repository);
  auto reply = As("operator", "GET",
                  "/api/v1/hosts/" + host + "/browse?repository_id=" + repository +
                      "&snapshot_id=abcdef12&path=/home/me");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const auto entries = Audit("snapshot.browse");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].target_kind, "host");
  EXPECT_EQ(entries[0].target_id, host);
  EXPECT_FALSE(entries[0].actor_id.empty());
  const auto detail = json::parse(entries[0].detail_json).as_object();
  EXPECT_EQ(detail.at("repository_id").as_string(), repository);
  EXPECT_EQ(detail.at("snapshot_id").as_string(), "abcdef12");
  EXPECT_EQ(detail.at("path").as_string(), "/home/me");
}

// --------------------------------------------------------- cron preview

TEST_F(LiveRoutesTest, CronPreviewListsTheNextFiresInTheZoneOrNamesTheBadField) {
  auto good = As("viewer", "GET", "/api/v1/cron/next?expr=0%203%20*%20*%20*&tz=Europe/Berlin");
  ASSERT_EQ(good.status, 200u) << good.body;
  const json::value body = good.Json();
  const auto& next = body.at("next").as_array();
  ASSERT_EQ(next.size(), 5u);
  for (const auto& t : next) {
    const std::string text(t.as_string());
    EXPECT_NE(text.find("T03:00:00+0"), std::string::npos) << text;  // +01:00 or +02:00
  }
  auto three = As("viewer", "GET", "/api/v1/cron/next?expr=@hourly&n=3");
  ASSERT_EQ(three.status, 200u);
  EXPECT_EQ(three.Json().at("next").as_array().size(), 3u);

  auto bad = As("viewer", "GET", "/api/v1/cron/next?expr=0%2025%20*%20*%20*");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.ErrorField(), "expr");
  EXPECT_NE(bad.body.find("hour"), std::string::npos) << bad.body;
  auto zone = As("viewer", "GET", "/api/v1/cron/next?expr=@daily&tz=Mars/Olympus");
  EXPECT_EQ(zone.status, 400u);
  EXPECT_EQ(zone.ErrorField(), "tz");
  EXPECT_EQ(As("viewer", "GET", "/api/v1/cron/next").ErrorField(), "expr");
  EXPECT_EQ(As("viewer", "GET", "/api/v1/cron/next?expr=@daily&n=0").ErrorField(), "n");
}

}  // namespace
}  // namespace rmgr::server::api
