#pragma once
// ChannelFields: everything a notification channel is configured with, in
// clear, and how it is kept. The plain fields go to the channel's config
// JSON; the secret ones (a webhook's URL and header value, an ntfy token, an
// SMTP password, a healthchecks ping URL) go, as one JSON object, into the
// secret sealed with the server key — never into the config, a log line, an
// audit entry or an API answer. One struct for every kind: each kind uses
// its own fields (ValidateFields says which; KindOfField names the owner).
// Thread safety: value types and pure functions (SecretBox is thread-safe).

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "server/store/notification_types.h"
#include "server/store/store_types.h"

namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::notify {

//! A channel's fields in clear.
struct ChannelFields {
  std::string url;  ///< webhook target, healthchecks ping URL template (secret).
  store::WebhookFormat format = store::WebhookFormat::kJson;  ///< webhook body preset.
  std::string header_name;                ///< webhook: optional extra header (e.g. Authorization).
  std::string header_value;               ///< webhook: its value (secret).
  std::string server_url;                 ///< ntfy server, e.g. https://ntfy.sh.
  std::string topic;                      ///< ntfy topic.
  int priority = 4;                       ///< ntfy priority (1..5) of firing warnings.
  std::string token;                      ///< ntfy access token (secret).
  std::string smtp_url;                   ///< email: smtp://host:587 or smtps://host:465.
  bool require_tls = true;                ///< email over smtp://: STARTTLS required (else tried).
  std::string username;                   ///< email: SMTP user; empty: no AUTH.
  std::string password;                   ///< email: SMTP password (secret).
  std::string from;                       ///< email: sender address.
  std::vector<std::string> to;            ///< email: recipient addresses.
  std::vector<std::string> schedule_ids;  ///< healthchecks: pinged schedules; empty = all.
};

//! The kind that owns a body field name ("url" is shared by webhook and
//! healthchecks: both returned), empty for a field no kind has.
std::vector<store::ChannelKind> KindsOfField(std::string_view field);

//! Required fields and their shapes for `kind`: URLs http(s) for webhook,
//! ntfy and healthchecks, smtp(s) for email; errors name the field.
Result<void> ValidateFields(store::ChannelKind kind, const ChannelFields& fields);

//! Puts the plain fields of `kind` into channel.config_json and seals the
//! secret ones into channel.secret_* (cleared when there are none).
void StoreFields(const auth::SecretBox& box, const ChannelFields& fields,
                 store::NotificationChannel& channel);

//! The fields of a stored channel, its secret opened; kInternal when the
//! secret cannot be opened (another server key) or the config is not the
//! kind's.
Result<ChannelFields> LoadFields(const auth::SecretBox& box, const store::NotificationChannel& channel);

//! The plain fields of a stored channel (secret fields left empty): what
//! routing and rendering need, without opening the secret.
ChannelFields PlainFields(const store::NotificationChannel& channel);

//! The plain fields of a stored channel as answered by the API (no secret;
//! "url_hint" shows the scheme and host of a secret URL).
boost::json::object PublicConfig(const store::NotificationChannel& channel);

//! "https://hooks.example.com/…": scheme and authority without user info, the rest elided.
std::string UrlHint(std::string_view url);

//! True for an absolute http:// or https:// URL with a host.
bool IsHttpUrl(std::string_view url);
//! True for an absolute smtp:// or smtps:// URL with a host.
bool IsSmtpUrl(std::string_view url);

}  // namespace rmgr::server::notify
