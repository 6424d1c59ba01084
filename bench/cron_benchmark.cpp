// Cron engine throughput: parsing, Next() and LastFireAtOrBefore() for a
// dense, a zoned daily and a sparse expression.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>
#include <vector>

#include "common/cron/cron_parser.h"
#include "common/cron/location.h"

namespace {

using rmgr::Seconds;
using rmgr::cron::CronSchedule;
using rmgr::cron::Location;
using rmgr::cron::ParseCron;

constexpr const char* kExpressions[] = {
    "*/5 * * * *",                       // every five minutes
    "TZ=America/New_York 30 2 * * *",    // daily, in a zone with DST
    "0 0 29 2 *",                        // sparse: leap days only
    "15,45 9-17 * jan-jun,sep mon-fri",  // office hours on weekdays
    "@every 1h30m",                      // interval
};

// 1024 start instants spread over 2026, fixed seed.
const std::vector<Seconds>& Starts() {
  static const std::vector<Seconds> starts = [] {
    std::mt19937_64 rng(42);
    const std::int64_t begin = 1767225600;  // 2026-01-01T00:00:00Z
    std::uniform_int_distribution<std::int64_t> in_year(0, 365LL * 86400 - 1);
    std::vector<Seconds> out;
    for (int i = 0; i < 1024; ++i) out.emplace_back(std::chrono::seconds{begin + in_year(rng)});
    return out;
  }();
  return starts;
}

CronSchedule MustParse(const char* expression) {
  auto parsed = ParseCron(expression);
  if (!parsed) std::abort();
  return *parsed;
}

void BM_ParseCron(benchmark::State& state) {
  const char* expression = kExpressions[state.range(0)];
  state.SetLabel(expression);
  for (auto _ : state) {
    auto parsed = ParseCron(expression);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseCron)->DenseRange(0, 4);

void BM_Next(benchmark::State& state) {
  const char* expression = kExpressions[state.range(0)];
  state.SetLabel(expression);
  const CronSchedule schedule = MustParse(expression);
  const Location loc = Location::Utc();
  const auto& starts = Starts();
  size_t i = 0;
  for (auto _ : state) {
    auto next = schedule.Next(starts[i++ & 1023], loc);
    benchmark::DoNotOptimize(next);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Next)->DenseRange(0, 4);

// Walking a schedule forward fire by fire, as an agent's scheduler does.
void BM_NextChain(benchmark::State& state) {
  const char* expression = kExpressions[state.range(0)];
  state.SetLabel(expression);
  const CronSchedule schedule = MustParse(expression);
  const Location loc = Location::Utc();
  const Seconds start = Starts()[0];
  Seconds t = start;
  for (auto _ : state) {
    auto next = schedule.Next(t, loc);
    t = (next && *next < start + std::chrono::hours{24 * 365}) ? *next : start;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NextChain)->DenseRange(0, 3);

void BM_LastFireAtOrBefore(benchmark::State& state) {
  const char* expression = kExpressions[state.range(0)];
  state.SetLabel(expression);
  const CronSchedule schedule = MustParse(expression);
  const Location loc = Location::Utc();
  const auto& starts = Starts();
  size_t i = 0;
  for (auto _ : state) {
    auto last = schedule.LastFireAtOrBefore(starts[i++ & 1023], loc);
    benchmark::DoNotOptimize(last);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LastFireAtOrBefore)->DenseRange(0, 3);

}  // namespace

BENCHMARK_MAIN();
