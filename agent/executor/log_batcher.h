#pragma once
// LogBatcher: one job's log lines, sent as job.log batches whose first_seq
// continues across batches (0, 1, 2, ... over the whole job), so the server
// can store resends idempotently. A batch leaves when it holds `batch_lines`
// lines (at most limits::kMaxLogLines), when one more line could push its
// frame past limits::kMaxFrameBytes, when its oldest line has waited
// `flush_interval` (FlushIfDue, called by a ticker), or on Flush.
// Thread safety: every member may be called from any thread; one mutex
// serialises them and is held while sending, so batches leave in order.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol/messages.h"

namespace rmgr::agent {

//! Receives one finished batch.
using LogSink = std::function<void(protocol::JobLog batch)>;

//! Batches one job's log lines into job.log messages.
class LogBatcher {
 public:
  //! Batches for `job_id` go to `sink`.
  LogBatcher(std::string job_id, std::size_t batch_lines, std::chrono::milliseconds flush_interval,
             LogSink sink);

  //! Queues one line (stamped now); sends the batch first when the line would not fit it, after when full.
  void Add(protocol::LogStream stream, std::string_view text);
  //! Sends the pending lines if the oldest has waited flush_interval by `now`.
  void FlushIfDue(std::chrono::steady_clock::time_point now);
  //! Sends the pending lines, if any.
  void Flush();

 private:
  void FlushLocked();

  const std::string job_id_;
  const std::size_t batch_lines_;
  const std::chrono::milliseconds flush_interval_;
  const LogSink sink_;

  std::mutex mu_;  // guards the fields below
  std::vector<protocol::LogLine> pending_{};
  std::size_t pending_bytes_ = 0;  // upper bound of the pending lines' encoded size
  std::optional<std::chrono::steady_clock::time_point> oldest_{};
  std::uint64_t next_seq_ = 0;  // sequence number of pending_[0]
};

}  // namespace rmgr::agent
