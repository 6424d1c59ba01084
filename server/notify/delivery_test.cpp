// Delivery against real sinks on 127.0.0.1 started by the tests: an HTTP
// sink (Boost.Beast, in this process) for webhook, preset, ntfy and
// healthchecks deliveries, and an SMTP sink (tests/smtp_sink.py, Debian's
// aiosmtpd, a subprocess) for email. A real SQLite store; the worker's
// clock is pinned so retries are driven by moving it, never by sleeping.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "server/auth/secret_box.h"
#include "server/notify/channel_fields.h"
#include "server/notify/notifier.h"
#include "server/store/store.h"

extern char** environ;

namespace rmgr::server::notify {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::asio::ip::tcp;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// ------------------------------------------------------------- HTTP sink --

struct Received {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Answers each POST with the next scripted status (200 once the script is
// empty) and keeps what it received.
class HttpSink {
 public:
  HttpSink() : acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~HttpSink() {
    stopping_ = true;
    boost::system::error_code ec;
    tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);  // unblocks accept
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
  }
  void Script(std::deque<unsigned> statuses) {
    std::lock_guard lock(mu_);
    script_ = std::move(statuses);
  }
  std::vector<Received> Got() {
    std::lock_guard lock(mu_);
    return got_;
  }

 private:
  void Serve() {
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> request;
      bhttp::read(socket, buffer, request, ec);
      if (ec) continue;
      Received received;
      received.target = std::string(request.target());
      for (const auto& field : request) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        received.headers[name] = std::string(field.value());
      }
      received.body = request.body();
      unsigned status = 200;
      {
        std::lock_guard lock(mu_);
        got_.push_back(std::move(received));
        if (!script_.empty()) {
          status = script_.front();
          script_.pop_front();
        }
      }
      bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(status), 11};
      response.body() = "ok";
      response.prepare_payload();
      bhttp::write(socket, response, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mu_;
  std::deque<unsigned> script_;
  std::vector<Received> got_;
};

// ------------------------------------------------------------- fixture --

const TimePoint kT0 = Clock::time_point(std::chrono::milliseconds(1'767'225'600'000));

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rmgr-notify-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    OpenStore();
  }
  void TearDown() override {
    notifier_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  void OpenStore() {
    store::SqliteOptions options;
    options.clock = [this] { return Now(); };
    auto opened = store::OpenSqliteStore(dir_ / "db.sqlite", options);
    ASSERT_TRUE(opened.ok()) << opened.error().Describe();
    store_ = std::move(opened).value();
  }

  TimePoint Now() const { return kT0 + milliseconds(offset_ms_.load()); }
  void SetNow(TimePoint t) { offset_ms_ = std::chrono::duration_cast<milliseconds>(t - kT0).count(); }

  DeliveryWorker::Settings WorkerSettings() {
    DeliveryWorker::Settings settings;
    settings.now = [this] { return Now(); };
    settings.jitter = [] { return 1.0; };
    settings.transport.connect_timeout = seconds(5);
    settings.transport.total_timeout = seconds(10);
    return settings;
  }

  Notifier& MakeNotifier(DeliveryWorker::Settings settings, std::string server_url = "https://rm.example") {
    notifier_ = std::make_unique<Notifier>(*store_, box_,
                                           NotifierSettings{std::move(server_url), std::move(settings)});
    return *notifier_;
  }

  store::NotificationChannel MakeChannel(const std::string& name, store::ChannelKind kind,
                                         const ChannelFields& fields, std::vector<std::string> kinds = {},
                                         std::vector<std::string> hosts = {},
                                         store::AlertSeverity min = store::AlertSeverity::kWarning) {
    EXPECT_TRUE(ValidateFields(kind, fields).ok()) << ValidateFields(kind, fields).error().Describe();
    store::NotificationChannel channel;
    channel.name = name;
    channel.kind = kind;
    channel.alert_kinds = std::move(kinds);
    channel.host_globs = std::move(hosts);
    channel.min_severity = min;
    StoreFields(box_, fields, channel);
    auto made = store_->Write([&](store::WriteTx& tx) { return tx.CreateNotificationChannel(channel); });
    EXPECT_TRUE(made.ok());
    return *made;
  }

  static store::Alert SomeAlert(const std::string& host = "laptop",
                                store::AlertSeverity severity = store::AlertSeverity::kWarning) {
    store::Alert alert;
    alert.id = "01ALERTAAAAAAAAAAAAAAAAAAA";
    alert.kind = store::AlertKind::kJobFailed;
    alert.severity = severity;
    alert.host_id = "01HOST";
    alert.host_name = host;
    alert.schedule_id = "01SCHED";
    alert.subject = host + " / nightly / home";
    alert.reason = "restic exited with 1";
    alert.started_at = kT0;
    alert.notify_count = 1;
    return alert;
  }

  void Enqueue(const alerts::AlertNotice& notice) {
    auto queued = store_->Write([&](store::WriteTx& tx) { return notifier_->sink().Enqueue(tx, notice); });
    ASSERT_TRUE(queued.ok()) << queued.error().Describe();
  }

  std::vector<store::NotificationDelivery> Log(const std::string& channel_id) {
    auto page = store_->Read([&](store::ReadTx& tx) {
      return tx.ListNotificationDeliveries(channel_id, store::PageRequest{{}, 100});
    });
    EXPECT_TRUE(page.ok());
    return page->items;
  }

  fs::path dir_;
  std::atomic<int64_t> offset_ms_{0};
  auth::SecretBox box_ = auth::SecretBox::FromKey(std::array<unsigned char, 32>{42});
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Notifier> notifier_;
  HttpSink sink_;
};

ChannelFields Webhook(const std::string& url, store::WebhookFormat format = store::WebhookFormat::kJson) {
  ChannelFields fields;
  fields.url = url;
  fields.format = format;
  return fields;
}

// ------------------------------------------------------------ webhooks --

TEST_F(DeliveryTest, WebhookBodyNamesKindStateAndHostAndCarriesNoSecret) {
  ChannelFields fields = Webhook(sink_.Url("/hook/s3cr3t-path"));
  fields.header_name = "Authorization";
  fields.header_value = "Bearer hdr-s3cr3t";
  const auto channel = MakeChannel("hook", store::ChannelKind::kWebhook, fields);
  auto& notifier = MakeNotifier(WorkerSettings());
  Enqueue({alerts::NoticeEvent::kFiring, SomeAlert()});
  ASSERT_EQ(Log(channel.id).size(), 1u);
  EXPECT_EQ(Log(channel.id)[0].payload.find("s3cr3t"), std::string::npos);

  EXPECT_EQ(notifier.worker().RunOnce(), 1);
  const auto got = sink_.Got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/hook/s3cr3t-path");
  EXPECT_EQ(got[0].headers.at("authorization"), "Bearer hdr-s3cr3t");
  EXPECT_EQ(got[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(got[0].body.find("s3cr3t"), std::string::npos);
  const auto body = json::parse(got[0].body);
  EXPECT_EQ(body.at("event"), "firing");
  EXPECT_EQ(body.at("alert").at("kind"), "job_failed");
  EXPECT_EQ(body.at("alert").at("state"), "firing");
  EXPECT_EQ(body.at("alert").at("host_name"), "laptop");
  EXPECT_EQ(body.at("server_url"), "https://rm.example");
  const auto log = Log(channel.id);
  EXPECT_EQ(log[0].state, store::DeliveryState::kSent);
  EXPECT_EQ(log[0].attempts, 1);
  EXPECT_EQ(log[0].sent_at, Now());
  EXPECT_EQ(notifier.worker().RunOnce(), 0) << "sent once";
}

TEST_F(DeliveryTest, SlackPresetAndNtfyAreWhatThoseServicesAccept) {
  const auto slack = MakeChannel("slack", store::ChannelKind::kWebhook,
                                 Webhook(sink_.Url("/services/T0/B0/x"), store::WebhookFormat::kSlack));
  ChannelFields ntfy;
  ntfy.server_url = sink_.Url("/");
  ntfy.topic = "backups";
  ntfy.token = "tk_s3cr3t";
  const auto ntfy_channel = MakeChannel("ntfy", store::ChannelKind::kNtfy, ntfy);
  auto& notifier = MakeNotifier(WorkerSettings());
  Enqueue({alerts::NoticeEvent::kFiring, SomeAlert("laptop", store::AlertSeverity::kCritical)});
  EXPECT_EQ(notifier.worker().RunOnce(), 2);
  const auto got = sink_.Got();
  ASSERT_EQ(got.size(), 2u);
  const auto& slack_got = got[0].target == "/services/T0/B0/x" ? got[0] : got[1];
  const auto& ntfy_got = got[0].target == "/backups" ? got[0] : got[1];
  const auto text = json::parse(slack_got.body);
  ASSERT_TRUE(text.as_object().contains("text")) << slack_got.body;
  EXPECT_EQ(text.as_object().size(), 1u);
  EXPECT_NE(std::string(text.at("text").as_string()).find("[FIRING] job_failed (critical) on laptop"),
            std::string::npos);
  EXPECT_EQ(ntfy_got.target, "/backups");
  EXPECT_EQ(ntfy_got.headers.at("title"), "FIRING: job_failed on laptop");
  EXPECT_EQ(ntfy_got.headers.at("priority"), "5");
  EXPECT_EQ(ntfy_got.headers.at("tags"), "rotating_light,job_failed");
  EXPECT_EQ(ntfy_got.headers.at("authorization"), "Bearer tk_s3cr3t");
  EXPECT_NE(ntfy_got.body.find("laptop / nightly / home"), std::string::npos);
  EXPECT_EQ(ntfy_got.body.find("tk_s3cr3t"), std::string::npos);
  for (const auto& delivery : Log(ntfy_channel.id))
    EXPECT_EQ(delivery.payload.find("tk_s3cr3t"), std::string::npos);
  EXPECT_EQ(Log(slack.id)[0].state, store::DeliveryState::kSent);
}

TEST_F(DeliveryTest, RoutingPicksChannelsByKindSeverityAndHost) {
  const auto all = MakeChannel("all", store::ChannelKind::kWebhook, Webhook(sink_.Url("/all")));
  const auto offline_only =
      MakeChannel("offline", store::ChannelKind::kWebhook, Webhook(sink_.Url("/off")), {"host_offline"});
  const auto web_hosts =
      MakeChannel("web", store::ChannelKind::kWebhook, Webhook(sink_.Url("/web")), {}, {"web-*"});
  const auto critical = MakeChannel("critical", store::ChannelKind::kWebhook, Webhook(sink_.Url("/crit")), {},
                                    {}, store::AlertSeverity::kCritical);
  auto disabled = MakeChannel("disabled", store::ChannelKind::kWebhook, Webhook(sink_.Url("/dis")));
  disabled.enabled = false;
  ASSERT_TRUE(store_->Write([&](store::WriteTx& tx) { return tx.UpdateNotificationChannel(disabled); }).ok());
  ChannelFields ping;
  ping.url = sink_.Url("/ping");
  const auto pings = MakeChannel("pings", store::ChannelKind::kHealthchecks, ping);
  MakeNotifier(WorkerSettings());
  Enqueue({alerts::NoticeEvent::kFiring, SomeAlert("web-1")});
  EXPECT_EQ(Log(all.id).size(), 1u);
  EXPECT_EQ(Log(offline_only.id).size(), 0u);
  EXPECT_EQ(Log(web_hosts.id).size(), 1u);
  EXPECT_EQ(Log(critical.id).size(), 0u);
  EXPECT_EQ(Log(disabled.id).size(), 0u);
  EXPECT_EQ(Log(pings.id).size(), 0u);
  auto db_alert = SomeAlert("db-1", store::AlertSeverity::kCritical);
  db_alert.id = "01ALERTBBBBBBBBBBBBBBBBBBB";
  Enqueue({alerts::NoticeEvent::kFiring, db_alert});
  EXPECT_EQ(Log(all.id).size(), 2u);
  EXPECT_EQ(Log(web_hosts.id).size(), 1u);
  EXPECT_EQ(Log(critical.id).size(), 1u);
}

TEST_F(DeliveryTest, RoutingPicksHostsByTheirLabelsNow) {
  const auto make_host = [&](const std::string& name, labels::Labels set) {
    store::NewHost host{name, "", true, ""};
    host.labels = std::move(set);
    auto made = store_->Write([&](store::WriteTx& tx) { return tx.CreateHost(host); });
    EXPECT_TRUE(made.ok());
    return made->id;
  };
  const std::string laptop = make_host("lap-1", {{"role", "laptop"}, {"site", "berlin"}});
  const std::string lab = make_host("lap-2", {{"role", "laptop"}, {"site", "lab"}});
  const std::string server = make_host("srv-1", {{"role", "server"}});
  auto laptops = MakeChannel("laptops", store::ChannelKind::kWebhook, Webhook(sink_.Url("/laptops")));
  laptops.host_selector = "role=laptop,site!=lab";
  ASSERT_TRUE(store_->Write([&](store::WriteTx& tx) { return tx.UpdateNotificationChannel(laptops); }).ok());
  auto unparsable = laptops;
  unparsable.host_selector = "role=";
  EXPECT_FALSE(
      store_->Write([&](store::WriteTx& tx) { return tx.UpdateNotificationChannel(unparsable); }).ok())
      << "the store keeps only selectors that parse";
  MakeNotifier(WorkerSettings());
  const auto alert_on = [](const std::string& host_id, const std::string& name, char tag) {
    auto alert = SomeAlert(name);
    alert.host_id = host_id;
    alert.id = "01ALERT" + std::string(19, tag);
    return alert;
  };
  Enqueue({alerts::NoticeEvent::kFiring, alert_on(laptop, "lap-1", 'A')});
  Enqueue({alerts::NoticeEvent::kFiring, alert_on(lab, "lap-2", 'B')});
  Enqueue({alerts::NoticeEvent::kFiring, alert_on(server, "srv-1", 'C')});
  auto log = Log(laptops.id);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].alert_id, alert_on(laptop, "lap-1", 'A').id);
  // Labels are read when the notice is queued: relabelled, the lab laptop's
  // next notice reaches the channel.
  ASSERT_TRUE(store_
                  ->Write([&](store::WriteTx& tx) {
                    return tx.SetHostLabels(lab, {{"role", "laptop"}, {"site", "paris"}});
                  })
                  .ok());
  Enqueue({alerts::NoticeEvent::kResolved, alert_on(lab, "lap-2", 'B')});
  EXPECT_EQ(Log(laptops.id).size(), 2u);
}

TEST_F(DeliveryTest, OneNoticeIsDeliveredOnceEvenWhenHandedOverTwice) {
  const auto channel = MakeChannel("hook", store::ChannelKind::kWebhook, Webhook(sink_.Url("/h")));
  auto& notifier = MakeNotifier(WorkerSettings());
  const alerts::AlertNotice notice{alerts::NoticeEvent::kFiring, SomeAlert()};
  Enqueue(notice);
  Enqueue(notice);
  EXPECT_EQ(notifier.worker().RunOnce(), 1);
  EXPECT_EQ(notifier.worker().RunOnce(), 0);
  EXPECT_EQ(sink_.Got().size(), 1u);
  EXPECT_EQ(Log(channel.id).size(), 1u);
  // The next notice of the same alert (its count moved on) is a new delivery.
  auto resolved = notice;
  resolved.event = alerts::NoticeEvent::kResolved;
  resolved.alert.notify_count = 2;
  Enqueue(resolved);
  EXPECT_EQ(notifier.worker().RunOnce(), 1);
  EXPECT_EQ(sink_.Got().size(), 2u);
}

// ------------------------------------------------------------- retries --

TEST_F(DeliveryTest, FailingSinkIsRetriedWithExponentialBackoff) {
  const auto channel = MakeChannel("hook", store::ChannelKind::kWebhook, Webhook(sink_.Url("/h")));
  sink_.Script({500, 503});
  auto& notifier = MakeNotifier(WorkerSettings());
  Enqueue({alerts::NoticeEvent::kFiring, SomeAlert()});
  EXPECT_EQ(notifier.worker().RunOnce(), 1);
  auto row = Log(channel.id).at(0);
  EXPECT_EQ(row.state, store::DeliveryState::kQueued);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.last_error, "HTTP 500");
  EXPECT_EQ(row.next_attempt_at, kT0 + seconds(30));

  SetNow(kT0 + seconds(29));
  EXPECT_EQ(notifier.worker().RunOnce(), 0) << "not due yet";
  SetNow(kT0 + seconds(30));
  EXPECT_EQ(notifier.worker().RunOnce(), 1);
  row = Log(channel.id).at(0);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_EQ(row.last_error, "HTTP 503");
  EXPECT_EQ(row.next_attempt_at, kT0 + seconds(30) + seconds(60)) << "doubled";

  SetNow(kT0 + seconds(90));
  EXPECT_EQ(notifier.worker().RunOnce(), 1);
  row = Log(channel.id).at(0);
  EXPECT_EQ(row.state, store::DeliveryState::kSent);
  EXPECT_EQ(row.attempts, 3);
  EXPECT_EQ(row.last_error, "");
  EXPECT_EQ(sink_.Got().size(), 3u);
}

TEST_F(DeliveryTest, GivesUpAfterMaxAttemptsOrAge) {
  const auto channel = MakeChannel("hook", store::ChannelKind::kWebhook, Webhook(sink_.Url("/h")));
  sink_.Script({500, 500, 500, 500});
  auto settings = WorkerSettings();
  settings.max_attempts = 2;
  settings.give_up_after = hours(1);
  auto& notifier = MakeNotifier(settings);
  Enqueue({alerts::NoticeEvent::kFiring, SomeAlert()});
  notifier.worker().RunOnce();
  SetNow(kT0 + minutes(1));
  notifier.worker().RunOnce();
  auto row = Log(channel.id).at(0);
  EXPECT_EQ(row.state, store::DeliveryState::kFailed);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_EQ(row.last_error, "HTTP 500");
  SetNow(kT0 + hours(5));
  EXPECT_EQ(notifier.worker().RunOnce(), 0) << "failed rows are not retried";

  // Age: the second notice is older than give_up_after at its second attempt.
  auto resolved = alerts::AlertNotice{alerts::NoticeEvent::kResolved, SomeAlert()};
  resolved.alert.notify_count = 2;
  Enqueue(resolved);
  notifier.worker().RunOnce();
  SetNow(kT0 + hours(7));
  notifier.worker().RunOnce();
  EXPECT_EQ(Log(channel.id).at(0).state, store::DeliveryState::kFailed);
}

TEST_F(DeliveryTest, UnreachableSinkIsAnErrorWithoutTheUrl) {
  // A port nobody listens on: bind one, then close it.
  std::string url;
  {
    boost::asio::io_context io;
    tcp::acceptor probe(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    url = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port()) + "/s3cr3t";
  }
  const auto channel = MakeChannel("hook", store::ChannelKind::kWebhook, Webhook(url));
  auto& notifier = MakeNotifier(WorkerSettings());
  Enqueue({alerts::NoticeEvent::kFiring, SomeAlert()});
  notifier.worker().RunOnce();
  const auto row = Log(channel.id).at(0);
  EXPECT_EQ(row.state, store::DeliveryState::kQueued);
  EXPECT_FALSE(row.last_error.empty());
  EXPECT_EQ(row.last_error.find("s3cr3t"), std::string::npos) << row.last_error;
}

// ------------------------------------------------------------- restart --

TEST_F(DeliveryTest, QueuedDeliveriesAreSentAfterARestart) {
  const auto channel = MakeChannel("hook", store::ChannelKind::kWebhook, Webhook(sink_.Url("/h")));
  sink_.Script({500});
  {
    auto& notifier = MakeNotifier(WorkerSettings());
    Enqueue({alerts::NoticeEvent::kFiring, SomeAlert()});
    auto second = alerts::AlertNotice{alerts::NoticeEvent::kReminder, SomeAlert()};
    second.alert.notify_count = 2;
    Enqueue(second);
    EXPECT_EQ(notifier.worker().RunOnce(), 2);  // one 500, one sent
    notifier_.reset();
  }
  // The "server" goes down with one delivery queued for a retry and one
  // queued but never attempted; it comes back after the backoff.
  auto third = alerts::AlertNotice{alerts::NoticeEvent::kResolved, SomeAlert()};
  third.alert.notify_count = 3;
  MakeNotifier(WorkerSettings());
  Enqueue(third);
  notifier_.reset();
  store_.reset();
  SetNow(kT0 + minutes(5));
  OpenStore();

  std::mutex mu;
  std::condition_variable cv;
  int sent = 0;
  auto settings = WorkerSettings();
  settings.on_attempt = [&](const store::NotificationDelivery& delivery) {
    std::lock_guard lock(mu);
    if (delivery.state == store::DeliveryState::kSent) ++sent;
    cv.notify_all();
  };
  auto& notifier = MakeNotifier(settings);
  notifier.Start();  // the real worker thread
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, seconds(20), [&] { return sent == 2; })) << "sent " << sent;
  }
  notifier.Stop();
  const auto log = Log(channel.id);
  ASSERT_EQ(log.size(), 3u);
  for (const auto& delivery : log)
    EXPECT_EQ(delivery.state, store::DeliveryState::kSent) << delivery.notice_key;
  EXPECT_EQ(sink_.Got().size(), 4u) << "one refused, three delivered, none twice";
}

// --------------------------------------------------------- healthchecks --

TEST_F(DeliveryTest, HealthchecksPingsStartSuccessAndFailOfRoutedSchedules) {
  store::NewHost new_host;
  new_host.name = "laptop";
  new_host.hostname = "laptop.lan";
  const auto host = *store_->Write([&](store::WriteTx& tx) { return tx.CreateHost(new_host); });
  store::Repository repository;
  repository.name = "nas";
  repository.url = "sftp:nas:/r";
  repository.secret_ciphertext = {1};
  repository.secret_nonce = {2};
  const auto repo = *store_->Write([&](store::WriteTx& tx) { return tx.CreateRepository(repository); });
  store::SourceGroup group;
  group.host_id = host.id;
  group.name = "home";
  group.paths = {"/home"};
  const auto made_group = *store_->Write([&](store::WriteTx& tx) { return tx.CreateSourceGroup(group); });
  store::Schedule schedule;
  schedule.host_id = host.id;
  schedule.name = "nightly";
  schedule.cron = "0 3 * * *";
  schedule.repository_id = repo.id;
  schedule.source_group_ids = {made_group.id};
  const auto made_schedule =
      store_->Write([&](store::WriteTx& tx) { return tx.CreateSchedule(schedule); })->schedule;

  ChannelFields ping;
  ping.url = sink_.Url("/ping/{host_name}-{schedule_name}");
  const auto channel = MakeChannel("hc", store::ChannelKind::kHealthchecks, ping);
  ChannelFields other_hosts;
  other_hosts.url = sink_.Url("/other");
  MakeChannel("hc-web", store::ChannelKind::kHealthchecks, other_hosts, {}, {"web-*"});
  auto& notifier = MakeNotifier(WorkerSettings());

  store::Job job;
  job.id = "01JOBAAAAAAAAAAAAAAAAAAAAA";
  job.host_id = host.id;
  job.kind = store::JobKind::kBackup;
  job.schedule_id = made_schedule.id;
  job.status = store::JobStatus::kRunning;
  notifier.observer().JobChanged(job);
  notifier.observer().JobChanged(job);  // told twice: pinged once
  job.status = store::JobStatus::kSucceeded;
  notifier.observer().JobChanged(job);
  auto failed = job;
  failed.id = "01JOBBBBBBBBBBBBBBBBBBBBBB";
  failed.status = store::JobStatus::kPartial;
  failed.error = "some files were unreadable";
  notifier.observer().JobChanged(failed);
  auto check = job;
  check.id = "01JOBCCCCCCCCCCCCCCCCCCCCC";
  check.kind = store::JobKind::kCheck;
  notifier.observer().JobChanged(check);  // not a backup: no ping

  EXPECT_EQ(notifier.worker().RunOnce(), 3);
  std::vector<std::string> targets;
  for (const auto& got : sink_.Got()) targets.push_back(got.target);
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(targets, (std::vector<std::string>{"/ping/laptop-nightly", "/ping/laptop-nightly/fail",
                                               "/ping/laptop-nightly/start"}));
  for (const auto& got : sink_.Got()) {
    if (got.target.ends_with("/fail")) {
      EXPECT_NE(got.body.find("some files were unreadable"), std::string::npos);
    }
  }
  EXPECT_EQ(Log(channel.id).size(), 3u);
}

// ----------------------------------------------------------- send test --

TEST_F(DeliveryTest, SendTestReportsSuccessAndFailureAtOnce) {
  const auto channel = MakeChannel("hook", store::ChannelKind::kWebhook, Webhook(sink_.Url("/h")));
  auto& notifier = MakeNotifier(WorkerSettings());
  auto queue_test = [&] {
    return *store_->Write([&](store::WriteTx& tx) { return notifier.QueueTest(tx, channel); });
  };
  auto sent = notifier.SendQueuedTest(queue_test());
  ASSERT_TRUE(sent.ok()) << sent.error().Describe();
  EXPECT_EQ(sent->state, store::DeliveryState::kSent);
  EXPECT_EQ(sent->event, store::DeliveryEvent::kTest);
  EXPECT_EQ(json::parse(sink_.Got().at(0).body).at("event"), "test");

  sink_.Script({404});
  auto failed = notifier.SendQueuedTest(queue_test());
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->state, store::DeliveryState::kFailed);
  EXPECT_EQ(failed->attempts, 1);
  EXPECT_EQ(failed->last_error, "HTTP 404");
  SetNow(kT0 + hours(1));
  EXPECT_EQ(notifier.worker().RunOnce(), 0) << "a test is tried once";
}

// ----------------------------------------------------------------- SMTP --

// tests/smtp_sink.py as a subprocess; stopped with SIGTERM.
class SmtpSink {
 public:
  SmtpSink(const fs::path& dir, const std::vector<std::string>& extra) : dir_(dir / "mail") {
    fs::create_directories(dir_);
    const fs::path out = dir / "smtp.out";
    std::vector<std::string> args = {"/usr/bin/python3", std::string(RMGR_SOURCE_DIR) + "/tests/smtp_sink.py",
                                     "--dir", dir_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, (dir / "smtp.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return;
    }
    // The sink prints READY only once it accepts connections; poll its
    // output for that line (there is nothing to await on but the file).
    for (int i = 0; i < 300 && port_ == 0; ++i) {
      std::ifstream in(out);
      std::string word;
      if (in >> word && word == "READY") in >> port_;
      if (port_ == 0) std::this_thread::sleep_for(milliseconds(50));
    }
  }
  ~SmtpSink() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  int Port() const { return port_; }
  //! The n-th (1-based) message and its envelope JSON.
  std::pair<std::string, json::value> Message(int n) const {
    char base[16];
    std::snprintf(base, sizeof base, "%04d", n);
    std::ifstream eml(dir_ / (std::string(base) + ".eml"));
    std::ifstream meta(dir_ / (std::string(base) + ".json"));
    std::stringstream text;
    std::stringstream env;
    text << eml.rdbuf();
    env << meta.rdbuf();
    return {text.str(), env.str().empty() ? json::value() : json::parse(env.str())};
  }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

ChannelFields Email(const std::string& url) {
  ChannelFields fields;
  fields.smtp_url = url;
  fields.require_tls = false;
  fields.username = "rm";
  fields.password = "smtp-s3cr3t";
  fields.from = "restic-manager@example.com";
  fields.to = {"ops@example.com", "oncall@example.com"};
  return fields;
}

TEST_F(DeliveryTest, EmailGoesThroughSmtpWithAuth) {
  SmtpSink smtp(dir_, {"--user", "rm", "--password", "smtp-s3cr3t"});
  ASSERT_NE(smtp.Port(), 0) << "tests/smtp_sink.py did not start (python3-aiosmtpd installed?)";
  const auto channel = MakeChannel("mail", store::ChannelKind::kEmail,
                                   Email("smtp://127.0.0.1:" + std::to_string(smtp.Port())));
  auto settings = WorkerSettings();
  settings.transport.total_timeout = seconds(3);  // aiosmtpd leaves a refused AUTH LOGIN hanging
  auto& notifier = MakeNotifier(settings);
  Enqueue({alerts::NoticeEvent::kFiring, SomeAlert()});
  EXPECT_EQ(notifier.worker().RunOnce(), 1);
  const auto row = Log(channel.id).at(0);
  ASSERT_EQ(row.state, store::DeliveryState::kSent) << row.last_error;
  EXPECT_EQ(row.payload.find("smtp-s3cr3t"), std::string::npos);
  const auto [mail, envelope] = smtp.Message(1);
  EXPECT_EQ(envelope.at("mail_from"), "restic-manager@example.com");
  EXPECT_EQ(envelope.at("rcpt_tos"), (json::array{"ops@example.com", "oncall@example.com"}));
  EXPECT_EQ(envelope.at("login"), "rm");
  EXPECT_NE(mail.find("From: restic-manager <restic-manager@example.com>"), std::string::npos) << mail;
  EXPECT_NE(mail.find("To: ops@example.com, oncall@example.com"), std::string::npos);
  EXPECT_NE(mail.find("Subject: [restic-manager] FIRING: job_failed on laptop - laptop / nightly / home"),
            std::string::npos);
  EXPECT_NE(mail.find("Message-ID: <" + row.id + "@restic-manager>"), std::string::npos);
  EXPECT_NE(mail.find("Date: "), std::string::npos);
  EXPECT_NE(mail.find("Reason:   restic exited with 1"), std::string::npos);
  EXPECT_EQ(mail.find("smtp-s3cr3t"), std::string::npos);

  // A wrong password is an attempt that fails (and is retried).
  auto wrong = Email("smtp://127.0.0.1:" + std::to_string(smtp.Port()));
  wrong.password = "nope";
  const auto bad = MakeChannel("bad-mail", store::ChannelKind::kEmail, wrong);
  auto test = *store_->Write([&](store::WriteTx& tx) { return notifier.QueueTest(tx, bad); });
  auto refused = notifier.SendQueuedTest(test);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->state, store::DeliveryState::kFailed);
  EXPECT_NE(refused->last_error.find("SMTP"), std::string::npos) << refused->last_error;
  EXPECT_EQ(refused->last_error.find("nope"), std::string::npos);
}

TEST_F(DeliveryTest, EmailUsesStartTlsWhenRequired) {
  const fs::path cert = dir_ / "cert.pem";
  const fs::path key = dir_ / "key.pem";
  const std::string command =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
      " -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << "openssl is needed to make the test certificate";
  SmtpSink smtp(
      dir_, {"--user", "rm", "--password", "smtp-s3cr3t", "--cert", cert.string(), "--key", key.string()});
  ASSERT_NE(smtp.Port(), 0);
  auto fields = Email("smtp://127.0.0.1:" + std::to_string(smtp.Port()));
  fields.require_tls = true;
  const auto channel = MakeChannel("mail", store::ChannelKind::kEmail, fields);
  auto settings = WorkerSettings();
  settings.transport.ca_file = cert.string();
  auto& notifier = MakeNotifier(settings);
  Enqueue({alerts::NoticeEvent::kFiring, SomeAlert()});
  EXPECT_EQ(notifier.worker().RunOnce(), 1);
  const auto row = Log(channel.id).at(0);
  ASSERT_EQ(row.state, store::DeliveryState::kSent) << row.last_error;
  EXPECT_EQ(smtp.Message(1).second.at("tls"), true);
  EXPECT_EQ(smtp.Message(1).second.at("login"), "rm");
}

}  // namespace
}  // namespace rmgr::server::notify
