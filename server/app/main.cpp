// restic-manager-server: the control plane. This file only parses flags and
// hands over to the composition root.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "common/util/log.h"
#include "server/app/server_app.h"
#include "server/app/server_config.h"

int main(int argc, char** argv) {
  CLI::App app{"restic-manager-server: manages restic backups across a fleet of hosts"};
  app.set_version_flag("--version", "restic-manager-server 0.1.0");
  rmgr::server::ServerFlags flags;
  rmgr::server::AddServerFlags(app, flags);
  CLI11_PARSE(app, argc, argv);

  auto config = rmgr::server::ResolveConfig(flags);
  if (!config) {
    std::fprintf(stderr, "restic-manager-server: %s\n", config.error().Describe().c_str());
    return 2;
  }
  rmgr::SetLogLevel(config->log_level);
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
