#pragma once
// Record types of notification delivery (issue 11, "Notification
// channels"): the closed sets a channel and a delivery are made of, spelled
// once here in the protocol vocabulary's style (Spell / ToString /
// FromString), and the channel and delivery records. Every value is
// server-only. The store keeps the names in CHECK lists, the REST API
// answers them; server/store/vocabulary_test.cpp checks both against these.
// Thread safety: value types and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/protocol/enums.h"
#include "common/util/time_format.h"
#include "server/store/alert_types.h"

namespace rmgr::store {

//! How a channel delivers.
enum class ChannelKind {
  kWebhook,       ///< "webhook": POST a JSON body (generic, or a Slack / Mattermost / Discord preset).
  kNtfy,          ///< "ntfy": publish to an ntfy topic.
  kEmail,         ///< "email": SMTP mail through libcurl.
  kHealthchecks,  ///< "healthchecks": healthchecks.io-style start / success / fail pings per backup.
};

//! Where a delivery is.
enum class DeliveryState {
  kQueued,  ///< "queued": waiting for its next attempt.
  kSent,    ///< "sent": the channel accepted it.
  kFailed,  ///< "failed": given up after the last attempt.
};

//! What a delivery tells.
enum class DeliveryEvent {
  kFiring,    ///< "firing": an alert fired.
  kReminder,  ///< "reminder": an alert is still firing.
  kResolved,  ///< "resolved": an alert resolved.
  kTest,      ///< "test": a test message asked for by an admin.
  kStart,     ///< "start": a routed backup started (healthchecks).
  kSuccess,   ///< "success": it succeeded (healthchecks).
  kFail,      ///< "fail": it failed, was partial, lost or interrupted (healthchecks).
};

//! The body a webhook channel posts.
enum class WebhookFormat {
  kJson,        ///< "json": the documented restic-manager body.
  kSlack,       ///< "slack": {"text": ...}.
  kMattermost,  ///< "mattermost": {"text": ...}.
  kDiscord,     ///< "discord": {"content": ...}.
};

//! Name and reach of a channel kind (server only).
constexpr protocol::Spelling Spell(ChannelKind value) {
  using protocol::Reach;
  switch (value) {
    case ChannelKind::kWebhook:
      return {"webhook", Reach::kServerOnly};
    case ChannelKind::kNtfy:
      return {"ntfy", Reach::kServerOnly};
    case ChannelKind::kEmail:
      return {"email", Reach::kServerOnly};
    case ChannelKind::kHealthchecks:
      return {"healthchecks", Reach::kServerOnly};
  }
  return {};
}

//! Name and reach of a delivery state (server only).
constexpr protocol::Spelling Spell(DeliveryState value) {
  using protocol::Reach;
  switch (value) {
    case DeliveryState::kQueued:
      return {"queued", Reach::kServerOnly};
    case DeliveryState::kSent:
      return {"sent", Reach::kServerOnly};
    case DeliveryState::kFailed:
      return {"failed", Reach::kServerOnly};
  }
  return {};
}

//! Name and reach of a delivery event (server only).
constexpr protocol::Spelling Spell(DeliveryEvent value) {
  using protocol::Reach;
  switch (value) {
    case DeliveryEvent::kFiring:
      return {"firing", Reach::kServerOnly};
    case DeliveryEvent::kReminder:
      return {"reminder", Reach::kServerOnly};
    case DeliveryEvent::kResolved:
      return {"resolved", Reach::kServerOnly};
    case DeliveryEvent::kTest:
      return {"test", Reach::kServerOnly};
    case DeliveryEvent::kStart:
      return {"start", Reach::kServerOnly};
    case DeliveryEvent::kSuccess:
      return {"success", Reach::kServerOnly};
    case DeliveryEvent::kFail:
      return {"fail", Reach::kServerOnly};
  }
  return {};
}

//! Name and reach of a webhook format (server only).
constexpr protocol::Spelling Spell(WebhookFormat value) {
  using protocol::Reach;
  switch (value) {
    case WebhookFormat::kJson:
      return {"json", Reach::kServerOnly};
    case WebhookFormat::kSlack:
      return {"slack", Reach::kServerOnly};
    case WebhookFormat::kMattermost:
      return {"mattermost", Reach::kServerOnly};
    case WebhookFormat::kDiscord:
      return {"discord", Reach::kServerOnly};
  }
  return {};
}

//! One notification channel. The kind's plain fields are JSON in
//! config_json; its secret fields are one JSON object sealed with the server
//! key (both empty when it has none) — the store never sees them in clear.
struct NotificationChannel {
  std::string id;                            ///< ULID (assigned on create when empty).
  ChannelKind kind = ChannelKind::kWebhook;  ///< How it delivers.
  std::string name;                          ///< Unique display name.
  std::string config_json = "{}";            ///< The kind's fields that are not secret.
  bool enabled = true;                       ///< Disabled channels get nothing queued.
  std::vector<uint8_t> secret_ciphertext;    ///< Sealed secret fields; empty for none.
  std::vector<uint8_t> secret_nonce;         ///< Nonce they were sealed with.
  std::vector<std::string> alert_kinds;      ///< Routed alert kind names; empty = all.
  std::vector<std::string> host_globs;       ///< Routed host name globs (fnmatch); empty = all.
  std::string host_selector;                 ///< Routed hosts by label (labels::Selector); empty = all.
  AlertSeverity min_severity = AlertSeverity::kWarning;  ///< Least severity sent.
  TimePoint created_at;                                  ///< Set by the store.
  TimePoint updated_at;                                  ///< Set by the store.
};

//! A delivery to queue.
struct NewNotificationDelivery {
  std::string channel_id;                        ///< Where it goes.
  std::optional<std::string> alert_id;           ///< The alert it tells of; none for tests and pings.
  std::string notice_key;                        ///< Names the notice; unique per channel.
  DeliveryEvent event = DeliveryEvent::kFiring;  ///< What it tells.
  std::string payload;                           ///< Rendered body (kind-specific, never a secret).
  TimePoint next_attempt_at;                     ///< First attempt at (usually now).
  int64_t attempts = 0;  ///< Attempts already started (1 for one sent at once, leased).
};

//! One delivery of one notice to one channel, and its log.
struct NotificationDelivery {
  std::string id;                                ///< ULID.
  std::string channel_id;                        ///< Where it goes.
  std::optional<std::string> alert_id;           ///< The alert, when it tells of one.
  std::string notice_key;                        ///< Names the notice; unique per channel.
  DeliveryEvent event = DeliveryEvent::kFiring;  ///< What it tells.
  std::string payload;                           ///< Rendered body.
  DeliveryState state = DeliveryState::kQueued;  ///< Where it is.
  int64_t attempts = 0;                          ///< Attempts started (claimed) so far.
  TimePoint next_attempt_at;                     ///< When it is next due (while queued).
  std::string last_error;                        ///< Why the last attempt failed; "" after success.
  TimePoint created_at;                          ///< Queued at.
  std::optional<TimePoint> sent_at;              ///< When the channel accepted it.
};

//! The outcome of one attempt, as the worker records it.
struct NotificationAttempt {
  std::string id;                              ///< The delivery.
  DeliveryState state = DeliveryState::kSent;  ///< kSent, kQueued (retry at next_attempt_at) or kFailed.
  TimePoint at;                                ///< When the attempt ended (sent_at for kSent).
  TimePoint next_attempt_at;                   ///< For kQueued: when to try again.
  std::string error;                           ///< For kQueued / kFailed: why (never a secret).
};

}  // namespace rmgr::store
