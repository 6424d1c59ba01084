#include "cli/cli_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <system_error>

namespace rmgr::cli {
namespace {

std::string Errno(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

// mkdir -p with mode 0700 for every directory it creates; existing ones keep their mode.
Result<void> MakeDirs(const std::filesystem::path& dir) {
  if (dir.empty()) return Ok();
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Ok();
  if (auto parent = MakeDirs(dir.parent_path()); !parent) return parent;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return MakeError(ErrorCode::kUnavailable, Errno("cannot create", dir));
  }
  return Ok();
}

Result<void> WriteAll(int fd, const std::string& data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError(ErrorCode::kUnavailable, Errno("cannot write", path));
    done += static_cast<std::size_t>(n);
  }
  return Ok();
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe): read at startup
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::optional<std::filesystem::path> DefaultConfigPath(const EnvLookup& env) {
  const std::filesystem::path rel = std::filesystem::path("restic-manager") / "cli.toml";
  if (auto xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty()) return std::filesystem::path(*xdg) / rel;
  if (auto home = env("HOME"); home && !home->empty()) return std::filesystem::path(*home) / ".config" / rel;
  return std::nullopt;
}

Result<ConfigFile> LoadConfigFile(const std::filesystem::path& path) {
  ConfigFile config;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return config;
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return MakeError(ErrorCode::kMalformed, path.string() + ":" + std::to_string(e.source().begin.line) +
                                                ": " + std::string(e.description()));
  }
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (name != "server" && name != "token" && name != "fingerprint") {
      return MakeError(ErrorCode::kUnknownField, path.string() + ": unknown key \"" + name + "\"", name);
    }
    const auto* value = node.as_string();
    if (value == nullptr) {
      return MakeError(ErrorCode::kWrongType, path.string() + ": \"" + name + "\" must be a string", name);
    }
    (name == "server" ? config.server : name == "token" ? config.token : config.fingerprint) = value->get();
  }
  return config;
}

Result<void> SaveConfigFile(const std::filesystem::path& path, const ConfigFile& config) {
  if (auto dirs = MakeDirs(path.parent_path()); !dirs) return dirs;
  toml::table table;
  table.insert("server", config.server);
  table.insert("token", config.token);
  if (!config.fingerprint.empty()) table.insert("fingerprint", config.fingerprint);
  std::ostringstream text;
  text << "# Written by `restic-manager login`. Holds an API token: keep it private.\n" << table << "\n";

  std::filesystem::path tmp = path;
  tmp += ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kUnavailable, Errno("cannot create", tmp));
  // The mode passed to open() is filtered by the umask; 0600 is what we promise.
  auto written = ::fchmod(fd, 0600) == 0
                     ? WriteAll(fd, text.str(), tmp)
                     : Result<void>(MakeError(ErrorCode::kUnavailable, Errno("cannot chmod", tmp)));
  if (written && ::fsync(fd) != 0) written = MakeError(ErrorCode::kUnavailable, Errno("cannot sync", tmp));
  ::close(fd);
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0) {
    written = MakeError(ErrorCode::kUnavailable, Errno("cannot replace", path));
  }
  if (!written) ::unlink(tmp.c_str());
  return written;
}

std::string_view ToString(ValueSource source) {
  switch (source) {
    case ValueSource::kNone:
      return "nowhere";
    case ValueSource::kFlag:
      return "flag";
    case ValueSource::kEnvironment:
      return "environment";
    case ValueSource::kConfigFile:
      return "config file";
  }
  return "nowhere";
}

Connection ResolveConnection(const std::optional<std::string>& server_flag,
                             const std::optional<std::string>& token_flag, const EnvLookup& env,
                             const ConfigFile& file) {
  Connection c;
  const auto env_server = env("RESTIC_MANAGER_URL");
  const auto env_token = env("RESTIC_MANAGER_TOKEN");
  if (server_flag && !server_flag->empty()) {
    c.server = *server_flag;
    c.server_source = ValueSource::kFlag;
  } else if (env_server && !env_server->empty()) {
    c.server = *env_server;
    c.server_source = ValueSource::kEnvironment;
  } else if (!file.server.empty()) {
    c.server = file.server;
    c.server_source = ValueSource::kConfigFile;
  }

  if (token_flag && !token_flag->empty()) {
    c.token = *token_flag;
    c.token_source = ValueSource::kFlag;
  } else if (env_token && !env_token->empty()) {
    c.token = *env_token;
    c.token_source = ValueSource::kEnvironment;
  } else if (!file.token.empty() && !file.server.empty() && c.server == file.server) {
    c.token = file.token;
    c.token_source = ValueSource::kConfigFile;
  }
  // A pin belongs to the server it was saved with.
  if (!file.fingerprint.empty() && !file.server.empty() && c.server == file.server)
    c.fingerprint = file.fingerprint;
  return c;
}

}  // namespace rmgr::cli
