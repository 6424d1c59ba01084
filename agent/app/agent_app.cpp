#include "agent/app/agent_app.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/app/redelivery.h"
#include "agent/connection/agent_state.h"
#include "agent/connection/enroll_client.h"
#include "agent/executor/job_executor.h"
#include "agent/outbox/durable_file.h"
#include "agent/outbox/fire_outbox.h"
#include "agent/outbox/outbox.h"
#include "agent/runner/restic_process.h"
#include "agent/runner/restic_version.h"
#include "agent/scheduler/local_scheduler.h"
#include "agent/update/bundle_fetch.h"
#include "agent/update/supervisor.h"
#include "agent/update/update_installer.h"
#include "agent/update/update_layout.h"
#include "common/protocol/close_codes.h"
#include "common/protocol/envelope.h"
#include "common/protocol/limits.h"
#include "common/util/log.h"
#include "common/util/ulid.h"

namespace rmgr::agent {
namespace {

constexpr std::string_view kAgentVersion = "0.1.0";
constexpr std::string_view kSchedulesFile = "schedules.json";
constexpr std::string_view kRecordFile = "schedule_record.json";
constexpr std::size_t kMaxRecordBytes = std::size_t{1} << 20;

std::shared_ptr<spdlog::logger> Log() {
  return Logger("agent");
}

// The environment restic inherits: enough to find binaries and a temp dir,
// nothing else of the agent's (which may hold credentials of its own).
std::vector<std::string> BaseEnvironment() {
  std::vector<std::string> env;
  for (const char* name : {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ"}) {
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  }
  if (std::getenv("PATH") == nullptr) env.emplace_back("PATH=/usr/local/bin:/usr/bin:/bin");
  return env;
}

// "restic 0.14.0 compiled with go1.19.8 on linux/amd64" → "0.14.0"; empty when restic cannot run.
std::string ResticVersion(const std::string& binary) {
  runner::ResticInvocation invocation{{binary, "version"}, BaseEnvironment()};
  std::string first_line;
  auto process = runner::ResticProcess::Start(
      invocation, schema::Secret{}, [&](protocol::LogStream stream, std::string_view line) {
        if (stream == protocol::LogStream::kStdout && first_line.empty()) {
          first_line = line;
        }
      });
  if (!process) return {};
  const runner::ProcessExit exit = (*process)->Wait();
  if (exit.exit_code != 0) return {};
  std::istringstream words(first_line);
  std::string name, version;
  words >> name >> version;
  return name == "restic" ? version : std::string();
}

// The scheduler's evaluation record as written by SaveRecord; an unreadable
// file is an empty record (nothing fires late), with a warning.
EvaluationRecord LoadRecord(const std::filesystem::path& path) {
  auto text = ReadFileLimited(path, kMaxRecordBytes);
  if (!text) {
    if (text.error().code != ErrorCode::kNotFound) Log()->warn("{}", text.error().Describe());
    return {};
  }
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(*text, ec);
  const boost::json::object* obj = ec ? nullptr : doc.if_object();
  if (obj == nullptr) {
    Log()->warn("ignoring unreadable {}: slots missed while the agent was down will not fire", path.string());
    return {};
  }
  EvaluationRecord record;
  for (const auto& [id, value] : *obj) {
    const auto* at = value.if_string();
    if (at == nullptr) continue;
    if (auto parsed = ParseRfc3339(std::string_view(at->data(), at->size()))) {
      record.emplace(std::string(id), std::chrono::floor<std::chrono::seconds>(parsed->time));
    }
  }
  return record;
}

void SaveRecord(const std::filesystem::path& path, const EvaluationRecord& record) {
  boost::json::object obj;
  for (const auto& [id, at] : record) obj[id] = FormatRfc3339Utc(TimePoint{at});
  if (auto saved = WriteFileAtomically(path, boost::json::serialize(obj)); !saved) {
    Log()->warn("scheduler record not saved: {}", saved.error().Describe());
  }
}

}  // namespace

AgentApp::AgentApp(AgentOptions options) : options_(std::move(options)), work_(io_.get_executor()) {
  // Registered now, so a SIGTERM that arrives during Init is not fatal: it is
  // handled as soon as Run starts.
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
}

AgentApp::~AgentApp() {
  JoinShutdown();
  if (update_thread_.joinable()) update_thread_.join();
  // Order: nothing may call into a part that is already gone.
  connection_.reset();
  redelivery_.reset();
  scheduler_.reset();
  executor_.reset();
  fire_outbox_.reset();
  outbox_.reset();
}

// The restore root is made (0700) when it is missing so a restore into it
// works on a fresh install; it is kept absolute because hello reports it and
// the server compares targets with it.
Result<void> AgentApp::PrepareRestoreRoot() {
  namespace fs = std::filesystem;
  fs::path& root = options_.policy.restore_root;
  if (root.empty()) root = options_.state_dir / "restore";
  std::error_code ec;
  root = fs::absolute(root, ec).lexically_normal();
  if (ec)
    return MakeError(ErrorCode::kInvalidArgument, "cannot make the restore root absolute: " + ec.message());
  if (!root.has_filename() && root != root.root_path()) root = root.parent_path();
  if (!fs::exists(root, ec)) {
    if (!fs::create_directories(root, ec) && ec) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot create the restore root " + root.string() + ": " + ec.message());
    }
    fs::permissions(root, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  return Ok();
}

Result<void> AgentApp::Init() {
  auto state = LoadAgentState(options_.state_dir);
  if (!state) return state.error();
  state_ = std::make_unique<AgentState>(std::move(*state));
  if (auto ensured = EnsureInstallId(options_.state_dir, *state_); !ensured) {
    // Not fatal: the server then cannot tell two machines on one token apart.
    Log()->warn("no install id saved (hello goes without one): {}", ensured.error().message);
  }

  if (auto root = PrepareRestoreRoot(); !root) return root.error();

  auto outbox = Outbox::Open(options_.state_dir);
  if (!outbox) return outbox.error();
  outbox_ = std::move(*outbox);
  auto fire_outbox = FireOutbox::Open(options_.state_dir);
  if (!fire_outbox) return fire_outbox.error();
  fire_outbox_ = std::move(*fire_outbox);

  restic_version_ = ResticVersion(options_.restic_binary);
  if (restic_version_.empty()) {
    Log()->warn("cannot run '{} version': jobs will fail until restic is installed", options_.restic_binary);
  }

  ExecutorOptions executor;
  executor.restic.restic_binary = options_.restic_binary;
  executor.restic.state_dir = options_.state_dir.string();
  executor.restic.base_env = BaseEnvironment();
  // Newer restic releases wait for a lock themselves and report restore
  // progress; the version says which (agent/runner/restic_version.h).
  executor.restic.features = runner::FeaturesOf(runner::ParseResticVersion(restic_version_));
  executor.restic.retry_lock = std::chrono::ceil<std::chrono::seconds>(executor.locked_retry_delay);
  if (!restic_version_.empty()) {
    Log()->info("restic {}: using {}", restic_version_, runner::Describe(executor.restic.features));
  }
  executor.policy = options_.policy;
  executor.cancel_grace = options_.cancel_grace;
  executor_ = std::make_unique<JobExecutor>(
      *outbox_, [this](protocol::Payload payload) { Send(std::move(payload)); }, executor);

  // Every fire goes to the FireOutbox first; Redelivery sends it again until answered.
  LocalScheduler::Options cron;
  const auto record_path = options_.state_dir / kRecordFile;
  cron.evaluated = LoadRecord(record_path);
  cron.record = [record_path](const EvaluationRecord& record) { SaveRecord(record_path, record); };
  scheduler_ = std::make_unique<LocalScheduler>(
      io_.get_executor(),
      [this](const std::string& schedule_id, Seconds slot, bool late) { Fire(schedule_id, slot, late); },
      cron);

  Redelivery::Options redelivery;
  redelivery.fire_resend = options_.fire_resend;
  redelivery.report_every = options_.report_every;
  redelivery_ = std::make_unique<Redelivery>(
      io_.get_executor(),
      Redelivery::Sources{.fires = [this] { return fire_outbox_->Pending(); },
                          .results = [this] { return outbox_->Pending(); },
                          .report = [this] { return Report(); },
                          .send = [this](protocol::Payload payload) { return Send(std::move(payload)); }},
      redelivery);

  // The last set the server pushed keeps firing while the server is away.
  std::ifstream saved(options_.state_dir / kSchedulesFile, std::ios::binary);
  if (saved) {
    std::stringstream text;
    text << saved.rdbuf();
    auto envelope = protocol::Decode(text.str());
    if (envelope && std::holds_alternative<protocol::ScheduleSet>(envelope->payload)) {
      ApplySchedules(std::get<protocol::ScheduleSet>(envelope->payload), false);
    } else {
      Log()->warn("ignoring unreadable {}; waiting for the server's schedule set", kSchedulesFile);
    }
  }

  ConnectionOptions connection;
  connection.server_url = state_->server_url;
  if (state_->tls_fingerprint) {
    connection.trust.pins.push_back(*state_->tls_fingerprint);
    if (state_->tls_next_fingerprint) connection.trust.pins.push_back(*state_->tls_next_fingerprint);
  }
  connection.token = state_->host_token;
  connection.backoff_max = options_.reconnect_max;
  connection_ = std::make_unique<AgentConnection>(io_, connection, *this);
  return Ok();
}

int AgentApp::Run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    Log()->info("signal {} received, shutting down", signo);
    RequestStop();
  });
  if (auto started = connection_->Start(); !started) {
    Log()->error("cannot connect to {}: {}", state_->server_url, started.error().message);
    return 1;
  }
  Log()->info("agent for host {} ({}) connecting to {}", state_->host_name, state_->host_id,
              state_->server_url);
  std::thread second([this] { io_.run(); });
  io_.run();
  second.join();
  JoinShutdown();
  Log()->info("agent stopped");
  return exit_code_.load();
}

void AgentApp::RequestStop() {
  if (stopping_.exchange(true)) return;
  // Shutdown blocks (jobs finish or are interrupted): not on an io thread,
  // which the connection needs meanwhile to send the last results.
  std::lock_guard lock(shutdown_mu_);
  shutdown_thread_ = std::thread([this] { Shutdown(); });
}

void AgentApp::JoinShutdown() {
  std::lock_guard lock(shutdown_mu_);
  if (shutdown_thread_.joinable()) shutdown_thread_.join();
}

void AgentApp::Shutdown() {
  scheduler_->Stop();
  redelivery_->Stop();
  executor_->Shutdown(options_.shutdown_grace);
  connection_->Stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  work_.reset();
}

bool AgentApp::Send(protocol::Payload payload) {
  return connection_ && connection_->Send(protocol::Envelope{"", std::move(payload)});
}

void AgentApp::ApplySchedules(const protocol::ScheduleSet& set, bool from_server) {
  const protocol::ScheduleAck ack = scheduler_->Apply(set);
  const auto active = scheduler_->ActiveIds();
  Log()->info("schedule set version {} applied ({} active of {})", set.version, active.size(),
              set.schedules.size());
  fire_outbox_->Retain({active.begin(), active.end()});
  if (!from_server || set.version == 0) return;  // version 0 is "no schedules yet": nothing to ack
  if (auto saved = WriteFileAtomically(options_.state_dir / kSchedulesFile,
                                       protocol::Encode(protocol::Envelope{"", set}));
      !saved) {
    Log()->warn("schedule set not saved: {}", saved.error().message);
  }
  Send(ack);
}

void AgentApp::Fire(const std::string& schedule_id, Seconds slot, bool late) {
  // A fire made while no connection is ready goes out after the next hello.ok: late.
  const bool ready = ready_.load();
  const protocol::ScheduleFire fire{.schedule_id = schedule_id,
                                    .scheduled_at = TimePoint(slot),
                                    .late = late || !ready ? std::optional<bool>(true) : std::nullopt};
  auto stored = fire_outbox_->Put(fire);
  if (!stored) {
    Log()->error(
        "schedule {} fired for {}; the fire is not stored on disk (kept in memory until answered): {}",
        schedule_id, FormatRfc3339Utc(fire.scheduled_at), stored.error().Describe());
  }
  const bool sent = ready && Send(fire);
  Log()->info("schedule {} fired for {}{}{}", schedule_id, FormatRfc3339Utc(fire.scheduled_at),
              late ? " (missed while the agent was down)" : "",
              sent ? "" : " (sent once the server is reachable)");
}

protocol::JobsRunning AgentApp::Report() {
  protocol::JobsRunning report{
      .running_job_ids = executor_->RunningJobIds(), .unacked_job_ids = {}, .at = Clock::now()};
  if (report.running_job_ids.size() > protocol::limits::kMaxRunningJobs) {
    report.running_job_ids.resize(protocol::limits::kMaxRunningJobs);
  }
  report.unacked_job_ids = UnackedJobIds();
  return report;
}

std::vector<std::string> AgentApp::UnackedJobIds() const {
  std::vector<std::string> ids;
  for (const auto& result : outbox_->Pending()) {
    if (ids.size() == protocol::limits::kMaxUnackedJobs) break;
    ids.push_back(result.job_id);
  }
  return ids;
}

// ------------------------------------------------------------ connection

protocol::Hello AgentApp::MakeHello() {
  protocol::Hello hello;
  hello.agent_version = update::ReportedVersion(kAgentVersion);
  hello.restic_version = restic_version_;
  if (auto info = LocalHostInfo()) {
    hello.hostname = info->hostname;
    hello.os = info->os;
    hello.arch = info->arch;
  } else {
    hello.hostname = state_->host_name;
    hello.os = "linux";
    hello.arch = "unknown";
  }
  hello.applied_schedule_version = scheduler_->applied_version();
  hello.running_job_ids = executor_->RunningJobIds();
  hello.unacked_results = outbox_->Size();
  hello.unacked_job_ids = UnackedJobIds();
  hello.install_id = state_->install_id;
  const LocalPolicy& policy = options_.policy;
  hello.restore_root = policy.restore_root.string();
  hello.restore_anywhere = policy.restore_anywhere;
  hello.hook_policy = policy.hooks;
  hello.hook_allow = policy.hook_allow;
  return hello;
}

void AgentApp::OnOpen() {
  // What the server has not answered goes out once it accepted the hello (hello.ok).
  Log()->info("connected to {}; {} result(s) and {} fire(s) await an answer", state_->server_url,
              outbox_->Size(), fire_outbox_->Size());
}

void AgentApp::OnMessage(protocol::Envelope envelope) {
  std::visit(
      [&](auto& payload) {
        using T = std::decay_t<decltype(payload)>;
        if constexpr (std::is_same_v<T, protocol::HelloOk>) {
          const auto skew =
              std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - payload.server_time);
          if (skew > std::chrono::minutes(2) || skew < -std::chrono::minutes(2)) {
            Log()->warn("this host's clock is {} s off the server's; schedules fire by this host's clock",
                        skew.count());
          }
          ready_ = true;
          redelivery_->OnReady();   // results first (they finish jobs), then fires
          update::ReportHealthy();  // a supervisor trying this version keeps it
          ReportRolledBackUpdate();
        } else if constexpr (std::is_same_v<T, protocol::FireAnswer>) {
          const bool dropped = fire_outbox_->Answer(payload.schedule_id, payload.scheduled_at);
          Log()->log(dropped ? spdlog::level::info : spdlog::level::debug,
                     "fire of schedule {} for {}: {}{}{}", payload.schedule_id,
                     FormatRfc3339Utc(payload.scheduled_at), protocol::ToString(payload.outcome),
                     payload.reason ? " — " + *payload.reason : std::string(),
                     dropped ? "" : " (already answered)");
        } else if constexpr (std::is_same_v<T, protocol::ScheduleSet>) {
          ApplySchedules(payload, true);
        } else if constexpr (std::is_same_v<T, protocol::CommandRun>) {
          Log()->info("job {} ({}) received", payload.job_id, protocol::ToString(payload.kind));
          executor_->Run(std::move(payload));
        } else if constexpr (std::is_same_v<T, protocol::CommandCancel>) {
          if (!executor_->Cancel(payload.job_id))
            Log()->info("cancel for job {}: not running here", payload.job_id);
        } else if constexpr (std::is_same_v<T, protocol::ResultAck>) {
          if (auto acked = outbox_->Ack(payload.job_id); !acked) {
            Log()->warn("result of job {} acknowledged but not removed: {}", payload.job_id,
                        acked.error().message);
          }
        } else if constexpr (std::is_same_v<T, protocol::BrowseRequest>) {
          executor_->Browse(std::move(payload));
        } else if constexpr (std::is_same_v<T, protocol::TlsNext>) {
          AcceptNextCertificate(payload.fingerprint);
        } else if constexpr (std::is_same_v<T, protocol::AgentUpdate>) {
          StartUpdate(payload);
        } else if constexpr (std::is_same_v<T, protocol::AgentRollback>) {
          StartRollback(payload);
        } else {
          Log()->warn("server sent {}, which only agents send; ignored", T::kType);
        }
      },
      envelope.payload);
}

void AgentApp::OnClosed(std::string_view reason) {
  ready_ = false;
  redelivery_->OnClosed();
  Log()->info("connection closed: {}", reason);
}

void AgentApp::OnPinRotated(std::string_view fingerprint) {
  // The announced next certificate is now the server's: it alone stays pinned.
  AgentState updated = *state_;
  updated.tls_fingerprint = std::string(fingerprint);
  updated.tls_next_fingerprint.reset();
  if (auto saved = SaveAgentState(options_.state_dir, updated); !saved) {
    Log()->error("cannot record the server's new certificate {}: {}", fingerprint, saved.error().Describe());
    return;
  }
  *state_ = std::move(updated);
}

// The server announced the certificate it will rotate to, over this trusted
// connection: accept it beside the current pin, on disk too, so a restart
// between the announcement and the switch does not strand the agent.
void AgentApp::AcceptNextCertificate(const std::string& fingerprint) {
  if (!state_->tls_fingerprint || state_->tls_next_fingerprint == fingerprint ||
      state_->tls_fingerprint == fingerprint) {
    return;  // no pin (the system CAs decide) or already known
  }
  AgentState updated = *state_;
  updated.tls_next_fingerprint = fingerprint;
  if (auto saved = SaveAgentState(options_.state_dir, updated); !saved) {
    Log()->error("cannot record the server's next certificate {}: {}", fingerprint, saved.error().Describe());
    return;
  }
  *state_ = std::move(updated);
  connection_->AcceptNextFingerprint(fingerprint);
  Log()->info("the server will rotate to certificate {}; accepted it beside the pinned {}", fingerprint,
              *state_->tls_fingerprint);
}

void AgentApp::OnRefused(std::uint16_t close_code, std::string_view reason) {
  // Firing on would only fill the fire outbox for a server that will never take it.
  scheduler_->Stop();
  const std::string_view meaning = protocol::CloseCodeMeaning(close_code);
  if (close_code == protocol::kCloseHostDeleted) {
    Log()->error(
        "the server says this host was deleted ({}): the agent stops; enroll again with "
        "restic-manager-agent enroll --server URL --token T --state-dir {}",
        reason.empty() ? meaning : reason, options_.state_dir.string());
  } else {
    Log()->error(
        "the server refused this agent ({}): another machine uses this host's token (a copied state "
        "directory?); the agent stops. Enroll this machine as its own host.",
        reason.empty() ? meaning : reason);
  }
  exit_code_ = kExitConfig;
  RequestStop();
}

// ------------------------------------------------------------ updates

void AgentApp::StartUpdate(const protocol::AgentUpdate& update) {
  if (update.version == update::ReportedVersion(kAgentVersion)) {
    Log()->info("update to {}: already running it", update.version);
    return;
  }
  if (!StartOnUpdateThread([this, update] { RunUpdate(update); }))
    Log()->info("update to {}: an update is already under way; ignored", update.version);
}

bool AgentApp::StartOnUpdateThread(std::function<void()> work) {
  if (stopping_.load() || updating_.exchange(true)) return false;
  if (update_thread_.joinable()) update_thread_.join();  // a finished earlier attempt
  update_thread_ = std::thread(std::move(work));
  return true;
}

// On the update thread: downloads block, and waiting for jobs must not hold an io thread.
void AgentApp::RunUpdate(protocol::AgentUpdate update) {
  const auto status = [&](protocol::UpdateOutcome outcome, std::optional<std::string> reason) {
    Send(protocol::AgentUpdateStatus{update.rollout_id, update.version, outcome, std::move(reason)});
  };
  if (!WaitForJobs(update.rollout_id, update.version, "update to " + update.version)) {
    updating_ = false;
    return;
  }
  update::InstallContext context;
  context.state_dir = options_.state_dir;
  context.update_key = state_->update_key;
  if (auto info = LocalHostInfo()) {
    context.os = info->os;
    context.arch = info->arch;
  }
  context.fetch = [this](const std::string& path, std::uint64_t max_bytes) {
    update::FetchRequest request{state_->server_url, path, state_->host_token, {}, max_bytes};
    if (state_->tls_fingerprint) {
      request.trust.pins.push_back(*state_->tls_fingerprint);
      if (state_->tls_next_fingerprint) request.trust.pins.push_back(*state_->tls_next_fingerprint);
    }
    return update::FetchBundle(request);
  };
  Log()->info("update to {} (rollout {}): downloading {} bytes", update.version, update.rollout_id,
              update.size);
  if (auto installed = update::InstallUpdate(update, context); !installed) {
    Log()->error("update to {} refused: {}", update.version, installed.error().message);
    status(protocol::UpdateOutcome::kRefused, installed.error().message);
    updating_ = false;
    return;
  }
  Log()->info("update to {} verified and installed; restarting into it", update.version);
  status(protocol::UpdateOutcome::kInstalling, std::nullopt);
  exit_code_ = kExitUpdate;
  RequestStop();
}

// Jobs in flight finish first; the server sees "waiting" meanwhile.
bool AgentApp::WaitForJobs(const std::string& rollout_id, const std::string& version,
                           const std::string& what) {
  bool told = false;
  while (!stopping_.load() && !executor_->RunningJobIds().empty()) {
    if (!told) {
      Log()->info("{} waits for {} running job(s)", what, executor_->RunningJobIds().size());
      Send(protocol::AgentUpdateStatus{rollout_id, version, protocol::UpdateOutcome::kWaiting,
                                       "waiting for running jobs to finish"});
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return !stopping_.load();
}

void AgentApp::StartRollback(const protocol::AgentRollback& rollback) {
  if (!StartOnUpdateThread([this, rollback] { RunRollback(rollback); }))
    Log()->info("rollback from {}: an update or rollback is already under way; ignored", rollback.version);
}

// On the update thread, like an update: jobs in flight finish first.
void AgentApp::RunRollback(protocol::AgentRollback rollback) {
  if (!WaitForJobs(rollback.rollout_id, rollback.version, "rollback from " + rollback.version)) {
    updating_ = false;
    return;
  }
  // Just tried and healthy: its supervisor makes it current once it read the
  // health report (within 100 ms); until then pending.json still names it.
  for (int i = 0; i < 100 && !stopping_.load(); ++i) {
    const auto pending = update::ReadPending(options_.state_dir);
    if (!pending || pending->version != rollback.version) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const update::RollbackRequest request{rollback.version, rollback.rollout_id,
                                        "rollout " + rollback.rollout_id + " failed: wave rolled back"};
  if (auto asked = update::RequestRollback(options_.state_dir, request, kAgentVersion); !asked) {
    Log()->warn("rollback from {} (rollout {}) refused: {}", rollback.version, rollback.rollout_id,
                asked.error().message);
    Send(protocol::AgentUpdateStatus{rollback.rollout_id, rollback.version, protocol::UpdateOutcome::kRefused,
                                     asked.error().message});
    updating_ = false;
    return;
  }
  Log()->warn("rollout {} failed: leaving {} for the previous version; restarting", rollback.rollout_id,
              rollback.version);
  exit_code_ = kExitUpdate;
  RequestStop();
}

void AgentApp::ReportRolledBackUpdate() {
  auto failed = update::ReadFailed(options_.state_dir);
  if (!failed) return;
  if (Send(protocol::AgentUpdateStatus{failed->rollout_id, failed->version,
                                       protocol::UpdateOutcome::kRolledBack, failed->reason})) {
    update::RemoveMarker(options_.state_dir, "failed.json");
  }
}

}  // namespace rmgr::agent
