#pragma once
// Where the CLI finds its server and token: `--server`/`--token` flags, else
// RESTIC_MANAGER_URL / RESTIC_MANAGER_TOKEN, else the config file
// $XDG_CONFIG_HOME/restic-manager/cli.toml (default ~/.config/...) holding
// `server` and `token`, which `restic-manager login` writes with mode 0600.
// Thread safety: pure functions, except that Load/Save touch the file system.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::cli {

//! Reads an environment variable; tests pass a map instead of the real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

//! The real process environment.
EnvLookup ProcessEnvironment();

//! What the config file holds; empty strings for absent keys.
struct ConfigFile {
  std::string server;         ///< Server URL.
  std::string token;          ///< API token (secret).
  std::string fingerprint{};  ///< Pinned server certificate ("sha256:..."), or empty.
};

//! $XDG_CONFIG_HOME/restic-manager/cli.toml, else $HOME/.config/restic-manager/cli.toml;
//! nullopt when neither variable is set.
std::optional<std::filesystem::path> DefaultConfigPath(const EnvLookup& env);

//! Reads `path`; a missing file is an empty config. Unknown keys and
//! non-string values are errors naming the key.
Result<ConfigFile> LoadConfigFile(const std::filesystem::path& path);

//! Writes `config` to `path` atomically (temp file + rename) with mode 0600,
//! creating missing parent directories with mode 0700.
Result<void> SaveConfigFile(const std::filesystem::path& path, const ConfigFile& config);

//! Where a resolved value came from, for messages.
enum class ValueSource { kNone, kFlag, kEnvironment, kConfigFile };

//! "flag", "environment", "config file" or "nowhere", for --verbose.
std::string_view ToString(ValueSource source);

//! The server and token a command will use.
struct Connection {
  std::string server;                              ///< Server URL, or empty.
  std::string token;                               ///< Token, or empty.
  std::string fingerprint;                         ///< The file's pin, when the server is the file's server.
  ValueSource server_source = ValueSource::kNone;  ///< Where `server` came from.
  ValueSource token_source = ValueSource::kNone;   ///< Where `token` came from.
};

//! Applies the precedence flag > environment > file to each value. The
//! file's token is only used when the server is the file's server too, so a
//! `--server` pointing elsewhere never receives the saved token.
Connection ResolveConnection(const std::optional<std::string>& server_flag,
                             const std::optional<std::string>& token_flag, const EnvLookup& env,
                             const ConfigFile& file);

}  // namespace rmgr::cli
