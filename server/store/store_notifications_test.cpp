// Store suite: notification channels (CRUD, sealed secret bytes, routing
// fields, unique names) and the delivery queue (one row per notice and
// channel, claims with a lease, attempts recorded, the newest-first log,
// pruning, cascade on channel delete).
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class NotificationsTest : public StoreTest {
 protected:
  NotificationChannel MakeChannel(const std::string& name, ChannelKind kind = ChannelKind::kWebhook) {
    NotificationChannel channel;
    channel.name = name;
    channel.kind = kind;
    channel.config_json = R"({"format":"json"})";
    return Must(store().Write([&](WriteTx& tx) { return tx.CreateNotificationChannel(channel); }));
  }

  std::optional<NotificationDelivery> Queue(const std::string& channel_id, const std::string& key,
                                            TimePoint due) {
    NewNotificationDelivery delivery;
    delivery.channel_id = channel_id;
    delivery.alert_id = "alert-1";
    delivery.notice_key = key;
    delivery.event = DeliveryEvent::kFiring;
    delivery.payload = R"({"event":"firing"})";
    delivery.next_attempt_at = due;
    return Must(store().Write([&](WriteTx& tx) { return tx.QueueNotificationDelivery(delivery); }));
  }

  std::vector<NotificationDelivery> Claim(TimePoint now, TimePoint lease_until, int limit = 10) {
    return Must(
        store().Write([&](WriteTx& tx) { return tx.ClaimNotificationDeliveries(now, lease_until, limit); }));
  }

  NotificationDelivery Get(const std::string& id) {
    return Must(store().Read([&](ReadTx& tx) { return tx.GetNotificationDelivery(id); }));
  }
};

TEST_P(NotificationsTest, ChannelRoundTripsWithSealedBytesAndRouting) {
  NotificationChannel channel;
  channel.name = "ops";
  channel.kind = ChannelKind::kNtfy;
  channel.config_json = R"({"server_url":"https://ntfy.sh","topic":"t"})";
  channel.secret_ciphertext = {1, 2, 3};
  channel.secret_nonce = {4, 5};
  channel.alert_kinds = {"job_failed", "check_failed"};
  channel.host_globs = {"web-*"};
  channel.min_severity = AlertSeverity::kCritical;
  const auto made = Must(store().Write([&](WriteTx& tx) { return tx.CreateNotificationChannel(channel); }));
  EXPECT_EQ(made.id.size(), 26u);
  EXPECT_EQ(made.kind, ChannelKind::kNtfy);
  EXPECT_EQ(made.secret_ciphertext, channel.secret_ciphertext);
  EXPECT_EQ(made.secret_nonce, channel.secret_nonce);
  EXPECT_EQ(made.alert_kinds, channel.alert_kinds);
  EXPECT_EQ(made.host_globs, channel.host_globs);
  EXPECT_EQ(made.min_severity, AlertSeverity::kCritical);
  EXPECT_EQ(made.created_at, Now());

  Advance(seconds(5));
  auto changed = made;
  changed.name = "ops-2";
  changed.enabled = false;
  changed.secret_ciphertext.clear();
  changed.secret_nonce.clear();
  changed.alert_kinds.clear();
  const auto updated =
      Must(store().Write([&](WriteTx& tx) { return tx.UpdateNotificationChannel(changed); }));
  EXPECT_EQ(updated.name, "ops-2");
  EXPECT_FALSE(updated.enabled);
  EXPECT_TRUE(updated.secret_ciphertext.empty());
  EXPECT_TRUE(updated.alert_kinds.empty());
  EXPECT_EQ(updated.updated_at, Now());
  EXPECT_EQ(updated.created_at, made.created_at);
  EXPECT_TRUE(Must(store().Read([](ReadTx& tx) { return tx.ListEnabledNotificationChannels(); })).empty());
}

TEST_P(NotificationsTest, NamesAreUniqueAndKindsAreChecked) {
  MakeChannel("ops");
  NotificationChannel twin;
  twin.name = "ops";
  auto clash = store().Write([&](WriteTx& tx) { return tx.CreateNotificationChannel(twin); });
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, ErrorCode::kConflict);
  EXPECT_EQ(clash.error().field, "name");
  NotificationChannel half;
  half.name = "half";
  half.secret_ciphertext = {1};
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.CreateNotificationChannel(half); }).error().code,
            ErrorCode::kInvalidArgument);
  NotificationChannel bad;
  bad.name = "bad";
  bad.kind = static_cast<ChannelKind>(42);
  EXPECT_FALSE(store().Write([&](WriteTx& tx) { return tx.CreateNotificationChannel(bad); }).ok());
}

TEST_P(NotificationsTest, ListsChannelsByNameInPages) {
  for (const char* name : {"c", "a", "b"}) MakeChannel(name);
  auto first = Must(store().Read([](ReadTx& tx) { return tx.ListNotificationChannels(PageRequest{{}, 2}); }));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].name, "a");
  EXPECT_EQ(first.items[1].name, "b");
  ASSERT_FALSE(first.next_cursor.empty());
  auto second = Must(store().Read([&](ReadTx& tx) {
    return tx.ListNotificationChannels(PageRequest{first.next_cursor, 2});
  }));
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].name, "c");
  EXPECT_TRUE(second.next_cursor.empty());
}

TEST_P(NotificationsTest, OneRowPerNoticeAndChannel) {
  const auto a = MakeChannel("a");
  const auto b = MakeChannel("b");
  auto first = Queue(a.id, "alert/1/firing/1", Now());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->state, DeliveryState::kQueued);
  EXPECT_EQ(first->attempts, 0);
  EXPECT_EQ(first->alert_id, "alert-1");
  EXPECT_FALSE(Queue(a.id, "alert/1/firing/1", Now()).has_value()) << "the same notice again";
  EXPECT_TRUE(Queue(b.id, "alert/1/firing/1", Now()).has_value()) << "another channel";
  EXPECT_TRUE(Queue(a.id, "alert/1/resolved/2", Now()).has_value()) << "another notice";
  auto log =
      Must(store().Read([&](ReadTx& tx) { return tx.ListNotificationDeliveries(a.id, PageRequest{}); }));
  EXPECT_EQ(log.items.size(), 2u);
}

TEST_P(NotificationsTest, UnknownChannelIsAConstraint) {
  NewNotificationDelivery delivery;
  delivery.channel_id = "nope";
  delivery.notice_key = "k";
  delivery.payload = "{}";
  delivery.next_attempt_at = Now();
  auto queued = store().Write([&](WriteTx& tx) { return tx.QueueNotificationDelivery(delivery); });
  ASSERT_FALSE(queued.ok());
  EXPECT_EQ(queued.error().code, ErrorCode::kConstraint);
}

TEST_P(NotificationsTest, ClaimTakesDueRowsOnceUntilTheLeaseEnds) {
  const auto channel = MakeChannel("a");
  const auto due = *Queue(channel.id, "k1", Now());
  const auto later = *Queue(channel.id, "k2", Now() + minutes(5));
  const TimePoint lease = Now() + minutes(2);
  auto claimed = Claim(Now(), lease);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, due.id);
  EXPECT_EQ(claimed[0].attempts, 1);
  EXPECT_EQ(claimed[0].next_attempt_at, lease);
  EXPECT_TRUE(Claim(Now(), lease).empty()) << "leased";
  // A worker that died mid-send: after the lease the row is due again.
  auto again = Claim(lease, lease + minutes(2));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 2);
  auto both = Claim(Now() + minutes(10), Now() + minutes(12));
  EXPECT_EQ(both.size(), 2u);
  EXPECT_EQ(Get(later.id).attempts, 1);
}

TEST_P(NotificationsTest, AttemptsAreRecorded) {
  const auto channel = MakeChannel("a");
  const auto sent = *Queue(channel.id, "sent", Now());
  const auto retried = *Queue(channel.id, "retried", Now());
  const auto failed = *Queue(channel.id, "failed", Now());
  ASSERT_EQ(Claim(Now(), Now() + minutes(2)).size(), 3u);
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.RecordNotificationAttempt({sent.id, DeliveryState::kSent, Now() + seconds(1), {}, {}});
  }));
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.RecordNotificationAttempt(
        {retried.id, DeliveryState::kQueued, Now(), Now() + seconds(30), "HTTP 500"});
  }));
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.RecordNotificationAttempt({failed.id, DeliveryState::kFailed, Now(), {}, "gave up: HTTP 404"});
  }));
  EXPECT_EQ(Get(sent.id).state, DeliveryState::kSent);
  EXPECT_EQ(Get(sent.id).sent_at, Now() + seconds(1));
  EXPECT_EQ(Get(retried.id).state, DeliveryState::kQueued);
  EXPECT_EQ(Get(retried.id).next_attempt_at, Now() + seconds(30));
  EXPECT_EQ(Get(retried.id).last_error, "HTTP 500");
  EXPECT_EQ(Get(failed.id).state, DeliveryState::kFailed);
  EXPECT_EQ(Get(failed.id).last_error, "gave up: HTTP 404");
  // A finished delivery is not claimed again, nor recorded twice.
  EXPECT_TRUE(Claim(Now() + hours(1), Now() + hours(2)).size() == 1u);
  auto twice = store().Write([&](WriteTx& tx) {
    return tx.RecordNotificationAttempt({sent.id, DeliveryState::kSent, Now(), {}, {}});
  });
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::kConflict);
}

TEST_P(NotificationsTest, LogIsNewestFirstInPagesAndPrunedAndCascaded) {
  const auto channel = MakeChannel("a");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(Queue(channel.id, "k" + std::to_string(i), Now())->id);
    Advance(seconds(1));
  }
  auto first = Must(store().Read([&](ReadTx& tx) {
    return tx.ListNotificationDeliveries(channel.id, PageRequest{{}, 2});
  }));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].id, ids[2]);
  EXPECT_EQ(first.items[1].id, ids[1]);
  auto second = Must(store().Read([&](ReadTx& tx) {
    return tx.ListNotificationDeliveries(channel.id, PageRequest{first.next_cursor, 2});
  }));
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].id, ids[0]);

  ASSERT_EQ(Claim(Now(), Now() + minutes(1), 1).size(), 1u);  // the oldest
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.RecordNotificationAttempt({ids[0], DeliveryState::kSent, Now(), {}, {}});
  }));
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.PruneNotificationDeliveries(Now()); })), 1);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.PruneNotificationDeliveries(Now()); })), 0)
      << "queued rows stay";
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteNotificationChannel(channel.id); }));
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetNotificationDelivery(ids[1]); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.DeleteNotificationChannel(channel.id); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(NotificationsTest, QueuedDeliveriesSurviveAReopen) {
  const auto channel = MakeChannel("a");
  const auto queued = *Queue(channel.id, "k", Now());
  Reopen();
  auto claimed = Claim(Now(), Now() + minutes(1));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].id, queued.id);
  EXPECT_EQ(claimed[0].payload, queued.payload);
}

INSTANTIATE_TEST_SUITE_P(store, NotificationsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing
