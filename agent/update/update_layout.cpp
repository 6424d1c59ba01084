#include "agent/update/update_layout.h"

#include <boost/json.hpp>

#include "agent/outbox/durable_file.h"

namespace rmgr::agent::update {
namespace {

constexpr std::size_t kMaxMarkerBytes = 16 * 1024;

std::filesystem::path UpdateDir(const std::filesystem::path& state_dir) {
  return state_dir / "update";
}

std::optional<boost::json::object> ReadObject(const std::filesystem::path& path) {
  auto text = ReadFileLimited(path, kMaxMarkerBytes);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(*text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  return std::move(doc.as_object());
}

std::string Field(const boost::json::object& obj, const char* key) {
  const auto* value = obj.if_contains(key);
  const auto* text = value != nullptr ? value->if_string() : nullptr;
  return text != nullptr ? std::string(text->data(), text->size()) : std::string();
}

Result<void> Write(const std::filesystem::path& path, std::string_view data) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  return WriteFileAtomically(path, data);
}

std::optional<FailedUpdate> ReadRecord(const std::filesystem::path& state_dir, const char* name) {
  auto obj = ReadObject(UpdateDir(state_dir) / name);
  if (!obj) return std::nullopt;
  return FailedUpdate{Field(*obj, "version"), Field(*obj, "rollout_id"), Field(*obj, "reason")};
}

Result<void> WriteRecord(const std::filesystem::path& state_dir, const char* name,
                         const FailedUpdate& record) {
  return Write(
      UpdateDir(state_dir) / name,
      boost::json::serialize(boost::json::object{
          {"version", record.version}, {"rollout_id", record.rollout_id}, {"reason", record.reason}}));
}

}  // namespace

std::filesystem::path ExecutablePath(const std::filesystem::path& state_dir, const std::string& version) {
  return state_dir / "versions" / version / kAgentExecutable;
}

std::optional<PendingUpdate> ReadPending(const std::filesystem::path& state_dir) {
  auto obj = ReadObject(UpdateDir(state_dir) / "pending.json");
  if (!obj) return std::nullopt;
  PendingUpdate pending{Field(*obj, "version"), Field(*obj, "rollout_id")};
  if (pending.version.empty()) return std::nullopt;
  return pending;
}

Result<void> WritePending(const std::filesystem::path& state_dir, const PendingUpdate& pending) {
  return Write(UpdateDir(state_dir) / "pending.json",
               boost::json::serialize(
                   boost::json::object{{"version", pending.version}, {"rollout_id", pending.rollout_id}}));
}

std::optional<FailedUpdate> ReadFailed(const std::filesystem::path& state_dir) {
  return ReadRecord(state_dir, "failed.json");
}

Result<void> WriteFailed(const std::filesystem::path& state_dir, const FailedUpdate& failed) {
  return WriteRecord(state_dir, "failed.json", failed);
}

std::optional<RollbackRequest> ReadRollback(const std::filesystem::path& state_dir) {
  auto rollback = ReadRecord(state_dir, "rollback.json");
  if (!rollback || rollback->version.empty()) return std::nullopt;
  return rollback;
}

Result<void> WriteRollback(const std::filesystem::path& state_dir, const RollbackRequest& rollback) {
  return WriteRecord(state_dir, "rollback.json", rollback);
}

bool HasMarker(const std::filesystem::path& state_dir, const char* name) {
  std::error_code ec;
  return std::filesystem::is_regular_file(UpdateDir(state_dir) / name, ec);
}

std::string ReadMarker(const std::filesystem::path& state_dir, const char* name) {
  auto text = ReadFileLimited(UpdateDir(state_dir) / name, 256);
  if (!text) return {};
  std::string out = *text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Result<void> WriteMarker(const std::filesystem::path& state_dir, const char* name,
                         const std::string& version) {
  return Write(UpdateDir(state_dir) / name, version + "\n");
}

void RemoveMarker(const std::filesystem::path& state_dir, const char* name) {
  std::error_code ec;
  std::filesystem::remove(UpdateDir(state_dir) / name, ec);
}

}  // namespace rmgr::agent::update
