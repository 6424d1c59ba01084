// restic-manager-server: the control plane. This file only parses flags and
// hands over to the composition root.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "common/util/log.h"
#include "server/app/key_rotation.h"
#include "server/app/self_backup_command.h"
#include "server/app/server_app.h"
#include "server/app/server_config.h"

namespace {

int RotateKey(const rmgr::server::ServerConfig& config) {
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"restic-manager-server: manages restic backups across a fleet of hosts"};
  app.set_version_flag("--version", "restic-manager-server 0.1.0");
  rmgr::server::ServerFlags flags;
  rmgr::server::AddServerFlags(app, flags);
  auto* rotate = app.add_subcommand("rotate-key",
                                    "Seal every stored secret under a new server key (stop the server first; "
                                    "safe to run again after an interruption)");
  rotate->fallthrough();
  rmgr::server::SelfBackupFlags self_flags;
  const auto self = rmgr::server::AddSelfBackupCommands(app, self_flags);
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
