#pragma once
// Server configuration: defaults, then a TOML file, then command-line flags
// (later sources win). Thread safety: a plain value, built once at start.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace rmgr::server {

//! Everything the server reads at start-up.
struct ServerConfig {
  std::string listen = "127.0.0.1:8080";      ///< host:port for HTTP and the agent WebSocket.
  std::filesystem::path data_dir = "./data";  ///< Holds the SQLite file and the server key.
  std::string log_level = "info";             ///< trace, debug, info, warn, error, critical, off.
  //! File holding the first admin's password (read only while there are no users).
  std::optional<std::filesystem::path> admin_password_file;
  //! Quiet time after an intermittent host reconnects before catch-up backups are dispatched.
  std::chrono::seconds catchup_settle{60};
  //! A dispatched job (or a running one whose agent is gone) with no word for this long is marked lost.
  std::chrono::seconds job_lost_after{600};
  //! How often the alert engine's periodic pass runs (overdue backups, offline hosts, reminders).
  std::chrono::seconds alert_interval{60};
  //! After a start, how long before an overdue backup may open an alert (agents reconnect and deliver first).
  std::chrono::seconds alert_settle{600};
  //! How old a repository's last size may get before the stats planner measures it again.
  std::chrono::seconds stats_interval{86400};
  //! Serve the web UI from this directory (read on each request) instead of
  //! the copy compiled into the binary; for UI development.
  std::optional<std::filesystem::path> web_root;
  //! The URL operators reach the web UI at (https://backup.example.com),
  //! mentioned in notifications; empty: notifications carry no link.
  std::string public_url;
  //! File holding the dedicated Prometheus scrape token for GET /metrics
  //! (read once at start; API tokens are accepted as well).
  std::optional<std::filesystem::path> metrics_token_file;
  //! The operator's certificate chain (PEM, leaf first) and key; both or neither.
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
  //! The certificate to rotate to, announced to agents before a SIGHUP switches (docs/tls.md).
  std::optional<std::filesystem::path> tls_next_cert;
  //! Serve TLS with the self-signed certificate even on a loopback address.
  bool tls_self_signed = false;
  //! Serve plain HTTP on a non-loopback address (behind a TLS-terminating proxy); logged as a warning.
  bool insecure_http = false;
  //! Reverse proxies whose X-Forwarded-For names the client ("10.0.0.0/8, ::1"); empty: none.
  std::string trusted_proxies;
  //! Write a self-backup (docs/self-backup.md) into this directory periodically; unset: never.
  std::optional<std::filesystem::path> self_backup_dir;
  //! Time between self-backups.
  std::chrono::seconds self_backup_interval{86400};
  //! Self-backups kept in self_backup_dir (older ones are removed), 1..1000.
  int64_t self_backup_keep = 7;
  //! File holding the passphrase self-backups are sealed with (0600; required with self_backup_dir).
  std::optional<std::filesystem::path> self_backup_passphrase_file;
  //! The agent packages offered at GET /downloads/{file}; the server package installs them here.
  std::filesystem::path packages_dir = "/usr/share/restic-manager/packages";

  //! Path of the SQLite database inside data_dir.
  std::filesystem::path DatabasePath() const { return data_dir / "restic-manager.db"; }
};

//! Reads a TOML file into `config`, leaving keys it does not set untouched.
//! Unknown keys are an error (a typo must not be silently ignored).
Result<void> LoadConfigFile(const std::filesystem::path& path, ServerConfig& config);

//! The command-line flags that override the file; written into by CLI11.
struct ServerFlags {
  std::optional<std::string> listen;
  std::optional<std::string> data_dir;
  std::optional<std::string> log_level;
  std::optional<std::string> config_file;
  std::optional<std::string> admin_password_file;
  std::optional<int64_t> catchup_settle_seconds;
  std::optional<int64_t> job_lost_after_seconds;
  std::optional<int64_t> alert_interval_seconds;
  std::optional<int64_t> alert_settle_seconds;
  std::optional<int64_t> stats_interval_seconds;
  std::optional<std::string> web_root;
  std::optional<std::string> public_url;
  std::optional<std::string> metrics_token_file;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> tls_next_cert;
  bool tls_self_signed = false;
  std::optional<std::string> trusted_proxies;
  bool insecure_http = false;
  std::optional<std::string> self_backup_dir;
  std::optional<int64_t> self_backup_interval_seconds;
  std::optional<int64_t> self_backup_keep;
  std::optional<std::string> self_backup_passphrase_file;
  std::optional<std::string> packages_dir;
};

//! Registers every server flag (--listen, --data-dir, --config, ..., --packages-dir) on `app`.
void AddServerFlags(CLI::App& app, ServerFlags& flags);

//! Defaults < config file (if --config) < flags. Validates the result.
Result<ServerConfig> ResolveConfig(const ServerFlags& flags);

}  // namespace rmgr::server
