// SqliteTx: notification channels and their delivery queue (0009_notifications.sql).
#include <algorithm>
#include <string>
#include <tuple>

#include "common/util/ulid.h"
#include "server/store/page_cursor.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kChannelListing = "notification_channels";
constexpr std::string_view kDeliveryListing = "notification_deliveries";

constexpr std::string_view kSelectChannels =
    "SELECT id, kind, name, config, enabled, secret_ciphertext, secret_nonce, alert_kinds, host_globs,"
    " min_severity, created_at, updated_at, host_selector FROM notification_channels";
constexpr std::string_view kSelectDeliveries =
    "SELECT id, channel_id, alert_id, notice_key, event, payload, state, attempts, next_attempt_at, "
    "last_error,"
    " created_at, sent_at FROM notification_deliveries";

NotificationChannel MapChannel(Row& row) {
  NotificationChannel channel;
  channel.id = row.Text(0);
  channel.kind = row.Enum<ChannelKind>(1);
  channel.name = row.Text(2);
  channel.config_json = row.Text(3);
  channel.enabled = row.Bool(4);
  channel.secret_ciphertext = row.Blob(5);
  channel.secret_nonce = row.Blob(6);
  channel.alert_kinds = row.StringList(7);
  channel.host_globs = row.StringList(8);
  channel.min_severity = row.Enum<AlertSeverity>(9);
  channel.created_at = row.Time(10);
  channel.updated_at = row.Time(11);
  channel.host_selector = row.Text(12);
  return channel;
}

NotificationDelivery MapDelivery(Row& row) {
  NotificationDelivery delivery;
  delivery.id = row.Text(0);
  delivery.channel_id = row.Text(1);
  delivery.alert_id = row.OptText(2);
  delivery.notice_key = row.Text(3);
  delivery.event = row.Enum<DeliveryEvent>(4);
  delivery.payload = row.Text(5);
  delivery.state = row.Enum<DeliveryState>(6);
  delivery.attempts = row.Int(7);
  delivery.next_attempt_at = row.Time(8);
  delivery.last_error = row.Text(9);
  delivery.created_at = row.Time(10);
  delivery.sent_at = row.OptTime(11);
  return delivery;
}

// NULL for "no secret", so a channel without one is plainly visible in the table.
std::optional<std::vector<uint8_t>> NullIfNoBytes(const std::vector<uint8_t>& bytes) {
  if (bytes.empty()) return std::nullopt;
  return bytes;
}

Result<void> CheckChannel(const NotificationChannel& channel) {
  if (channel.name.empty()) return MakeError(ErrorCode::kInvalidArgument, "name must not be empty", "name");
  if (channel.secret_ciphertext.empty() != channel.secret_nonce.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a sealed secret needs both ciphertext and nonce",
                     "secret");
  }
  if (auto selector = labels::Selector::Parse(channel.host_selector); !selector.ok()) return selector.error();
  return Ok();
}

template <class T>
Result<T> NameConflict(Result<T> result) {
  if (result.ok() || result.error().code != ErrorCode::kConflict || result.error().field != "name")
    return result;
  return MakeError(ErrorCode::kConflict, "a notification channel with this name already exists", "name");
}

}  // namespace

// ----------------------------------------------------------------- reads --

Result<NotificationChannel> SqliteTx::GetNotificationChannel(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectChannels, " WHERE id = ?");
  return QueryOne<NotificationChannel>(conn_, "notification channel", kSql, MapChannel, id);
}

Result<Page<NotificationChannel>> SqliteTx::ListNotificationChannels(const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kChannelListing, 1);
    if (!after.ok()) return after.error();
    where.And("name > ?", std::move(after->front()));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectChannels, where.sql() + " ORDER BY name LIMIT ?");
  auto rows = QueryAllBound<NotificationChannel>(conn_, sql, where.values(), MapChannel);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kChannelListing,
                  [](const NotificationChannel& channel) { return std::vector<std::string>{channel.name}; });
}

Result<std::vector<NotificationChannel>> SqliteTx::ListEnabledNotificationChannels() {
  static const std::string kSql = JoinSql(kSelectChannels, " WHERE enabled = 1 ORDER BY name");
  return QueryAll<NotificationChannel>(conn_, kSql, MapChannel);
}

Result<NotificationDelivery> SqliteTx::GetNotificationDelivery(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectDeliveries, " WHERE id = ?");
  return QueryOne<NotificationDelivery>(conn_, "notification delivery", kSql, MapDelivery, id);
}

Result<Page<NotificationDelivery>> SqliteTx::ListNotificationDeliveries(std::string_view channel_id,
                                                                        const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  where.And("channel_id = ?", std::string(channel_id));
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kDeliveryListing, 2);
    if (!after.ok()) return after.error();
    auto created_ms = CursorInt((*after)[0]);
    if (!created_ms.ok()) return created_ms.error();
    where.And("(created_at, id) < (?, ?)", *created_ms, std::move((*after)[1]));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql =
      JoinSql(kSelectDeliveries, where.sql() + " ORDER BY created_at DESC, id DESC LIMIT ?");
  auto rows = QueryAllBound<NotificationDelivery>(conn_, sql, where.values(), MapDelivery);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kDeliveryListing, [](const NotificationDelivery& delivery) {
    return std::vector<std::string>{std::to_string(ToUnixMs(delivery.created_at)), delivery.id};
  });
}

// ---------------------------------------------------------------- writes --

Result<NotificationChannel> SqliteTx::CreateNotificationChannel(const NotificationChannel& channel) {
  if (auto ok = CheckChannel(channel); !ok.ok()) return ok.error();
  const TimePoint now = Now();
  const std::string id = channel.id.empty() ? NewUlid(now) : channel.id;
  auto inserted = NameConflict(Execute(
      conn_,
      "INSERT INTO notification_channels (id, kind, name, config, enabled, secret_ciphertext, secret_nonce,"
      " alert_kinds, host_globs, host_selector, min_severity, created_at, updated_at)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      id, channel.kind, channel.name, channel.config_json, channel.enabled,
      NullIfNoBytes(channel.secret_ciphertext), NullIfNoBytes(channel.secret_nonce),
      EncodeStringList(channel.alert_kinds), EncodeStringList(channel.host_globs), channel.host_selector,
      channel.min_severity, now, now));
  if (!inserted.ok()) return inserted.error();
  return GetNotificationChannel(id);
}

Result<NotificationChannel> SqliteTx::UpdateNotificationChannel(const NotificationChannel& channel) {
  if (auto ok = CheckChannel(channel); !ok.ok()) return ok.error();
  auto changed = NameConflict(Execute(
      conn_,
      "UPDATE notification_channels SET name = ?, config = ?, enabled = ?, secret_ciphertext = ?, "
      "secret_nonce = ?,"
      " alert_kinds = ?, host_globs = ?, host_selector = ?, min_severity = ?, updated_at = ? WHERE id = ?",
      channel.name, channel.config_json, channel.enabled, NullIfNoBytes(channel.secret_ciphertext),
      NullIfNoBytes(channel.secret_nonce), EncodeStringList(channel.alert_kinds),
      EncodeStringList(channel.host_globs), channel.host_selector, channel.min_severity, Now(), channel.id));
  if (auto found = RequireChanged(changed, "notification channel"); !found.ok()) return found.error();
  return GetNotificationChannel(channel.id);
}

Result<void> SqliteTx::DeleteNotificationChannel(std::string_view id) {
  return RequireChanged(Execute(conn_, "DELETE FROM notification_channels WHERE id = ?", id),
                        "notification channel");
}

Result<std::optional<NotificationDelivery>> SqliteTx::QueueNotificationDelivery(
    const NewNotificationDelivery& delivery) {
  if (delivery.notice_key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "notice key must not be empty", "notice_key");
  }
  const TimePoint now = Now();
  const std::string id = NewUlid(now);
  auto inserted =
      Execute(conn_,
              "INSERT INTO notification_deliveries (id, channel_id, alert_id, notice_key, event, payload,"
              " next_attempt_at, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
              " ON CONFLICT (channel_id, notice_key) DO NOTHING",
              id, delivery.channel_id, delivery.alert_id, delivery.notice_key, delivery.event,
              delivery.payload, TruncateToMs(delivery.next_attempt_at), delivery.attempts, now);
  if (!inserted.ok()) return inserted.error();
  if (*inserted == 0) return std::optional<NotificationDelivery>{};
  auto stored = GetNotificationDelivery(id);
  if (!stored.ok()) return stored.error();
  return std::optional<NotificationDelivery>(std::move(*stored));
}

Result<std::vector<NotificationDelivery>> SqliteTx::ClaimNotificationDeliveries(TimePoint now,
                                                                                TimePoint lease_until,
                                                                                int limit) {
  if (limit < 1) return std::vector<NotificationDelivery>{};
  // One statement: the write lock is held, so no other claim can interleave.
  static const std::string kSql = std::string(
      "UPDATE notification_deliveries SET attempts = attempts + 1, next_attempt_at = ?"
      " WHERE id IN (SELECT id FROM notification_deliveries WHERE state = 'queued' AND next_attempt_at <= ?"
      " ORDER BY next_attempt_at, id LIMIT ?)"
      " RETURNING id, channel_id, alert_id, notice_key, event, payload, state, attempts, next_attempt_at,"
      " last_error, created_at, sent_at");
  auto claimed = QueryAll<NotificationDelivery>(conn_, kSql, MapDelivery, TruncateToMs(lease_until),
                                                TruncateToMs(now), int64_t{limit});
  if (!claimed.ok()) return claimed.error();
  std::sort(claimed->begin(), claimed->end(),
            [](const NotificationDelivery& a, const NotificationDelivery& b) {
              return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
            });
  return claimed;
}

Result<void> SqliteTx::RecordNotificationAttempt(const NotificationAttempt& attempt) {
  auto current = GetNotificationDelivery(attempt.id);
  if (!current.ok()) return current.error();
  if (current->state != DeliveryState::kQueued) {
    return MakeError(ErrorCode::kConflict, "the delivery is no longer queued", "state");
  }
  const TimePoint at = TruncateToMs(attempt.at);
  Result<int64_t> changed = int64_t{0};
  switch (attempt.state) {
    case DeliveryState::kSent:
      changed = Execute(conn_,
                        "UPDATE notification_deliveries SET state = 'sent', sent_at = ?, last_error = ''"
                        " WHERE id = ?",
                        at, attempt.id);
      break;
    case DeliveryState::kQueued:
      changed = Execute(conn_,
                        "UPDATE notification_deliveries SET next_attempt_at = ?, last_error = ? WHERE id = ?",
                        TruncateToMs(attempt.next_attempt_at), attempt.error, attempt.id);
      break;
    case DeliveryState::kFailed:
      changed =
          Execute(conn_,
                  "UPDATE notification_deliveries SET state = 'failed', next_attempt_at = ?, last_error = ?"
                  " WHERE id = ?",
                  at, attempt.error, attempt.id);
      break;
  }
  return RequireChanged(changed, "notification delivery");
}

Result<int64_t> SqliteTx::PruneNotificationDeliveries(TimePoint before) {
  return Execute(conn_, "DELETE FROM notification_deliveries WHERE state <> 'queued' AND created_at < ?",
                 TruncateToMs(before));
}

}  // namespace rmgr::store::sqlite
