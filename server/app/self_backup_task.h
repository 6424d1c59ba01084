#pragma once
// SelfBackupTask: the running server's periodic self-backup
// (--self-backup-dir): every interval WriteSelfBackup into the directory,
// one file per run named by its UTC time, the newest `keep` kept. Each run
// is audited (server.self_backup, or server.self_backup_failed with the
// reason). The directory is meant to be a source group of the agent on the
// server's host, so the normal schedules carry the files into a managed
// repository (docs/self-backup.md).
//
// The passphrase file is read at each run (never kept in memory between
// runs; the operator may replace it); Start checks it once so a bad setting
// stops the server's start. A run is due at start when the newest file is
// older than the interval, so restarts never starve it.
// Thread safety: Start/Stop from any thread; runs execute serially on the
// executor given.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/util/periodic_task.h"
#include "server/app/self_backup.h"

namespace rmgr::store {
class Store;
}

namespace rmgr::server {

class SelfBackupTask {
 public:
  //! Where, how often, how many.
  struct Settings {
    std::filesystem::path dir;              ///< Output directory (created 0700).
    std::chrono::seconds interval{86400};   ///< Time between runs.
    std::size_t keep = 7;                   ///< Files kept (>= 1).
    std::filesystem::path passphrase_file;  ///< Read at each run.
    SelfBackupSources sources;              ///< The data dir's files.
    SelfBackupOptions options;              ///< KDF limits, version.
  };

  //! File names start with this and end with kSuffix.
  static constexpr const char* kPrefix = "restic-manager-self-";
  static constexpr const char* kSuffix = ".rmself";

  //! `store` receives the audit entries and must outlive the task.
  SelfBackupTask(boost::asio::any_io_executor executor, store::Store& store, Settings settings);
  ~SelfBackupTask();
  SelfBackupTask(const SelfBackupTask&) = delete;
  SelfBackupTask& operator=(const SelfBackupTask&) = delete;

  //! Creates the directory, checks the passphrase file, arms the timer (and a
  //! run now when one is due).
  Result<void> Start();
  //! No new run starts after this; a running one finishes.
  void Stop();
  //! One run now, on the calling thread (the timer's callback; tests).
  Result<SelfBackupReport> RunOnce();

 private:
  void Prune();
  bool DueNow() const;

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  const Settings settings_;
  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace rmgr::server
