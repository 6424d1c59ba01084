#include "agent/outbox/outbox.h"

#include <algorithm>
#include <utility>

#include "agent/outbox/frame_dir.h"
#include "common/protocol/envelope.h"
#include "common/util/log.h"

namespace rmgr::agent {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return Logger("outbox");
}

}  // namespace

Outbox::Outbox(std::filesystem::path dir, std::size_t max_entries)
    : dir_(std::move(dir)), max_entries_(max_entries) {}

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::filesystem::path& state_dir,
                                             std::size_t max_entries) {
  std::unique_ptr<Outbox> box(new Outbox(state_dir / "outbox", max_entries));
  auto loaded = LoadFrames<protocol::JobResult>(box->dir_, "job id",
                                                [](const protocol::JobResult& r) { return r.job_id; });
  if (!loaded) return loaded.error();
  std::lock_guard lock(box->mutex_);
  // Over the bound only if max_entries shrank between runs; keep them all
  // rather than drop results: Put refuses new ones until acks catch up.
  for (auto& [key, result] : *loaded) box->entries_.emplace(std::move(key), std::move(result));
  if (!box->entries_.empty()) Log()->info("outbox holds {} unacknowledged result(s)", box->entries_.size());
  return box;
}

Result<void> Outbox::Put(const protocol::JobResult& result) {
  // Keep (and compare) the result as it will read back after a restart.
  auto prepared = PrepareFrame(result, result.job_id, "job_id");
  if (!prepared) return prepared.error();
  const std::string& frame = prepared->text;
  protocol::JobResult* stored = &prepared->stored;

  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(result.job_id); it != entries_.end()) {
    if (it->second == *stored) return Ok();
    return MakeError(ErrorCode::kConflict, "outbox already holds a different result for job " + result.job_id,
                     "payload.job_id");
  }
  if (entries_.size() >= max_entries_) {
    return MakeError(ErrorCode::kTooLarge, "outbox is full: " + std::to_string(entries_.size()) +
                                               " results await result.ack (limit " +
                                               std::to_string(max_entries_) + ")");
  }
  // Kept even when the disk refuses it: resent until acknowledged, it is lost
  // only if the agent stops first, never just because the disk was full.
  auto stored_frame = StoreFrame(dir_, result.job_id, frame);
  entries_.emplace(result.job_id, std::move(*stored));
  return stored_frame;
}

Result<void> Outbox::Ack(std::string_view job_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(job_id);
  if (it == entries_.end()) return Ok();
  auto removed = RemoveFrame(dir_, it->first);
  // When only the directory fsync failed the file is gone: forget it, still report the error.
  if (!removed && std::filesystem::exists(dir_ / (it->first + ".json"))) return removed;
  entries_.erase(it);
  return removed;
}

std::vector<protocol::JobResult> Outbox::Pending() const {
  std::vector<protocol::JobResult> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(entries_.size());
    for (const auto& [id, result] : entries_) out.push_back(result);
  }
  std::stable_sort(out.begin(), out.end(), [](const protocol::JobResult& a, const protocol::JobResult& b) {
    if (a.finished_at != b.finished_at) return a.finished_at < b.finished_at;
    return a.job_id < b.job_id;
  });
  return out;
}

std::size_t Outbox::Size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace rmgr::agent
