#pragma once
// What a delivery says, rendered when it is queued (docs/api-contract.md
// "Notification payloads"): the webhook body (the restic-manager JSON, or the
// Slack / Mattermost / Discord preset), the ntfy title / tags / priority /
// message, the mail's subject and text, the healthchecks ping's path and
// log text. The payload is stored with the delivery and never holds a
// secret; the sender adds those (URLs, tokens, passwords) from the channel.
// Thread safety: pure functions.

#include <string>

#include "server/alerts/alert_notice.h"
#include "server/notify/channel_fields.h"
#include "server/store/notification_types.h"
#include "server/store/store_types.h"

namespace rmgr::server::notify {

//! What every payload may mention besides its notice.
struct RenderContext {
  std::string server_url;  ///< The server's public URL ("" when not configured).
  TimePoint now;           ///< When the notice is queued (the body's sent_at).
};

//! The delivery event of an alert notice.
store::DeliveryEvent EventOf(alerts::NoticeEvent event);

//! The payload telling `notice` through `channel` (webhook, ntfy or email).
std::string RenderAlert(const store::NotificationChannel& channel, const alerts::AlertNotice& notice,
                        const RenderContext& context);

//! The payload of a test message through `channel` (any kind).
std::string RenderTest(const store::NotificationChannel& channel, const RenderContext& context);

//! The ping a backup job's change is for a healthchecks channel: start
//! (running), success (succeeded), fail (failed, partial, lost,
//! interrupted); nullopt for anything else (other kinds, no schedule,
//! queued, dispatched, cancelled).
std::optional<store::DeliveryEvent> PingEventOf(const store::Job& job);

//! The payload of a healthchecks ping: {"path","schedule_id","schedule_name","host_name","text"}.
std::string RenderPing(store::DeliveryEvent event, const store::Job& job, const std::string& host_name,
                       const std::string& schedule_name);

//! One line for chat presets and notifications: "[FIRING] job_failed (critical) on laptop: …".
std::string SummaryLine(store::DeliveryEvent event, const store::Alert& alert);

//! True when `channel` (enabled, not healthchecks) takes alerts like `alert`
//! about a host labelled `host_labels`: its kind, at least the channel's
//! severity, and a host the channel picks (HostRouted).
bool RoutesAlert(const store::NotificationChannel& channel, const store::Alert& alert,
                 const labels::Labels& host_labels);

//! True when the channel picks this host: its name matches one of the
//! channel's globs (fnmatch; no globs: every name) and its labels match the
//! channel's selector (empty: every host). A selector that no longer parses
//! picks no host: a channel never hears more than it asked for.
bool HostRouted(const store::NotificationChannel& channel, const std::string& host_name,
                const labels::Labels& host_labels);

}  // namespace rmgr::server::notify
