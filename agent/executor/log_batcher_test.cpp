// LogBatcher: continuous sequence numbers, batch limits, frame limit, interval flush.
#include "agent/executor/log_batcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/protocol/envelope.h"
#include "common/protocol/limits.h"

namespace rmgr::agent {
namespace {

using namespace std::chrono_literals;
using protocol::LogStream;
constexpr std::string_view kJobId = "01HZX3P0000000000000000J0B";

struct Batches {
  std::vector<protocol::JobLog> logs;
  LogSink sink() {
    return [this](protocol::JobLog batch) { logs.push_back(std::move(batch)); };
  }
};

TEST(LogBatcher, SequenceIsContinuousAcrossBatches) {
  Batches out;
  LogBatcher log(std::string(kJobId), 3, 1h, out.sink());
  for (int i = 0; i < 7; ++i) log.Add(LogStream::kStdout, "line " + std::to_string(i));
  log.Flush();
  log.Flush();  // nothing pending: no empty batch
  ASSERT_EQ(out.logs.size(), 3u);
  uint64_t next = 0;
  for (const auto& batch : out.logs) {
    EXPECT_EQ(batch.job_id, kJobId);
    EXPECT_EQ(batch.first_seq, next);
    EXPECT_LE(batch.lines.size(), 3u);
    for (std::size_t i = 0; i < batch.lines.size(); ++i) {
      EXPECT_EQ(batch.lines[i].text, "line " + std::to_string(next + i));
    }
    next += batch.lines.size();
  }
  EXPECT_EQ(next, 7u);
}

TEST(LogBatcher, BatchesStayWithinTheFrameLimit) {
  Batches out;
  LogBatcher log(std::string(kJobId), protocol::limits::kMaxLogLines, 1h, out.sink());
  // Control characters encode as \u00XX: six bytes each.
  const std::string nasty(protocol::limits::kMaxLogLineBytes, '\x01');
  for (int i = 0; i < 40; ++i) log.Add(LogStream::kStderr, nasty);
  log.Flush();
  ASSERT_GT(out.logs.size(), 1u);
  std::size_t lines = 0;
  for (const auto& batch : out.logs) {
    const protocol::Envelope env{"", batch};
    EXPECT_LE(protocol::Encode(env).size(), protocol::limits::kMaxFrameBytes);
    EXPECT_TRUE(protocol::Validate(env).ok());
    lines += batch.lines.size();
  }
  EXPECT_EQ(lines, 40u);
}

TEST(LogBatcher, BatchSizeIsCappedAtTheWireLimit) {
  Batches out;
  LogBatcher log(std::string(kJobId), 100'000, 1h, out.sink());
  for (std::size_t i = 0; i < protocol::limits::kMaxLogLines + 1; ++i) log.Add(LogStream::kStdout, "x");
  ASSERT_EQ(out.logs.size(), 1u);
  EXPECT_EQ(out.logs[0].lines.size(), protocol::limits::kMaxLogLines);
}

TEST(LogBatcher, FlushIfDueWaitsForTheInterval) {
  Batches out;
  LogBatcher log(std::string(kJobId), 200, 1s, out.sink());
  log.Add(LogStream::kAgent, "hello");
  const auto added = std::chrono::steady_clock::now();
  log.FlushIfDue(added);
  EXPECT_TRUE(out.logs.empty());
  log.FlushIfDue(added + 2s);
  ASSERT_EQ(out.logs.size(), 1u);
  EXPECT_EQ(out.logs[0].lines.at(0).stream, LogStream::kAgent);
}

}  // namespace
}  // namespace rmgr::agent
