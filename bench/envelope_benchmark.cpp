// Wire protocol throughput: Decode of the frames an agent and a server see
// most (job.progress), the largest routine one (schedule.set with 50
// schedules) and the richest (command.run); Encode of job.progress.
// Reported as frames/s (items_per_second) and bytes/s.
//
//   cmake --build --preset release --target envelope_benchmark
//   build/release/bench/envelope_benchmark

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/protocol/envelope.h"

namespace rmgr::protocol {
namespace {

TimePoint At(const char* rfc3339) {
  auto parsed = ParseRfc3339(rfc3339);
  if (!parsed.ok()) {
    std::fprintf(stderr, "bad time %s\n", rfc3339);
    std::abort();
  }
  return parsed->time;
}

Envelope ProgressEnvelope() {
  return Envelope{"", JobProgress{.job_id = "01HZX3P0000000000000000J0B",
                                  .percent_done = 0.4213,
                                  .total_files = 1'204'332,
                                  .files_done = 507'118,
                                  .total_bytes = 812'334'501'376,
                                  .bytes_done = 342'001'772'544,
                                  .seconds_elapsed = 1312,
                                  .seconds_remaining = 1803,
                                  .error_count = 0,
                                  .current_files = {"/srv/data/projects/2026/renders/shot_0412.exr",
                                                    "/srv/data/projects/2026/renders/shot_0413.exr"}}};
}

Envelope ScheduleSetEnvelope(int count) {
  ScheduleSet set{.version = 42, .schedules = {}};
  for (int i = 0; i < count; ++i) {
    std::string id = "01HZX3P0000000000000SCH" + std::to_string(100 + i);
    set.schedules.push_back({.id = id,
                             .kind = i % 5 == 0 ? JobKind::kCheck : JobKind::kBackup,
                             .cron = "CRON_TZ=Europe/Berlin " + std::to_string(i % 60) + " */4 * * 1-5",
                             .enabled = i % 7 != 0,
                             .timezone = "Europe/Berlin",
                             .jitter_seconds = static_cast<uint32_t>(i * 10)});
  }
  return Envelope{"", set};
}

Envelope CommandRunEnvelope() {
  CommandRun run{.job_id = "01HZX3P0000000000000000J0B", .kind = JobKind::kBackup};
  run.repository = {
      .id = "01HZX3P0000000000000000REP",
      .url = "s3:https://s3.eu-central-1.amazonaws.com/acme-backups/hosts/web-01",
      .password = Secret("a-long-random-repository-password-0123456789"),
      .env = std::map<std::string, Secret>{{"AWS_ACCESS_KEY_ID", Secret("AKIAIOSFODNN7EXAMPLE")},
                                           {"AWS_SECRET_ACCESS_KEY", Secret("wJalrXUtnFEMI/K7MDENG")}}};
  run.source_group = SourceGroup{.id = "01HZX3P000000000000000GRP1",
                                 .name = "web content",
                                 .paths = {"/etc", "/srv/www", "/var/lib/postgresql/dumps", "/home"},
                                 .excludes = {"*.tmp", "*.swp", "/home/*/.cache", "/srv/www/*/node_modules"},
                                 .tags = {"web", "daily"}};
  run.retention =
      Retention{.keep_last = 3, .keep_daily = 7, .keep_weekly = 4, .keep_monthly = 12, .prune = true};
  run.options.backup = BackupOptions{.extra_tags = {"scheduled"}, .host = std::nullopt};
  run.hooks = Hooks{.pre = "/usr/local/bin/dump-db", .post = std::nullopt, .timeout_seconds = 900};
  run.schedule_id = "01HZX3P00000000000000SCHED";
  run.scheduled_at = At("2026-11-22T02:00:00Z");
  return Envelope{"01HZX3P000000000000000RVN1", run};
}

void DecodeFrames(benchmark::State& state, const Envelope& envelope) {
  const std::string frame = Encode(envelope);
  for (auto _ : state) {
    auto decoded = Decode(frame);
    if (!decoded.ok()) {
      state.SkipWithError(decoded.error().Describe().c_str());
      break;
    }
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(frame.size()));
  state.counters["frame_bytes"] = static_cast<double>(frame.size());
}

void BM_DecodeJobProgress(benchmark::State& state) {
  DecodeFrames(state, ProgressEnvelope());
}
BENCHMARK(BM_DecodeJobProgress);

void BM_DecodeScheduleSet50(benchmark::State& state) {
  DecodeFrames(state, ScheduleSetEnvelope(50));
}
BENCHMARK(BM_DecodeScheduleSet50);

void BM_DecodeCommandRun(benchmark::State& state) {
  DecodeFrames(state, CommandRunEnvelope());
}
BENCHMARK(BM_DecodeCommandRun);

void BM_EncodeJobProgress(benchmark::State& state) {
  const Envelope envelope = ProgressEnvelope();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string frame = Encode(envelope);
    bytes += frame.size();
    benchmark::DoNotOptimize(frame);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EncodeJobProgress);

}  // namespace
}  // namespace rmgr::protocol

BENCHMARK_MAIN();
