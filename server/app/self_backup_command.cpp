#include "server/app/self_backup_command.h"

#include <sodium.h>

#include <cstdio>

#include "server/app/passphrase_input.h"
#include "server/app/self_backup.h"
#include "server/app/self_restore.h"

namespace rmgr::server {
namespace {

Result<std::string> Passphrase(const SelfBackupFlags& flags, bool confirm) {
  if (flags.passphrase_file) return ReadPassphraseFile(*flags.passphrase_file);
  return PromptPassphrase(confirm);
}

int Fail(const char* what, const Error& error) {
  std::fprintf(stderr, "restic-manager-server: %s: %s\n", what, error.Describe().c_str());
  return 1;
}

}  // namespace

SelfBackupCommands AddSelfBackupCommands(CLI::App& app, SelfBackupFlags& flags) {
  SelfBackupCommands commands;
  commands.backup = app.add_subcommand(
      "backup-self",
      "Write the store (copied online: the server may run), the server key and the self-signed TLS pair, "
      "sealed under a passphrase, into one file (docs/self-backup.md)");
  commands.backup->add_option("--out", flags.out, "The file to write (replaced atomically, mode 0600)")
      ->required();
  commands.backup->add_option("--passphrase-file", flags.passphrase_file,
                              "File (mode 0600) whose first line is the passphrase; without it, asked on the "
                              "terminal");
  commands.backup->fallthrough();
  commands.restore = app.add_subcommand(
      "restore-self",
      "Make a new data dir (--data-dir) from a backup-self file: every hash checked, the key unsealed, the "
      "store migrated; start the server on it afterwards");
  commands.restore->add_option("--from", flags.from, "The file backup-self wrote")->required();
  commands.restore->add_option(
      "--passphrase-file", flags.passphrase_file,
      "File (mode 0600) whose first line is the passphrase; without it, asked on the "
      "terminal");
  commands.restore->add_flag("--force", flags.force,
                             "Restore into a data dir that is not empty (its store, key and TLS pair are "
                             "replaced)");
  commands.restore->fallthrough();
  return commands;
}

int RunBackupSelf(const ServerConfig& config, const SelfBackupFlags& flags) {
  auto passphrase = Passphrase(flags, true);
  if (!passphrase) return Fail("backup-self", passphrase.error());
  SelfBackupOptions options;
  options.server_version = RMGR_VERSION;
  auto report =
      WriteSelfBackup(SelfBackupSources::InDataDir(config.data_dir), flags.out, *passphrase, options);
  sodium_memzero(passphrase->data(), passphrase->size());
  if (!report) return Fail("backup-self", report.error());
  const auto& m = report->manifest;
  std::printf("wrote %s: %llu bytes in %lld ms (store schema %lld, %lld host(s), created %s, parts:",
              report->file.c_str(), static_cast<unsigned long long>(report->bytes),
              static_cast<long long>(report->took.count()), static_cast<long long>(m.schema_version),
              static_cast<long long>(m.host_count), m.created_at.c_str());
  for (const auto& part : m.parts) std::printf(" %s", part.name.c_str());
  std::printf(")\n");
  return 0;
}

int RunRestoreSelf(const ServerConfig& config, const SelfBackupFlags& flags) {
  auto passphrase = Passphrase(flags, false);
  if (!passphrase) return Fail("restore-self", passphrase.error());
  auto report = RestoreSelfBackup(flags.from, config.data_dir, *passphrase, flags.force);
  sodium_memzero(passphrase->data(), passphrase->size());
  if (!report) return Fail("restore-self", report.error());
  const auto& m = report->manifest;
  std::printf(
      "restored into %s: backup created %s by restic-manager-server %s, schema version %lld (now %lld), "
      "%lld host(s), server key%s\n",
      config.data_dir.c_str(), m.created_at.c_str(), m.server_version.c_str(),
      static_cast<long long>(m.schema_version), static_cast<long long>(report->restored.schema_version),
      static_cast<long long>(report->restored.host_count), report->tls ? ", self-signed TLS pair" : "");
  std::printf(
      "start the server with --data-dir %s and the same --listen address; agents reconnect with their "
      "existing credentials\n",
      config.data_dir.c_str());
  return 0;
}

}  // namespace rmgr::server
