#include "server/notify/channel_fields.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>

#include "server/auth/secret_box.h"

namespace rmgr::server::notify {
namespace {

namespace json = boost::json;
using store::ChannelKind;

Error Invalid(std::string message, std::string field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}

bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// A bare address: local@domain, nothing a header or an SMTP command could be bent with.
bool IsMailAddress(std::string_view text) {
  const auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size() || text.size() > 254) return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' ||
           c == ';' || c == '"' || c == '(' || c == ')';
  });
}

bool HasScheme(std::string_view url, std::initializer_list<std::string_view> schemes) {
  if (url.empty() || HasControl(url) || url.find(' ') != std::string_view::npos) return false;
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed || !parsed->has_authority() || parsed->host().empty()) return false;
  const std::string scheme(parsed->scheme());
  return std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
}

std::string Text(const json::object& obj, std::string_view key) {
  const auto* value = obj.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->as_string());
}

std::vector<std::string> Texts(const json::object& obj, std::string_view key) {
  std::vector<std::string> out;
  const auto* value = obj.if_contains(key);
  if (value == nullptr || !value->is_array()) return out;
  for (const auto& item : value->as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

json::array Array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

}  // namespace

std::vector<ChannelKind> KindsOfField(std::string_view field) {
  if (field == "url") return {ChannelKind::kWebhook, ChannelKind::kHealthchecks};
  if (field == "format" || field == "header_name" || field == "header_value") return {ChannelKind::kWebhook};
  if (field == "server_url" || field == "topic" || field == "priority" || field == "token")
    return {ChannelKind::kNtfy};
  if (field == "smtp_url" || field == "require_tls" || field == "username" || field == "password" ||
      field == "from" || field == "to") {
    return {ChannelKind::kEmail};
  }
  if (field == "schedule_ids") return {ChannelKind::kHealthchecks};
  return {};
}

Result<void> ValidateFields(ChannelKind kind, const ChannelFields& fields) {
  switch (kind) {
    case ChannelKind::kWebhook:
      if (!IsHttpUrl(fields.url)) return Invalid("url must be an http:// or https:// URL", "url");
      if (fields.header_name.empty() != fields.header_value.empty()) {
        return Invalid("header_name and header_value go together", "header_value");
      }
      if (!fields.header_name.empty()) {
        const bool token = std::all_of(fields.header_name.begin(), fields.header_name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
        });
        if (!token)
          return Invalid("header_name must be a header name (letters, digits, - and _)", "header_name");
        if (HasControl(fields.header_value)) return Invalid("header_value must be one line", "header_value");
      }
      return Ok();
    case ChannelKind::kNtfy:
      if (!IsHttpUrl(fields.server_url))
        return Invalid("server_url must be an http:// or https:// URL", "server_url");
      if (fields.topic.empty() || fields.topic.size() > 64 ||
          !std::all_of(fields.topic.begin(), fields.topic.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
          })) {
        return Invalid("topic must be 1..64 letters, digits, - or _", "topic");
      }
      if (fields.priority < 1 || fields.priority > 5) return Invalid("priority must be 1..5", "priority");
      if (HasControl(fields.token)) return Invalid("token must be one line", "token");
      return Ok();
    case ChannelKind::kEmail:
      if (!IsSmtpUrl(fields.smtp_url))
        return Invalid("smtp_url must be an smtp:// or smtps:// URL", "smtp_url");
      if (HasControl(fields.username)) return Invalid("username must be one line", "username");
      if (!fields.password.empty() && fields.username.empty()) {
        return Invalid("a password needs a username", "username");
      }
      if (!IsMailAddress(fields.from)) return Invalid("from must be a mail address (local@domain)", "from");
      if (fields.to.empty()) return Invalid("to must name at least one recipient", "to");
      for (size_t i = 0; i < fields.to.size(); ++i) {
        if (!IsMailAddress(fields.to[i])) {
          return Invalid("to must hold mail addresses (local@domain)", "to[" + std::to_string(i) + "]");
        }
      }
      return Ok();
    case ChannelKind::kHealthchecks: {
      // The placeholders are checked as the values they become.
      std::string url = fields.url;
      for (const std::string_view placeholder : {"{schedule_id}", "{schedule_name}", "{host_name}"}) {
        for (size_t at = url.find(placeholder); at != std::string::npos; at = url.find(placeholder)) {
          url.replace(at, placeholder.size(), "x");
        }
      }
      if (!IsHttpUrl(url)) {
        return Invalid(
            "url must be an http:// or https:// URL (placeholders {schedule_id}, {schedule_name}, "
            "{host_name})",
            "url");
      }
      return Ok();
    }
  }
  return Invalid("unknown channel kind", "kind");
}

void StoreFields(const auth::SecretBox& box, const ChannelFields& fields,
                 store::NotificationChannel& channel) {
  json::object plain;
  json::object secret;
  switch (channel.kind) {
    case ChannelKind::kWebhook:
      plain["format"] = ToString(fields.format);
      plain["url_hint"] = UrlHint(fields.url);
      if (!fields.header_name.empty()) plain["header_name"] = fields.header_name;
      secret["url"] = fields.url;
      if (!fields.header_value.empty()) secret["header_value"] = fields.header_value;
      break;
    case ChannelKind::kNtfy:
      plain["server_url"] = fields.server_url;
      plain["topic"] = fields.topic;
      plain["priority"] = fields.priority;
      if (!fields.token.empty()) secret["token"] = fields.token;
      break;
    case ChannelKind::kEmail:
      plain["smtp_url"] = fields.smtp_url;
      plain["require_tls"] = fields.require_tls;
      plain["username"] = fields.username;
      plain["from"] = fields.from;
      plain["to"] = Array(fields.to);
      if (!fields.password.empty()) secret["password"] = fields.password;
      break;
    case ChannelKind::kHealthchecks:
      plain["url_hint"] = UrlHint(fields.url);
      plain["schedule_ids"] = Array(fields.schedule_ids);
      secret["url"] = fields.url;
      break;
  }
  channel.config_json = json::serialize(plain);
  channel.secret_ciphertext.clear();
  channel.secret_nonce.clear();
  if (secret.empty()) return;
  auth::SealedSecret sealed = box.Seal(json::serialize(secret));
  channel.secret_ciphertext.assign(sealed.ciphertext.begin(), sealed.ciphertext.end());
  channel.secret_nonce.assign(sealed.nonce.begin(), sealed.nonce.end());
}

ChannelFields PlainFields(const store::NotificationChannel& channel) {
  ChannelFields fields;
  boost::system::error_code ec;
  const json::value value = json::parse(channel.config_json, ec);
  if (ec || !value.is_object()) return fields;
  const json::object& plain = value.as_object();
  if (auto format = store::FromString<store::WebhookFormat>(Text(plain, "format"))) fields.format = *format;
  fields.header_name = Text(plain, "header_name");
  fields.server_url = Text(plain, "server_url");
  fields.topic = Text(plain, "topic");
  if (const auto* priority = plain.if_contains("priority"); priority != nullptr && priority->is_int64()) {
    fields.priority = static_cast<int>(priority->as_int64());
  }
  fields.smtp_url = Text(plain, "smtp_url");
  if (const auto* tls = plain.if_contains("require_tls"); tls != nullptr && tls->is_bool()) {
    fields.require_tls = tls->as_bool();
  }
  fields.username = Text(plain, "username");
  fields.from = Text(plain, "from");
  fields.to = Texts(plain, "to");
  fields.schedule_ids = Texts(plain, "schedule_ids");
  return fields;
}

Result<ChannelFields> LoadFields(const auth::SecretBox& box, const store::NotificationChannel& channel) {
  boost::system::error_code ec;
  const json::value plain_value = json::parse(channel.config_json, ec);
  if (ec || !plain_value.is_object()) {
    return MakeError(ErrorCode::kInternal, "channel " + channel.id + " has an unreadable config");
  }
  ChannelFields fields = PlainFields(channel);
  if (channel.secret_ciphertext.empty()) return fields;
  auth::SealedSecret sealed;
  sealed.ciphertext.assign(channel.secret_ciphertext.begin(), channel.secret_ciphertext.end());
  sealed.nonce.assign(channel.secret_nonce.begin(), channel.secret_nonce.end());
  auto opened = box.Open(sealed);
  if (!opened)
    return MakeError(ErrorCode::kInternal, "the secret of channel " + channel.id + " cannot be opened");
  const json::value secret_value = json::parse(*opened, ec);
  if (ec || !secret_value.is_object()) {
    return MakeError(ErrorCode::kInternal, "the secret of channel " + channel.id + " is unreadable");
  }
  const json::object& secret = secret_value.as_object();
  fields.url = Text(secret, "url");
  fields.header_value = Text(secret, "header_value");
  fields.token = Text(secret, "token");
  fields.password = Text(secret, "password");
  return fields;
}

json::object PublicConfig(const store::NotificationChannel& channel) {
  boost::system::error_code ec;
  json::value plain = json::parse(channel.config_json, ec);
  if (ec || !plain.is_object()) return {};
  return std::move(plain.as_object());
}

std::string UrlHint(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string hint = std::string(url.substr(0, authority_start)) + std::string(authority);
  if (authority_end != std::string_view::npos && authority_end + 1 < url.size()) hint += "/…";
  return hint;
}

bool IsHttpUrl(std::string_view url) {
  return HasScheme(url, {"http", "https"});
}

bool IsSmtpUrl(std::string_view url) {
  return HasScheme(url, {"smtp", "smtps"});
}

}  // namespace rmgr::server::notify
