#pragma once
// A directory of encoded frames, one file `<key>.json` per key: the disk
// half of the agent's outboxes (job results by job id, fires by schedule id).
// A file under its final name is always complete (see durable_file.h);
// leftover `.tmp` files (a crash mid-write) are deleted on load, and a file
// that does not decode, or that the owner's check refuses, is moved to
// `<dir>/corrupt/` with a warning and otherwise ignored.
// Thread safety: free functions; the owner serialises calls for one directory.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/protocol/envelope.h"
#include "common/result.h"

namespace rmgr::agent {

//! Judges a loaded frame: "" keeps it, anything else is why it is corrupt.
using FrameCheck = std::function<std::string(std::string_view key, const protocol::Envelope& frame)>;

//! Keys are ids ([0-9A-Za-z_-], 1..128 bytes): anything else could escape the
//! directory or clash with the suffixes.
bool IsSafeFrameKey(std::string_view key);

//! Creates `dir` (0700) if needed, cleans it as the file comment says and
//! returns every kept (key, frame), in key order. kUnavailable only when the
//! directory cannot be created or listed.
Result<std::vector<std::pair<std::string, protocol::Envelope>>> LoadFrameDir(const std::filesystem::path& dir,
                                                                             const FrameCheck& check);

//! Writes `frame` as `<dir>/<key>.json` durably, replacing an older one.
Result<void> StoreFrame(const std::filesystem::path& dir, std::string_view key, std::string_view frame);

//! Deletes `<dir>/<key>.json` durably; a missing file is not an error.
Result<void> RemoveFrame(const std::filesystem::path& dir, std::string_view key);

//! LoadFrameDir for frames of one message type T whose key is `key_of(payload)`
//! (named `key_name` in the reason a mismatching file is quarantined).
template <class T, class KeyOf>
Result<std::vector<std::pair<std::string, T>>> LoadFrames(const std::filesystem::path& dir,
                                                          std::string_view key_name, KeyOf key_of) {
  auto loaded = LoadFrameDir(dir, [&](std::string_view key, const protocol::Envelope& frame) -> std::string {
    const T* payload = std::get_if<T>(&frame.payload);
    if (payload == nullptr) return "not a " + std::string(T::kType) + " frame";
    if (key_of(*payload) != key) return std::string(key_name) + " does not match the file name";
    return {};
  });
  if (!loaded) return loaded.error();
  std::vector<std::pair<std::string, T>> out;
  out.reserve(loaded->size());
  for (auto& [key, frame] : *loaded) out.emplace_back(std::move(key), std::get<T>(std::move(frame.payload)));
  return out;
}

//! A payload ready for StoreFrame: its frame text and the payload as it reads
//! back after a restart (times floored to milliseconds, long text cut).
template <class T>
struct PreparedFrame {
  std::string text;  ///< The encoded frame.
  T stored;          ///< Decode(text)'s payload.
};

//! Checks that `key` is usable as a file name (kInvalidArgument naming `key_field`
//! otherwise) and that the server would accept the frame (a frame it rejects would
//! be resent forever), then encodes it.
template <class T>
Result<PreparedFrame<T>> PrepareFrame(const T& payload, std::string_view key, std::string_view key_field) {
  if (!IsSafeFrameKey(key)) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(key_field) + " is not usable as a file name",
                     "payload." + std::string(key_field));
  }
  const protocol::Envelope envelope{.id = {}, .payload = payload};
  if (auto valid = protocol::Validate(envelope); !valid) return valid.error();
  std::string text = protocol::Encode(envelope);
  auto reread = protocol::Decode(text);
  T* stored = reread ? std::get_if<T>(&reread->payload) : nullptr;
  if (stored == nullptr) {
    return MakeError(ErrorCode::kInternal, std::string(T::kType) + " frame does not decode", "payload");
  }
  return PreparedFrame<T>{std::move(text), std::move(*stored)};
}

}  // namespace rmgr::agent
