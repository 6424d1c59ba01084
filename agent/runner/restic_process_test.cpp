// ResticProcess against /bin/sh stand-ins: pipes, fd 3, line cap, cancel.
#include "agent/runner/restic_process.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace rmgr::agent::runner {
namespace {

using protocol::LogStream;
using namespace std::chrono_literals;

struct Captured {
  std::vector<std::string> out;
  std::vector<std::string> err;
};

ResticInvocation Sh(const std::string& script) {
  return ResticInvocation{{"/bin/sh", "-c", script}, {"PATH=/usr/bin:/bin"}};
}

LineCallback Capture(Captured& c) {
  return [&c](LogStream stream, std::string_view line) {
    (stream == LogStream::kStdout ? c.out : c.err).emplace_back(line);
  };
}

TEST(ResticProcess, PasswordArrivesOnFd3AndStreamsAreSeparate) {
  Captured c;
  auto p = ResticProcess::Start(Sh("cat /dev/fd/3; echo; echo oops >&2; exit 7"), schema::Secret("s3cret pw"),
                                Capture(c));
  ASSERT_TRUE(p.ok()) << p.error().Describe();
  const auto exit = (*p)->Wait();
  EXPECT_EQ(exit.exit_code, 7);
  EXPECT_FALSE(exit.cancelled);
  EXPECT_EQ(c.out, std::vector<std::string>{"s3cret pw"});
  EXPECT_EQ(c.err, std::vector<std::string>{"oops"});
}

TEST(ResticProcess, OnlyStdioAndPasswordFdAreInherited) {
  std::set<std::string> fds;
  ResticProcess* raw = nullptr;
  auto p = ResticProcess::Start(Sh("cat /dev/fd/3 >/dev/null; echo ready; sleep 5"), schema::Secret("x"),
                                [&](LogStream, std::string_view line) {
                                  if (line != "ready") return;
                                  // Looked at from outside, so the listing opens no fd in the child. (The
                                  // shell reads fd 3 through cat: a builtin with a redirection
                                  // would make dash park stdin on fd 10 meanwhile.)
                                  for (const auto& e : std::filesystem::directory_iterator(
                                           "/proc/" + std::to_string(raw->pid()) + "/fd")) {
                                    fds.insert(e.path().filename().string());
                                  }
                                  raw->Cancel(2s);
                                });
  ASSERT_TRUE(p.ok());
  raw = p->get();
  const auto exit = (*p)->Wait();
  EXPECT_TRUE(exit.cancelled);
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2", "3"}));
}

TEST(ResticProcess, LongLinesAreCut) {
  Captured c;
  auto p =
      ResticProcess::Start(Sh("head -c 200000 /dev/zero | tr '\\0' a; echo; printf 'next\\nlast-no-newline'"),
                           schema::Secret("x"), Capture(c), 1000);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->Wait().exit_code, 0);
  ASSERT_EQ(c.out.size(), 3u);
  EXPECT_EQ(c.out[0], std::string(1000, 'a'));
  EXPECT_EQ(c.out[1], "next");
  EXPECT_EQ(c.out[2], "last-no-newline");
}

TEST(ResticProcess, ReadsBothPipesConcurrently) {
  Captured c;
  // Far more than a pipe buffer on each stream: a reader that drained one
  // pipe first would deadlock.
  auto p =
      ResticProcess::Start(Sh("i=0; while [ $i -lt 20000 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done"),
                           schema::Secret("x"), Capture(c));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->Wait().exit_code, 0);
  ASSERT_EQ(c.out.size(), 20000u);
  ASSERT_EQ(c.err.size(), 20000u);
  EXPECT_EQ(c.out.back(), "out19999");
  EXPECT_EQ(c.err.back(), "err19999");
}

TEST(ResticProcess, CancelSendsSigint) {
  Captured c;
  ResticProcess* raw = nullptr;
  auto p =
      ResticProcess::Start(Sh("trap 'echo got-int; exit 130' INT; echo ready; while :; do sleep 0.05; done"),
                           schema::Secret("x"), [&](LogStream s, std::string_view line) {
                             Capture(c)(s, line);
                             if (line == "ready") raw->Cancel(10s);
                           });
  ASSERT_TRUE(p.ok());
  raw = p->get();
  const auto exit = (*p)->Wait();
  EXPECT_EQ(exit.exit_code, 130);
  EXPECT_TRUE(exit.cancelled);
  EXPECT_FALSE(exit.killed);
  EXPECT_EQ(c.out, (std::vector<std::string>{"ready", "got-int"}));
}

TEST(ResticProcess, CancelEscalatesToSigkill) {
  ResticProcess* raw = nullptr;
  auto p = ResticProcess::Start(Sh("trap '' INT; echo ready; while :; do sleep 0.05; done"),
                                schema::Secret("x"), [&](LogStream, std::string_view line) {
                                  if (line == "ready") raw->Cancel(200ms);
                                });
  ASSERT_TRUE(p.ok());
  raw = p->get();
  const auto start = std::chrono::steady_clock::now();
  const auto exit = (*p)->Wait();
  EXPECT_TRUE(exit.cancelled);
  EXPECT_TRUE(exit.killed);
  EXPECT_EQ(exit.signal, 9);
  EXPECT_EQ(exit.exit_code, 137);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ResticProcess, MissingBinaryFailsToStart) {
  auto p = ResticProcess::Start(ResticInvocation{{"/nonexistent/restic"}, {}}, schema::Secret("x"), nullptr);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace rmgr::agent::runner
