#include "agent/executor/log_batcher.h"

#include <algorithm>

#include "common/protocol/limits.h"

namespace rmgr::agent {
namespace {

namespace limits = protocol::limits;

//! Room a batch's frame keeps for the envelope and the job.log fields.
constexpr std::size_t kFrameOverhead = 1024;
//! Encoded size of one line besides its text: {"stream":"stdout","text":"","at":"…"}, plus slack.
constexpr std::size_t kLineOverhead = 96;

//! Upper bound of `text` encoded as a JSON string, as Encode writes it (cut
//! to kMaxLogLineBytes): control characters become \u00XX, quotes and
//! backslashes are escaped, a byte of invalid UTF-8 becomes U+FFFD (3 bytes).
std::size_t EncodedBound(std::string_view text) {
  std::size_t bytes = 2;
  for (const char c : text.substr(0, limits::kMaxLogLineBytes)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20) {
      bytes += 6;
    } else if (c == '"' || c == '\\') {
      bytes += 2;
    } else if (u >= 0x80) {
      bytes += 3;
    } else {
      bytes += 1;
    }
  }
  return bytes;
}

}  // namespace

LogBatcher::LogBatcher(std::string job_id, std::size_t batch_lines, std::chrono::milliseconds flush_interval,
                       LogSink sink)
    : job_id_(std::move(job_id)),
      batch_lines_(std::clamp<std::size_t>(batch_lines, 1, limits::kMaxLogLines)),
      flush_interval_(flush_interval),
      sink_(std::move(sink)) {}

void LogBatcher::Add(protocol::LogStream stream, std::string_view text) {
  const std::size_t bytes = EncodedBound(text) + kLineOverhead;
  std::lock_guard lock(mu_);
  if (pending_bytes_ + bytes > limits::kMaxFrameBytes - kFrameOverhead) FlushLocked();
  if (pending_.empty()) oldest_ = std::chrono::steady_clock::now();
  pending_.push_back(protocol::LogLine{.stream = stream, .text = std::string(text), .at = Clock::now()});
  pending_bytes_ += bytes;
  if (pending_.size() >= batch_lines_) FlushLocked();
}

void LogBatcher::FlushIfDue(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (oldest_ && now - *oldest_ >= flush_interval_) FlushLocked();
}

void LogBatcher::Flush() {
  std::lock_guard lock(mu_);
  FlushLocked();
}

void LogBatcher::FlushLocked() {
  if (pending_.empty()) return;
  protocol::JobLog batch{.job_id = job_id_, .first_seq = next_seq_, .lines = std::move(pending_)};
  next_seq_ += batch.lines.size();
  pending_.clear();
  pending_bytes_ = 0;
  oldest_.reset();
  sink_(std::move(batch));
}

}  // namespace rmgr::agent
