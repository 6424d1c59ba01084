#include "server/app/self_backup_task.h"

#include <sodium.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <ctime>
#include <vector>

#include "common/util/log.h"
#include "server/app/passphrase_input.h"
#include "server/store/store.h"

namespace rmgr::server {
namespace {

namespace fs = std::filesystem;

// "20261207T173000Z": sorts as time does.
std::string FileStamp(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32] = {};
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &tm);
  return text;
}

bool IsOurs(const fs::path& path) {
  const std::string name = path.filename().string();
  const std::string prefix = SelfBackupTask::kPrefix, suffix = SelfBackupTask::kSuffix;
  return name.size() > prefix.size() + suffix.size() && name.rfind(prefix, 0) == 0 &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Our files in `dir`, oldest first (the names sort by time).
std::vector<fs::path> OurFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && IsOurs(entry.path())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

SelfBackupTask::SelfBackupTask(boost::asio::any_io_executor executor, store::Store& store, Settings settings)
    : executor_(std::move(executor)), store_(store), settings_(std::move(settings)) {}

SelfBackupTask::~SelfBackupTask() {
  Stop();
}

Result<void> SelfBackupTask::Start() {
  std::error_code ec;
  fs::create_directories(settings_.dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create self-backup dir " + settings_.dir.string() + ": " + ec.message(),
                     "self_backup_dir");
  }
  fs::permissions(settings_.dir, fs::perms::owner_all, ec);
  if (auto checked = ReadPassphraseFile(settings_.passphrase_file); !checked) return checked.error();
  // A crash in the middle of a run leaves its temp files; nothing else writes here.
  for (const auto& entry : fs::directory_iterator(settings_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) == 0 && entry.path().extension() == ".tmp") fs::remove(entry.path(), ec);
  }
  PeriodicTask::Settings timer;
  timer.period = settings_.interval;
  task_ = std::make_unique<PeriodicTask>(executor_, "self-backup", timer, [this] {
    if (auto ran = RunOnce(); !ran) Logger("server")->error("self-backup: {}", ran.error().Describe());
  });
  if (DueNow()) {
    boost::asio::post(executor_, [this] {
      if (auto ran = RunOnce(); !ran) Logger("server")->error("self-backup: {}", ran.error().Describe());
    });
  }
  task_->Start();
  Logger("server")->info("self-backup into {} every {} s, keeping {}", settings_.dir.string(),
                         settings_.interval.count(), settings_.keep);
  return Ok();
}

void SelfBackupTask::Stop() {
  if (task_) task_->Stop();
}

bool SelfBackupTask::DueNow() const {
  const auto files = OurFiles(settings_.dir);
  if (files.empty()) return true;
  std::error_code ec;
  const auto written = fs::last_write_time(files.back(), ec);
  return ec || fs::file_time_type::clock::now() - written >= settings_.interval;
}

Result<SelfBackupReport> SelfBackupTask::RunOnce() {
  auto log = Logger("server");
  const std::string name = std::string(kPrefix) + FileStamp(std::time(nullptr)) + kSuffix;
  Result<SelfBackupReport> report = MakeError(ErrorCode::kInternal, "not run");
  auto passphrase = ReadPassphraseFile(settings_.passphrase_file);
  if (passphrase) {
    report = WriteSelfBackup(settings_.sources, settings_.dir / name, *passphrase, settings_.options);
    sodium_memzero(passphrase->data(), passphrase->size());
  } else {
    report = passphrase.error();
  }
  store::AuditEntry entry;
  entry.actor_kind = store::ActorKind::kSystem;
  entry.target_kind = "server";
  entry.target_id = name;
  boost::json::object detail{{"file", (settings_.dir / name).string()}};
  if (report) {
    entry.action = "server.self_backup";
    detail["bytes"] = report->bytes;
    detail["schema_version"] = report->manifest.schema_version;
    detail["host_count"] = report->manifest.host_count;
    detail["took_ms"] = report->took.count();
    log->info("self-backup: wrote {} ({} bytes, {} ms)", name, report->bytes, report->took.count());
    Prune();
  } else {
    entry.action = "server.self_backup_failed";
    detail["error"] = report.error().Describe();
  }
  entry.detail_json = boost::json::serialize(detail);
  auto audited = store_.Write([&](store::WriteTx& tx) -> Result<void> {
    if (auto logged = tx.AppendAudit(entry); !logged) return logged.error();
    return Ok();
  });
  if (!audited) log->warn("self-backup: cannot write the audit entry: {}", audited.error().Describe());
  return report;
}

void SelfBackupTask::Prune() {
  auto files = OurFiles(settings_.dir);
  std::error_code ec;
  for (std::size_t i = 0; i + settings_.keep < files.size(); ++i) {
    if (fs::remove(files[i], ec))
      Logger("server")->info("self-backup: removed {}", files[i].filename().string());
  }
}

}  // namespace rmgr::server
