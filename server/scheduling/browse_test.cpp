// Browse through the agent, and what is published for the UI.
#include <span>

#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

// ====================================================== browse and events

//! Remembers every published event.
//! A JSON string's text ("" for anything else).
std::string Text(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : std::string(); }

class RecordingSink : public events::EventSink {
 public:
  void Publish(events::Event event) override {
    std::lock_guard lock(mu_);
    events_.push_back(std::move(event));
  }
  //! The data of every event of `type` so far.
  std::vector<json::value> Of(const std::string& type) {
    std::lock_guard lock(mu_);
    std::vector<json::value> out;
    for (const auto& e : events_) {
      if (e.type == type) out.push_back(e.data);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<events::Event> events_;
};

//! Collects one browse answer.
struct BrowseAnswer {
  std::mutex mu;
  std::optional<Result<protocol::BrowseResult>> result;
  BrowseDone Done() {
    return [this](Result<protocol::BrowseResult> r) {
      std::lock_guard lock(mu);
      EXPECT_FALSE(result.has_value()) << "browse answered twice";
      result = std::move(r);
    };
  }
  bool Arrived() {
    std::lock_guard lock(mu);
    return result.has_value();
  }
};

class LiveTest : public SchedulingTest {
 protected:
  SchedulingOptions Options() override {
    SchedulingOptions options = SchedulingTest::Options();
    options.browse_timeout = 300ms;
    options.events = &sink_;
    return options;
  }
  BrowseQuery Query(const std::string& host_id, const std::string& repository_id,
                    std::string snapshot = "0123abcd", std::string path = "/home") {
    return BrowseQuery{host_id, repository_id, std::move(snapshot), std::move(path)};
  }
  // `host_id` made a snapshot in `repository_id` (as its backups would): its
  // agent may be given the repository's password.
  void UsesRepository(const std::string& host_id, const std::string& repository_id) {
    store::Snapshot snapshot;
    snapshot.id = "0123abcd" + std::string(56, '0');
    snapshot.short_id = "0123abcd";
    snapshot.hostname = "laptop";
    snapshot.host_id = host_id;
    auto indexed = Store().Write([&](store::WriteTx& tx) {
      return tx.UpsertSnapshots(repository_id, std::span<const store::Snapshot>(&snapshot, 1));
    });
    ASSERT_TRUE(indexed.ok()) << indexed.error().Describe();
  }
  RecordingSink sink_;
};

// The password travels only to a host that uses the repository: another
// connected host is refused before anything is sent to it.
TEST_F(LiveTest, BrowseThroughAHostThatDoesNotUseTheRepositorySendsNothing) {
  const TestHost owner = MakeHost("laptop");
  const TestHost stranger = MakeHost("stranger");
  const std::string repository = MakeRepository("nas");
  UsesRepository(owner.id, repository);
  auto client = ConnectAndGreet(stranger);
  ASSERT_TRUE(client);

  BrowseAnswer answer;
  Controller().Browse(Query(stranger.id, repository), answer.Done());
  ASSERT_TRUE(WaitFor([&] { return answer.Arrived(); }));
  ASSERT_FALSE(answer.result->ok());
  EXPECT_EQ(answer.result->error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(answer.result->error().message.find("stranger"), std::string::npos)
      << answer.result->error().message;
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::BrowseRequest>(*frames).empty()) << "a browse.request reached the stranger";
}

TEST_F(LiveTest, BrowseSendsTheRequestAndTheAgentsListingAnswersIt) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  UsesRepository(host.id, repository);
  auto client = ConnectAndGreet(host);
  ASSERT_TRUE(client);

  BrowseAnswer answer;
  Controller().Browse(Query(host.id, repository), answer.Done());
  auto request = client->Expect<protocol::BrowseRequest>();
  ASSERT_TRUE(request);
  EXPECT_EQ(request->snapshot_id, "0123abcd");
  EXPECT_EQ(request->path, "/home");
  EXPECT_EQ(request->repository.id, repository);
  EXPECT_EQ(request->repository.url, "sftp:backup@nas:/srv/restic/nas");
  EXPECT_EQ(request->repository.password.Reveal(), kPassword);
  EXPECT_FALSE(answer.Arrived());

  protocol::BrowseResult result;
  result.request_id = request->request_id;
  protocol::BrowseEntry entry;
  entry.name = "notes.txt";
  entry.path = "/home/notes.txt";
  entry.size = 12;
  result.entries.push_back(entry);
  ASSERT_TRUE(client->Send(result));
  ASSERT_TRUE(WaitFor([&] { return answer.Arrived(); }));
  ASSERT_TRUE(answer.result->ok()) << answer.result->error().Describe();
  ASSERT_EQ((*answer.result)->entries.size(), 1u);
  EXPECT_EQ((*answer.result)->entries[0].path, "/home/notes.txt");

  // A second answer to the same request (a resend) changes nothing.
  ASSERT_TRUE(client->Send(result));
  ASSERT_TRUE(client->Sync());
}

TEST_F(LiveTest, BrowseOfAnOfflineHostOrABadQueryFailsWithoutAskingTheAgent) {
  const TestHost offline = MakeHost("offline");
  const TestHost online = MakeHost("online");
  const std::string repository = MakeRepository("nas");
  UsesRepository(online.id, repository);
  auto client = ConnectAndGreet(online);
  ASSERT_TRUE(client);

  BrowseAnswer away;
  Controller().Browse(Query(offline.id, repository), away.Done());
  ASSERT_TRUE(WaitFor([&] { return away.Arrived(); }));
  EXPECT_EQ(away.result->error().code, ErrorCode::kConflict);

  BrowseAnswer bad_snapshot;
  Controller().Browse(Query(online.id, repository, "not-hex!"), bad_snapshot.Done());
  ASSERT_TRUE(WaitFor([&] { return bad_snapshot.Arrived(); }));
  EXPECT_EQ(bad_snapshot.result->error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad_snapshot.result->error().field, "snapshot_id");

  BrowseAnswer bad_path;
  Controller().Browse(Query(online.id, repository, "0123abcd", "relative/path"), bad_path.Done());
  ASSERT_TRUE(WaitFor([&] { return bad_path.Arrived(); }));
  EXPECT_EQ(bad_path.result->error().field, "path");

  BrowseAnswer no_repository;
  Controller().Browse(Query(online.id, "01NOREPOSITORY"), no_repository.Done());
  ASSERT_TRUE(WaitFor([&] { return no_repository.Arrived(); }));
  EXPECT_EQ(no_repository.result->error().code, ErrorCode::kNotFound);

  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::BrowseRequest>(*frames).empty());
}

TEST_F(LiveTest, BrowseTimesOutAndAnotherHostsAnswerNeverCounts) {
  const TestHost host = MakeHost("laptop");
  const TestHost other = MakeHost("other");
  const std::string repository = MakeRepository("nas");
  UsesRepository(host.id, repository);
  auto client = ConnectAndGreet(host);
  auto intruder = ConnectAndGreet(other);
  ASSERT_TRUE(client && intruder);

  BrowseAnswer answer;
  Controller().Browse(Query(host.id, repository), answer.Done());
  auto request = client->Expect<protocol::BrowseRequest>();
  ASSERT_TRUE(request);
  protocol::BrowseResult forged;
  forged.request_id = request->request_id;
  forged.error = "forged";
  ASSERT_TRUE(intruder->Send(forged));
  ASSERT_TRUE(intruder->Sync());
  ASSERT_TRUE(WaitFor([&] { return answer.Arrived(); }));  // the 300 ms timeout, not the forgery
  EXPECT_EQ(answer.result->error().code, ErrorCode::kUnavailable);
  EXPECT_NE(answer.result->error().message.find("did not answer"), std::string::npos);

  // The real answer after the timeout has no waiter left.
  protocol::BrowseResult late;
  late.request_id = request->request_id;
  ASSERT_TRUE(client->Send(late));
  ASSERT_TRUE(client->Sync());
}

TEST_F(LiveTest, BrowseWaitingWhenTheAgentDisconnectsFailsWithConflict) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  UsesRepository(host.id, repository);
  auto client = ConnectAndGreet(host);
  ASSERT_TRUE(client);
  BrowseAnswer answer;
  Controller().Browse(Query(host.id, repository), answer.Done());
  ASSERT_TRUE(client->Expect<protocol::BrowseRequest>());
  client.reset();
  ASSERT_TRUE(WaitFor([&] { return answer.Arrived(); }));
  EXPECT_EQ(answer.result->error().code, ErrorCode::kConflict);
}

TEST_F(LiveTest, HostsAndEveryJobStepArePublished) {
  const TestHost host = MakeHost("laptop");
  const std::string repository = MakeRepository("nas");
  const std::string group = MakeGroup(host.id, "home", {"/home"});
  auto client = ConnectAndGreet(host);
  ASSERT_TRUE(client);
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& h : sink_.Of("host")) {
      if (Text(h.at("id")) == host.id && h.at("connected").as_bool() && !h.at("hostname").is_null()) return true;
    }
    return false;
  }));

  const std::string job = QueueJob(host.id, repository, group);
  Controller().JobsQueued(host.id);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  ASSERT_TRUE(client->Send(Started(job)));
  protocol::JobProgress progress;
  progress.job_id = job;
  progress.percent_done = 0.5;
  progress.bytes_done = 512;
  progress.total_bytes = 1024;
  ASSERT_TRUE(client->Send(progress));
  protocol::JobLog log;
  log.job_id = job;
  log.lines.push_back(protocol::LogLine{protocol::LogStream::kStdout, "scanning", Clock::now()});
  ASSERT_TRUE(client->Send(log));
  ASSERT_TRUE(client->Send(Succeeded(job)));
  ASSERT_TRUE(client->Expect<protocol::ResultAck>());

  std::vector<std::string> statuses;
  for (const auto& j : sink_.Of("job")) {
    if (Text(j.at("id")) == job) statuses.emplace_back(j.at("status").as_string());
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"dispatched", "running", "succeeded"}));
  auto progresses = sink_.Of("job.progress");
  ASSERT_EQ(progresses.size(), 1u);
  EXPECT_EQ(Text(progresses[0].at("job_id")), job);
  EXPECT_EQ(Text(progresses[0].at("host_id")), host.id);
  EXPECT_EQ(progresses[0].at("progress").at("bytes_done").to_number<int64_t>(), 512);
  auto logs = sink_.Of("job.log");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(Text(logs[0].at("lines").as_array().at(0).at("text")), "scanning");
  EXPECT_EQ(logs[0].at("lines").as_array().at(0).at("seq").to_number<int64_t>(), 0);

  client.reset();
  ASSERT_TRUE(WaitFor([&] {
    auto hosts = sink_.Of("host");
    return !hosts.empty() && Text(hosts.back().at("id")) == host.id && !hosts.back().at("connected").as_bool();
  }));
}

}  // namespace
}  // namespace rmgr::server::scheduling
