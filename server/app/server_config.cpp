#include "server/app/server_config.h"

#include <fmt/format.h>
#include <spdlog/common.h>
#include <toml++/toml.h>

#include <algorithm>
#include <iterator>

#include "server/app/tls_mode.h"
#include "server/http/trusted_proxies.h"

namespace rmgr::server {
namespace {

Result<void> ValidateListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "listen must be HOST:PORT, got \"" + listen + "\"",
                     "listen");
  }
  const std::string port = listen.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "listen port must be 0-65535, got \"" + port + "\"",
                     "listen");
  }
  return Ok();
}

// Durations are whole seconds, 1 s .. 7 days.
Result<std::chrono::seconds> Seconds(int64_t value, const char* name) {
  if (value < 1 || value > 7 * 86400) {
    return MakeError(ErrorCode::kOutOfRange, fmt::format("{} must be 1..604800 seconds, got {}", name, value),
                     name);
  }
  return std::chrono::seconds(value);
}

constexpr const char* kStringKeys[] = {"listen",
                                       "data_dir",
                                       "log_level",
                                       "admin_password_file",
                                       "web_root",
                                       "public_url",
                                       "metrics_token_file",
                                       "tls_cert",
                                       "tls_key",
                                       "tls_next_cert",
                                       "trusted_proxies",
                                       "self_backup_dir",
                                       "self_backup_passphrase_file",
                                       "packages_dir"};
constexpr const char* kBoolKeys[] = {"tls_self_signed", "insecure_http"};
constexpr const char* kSecondsKeys[] = {"catchup_settle_seconds", "job_lost_after_seconds",
                                        "alert_interval_seconds", "alert_settle_seconds",
                                        "stats_interval_seconds", "self_backup_interval_seconds"};

//! The config field a seconds key sets.
std::chrono::seconds& SecondsField(ServerConfig& config, const std::string& name) {
  if (name == "catchup_settle_seconds") return config.catchup_settle;
  if (name == "job_lost_after_seconds") return config.job_lost_after;
  if (name == "stats_interval_seconds") return config.stats_interval;
  if (name == "alert_settle_seconds") return config.alert_settle;
  if (name == "self_backup_interval_seconds") return config.self_backup_interval;
  return config.alert_interval;
}

Result<void> ValidateLevel(const std::string& level) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "log_level must be one of trace, debug, info, warn, error, critical, off", "log_level");
  }
  return Ok();
}

// The self-backup settings make sense together or not at all.
Result<void> ValidateSelfBackup(const ServerConfig& config) {
  if (config.self_backup_keep < 1 || config.self_backup_keep > 1000) {
    return MakeError(ErrorCode::kOutOfRange, "self_backup_keep must be 1..1000", "self_backup_keep");
  }
  if (config.self_backup_dir && config.self_backup_dir->empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "self_backup_dir must not be empty", "self_backup_dir");
  }
  if (config.self_backup_dir && !config.self_backup_passphrase_file) {
    return MakeError(ErrorCode::kMissingField, "self_backup_dir needs self_backup_passphrase_file",
                     "self_backup_passphrase_file");
  }
  return Ok();
}

}  // namespace

Result<void> LoadConfigFile(const std::filesystem::path& path, ServerConfig& config) {
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return MakeError(ErrorCode::kMalformed,
                     fmt::format("{}:{}: {}", path.string(), e.source().begin.line, e.description()));
  }
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (std::find(std::begin(kSecondsKeys), std::end(kSecondsKeys), name) != std::end(kSecondsKeys)) {
      const auto* number = node.as_integer();
      if (number == nullptr) {
        return MakeError(ErrorCode::kWrongType,
                         fmt::format("{}: \"{}\" must be an integer", path.string(), name), name);
      }
      auto seconds = Seconds(number->get(), name.c_str());
      if (!seconds) return seconds.error();
      SecondsField(config, name) = *seconds;
      continue;
    }
    if (name == "self_backup_keep") {
      const auto* number = node.as_integer();
      if (number == nullptr) {
        return MakeError(ErrorCode::kWrongType,
                         fmt::format("{}: \"{}\" must be an integer", path.string(), name), name);
      }
      config.self_backup_keep = number->get();
      continue;
    }
    if (std::find(std::begin(kBoolKeys), std::end(kBoolKeys), name) != std::end(kBoolKeys)) {
      const auto* flag = node.as_boolean();
      if (flag == nullptr) {
        return MakeError(ErrorCode::kWrongType,
                         fmt::format("{}: \"{}\" must be true or false", path.string(), name), name);
      }
      (name == "tls_self_signed" ? config.tls_self_signed : config.insecure_http) = flag->get();
      continue;
    }
    const auto* value = node.as_string();
    if (std::find(std::begin(kStringKeys), std::end(kStringKeys), name) == std::end(kStringKeys)) {
      return MakeError(ErrorCode::kUnknownField, fmt::format("{}: unknown key \"{}\"", path.string(), name),
                       name);
    }
    if (value == nullptr) {
      return MakeError(ErrorCode::kWrongType, fmt::format("{}: \"{}\" must be a string", path.string(), name),
                       name);
    }
    if (name == "listen") config.listen = value->get();
    if (name == "data_dir") config.data_dir = value->get();
    if (name == "log_level") config.log_level = value->get();
    if (name == "admin_password_file") config.admin_password_file = value->get();
    if (name == "web_root") config.web_root = value->get();
    if (name == "public_url") config.public_url = value->get();
    if (name == "metrics_token_file") config.metrics_token_file = value->get();
    if (name == "tls_cert") config.tls_cert = value->get();
    if (name == "tls_key") config.tls_key = value->get();
    if (name == "tls_next_cert") config.tls_next_cert = value->get();
    if (name == "trusted_proxies") config.trusted_proxies = value->get();
    if (name == "self_backup_dir") config.self_backup_dir = value->get();
    if (name == "self_backup_passphrase_file") config.self_backup_passphrase_file = value->get();
    if (name == "packages_dir") config.packages_dir = value->get();
  }
  return Ok();
}

void AddServerFlags(CLI::App& app, ServerFlags& flags) {
  app.add_option("--listen", flags.listen,
                 "HOST:PORT to serve HTTP and the agent WebSocket on (default 127.0.0.1:8080)");
  app.add_option("--data-dir", flags.data_dir,
                 "Directory for the SQLite database and server key (default ./data)");
  app.add_option("--log-level", flags.log_level,
                 "trace, debug, info, warn, error, critical or off (default info)");
  app.add_option("--config", flags.config_file,
                 "TOML file with listen, data_dir, log_level, admin_password_file, web_root, ...");
  app.add_option("--admin-password-file", flags.admin_password_file,
                 "File with the password of the first admin, used only when there are no users yet");
  app.add_option(
      "--catchup-settle", flags.catchup_settle_seconds,
      "Seconds an intermittent host must stay connected before catch-up backups start (default 60)");
  app.add_option("--job-lost-after", flags.job_lost_after_seconds,
                 "Seconds without word from an agent before its dispatched job is marked lost (default 600)");
  app.add_option("--alert-interval", flags.alert_interval_seconds,
                 "Seconds between the alert engine's passes over every host (default 60)");
  app.add_option(
      "--alert-settle", flags.alert_settle_seconds,
      "Seconds after a start before an overdue backup may raise an alert: agents reconnect and deliver "
      "the results they kept meanwhile (default 600)");
  app.add_option("--stats-interval", flags.stats_interval_seconds,
                 "Seconds after which a repository's size is measured again by a stats job (default 86400)");
  app.add_option("--web-root", flags.web_root,
                 "Serve the web UI from this directory, read on each request, instead of the built-in copy "
                 "(UI development: point it at a `vite build --watch` output)");
  app.add_option("--public-url", flags.public_url,
                 "URL operators reach the web UI at (https://backup.example.com), linked from notifications");
  app.add_option("--metrics-token-file", flags.metrics_token_file,
                 "File holding the bearer token Prometheus scrapes GET /metrics with (one line, at least 16 "
                 "bytes); API tokens are accepted as well");
  app.add_option("--tls-cert", flags.tls_cert,
                 "PEM certificate chain (leaf first) to serve HTTPS and WSS with");
  app.add_option("--tls-key", flags.tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-next-cert", flags.tls_next_cert,
                 "PEM certificate to rotate to: its fingerprint is announced to agents, which then accept it "
                 "after the switch (SIGHUP reloads --tls-cert/--tls-key)");
  app.add_flag(
      "--tls-self-signed", flags.tls_self_signed,
      "Serve TLS with a self-signed certificate kept in the data dir, even on loopback (the default on "
      "any other address)");
  app.add_flag("--insecure-http", flags.insecure_http,
               "Serve plain HTTP on a non-loopback address (e.g. behind a TLS-terminating proxy)");
  app.add_option("--trusted-proxies", flags.trusted_proxies,
                 "Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For names the "
                 "client for rate limits and the audit log");
  app.add_option("--self-backup-dir", flags.self_backup_dir,
                 "Write a self-backup (store, server key, TLS pair; docs/self-backup.md) into this directory "
                 "periodically, for the agent on this host to back up");
  app.add_option("--self-backup-interval", flags.self_backup_interval_seconds,
                 "Seconds between self-backups (default 86400)");
  app.add_option("--self-backup-keep", flags.self_backup_keep,
                 "Self-backups kept in --self-backup-dir, older ones removed (default 7)");
  app.add_option("--self-backup-passphrase-file", flags.self_backup_passphrase_file,
                 "File (mode 0600) whose first line is the passphrase self-backups are sealed with");
  app.add_option("--packages-dir", flags.packages_dir,
                 "Directory of the agent packages (.deb) new hosts download from GET /downloads/ (default "
                 "/usr/share/restic-manager/packages)");
}

Result<ServerConfig> ResolveConfig(const ServerFlags& flags) {
  ServerConfig config;
  if (flags.config_file) {
    if (auto loaded = LoadConfigFile(*flags.config_file, config); !loaded) return loaded.error();
  }
  if (flags.listen) config.listen = *flags.listen;
  if (flags.data_dir) config.data_dir = *flags.data_dir;
  if (flags.log_level) config.log_level = *flags.log_level;
  if (flags.admin_password_file) config.admin_password_file = *flags.admin_password_file;
  if (flags.web_root) config.web_root = *flags.web_root;
  if (flags.public_url) config.public_url = *flags.public_url;
  if (flags.metrics_token_file) config.metrics_token_file = *flags.metrics_token_file;
  if (flags.tls_cert) config.tls_cert = *flags.tls_cert;
  if (flags.tls_key) config.tls_key = *flags.tls_key;
  if (flags.tls_next_cert) config.tls_next_cert = *flags.tls_next_cert;
  if (flags.tls_self_signed) config.tls_self_signed = true;
  if (flags.insecure_http) config.insecure_http = true;
  if (flags.trusted_proxies) config.trusted_proxies = *flags.trusted_proxies;
  if (flags.self_backup_dir) config.self_backup_dir = *flags.self_backup_dir;
  if (flags.self_backup_keep) config.self_backup_keep = *flags.self_backup_keep;
  if (flags.self_backup_passphrase_file)
    config.self_backup_passphrase_file = *flags.self_backup_passphrase_file;
  if (flags.packages_dir) config.packages_dir = *flags.packages_dir;
  if (auto proxies = http::TrustedProxies::Parse(config.trusted_proxies); !proxies) return proxies.error();
  if (flags.catchup_settle_seconds) {
    auto seconds = Seconds(*flags.catchup_settle_seconds, "catchup_settle_seconds");
    if (!seconds) return seconds.error();
    config.catchup_settle = *seconds;
  }
  if (flags.job_lost_after_seconds) {
    auto seconds = Seconds(*flags.job_lost_after_seconds, "job_lost_after_seconds");
    if (!seconds) return seconds.error();
    config.job_lost_after = *seconds;
  }
  if (flags.alert_interval_seconds) {
    auto seconds = Seconds(*flags.alert_interval_seconds, "alert_interval_seconds");
    if (!seconds) return seconds.error();
    config.alert_interval = *seconds;
  }
  if (flags.alert_settle_seconds) {
    auto seconds = Seconds(*flags.alert_settle_seconds, "alert_settle_seconds");
    if (!seconds) return seconds.error();
    config.alert_settle = *seconds;
  }
  if (flags.stats_interval_seconds) {
    auto seconds = Seconds(*flags.stats_interval_seconds, "stats_interval_seconds");
    if (!seconds) return seconds.error();
    config.stats_interval = *seconds;
  }
  if (flags.self_backup_interval_seconds) {
    auto seconds = Seconds(*flags.self_backup_interval_seconds, "self_backup_interval_seconds");
    if (!seconds) return seconds.error();
    config.self_backup_interval = *seconds;
  }
  if (auto ok = ValidateSelfBackup(config); !ok) return ok.error();
  if (auto ok = ValidateListen(config.listen); !ok) return ok.error();
  if (auto ok = ValidateLevel(config.log_level); !ok) return ok.error();
  if (config.web_root && config.web_root->empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "web_root must not be empty", "web_root");
  }
  if (!config.public_url.empty() && config.public_url.rfind("http://", 0) != 0 &&
      config.public_url.rfind("https://", 0) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "public_url must start with http:// or https://",
                     "public_url");
  }
  while (!config.public_url.empty() && config.public_url.back() == '/') config.public_url.pop_back();
  if (auto mode = ResolveTlsMode(config); !mode) return mode.error();
  if (config.packages_dir.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "packages_dir must not be empty", "packages_dir");
  }
  if (config.metrics_token_file && config.metrics_token_file->empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "metrics_token_file must not be empty",
                     "metrics_token_file");
  }
  return config;
}

}  // namespace rmgr::server
