#include "server/alerts/alert_engine.h"

#include <boost/asio/post.hpp>
#include <future>
#include <map>

#include "common/util/log.h"
#include "server/alerts/alert_conditions.h"
#include "server/views/json_views.h"

namespace rmgr::server::alerts {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return Logger("alerts");
}

using Subject = std::pair<std::string, std::string>;  // schedule id, group id ("" for none)
using SteadyClock = std::chrono::steady_clock;

std::chrono::microseconds Since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
}

//! Lock streaks whose newest job finished this recently are looked at (a
//! streak still going has jobs at least as recent as its schedule fires).
constexpr auto kLockLookback = std::chrono::days(8);

void Add(PassStats& into, const LifecycleResult& result) {
  into.fired += result.fired;
  into.resolved += result.resolved;
  into.reminded += result.reminded;
}

}  // namespace

AlertEngine::AlertEngine(store::Store& store, AlertEngineOptions options)
    : work_(io_.get_executor()), store_(store), options_(std::move(options)), timer_(io_), thread_([this] {
        for (;;) {
          try {
            io_.run();
            return;
          } catch (const std::exception& e) {
            Log()->critical("alert engine thread: unexpected exception: {}", e.what());
          }
        }
      }) {}

AlertEngine::~AlertEngine() {
  Stop();
  work_.reset();
  thread_.join();
}

template <class F>
auto AlertEngine::Call(F&& work) -> decltype(work()) {
  using R = decltype(work());
  std::packaged_task<R()> task(std::forward<F>(work));
  auto result = task.get_future();
  boost::asio::post(io_, [&task] { task(); });
  return result.get();
}

void AlertEngine::Start() {
  Call([this] {
    if (started_ || stopped_) return;
    started_ = true;
    watching_since_ = options_.now();
    // Outcomes heard by nobody (the server stopped between a result's
    // commit and its event) are found by looking again.
    auto subjects = store_.Read([&](store::ReadTx& tx) {
      return tx.ListJobSubjectsFinishedSince(watching_since_ - options_.rescan);
    });
    if (subjects.ok()) {
      for (const auto& subject : *subjects)
        dirty_subjects_.insert({subject.schedule_id, subject.source_group_id});
    } else {
      Log()->error("alert engine: cannot list recent job outcomes: {}", subjects.error().Describe());
    }
    if (auto flushed = Flush(); !flushed.ok()) {
      Log()->error("alert engine: start-up rescan failed: {}", flushed.error().Describe());
    } else if (flushed->subjects > 0) {
      Log()->info("alert engine: rescanned {} schedule × group(s): {} fired, {} resolved", flushed->subjects,
                  flushed->fired, flushed->resolved);
    }
    if (auto pass = FullPass(); !pass.ok())
      Log()->error("alert engine: first pass failed: {}", pass.error().Describe());
    Arm();
  });
}

void AlertEngine::Stop() {
  Call([this] {
    stopped_ = true;
    timer_.cancel();
  });
}

Result<PassStats> AlertEngine::RunPass() {
  return Call([this] { return FullPass(); });
}

void AlertEngine::RequestPass() {
  boost::asio::post(io_, [this] {
    if (!started_ || stopped_) return;
    if (auto pass = FullPass(); !pass.ok())
      Log()->error("alert engine: pass failed: {}", pass.error().Describe());
  });
}

Result<PassStats> AlertEngine::Drain() {
  return Call([this] { return Flush(); });
}

void AlertEngine::JobChanged(const store::Job& job) {
  if (!IsTerminal(job.status)) return;
  boost::asio::post(io_, [this, host = job.host_id, schedule = job.schedule_id, group = job.source_group_id] {
    if (stopped_) return;
    dirty_hosts_.insert(host);
    if (schedule) dirty_subjects_.insert({*schedule, group.value_or("")});
    ScheduleFlush();
  });
}

void AlertEngine::HostChanged(const store::Host& host) {
  boost::asio::post(io_, [this, id = host.id, connected = host.connected, now = options_.now()] {
    if (stopped_) return;
    if (connected) {
      connected_since_.emplace(id, now);  // the first event of a connection wins
    } else {
      connected_since_.erase(id);
    }
    dirty_hosts_.insert(id);
    ScheduleFlush();
  });
}

void AlertEngine::ScheduleFlush() {
  if (!started_ || std::exchange(flush_posted_, true)) return;
  boost::asio::post(io_, [this] {
    if (auto flushed = Flush(); !flushed.ok()) {
      // What was heard is evaluated again by the next full pass.
      Log()->error("alert engine: evaluation failed: {}", flushed.error().Describe());
    }
  });
}

void AlertEngine::Arm() {
  if (stopped_) return;
  timer_.expires_after(options_.period);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    auto pass = FullPass();
    if (!pass.ok()) {
      Log()->error("alert engine: periodic pass failed: {}", pass.error().Describe());
    } else if (pass->fired + pass->resolved + pass->reminded > 0) {
      Log()->info("alert engine: {} host(s): {} fired, {} resolved, {} reminded ({} ms)", pass->hosts,
                  pass->fired, pass->resolved, pass->reminded,
                  (pass->read + pass->evaluate + pass->write).count() / 1000);
    }
    Arm();
  });
}

RuleSet AlertEngine::LoadRules() {
  auto stored = store_.Read([](store::ReadTx& tx) { return tx.ListAlertRules(); });
  if (!stored.ok()) {
    Log()->error("alert engine: cannot read the rules, using the defaults: {}", stored.error().Describe());
    return RuleSet();
  }
  std::vector<std::string> problems;
  RuleSet rules = RuleSet::FromStored(*stored, &problems);
  for (const auto& problem : problems) {
    if (reported_problems_.insert(problem).second) Log()->warn("alert engine: {}", problem);
  }
  return rules;
}

void AlertEngine::Publish(const std::vector<store::Alert>& alerts) {
  for (const auto& alert : alerts) options_.events->Publish(events::Event{"alert", views::AlertJson(alert)});
}

Result<PassStats> AlertEngine::Flush() {
  flush_posted_ = false;
  if (dirty_hosts_.empty() && dirty_subjects_.empty()) return PassStats{};
  return EvaluateSubjects(std::exchange(dirty_subjects_, {}), std::exchange(dirty_hosts_, {}));
}

Result<PassStats> AlertEngine::EvaluateSubjects(std::set<Subject> subjects, std::set<std::string> hosts) {
  PassStats stats;
  const TimePoint now = options_.now();
  const RuleSet rules = LoadRules();

  // ---- read: one snapshot
  auto start = SteadyClock::now();
  struct Inputs {
    FleetState fleet;
    std::set<std::string> gone_hosts;
    std::vector<std::pair<store::Job, SubjectNames>> outcomes;  // latest decisive job per subject
    std::set<std::string> evaluated_keys;                       // subjects read (with or without a job)
    std::set<std::string> subject_hosts;
  };
  auto inputs = store_.Read([&](store::ReadTx& tx) -> Result<Inputs> {
    Inputs in;
    auto repositories = tx.ListRepositories();
    if (!repositories.ok()) return repositories.error();
    std::map<std::string, std::string> repository_names;
    for (const auto& repository : *repositories) repository_names[repository.id] = repository.name;
    std::map<std::string, store::Host> host_cache;
    auto host_of = [&](const std::string& id) -> Result<const store::Host*> {
      if (auto found = host_cache.find(id); found != host_cache.end()) return &found->second;
      auto host = tx.GetHost(id);
      if (!host.ok()) return host.error();
      return &host_cache.emplace(id, std::move(*host)).first->second;
    };
    for (const auto& [schedule_id, group_id] : subjects) {
      auto schedule = tx.GetScheduleById(schedule_id);
      if (!schedule.ok()) {
        if (schedule.error().code == ErrorCode::kNotFound)
          continue;  // deleted: the full pass resolves its alerts
        return schedule.error();
      }
      in.evaluated_keys.insert(JobSubjectKey(schedule_id, group_id));
      in.subject_hosts.insert(schedule->host_id);
      auto latest = tx.GetLatestDecisiveJob(schedule_id, group_id);
      if (!latest.ok()) return latest.error();
      if (!*latest) continue;
      auto host = host_of(schedule->host_id);
      if (!host.ok()) return host.error();
      SubjectNames names{(*host)->name, schedule->name, "", ""};
      if (!group_id.empty()) {
        auto group = tx.GetSourceGroupById(group_id);
        names.group_name = group.ok() ? group->name : group_id;
      }
      if (const auto& repository = (*latest)->repository_id) {
        if (auto name = repository_names.find(*repository); name != repository_names.end()) {
          names.repository_name = name->second;
        }
      }
      in.outcomes.emplace_back(std::move(**latest), std::move(names));
    }
    if (!hosts.empty()) {
      in.fleet.repositories = std::move(*repositories);
      auto streaks = tx.ListLockStreaks(now - kLockLookback);
      if (!streaks.ok()) return streaks.error();
      for (auto& streak : *streaks) {
        if (hosts.contains(streak.host_id)) in.fleet.lock_streaks.push_back(std::move(streak));
      }
    }
    for (const auto& id : hosts) {
      auto host = tx.GetHost(id);
      if (!host.ok()) {
        if (host.error().code != ErrorCode::kNotFound) return host.error();
        in.gone_hosts.insert(id);
        continue;
      }
      auto schedules = tx.ListSchedulesByHost(id);
      if (!schedules.ok()) return schedules.error();
      auto groups = tx.ListSourceGroups(id);
      if (!groups.ok()) return groups.error();
      auto states = tx.ListScheduleGroupStates(id);
      if (!states.ok()) return states.error();
      in.fleet.hosts.push_back(std::move(*host));
      std::move(schedules->begin(), schedules->end(), std::back_inserter(in.fleet.schedules));
      std::move(groups->begin(), groups->end(), std::back_inserter(in.fleet.groups));
      std::move(states->begin(), states->end(), std::back_inserter(in.fleet.group_states));
    }
    return in;
  });
  if (!inputs.ok()) return inputs.error();
  stats.read = Since(start);
  stats.hosts = static_cast<int>(inputs->fleet.hosts.size() + inputs->gone_hosts.size());
  stats.subjects = static_cast<int>(inputs->evaluated_keys.size());

  // ---- evaluate
  start = SteadyClock::now();
  for (const auto& [id, since] : connected_since_) inputs->fleet.connected_since.emplace(id, since);
  std::vector<Condition> desired = EvaluateFleet(inputs->fleet, rules, now, Watch{watching_since_, options_.settle});
  for (const auto& [job, names] : inputs->outcomes) {
    if (auto condition = EvaluateJobOutcome(job, names, rules)) desired.push_back(std::move(*condition));
  }
  stats.conditions = static_cast<int>(desired.size());
  stats.evaluate = Since(start);

  // ---- write: the open alerts in scope, read and changed in one transaction
  start = SteadyClock::now();
  std::set<std::string> scope_hosts = hosts;
  scope_hosts.insert(inputs->subject_hosts.begin(), inputs->subject_hosts.end());
  auto result = store_.Write([&](store::WriteTx& tx) -> Result<LifecycleResult> {
    std::vector<store::Alert> scope;
    for (const auto& host_id : scope_hosts) {
      auto open = tx.ListOpenAlerts(host_id);
      if (!open.ok()) return open.error();
      for (auto& alert : *open) {
        const bool fleet_scope = IsFleetKind(alert.kind) && hosts.contains(alert.host_id);
        const bool subject_scope =
            !IsFleetKind(alert.kind) && inputs->evaluated_keys.contains(alert.subject_key);
        if (fleet_scope || subject_scope) scope.push_back(std::move(alert));
      }
    }
    return Reconcile(tx, options_.sink, desired, scope, now);
  });
  if (!result.ok()) return result.error();
  stats.write = Since(start);
  Add(stats, *result);
  Publish(result->changed);
  return stats;
}

Result<PassStats> AlertEngine::FullPass() {
  PassStats stats;
  const TimePoint now = options_.now();
  const RuleSet rules = LoadRules();

  auto start = SteadyClock::now();
  auto fleet = store_.Read([&](store::ReadTx& tx) -> Result<FleetState> {
    FleetState state;
    auto hosts = tx.ListAllHosts();
    if (!hosts.ok()) return hosts.error();
    auto schedules = tx.ListAllSchedules();
    if (!schedules.ok()) return schedules.error();
    auto groups = tx.ListAllSourceGroups();
    if (!groups.ok()) return groups.error();
    auto repositories = tx.ListRepositories();
    if (!repositories.ok()) return repositories.error();
    auto states = tx.ListAllScheduleGroupStates();
    if (!states.ok()) return states.error();
    auto streaks = tx.ListLockStreaks(now - kLockLookback);
    if (!streaks.ok()) return streaks.error();
    state.hosts = std::move(*hosts);
    state.schedules = std::move(*schedules);
    state.groups = std::move(*groups);
    state.repositories = std::move(*repositories);
    state.group_states = std::move(*states);
    state.lock_streaks = std::move(*streaks);
    return state;
  });
  if (!fleet.ok()) return fleet.error();
  stats.read = Since(start);
  stats.hosts = static_cast<int>(fleet->hosts.size());

  start = SteadyClock::now();
  fleet->connected_since = connected_since_;
  const std::vector<Condition> desired = EvaluateFleet(*fleet, rules, now, Watch{watching_since_, options_.settle});
  std::set<std::string> schedule_ids, host_ids;
  for (const auto& schedule : fleet->schedules) schedule_ids.insert(schedule.id);
  for (const auto& host : fleet->hosts) host_ids.insert(host.id);
  stats.conditions = static_cast<int>(desired.size());
  stats.evaluate = Since(start);

  start = SteadyClock::now();
  auto result = store_.Write([&](store::WriteTx& tx) -> Result<LifecycleResult> {
    auto open = tx.ListOpenAlerts(std::nullopt);
    if (!open.ok()) return open.error();
    // In scope: every fleet alert (the fleet was read whole), and the job
    // alerts no evaluation will ever visit again — their schedule or host
    // is gone, or their rule was turned off.
    std::vector<store::Alert> scope;
    for (auto& alert : *open) {
      const bool orphan =
          !IsFleetKind(alert.kind) && (!rules.Of(alert.kind).enabled || !host_ids.contains(alert.host_id) ||
                                       !alert.schedule_id || !schedule_ids.contains(*alert.schedule_id));
      if (IsFleetKind(alert.kind) || orphan) scope.push_back(std::move(alert));
    }
    auto reconciled = Reconcile(tx, options_.sink, desired, scope, now);
    if (!reconciled.ok()) return reconciled.error();
    auto still_open = tx.ListOpenAlerts(std::nullopt);
    if (!still_open.ok()) return still_open.error();
    auto ticked = Tick(tx, options_.sink, *still_open, rules, now);
    if (!ticked.ok()) return ticked.error();
    LifecycleResult all = std::move(*reconciled);
    all.reminded += ticked->reminded;
    std::move(ticked->changed.begin(), ticked->changed.end(), std::back_inserter(all.changed));
    return all;
  });
  if (!result.ok()) return result.error();
  stats.write = Since(start);
  Add(stats, *result);
  Publish(result->changed);
  return stats;
}

}  // namespace rmgr::server::alerts
