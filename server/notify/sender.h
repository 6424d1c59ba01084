#pragma once
// SendDelivery: turns a stored delivery and its channel (secret opened)
// into the request the channel's kind needs and sends it through the
// Transport: the webhook body to its URL (with the optional secret header),
// the ntfy message to server/topic with title, tags, priority and the token
// as Bearer, the mail (Date, Message-ID, Subject headers) over SMTP, the
// healthchecks ping to the expanded URL + /start, /fail or nothing.
// Thread safety: pure function plus network I/O; callable from any thread.

#include <string>

#include "common/result.h"
#include "server/notify/channel_fields.h"
#include "server/notify/transport.h"
#include "server/store/notification_types.h"

namespace rmgr::server::notify {

//! Sends `delivery` through `channel` configured with `fields` (secret fields in clear).
Result<void> SendDelivery(const store::NotificationChannel& channel, const ChannelFields& fields,
                          const store::NotificationDelivery& delivery, const TransportSettings& settings,
                          TimePoint now);

//! The mail message of an email delivery (headers and CRLF body), for `fields`.
std::string BuildMail(const ChannelFields& fields, const std::string& subject, const std::string& text,
                      const std::string& message_id, TimePoint date);

//! `text` as a header value: one line of ASCII, RFC 2047 encoded when it is not plain ASCII.
std::string HeaderText(std::string_view text);

//! The healthchecks ping URL: `url_template` with {schedule_id}, {schedule_name} and {host_name}
//! replaced (percent-encoded) and `path` ("/start", "/fail" or "") appended before any query.
std::string PingUrl(std::string_view url_template, std::string_view schedule_id,
                    std::string_view schedule_name, std::string_view host_name, std::string_view path);

}  // namespace rmgr::server::notify
