#include "agent/executor/job_executor.h"

#include <algorithm>

#include "agent/executor/browse_run.h"
#include "agent/executor/job_run.h"
#include "common/protocol/envelope.h"
#include "common/util/log.h"

namespace rmgr::agent {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return Logger("executor");
}

}  // namespace

//! A running job: its flow and the thread that runs it.
class JobExecutor::Job {
 public:
  Job(protocol::CommandRun run, const ExecutorOptions& options, const Emit& emit)
      : flow(std::move(run), options, emit) {}

  JobRun flow;         ///< What the thread runs.
  std::thread thread;  ///< Set by Run under the executor's mutex, moved out by Retire.
};

//! A running browse listing and the thread that runs it.
class JobExecutor::Listing {
 public:
  Listing(protocol::BrowseRequest request, const ExecutorOptions& options)
      : flow(std::move(request), options.restic, options.cancel_grace) {}

  BrowseRun flow;      ///< What the thread runs.
  std::thread thread;  ///< Set by Browse under the executor's mutex, moved out by Retire.
};

JobExecutor::JobExecutor(Outbox& outbox, Emit emit, ExecutorOptions options)
    : outbox_(outbox), emit_(std::move(emit)), options_(std::move(options)) {
  ticker_ = std::thread([this] { Tick(); });
}

JobExecutor::~JobExecutor() {
  Shutdown(std::chrono::milliseconds{0});
}

bool JobExecutor::Run(protocol::CommandRun run) {
  JoinRetired();
  std::unique_lock lock(mu_);
  if (stopping_) {
    Log()->warn("job {}: not started, the executor is shutting down", run.job_id);
    return false;
  }
  // A job stores its result before it leaves jobs_, so the outbox is asked
  // first: a job that has just finished is re-sent, not ignored.
  for (auto& stored : outbox_.Pending()) {
    if (stored.job_id != run.job_id) continue;
    lock.unlock();
    Log()->info("job {}: already finished; re-sending its stored result", run.job_id);
    emit_(std::move(stored));
    return false;
  }
  if (jobs_.contains(run.job_id)) {
    Log()->info("job {}: already running; command.run ignored", run.job_id);
    return false;
  }
  auto job = std::make_unique<Job>(std::move(run), options_, emit_);
  Job& started = *job;
  jobs_.emplace(started.flow.job_id(), std::move(job));
  started.thread = std::thread([this, &started] { RunJob(started); });
  return true;
}

bool JobExecutor::Cancel(std::string_view job_id) {
  std::lock_guard lock(mu_);
  const auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return false;
  Log()->info("job {}: cancel requested", job_id);
  it->second->flow.Stop(StopReason::kCancel);
  return true;
}

void JobExecutor::Browse(protocol::BrowseRequest request) {
  JoinRetired();
  std::unique_lock lock(mu_);
  if (stopping_) {
    lock.unlock();
    emit_(protocol::BrowseResult{.request_id = request.request_id, .error = "the agent is shutting down"});
    return;
  }
  auto listing = std::make_unique<Listing>(std::move(request), options_);
  Listing& started = *listing;
  listings_.push_back(std::move(listing));
  started.thread = std::thread([this, &started] { RunListing(started); });
}

std::vector<std::string> JobExecutor::RunningJobIds() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> ids;
  ids.reserve(jobs_.size());
  for (const auto& [id, job] : jobs_) ids.push_back(id);
  return ids;
}

std::size_t JobExecutor::RunningCount() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

void JobExecutor::Shutdown(std::chrono::milliseconds grace) {
  {
    std::unique_lock lock(mu_);
    if (stopping_) {
      changed_.wait(lock, [this] { return shut_down_; });
      return;
    }
    stopping_ = true;
    changed_.notify_all();
    const auto idle = [this] { return jobs_.empty() && listings_.empty(); };
    if (!changed_.wait_for(lock, grace, idle)) {
      Log()->warn("shutting down: interrupting {} job(s) and {} listing(s)", jobs_.size(), listings_.size());
      for (auto& [id, job] : jobs_) job->flow.Stop(StopReason::kShutdown);
      for (auto& listing : listings_) listing->flow.Stop();
      changed_.wait(lock, idle);
    }
  }
  ticker_.join();
  JoinRetired();
  std::lock_guard lock(mu_);
  shut_down_ = true;
  changed_.notify_all();
}

void JobExecutor::RunJob(Job& job) {
  protocol::JobResult result = job.flow.Execute();
  if (auto valid = protocol::Validate(protocol::Envelope{"", result}); !valid.ok()) {
    Log()->error("job {}: the server will reject this result: {}", result.job_id, valid.error().Describe());
  }
  if (auto stored = outbox_.Put(result); !stored.ok()) {
    Log()->error("job {}: result not stored on disk (kept in memory until acknowledged): {}", result.job_id,
                 stored.error().Describe());
  }
  Log()->info("job {}: {}", result.job_id, protocol::ToString(result.status));
  emit_(std::move(result));
  Retire(job);
}

void JobExecutor::RunListing(Listing& listing) {
  emit_(listing.flow.Execute());
  Retire(listing);
}

void JobExecutor::Retire(Job& job) {
  std::lock_guard lock(mu_);
  retired_.push_back(std::move(job.thread));
  jobs_.erase(std::string(job.flow.job_id()));  // destroys `job`
  changed_.notify_all();
}

void JobExecutor::Retire(Listing& listing) {
  std::lock_guard lock(mu_);
  retired_.push_back(std::move(listing.thread));
  std::erase_if(listings_, [&](const auto& l) { return l.get() == &listing; });  // destroys `listing`
  changed_.notify_all();
}

void JobExecutor::Tick() {
  const auto period = std::max(std::min(options_.log_flush_interval / 4, options_.watchdog_tick),
                               std::chrono::milliseconds{10});
  std::unique_lock lock(mu_);
  while (!(stopping_ && jobs_.empty())) {
    changed_.wait_for(lock, period);
    std::vector<std::shared_ptr<LogBatcher>> logs;
    logs.reserve(jobs_.size());
    const auto now = std::chrono::steady_clock::now();
    for (const auto& [id, job] : jobs_) {
      logs.push_back(job->flow.log());
      job->flow.CheckLimits(now);  // only signals: cheap under the lock, as Cancel is
    }
    lock.unlock();  // batches are emitted without the executor's lock
    for (const auto& log : logs) log->FlushIfDue(now);
    lock.lock();
  }
}

void JobExecutor::JoinRetired() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(retired_);
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace rmgr::agent
