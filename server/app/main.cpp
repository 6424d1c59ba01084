// restic-manager-server: the control plane. This file only parses flags and
// hands over to the composition root.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "common/util/log.h"
#include "server/app/data_dir_lock.h"
#include "server/app/key_rotation.h"
#include "server/app/self_backup_command.h"
#include "server/app/server_app.h"
#include "server/app/server_config.h"
#include "server/auth/update_signing_key.h"
#include "server/releases/release_catalog.h"

namespace {

int RotateKey(const rmgr::server::ServerConfig& config) {
  // A running server holds the old key in memory and would seal new secrets with it.
  auto lock = rmgr::server::DataDirLock::Acquire(config.data_dir, "rotate the server key");
  if (!lock) {
    std::fprintf(stderr, "restic-manager-server: %s\n", lock.error().Describe().c_str());
    return 1;
  }
  auto store = rmgr::store::OpenSqliteStore(config.DatabasePath());
  if (!store) {
    std::fprintf(stderr, "restic-manager-server: %s\n", store.error().Describe().c_str());
    return 1;
  }
  auto report = rmgr::server::RotateServerKey(config.data_dir, **store);
  if (!report) {
    std::fprintf(stderr, "restic-manager-server: key rotation: %s (run rotate-key again to finish it)\n",
                 report.error().Describe().c_str());
    return 1;
  }
  std::printf("server key rotated: %zu secret(s) sealed again under the new key (%zu already were)\n",
              report->resealed, report->already_sealed);
  return 0;
}

//! What publish-agent is told.
struct PublishFlags {
  std::string binary;
  std::string version;
  std::string os = "linux";
  std::string arch = "amd64";
};

// Safe while the server runs: a release is visible once its release.json is written.
int PublishAgent(const rmgr::server::ServerConfig& config, const PublishFlags& flags) {
  auto key = rmgr::server::auth::LoadOrCreateUpdateSigningKey(config.data_dir);
  if (!key) {
    std::fprintf(stderr, "restic-manager-server: %s\n", key.error().Describe().c_str());
    return 1;
  }
  rmgr::server::releases::ReleaseCatalog catalog(config.data_dir);
  auto release = catalog.Publish(*key, flags.binary, flags.version, flags.os, flags.arch,
                                 rmgr::FormatRfc3339Utc(rmgr::Clock::now()));
  if (!release) {
    std::fprintf(stderr, "restic-manager-server: publish-agent: %s\n", release.error().Describe().c_str());
    return 1;
  }
  std::printf("published agent %s (%s/%s): %llu bytes, sha256 %s, signed by %s\n", release->version.c_str(),
              release->os.c_str(), release->arch.c_str(), static_cast<unsigned long long>(release->size),
              release->sha256.c_str(), key->public_key.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"restic-manager-server: manages restic backups across a fleet of hosts"};
  app.set_version_flag("--version", "restic-manager-server 0.1.0");
  rmgr::server::ServerFlags flags;
  rmgr::server::AddServerFlags(app, flags);
  auto* rotate =
      app.add_subcommand("rotate-key",
                         "Seal every stored secret under a new server key (refused while the server runs; "
                         "safe to run again after an interruption)");
  rotate->fallthrough();
  rmgr::server::SelfBackupFlags self_flags;
  const auto self = rmgr::server::AddSelfBackupCommands(app, self_flags);
  PublishFlags publish_flags;
  auto* publish = app.add_subcommand(
      "publish-agent", "Sign an agent binary with the update signing key and publish it as a release");
  publish->add_option("--binary", publish_flags.binary, "The agent executable to publish")->required();
  publish->add_option("--release", publish_flags.version, "Its release version, e.g. 0.2.0")->required();
  publish->add_option("--os", publish_flags.os, "GOOS-style os it runs on (default linux)");
  publish->add_option("--arch", publish_flags.arch, "GOARCH-style architecture (default amd64)");
  publish->fallthrough();
  CLI11_PARSE(app, argc, argv);

  auto config = rmgr::server::ResolveConfig(flags);
  if (!config) {
    std::fprintf(stderr, "restic-manager-server: %s\n", config.error().Describe().c_str());
    return 2;
  }
  rmgr::SetLogLevel(config->log_level);
  if (rotate->parsed()) return RotateKey(*config);
  if (self.backup->parsed()) return rmgr::server::RunBackupSelf(*config, self_flags);
  if (self.restore->parsed()) return rmgr::server::RunRestoreSelf(*config, self_flags);
  if (publish->parsed()) return PublishAgent(*config, publish_flags);
  auto log = rmgr::Logger("server");
  log->info("restic-manager-server 0.1.0, data dir {}", config->data_dir.string());
  rmgr::server::ServerApp server(*config);
  if (auto ok = server.Init(); !ok) {
    log->critical("cannot start: {}", ok.error().Describe());
    return 1;
  }
  server.Run();
  return 0;
}
