#include "agent/app/agent_app.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "agent/connection/agent_state.h"
#include "agent/connection/enroll_client.h"
#include "agent/executor/job_executor.h"
#include "agent/outbox/outbox.h"
#include "agent/runner/restic_process.h"
#include "agent/scheduler/local_scheduler.h"
#include "common/protocol/envelope.h"
#include "common/util/log.h"
#include "common/util/ulid.h"

namespace rmgr::agent {
namespace {

constexpr std::string_view kAgentVersion = "0.1.0";
constexpr std::string_view kSchedulesFile = "schedules.json";

std::shared_ptr<spdlog::logger> Log() { return Logger("agent"); }

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
  auto process = runner::ResticProcess::Start(invocation, schema::Secret{},
                                              [&](protocol::LogStream stream, std::string_view line) {
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

// Writes `text` to `path` atomically (temp file, fsync, rename).
Result<void> WriteFileAtomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return MakeError(ErrorCode::kUnavailable, "cannot write " + temp.string());
  }
  if (FILE* f = std::fopen(temp.c_str(), "rb")) {
    ::fsync(fileno(f));
    std::fclose(f);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "cannot replace " + path.string() + ": " + ec.message());
  return Ok();
}

}  // namespace

AgentApp::AgentApp(AgentOptions options) : options_(std::move(options)), work_(io_.get_executor()) {
  // Registered now, so a SIGTERM that arrives during Init is not fatal: it is
  // handled as soon as Run starts.
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
}

AgentApp::~AgentApp() {
  // Order: nothing may call into a part that is already gone.
  connection_.reset();
  scheduler_.reset();
  executor_.reset();
  outbox_.reset();
}

Result<void> AgentApp::Init() {
  auto state = LoadAgentState(options_.state_dir);
  if (!state) return state.error();
  state_ = std::make_unique<AgentState>(std::move(*state));

  auto outbox = Outbox::Open(options_.state_dir);
  if (!outbox) return outbox.error();
  outbox_ = std::move(*outbox);

  restic_version_ = ResticVersion(options_.restic_binary);
  if (restic_version_.empty()) {
    Log()->warn("cannot run '{} version': jobs will fail until restic is installed", options_.restic_binary);
  }

  ExecutorOptions executor;
  executor.restic.restic_binary = options_.restic_binary;
  executor.restic.state_dir = options_.state_dir.string();
  executor.restic.base_env = BaseEnvironment();
  executor.allow_hooks = options_.allow_hooks;
  executor.cancel_grace = options_.cancel_grace;
  executor_ = std::make_unique<JobExecutor>(*outbox_, [this](protocol::Payload payload) { Send(std::move(payload)); },
                                            executor);

  // A fire that cannot be sent now is remembered by the scheduler (latest
  // slot per schedule) and sent by OnOpen after the next reconnect.
  scheduler_ = std::make_unique<LocalScheduler>(
      io_.get_executor(),
      [this](const std::string& schedule_id, Seconds slot) {
        const bool sent = Send(protocol::ScheduleFire{schedule_id, TimePoint(slot)});
        Log()->info("schedule {} fired for {}{}", schedule_id, FormatRfc3339Utc(TimePoint(slot)),
                    sent ? "" : " (offline: sent after reconnect)");
        return sent;
      },
      LocalScheduler::Options{});

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
  Log()->info("agent for host {} ({}) connecting to {}", state_->host_name, state_->host_id, state_->server_url);
  std::thread second([this] { io_.run(); });
  io_.run();
  second.join();
  Log()->info("agent stopped");
  return 0;
}

void AgentApp::RequestStop() {
  if (stopping_.exchange(true)) return;
  // Shutdown blocks (jobs finish or are interrupted): not on an io thread,
  // which the connection needs meanwhile to send the last results.
  std::thread([this] { Shutdown(); }).detach();
}

void AgentApp::Shutdown() {
  scheduler_->Stop();
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
  Log()->info("schedule set version {} applied ({} active of {})", set.version, scheduler_->ActiveIds().size(),
              set.schedules.size());
  if (!from_server || set.version == 0) return;  // version 0 is "no schedules yet": nothing to ack
  if (auto saved = WriteFileAtomically(options_.state_dir / kSchedulesFile,
                                       protocol::Encode(protocol::Envelope{"", set}));
      !saved) {
    Log()->warn("schedule set not saved: {}", saved.error().message);
  }
  Send(ack);
}

// ------------------------------------------------------------ connection

protocol::Hello AgentApp::MakeHello() {
  protocol::Hello hello;
  hello.agent_version = std::string(kAgentVersion);
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
  return hello;
}

void AgentApp::OnOpen() {
  // Everything the server has not acknowledged yet: results first (they
  // finish jobs), then the fires that happened while we were away.
  const auto pending = outbox_->Pending();
  for (const auto& result : pending) Send(result);
  const auto missed = scheduler_->TakeMissedFires();
  for (const auto& fire : missed) Send(fire);
  Log()->info("connected to {}; resent {} result(s) and {} missed fire(s)", state_->server_url, pending.size(),
              missed.size());
}

void AgentApp::OnMessage(protocol::Envelope envelope) {
  std::visit(
      [&](auto& payload) {
        using T = std::decay_t<decltype(payload)>;
        if constexpr (std::is_same_v<T, protocol::HelloOk>) {
          const auto skew = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - payload.server_time);
          if (skew > std::chrono::minutes(2) || skew < -std::chrono::minutes(2)) {
            Log()->warn("this host's clock is {} s off the server's; schedules fire by this host's clock",
                        skew.count());
          }
        } else if constexpr (std::is_same_v<T, protocol::ScheduleSet>) {
          ApplySchedules(payload, true);
        } else if constexpr (std::is_same_v<T, protocol::CommandRun>) {
          Log()->info("job {} ({}) received", payload.job_id, protocol::ToString(payload.kind));
          executor_->Run(std::move(payload));
        } else if constexpr (std::is_same_v<T, protocol::CommandCancel>) {
          if (!executor_->Cancel(payload.job_id)) Log()->info("cancel for job {}: not running here", payload.job_id);
        } else if constexpr (std::is_same_v<T, protocol::ResultAck>) {
          if (auto acked = outbox_->Ack(payload.job_id); !acked) {
            Log()->warn("result of job {} acknowledged but not removed: {}", payload.job_id, acked.error().message);
          }
        } else if constexpr (std::is_same_v<T, protocol::BrowseRequest>) {
          executor_->Browse(std::move(payload));
        } else {
          Log()->warn("server sent {}, which only agents send; ignored", T::kType);
        }
      },
      envelope.payload);
}

void AgentApp::OnClosed(std::string_view reason) { Log()->info("connection closed: {}", reason); }

}  // namespace rmgr::agent
