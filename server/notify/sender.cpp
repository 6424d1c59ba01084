#include "server/notify/sender.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <ctime>

namespace rmgr::server::notify {
namespace {

namespace json = boost::json;

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const unsigned n =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string Field(const json::object& obj, std::string_view key) {
  const auto* value = obj.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->as_string());
}

Result<json::object> Payload(const store::NotificationDelivery& delivery) {
  boost::system::error_code ec;
  json::value value = json::parse(delivery.payload, ec);
  if (ec || !value.is_object())
    return MakeError(ErrorCode::kInternal, "the stored payload is not a JSON object");
  return std::move(value.as_object());
}

std::string Rfc5322Date(TimePoint when) {
  const std::time_t t = Clock::to_time_t(std::chrono::time_point_cast<Clock::duration>(when));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

std::string Encoded(std::string_view text) {
  return boost::urls::encode(text, boost::urls::unreserved_chars);
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string HeaderText(std::string_view text) {
  std::string line;
  bool ascii = true;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      line += ' ';
    } else {
      if (u >= 0x80) ascii = false;
      line += c;
    }
  }
  if (ascii) return line;
  return "=?UTF-8?B?" + Base64(line) + "?=";
}

std::string BuildMail(const ChannelFields& fields, const std::string& subject, const std::string& text,
                      const std::string& message_id, TimePoint date) {
  std::string to;
  for (const auto& address : fields.to) to += (to.empty() ? "" : ", ") + address;
  std::string mail;
  mail += "Date: " + Rfc5322Date(date) + "\r\n";
  mail += "From: restic-manager <" + fields.from + ">\r\n";
  mail += "To: " + to + "\r\n";
  mail += "Subject: " + HeaderText(subject) + "\r\n";
  mail += "Message-ID: <" + message_id + ">\r\n";
  mail += "MIME-Version: 1.0\r\n";
  mail += "Content-Type: text/plain; charset=utf-8\r\n";
  mail += "Content-Transfer-Encoding: 8bit\r\n";
  mail += "\r\n";
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    mail.append(line);
    mail += "\r\n";
    start = end + 1;
  }
  return mail;
}

std::string PingUrl(std::string_view url_template, std::string_view schedule_id,
                    std::string_view schedule_name, std::string_view host_name, std::string_view path) {
  std::string url(url_template);
  ReplaceAll(url, "{schedule_id}", Encoded(schedule_id));
  ReplaceAll(url, "{schedule_name}", Encoded(schedule_name));
  ReplaceAll(url, "{host_name}", Encoded(host_name));
  const size_t query = std::min(url.find('?'), url.find('#'));
  std::string head = url.substr(0, query);
  const std::string tail = query == std::string::npos ? std::string() : url.substr(query);
  while (!path.empty() && !head.empty() && head.back() == '/') head.pop_back();
  return head + std::string(path) + tail;
}

Result<void> SendDelivery(const store::NotificationChannel& channel, const ChannelFields& fields,
                          const store::NotificationDelivery& delivery, const TransportSettings& settings,
                          TimePoint now) {
  switch (channel.kind) {
    case store::ChannelKind::kWebhook: {
      HttpPost post;
      post.url = fields.url;
      post.body = delivery.payload;
      if (!fields.header_name.empty()) post.headers.emplace_back(fields.header_name, fields.header_value);
      return PostHttp(post, settings);
    }
    case store::ChannelKind::kNtfy: {
      auto payload = Payload(delivery);
      if (!payload) return payload.error();
      std::string server = fields.server_url;
      while (!server.empty() && server.back() == '/') server.pop_back();
      HttpPost post;
      post.url = server + "/" + fields.topic;
      post.content_type = "text/plain; charset=utf-8";
      post.body = Field(*payload, "message");
      post.headers.emplace_back("Title", HeaderText(Field(*payload, "title")));
      std::string tags;
      if (const auto* list = payload->if_contains("tags"); list != nullptr && list->is_array()) {
        for (const auto& tag : list->as_array()) {
          if (tag.is_string()) tags += (tags.empty() ? "" : ",") + std::string(tag.as_string());
        }
      }
      if (!tags.empty()) post.headers.emplace_back("Tags", HeaderText(tags));
      if (const auto* priority = payload->if_contains("priority");
          priority != nullptr && priority->is_int64()) {
        post.headers.emplace_back("Priority", std::to_string(priority->as_int64()));
      }
      if (!fields.token.empty()) post.headers.emplace_back("Authorization", "Bearer " + fields.token);
      return PostHttp(post, settings);
    }
    case store::ChannelKind::kEmail: {
      auto payload = Payload(delivery);
      if (!payload) return payload.error();
      MailSubmission mail;
      mail.smtp_url = fields.smtp_url;
      mail.require_tls = fields.require_tls;
      mail.username = fields.username;
      mail.password = schema::Secret(fields.password);
      mail.from = fields.from;
      mail.to = fields.to;
      mail.message = BuildMail(fields, Field(*payload, "subject"), Field(*payload, "text"),
                               delivery.id + "@restic-manager", now);
      return SendMail(mail, settings);
    }
    case store::ChannelKind::kHealthchecks: {
      auto payload = Payload(delivery);
      if (!payload) return payload.error();
      HttpPost post;
      post.url = PingUrl(fields.url, Field(*payload, "schedule_id"), Field(*payload, "schedule_name"),
                         Field(*payload, "host_name"), Field(*payload, "path"));
      post.content_type = "text/plain; charset=utf-8";
      post.body = Field(*payload, "text");
      return PostHttp(post, settings);
    }
  }
  return MakeError(ErrorCode::kInternal, "unknown channel kind");
}

}  // namespace rmgr::server::notify
