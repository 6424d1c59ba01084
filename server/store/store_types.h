#pragma once
// Record types of the store: what the server reads and writes through
// rmgr::store::Store. Plain values, free of SQLite (and PostgreSQL) types.
// Time: every TimePoint is UTC and kept with millisecond precision (the store
// truncates what it is given). Ids are ULIDs assigned by the store unless a
// type says otherwise. Thread safety: value types and pure functions; no
// shared state.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels/labels.h"
#include "common/protocol/enums.h"
#include "common/util/time_format.h"

namespace rmgr::store {

// The job vocabulary (kind, status, error kind, log stream) is defined once,
// in common/protocol/enums.h, with its server-only values marked there; the
// store uses it as is. Names are stored as the enums' ToString (error kind
// "none" is stored as ''), and the CHECK lists in migrations/ are tested
// against those sets (vocabulary_test.cpp).

using JobKind = protocol::JobKind;      ///< What a job does; the restic sub-command it runs.
using JobStatus = protocol::JobStatus;  ///< Where a job is in its lifecycle.
using ErrorKind = protocol::ErrorKind;  ///< Why a job failed.
using LogStream = protocol::LogStream;  ///< Which stream a job log line came from.
using protocol::IsTerminal;             ///< True for the states a job never leaves.
using protocol::ToString;

//! Who or what caused a job or an audited action. Jobs accept only user,
//! api, schedule and catchup; the audit log accepts all.
enum class ActorKind { kUser, kApi, kSchedule, kCatchup, kAgent, kSystem };

//! Stable lower-case name, as stored and as sent on the API ("user", "catchup", ...).
std::string_view ToString(ActorKind kind);

//! Parses a stable name back into its enum (any name of the job
//! vocabulary, server-only ones included); nullopt when the name is unknown.
//! ActorKind and WindowNoteKind have their own specializations.
template <class E>
std::optional<E> FromString(std::string_view text) {
  static_assert(protocol::Vocabulary<E>, "no stable names for this enum");
  E value{};
  if (!protocol::FromString(text, value)) return std::nullopt;
  return value;
}
template <>
std::optional<ActorKind> FromString<ActorKind>(std::string_view text);

//! The lifecycle rule: queued → dispatched | cancelled | failed;
//! dispatched → running | any terminal; running → any terminal;
//! terminal → nothing. A status never "moves" to itself.
bool IsAllowedTransition(JobStatus from, JobStatus to);

// ---------------------------------------------------------------- paging --

//! Page size used when a request asks for 0 or less.
inline constexpr int kDefaultPageLimit = 50;
//! Largest page the store returns, whatever a request asks for.
inline constexpr int kMaxPageLimit = 500;

//! Clamps a requested page size into [1, kMaxPageLimit]; <= 0 means the default.
int ClampPageLimit(int limit);

//! One page request: where to continue and how many items at most.
struct PageRequest {
  std::string cursor;             ///< Opaque; empty for the first page, else a previous next_cursor.
  int limit = kDefaultPageLimit;  ///< Clamped with ClampPageLimit.
};

//! One page of a keyset-paged listing.
template <class T>
struct Page {
  std::vector<T> items;     ///< In listing order.
  std::string next_cursor;  ///< Pass back for the next page; empty when this was the last.
};

// ----------------------------------------------------------------- hosts --

//! A machine with an agent.
struct Host {
  std::string id;                                  ///< ULID.
  std::string name;                                ///< Unique display name.
  std::string hostname;                            ///< As the agent reports it.
  std::string os;                                  ///< As the agent reports it ("linux").
  std::string arch;                                ///< As the agent reports it ("amd64").
  std::string agent_version;                       ///< From hello.
  std::string restic_version;                      ///< From hello.
  bool always_on = true;                           ///< false: intermittent, eligible for catch-up.
  std::string token_hash;                          ///< Hash of the agent's token; empty before it has one.
  int64_t schedule_version_canonical = 0;          ///< Bumped by every schedule change.
  int64_t schedule_version_applied = 0;            ///< Last version the agent acked.
  std::optional<TimePoint> schedule_applied_at;    ///< When that ack said it applied.
  std::optional<std::string> current_job_id;       ///< Job dispatched to or running on the host.
  bool connected = false;                          ///< Advisory: an agent connection is open.
  std::optional<TimePoint> last_seen_at;           ///< Last hello or ping.
  std::optional<TimePoint> last_backup_at;         ///< Last succeeded or partial backup job.
  TimePoint created_at;                            ///< Set by the store.
  std::optional<std::string> install_id{};         ///< Agent installation bound at its first hello.
  std::optional<TimePoint> install_conflict_at{};  ///< When another installation used the token (a flag).
  std::string schedule_rejected_json{};  ///< Entries the agent could not apply (JSON array); "" = none.
  std::optional<TimePoint>
      schedule_changed_at{};  ///< When the canonical version last moved (drift is measured from it).
  labels::Labels labels{};    ///< Operator-set labels (common/labels/labels.h).
  std::string restore_root{};                    ///< The agent's restore root (hello); "" = not reported yet.
  bool restore_anywhere = false;                 ///< The agent consents to restores outside its root (hello).
  std::string hook_policy{};                     ///< "refuse" / "allow" / "allowlist" (hello); "" = not reported.
  std::vector<std::string> hook_allow{};         ///< Programs an allowlist policy runs (hello).
};

//! What BindHostInstall found.
enum class InstallBinding {
  kBound,     ///< The host had no installation: this one is bound now.
  kSame,      ///< This installation is the bound one.
  kConflict,  ///< Another installation is bound: refused, the host is flagged.
};

//! What creating a host needs; the rest starts at its default.
struct NewHost {
  std::string name;         ///< Unique display name; must not be empty.
  std::string hostname;     ///< May be empty until the agent says hello.
  bool always_on = true;    ///< Host mode.
  std::string token_hash;   ///< Empty: no agent token yet.
  labels::Labels labels{};  ///< Validated by the caller (labels::Validate).
};

//! A partial update from hello / heartbeat; unset fields stay unchanged.
struct HostStatus {
  std::optional<std::string> hostname;        ///< New hostname.
  std::optional<std::string> os;              ///< New OS name.
  std::optional<std::string> arch;            ///< New architecture.
  std::optional<std::string> agent_version;   ///< New agent version.
  std::optional<std::string> restic_version;  ///< New restic version.
  std::optional<bool> connected;              ///< Connection opened or closed.
  std::optional<TimePoint> seen_at;           ///< New last_seen_at.
  std::optional<std::string> restore_root;    ///< New restore root.
  std::optional<bool> restore_anywhere;       ///< New restore-anywhere consent.
  std::optional<std::string> hook_policy;     ///< New hook policy name.
  std::optional<std::vector<std::string>> hook_allow;  ///< New hook allowlist.
};

//! A host's canonical schedule version after a change that bumped it.
struct HostVersion {
  std::string host_id;  ///< The host.
  int64_t version = 0;  ///< Its new canonical schedule version.
  bool operator==(const HostVersion&) const = default;
};

// ------------------------------------------------- repositories & groups --

//! A restic repository. The secret is only ever stored sealed.
struct Repository {
  std::string id;                          ///< ULID; empty on create → assigned.
  std::string name;                        ///< Unique display name.
  std::string url;                         ///< RESTIC_REPOSITORY.
  std::vector<uint8_t> secret_ciphertext;  ///< Password sealed with the server key.
  std::vector<uint8_t> secret_nonce;       ///< Nonce used to seal it.
  int max_concurrent_backups = 0;          ///< Backups at once across all hosts; 0: unlimited.
  std::string maintenance_cron;            ///< forget/prune/check start only in its windows; empty: any time.
  int maintenance_minutes = 0;             ///< How long each window stays open (0 without a cron).
  TimePoint created_at;                    ///< Set by the store.
  TimePoint updated_at;                    ///< Set by the store.
};

//! A named set of paths on one host.
struct SourceGroup {
  std::string id;                     ///< ULID; empty on create → assigned.
  std::string host_id;                ///< Owning host.
  std::string name;                   ///< Unique per host.
  std::vector<std::string> paths;     ///< What to back up.
  std::vector<std::string> excludes;  ///< restic --exclude patterns.
  std::vector<std::string> tags;      ///< restic --tag values.
  TimePoint created_at;               ///< Set by the store.
  TimePoint updated_at;               ///< Set by the store.
};

//! Where a secret sealed with the server key is kept.
enum class SealedKind {
  kRepositoryPassword,  ///< repositories.secret_* (the restic password).
  kChannelSecret,       ///< notification_channels.secret_* (webhook URL, tokens, SMTP password).
  kTotpSecret,          ///< user_totp.secret_* (a user's TOTP key; id is the user id).
};

//! One secret sealed with the server key, as stored (server key rotation
//! reads every one and writes it back sealed under the new key).
struct SealedRecord {
  SealedKind kind = SealedKind::kRepositoryPassword;  ///< Its table.
  std::string id;                                     ///< The row's id.
  std::vector<uint8_t> nonce;                         ///< Nonce it was sealed with.
  std::vector<uint8_t> ciphertext;                    ///< MAC + encrypted bytes.
};

// ------------------------------------------------------------- schedules --

//! When and how a host runs one kind of job.
struct Schedule {
  std::string id;                             ///< ULID; empty on create → assigned.
  std::string host_id;                        ///< Owning host; fixed after create.
  std::string name;                           ///< Unique per host.
  JobKind kind = JobKind::kBackup;            ///< backup, forget, prune or check.
  std::string cron;                           ///< Cron expression (validated by the caller).
  std::string timezone = "UTC";               ///< IANA zone the cron is read in.
  std::string repository_id;                  ///< Target repository.
  std::vector<std::string> source_group_ids;  ///< Groups of the same host, in order.
  std::string retention_json = "{}";          ///< Retention policy (JSON object).
  std::string options_json = "{}";            ///< Kind-specific options (JSON object).
  std::string pre_hook;                       ///< Command run before restic; empty for none.
  std::string post_hook;                      ///< Command run after restic; empty for none.
  std::chrono::seconds hook_timeout{300};     ///< Per hook; must be positive.
  bool enabled = true;                        ///< Disabled schedules are pushed but never fire.
  std::chrono::seconds jitter{0};             ///< Random delay the agent adds to each fire.
  std::chrono::seconds max_runtime{
      0};                ///< One job's limit (then stopped, "timeout"); 0: the agent's default for the kind.
  TimePoint created_at;  ///< Set by the store.
  TimePoint updated_at;  ///< Set by the store.
};

//! A schedule after a create or update, with its host's new canonical version.
struct ScheduleChange {
  Schedule schedule;    ///< As stored.
  int64_t version = 0;  ///< The host's canonical schedule version after the change.
};

//! Outcome of the last job of one schedule for one source group (drives catch-up).
struct ScheduleGroupState {
  std::string schedule_id;                   ///< The schedule.
  std::string source_group_id;               ///< The group.
  std::optional<TimePoint> last_success_at;  ///< Finish time of the last succeeded/partial job.
  std::optional<std::string> last_job_id;    ///< Last finished job, whatever its outcome.
  std::optional<JobStatus> last_status;      ///< Its status.
};

//! A fire that could not start because the host was busy; one per schedule.
struct PendingRun {
  std::string schedule_id;  ///< Primary key: a newer fire replaces an older one.
  std::string host_id;      ///< Host of the schedule.
  TimePoint requested_at;   ///< When the fire arrived.
  TimePoint scheduled_at;   ///< The cron slot it was for.
};

// ------------------------------------------------------------------ jobs --

//! What creating a job needs. It starts queued.
struct NewJob {
  std::string id;                              ///< Empty → the store assigns a ULID.
  std::string host_id;                         ///< Where it runs.
  JobKind kind = JobKind::kBackup;             ///< What it does.
  ActorKind actor_kind = ActorKind::kUser;     ///< user, api, schedule or catchup.
  std::string actor_id;                        ///< User id, token id or schedule id.
  std::optional<std::string> schedule_id;      ///< Set for schedule and catch-up jobs.
  std::optional<std::string> source_group_id;  ///< Group to back up, if any.
  std::optional<std::string> repository_id;    ///< Target repository, if any.
  std::optional<TimePoint> scheduled_at;       ///< The fire slot; with schedule_id it is unique.
  //! The window (cron slot) the job answers; unset → scheduled_at. A
  //! catch-up retry sets it to the slot it retries and leaves scheduled_at
  //! unset, so it does not clash with that slot's first job.
  std::optional<TimePoint> window_slot;
  std::string args_json = "{}";  ///< Kind-specific arguments (JSON).
};

//! The outcome an agent reports (or the server decides) for a job.
struct JobResult {
  JobStatus status = JobStatus::kSucceeded;  ///< Must be terminal.
  std::optional<int> exit_code;              ///< restic's exit code, when it ran.
  std::string error;                         ///< One line; empty on success.
  ErrorKind error_kind = ErrorKind::kNone;   ///< Machine-readable class (hook_failed, lost, ...).
  std::string snapshot_id;                   ///< Snapshot made, if any.
  std::string summary_json;                  ///< restic's summary message; empty for none.
  //! When the agent says the job ended (its clock). The store keeps it,
  //! bounded by the job's start and the server's now, as finished_at, so a
  //! result delivered late does not move "last success" forward. Not part
  //! of the result's identity (==): a resend carries the same words.
  std::optional<TimePoint> reported_finished_at{};
  bool operator==(const JobResult& other) const {
    return status == other.status && exit_code == other.exit_code && error == other.error &&
           error_kind == other.error_kind && snapshot_id == other.snapshot_id &&
           summary_json == other.summary_json;
  }
};

//! A job as stored.
struct Job {
  std::string id;                              ///< ULID.
  std::string host_id;                         ///< Where it runs.
  JobKind kind = JobKind::kBackup;             ///< What it does.
  JobStatus status = JobStatus::kQueued;       ///< Where it is in its lifecycle.
  ActorKind actor_kind = ActorKind::kUser;     ///< Who or what caused it.
  std::string actor_id;                        ///< User id, token id or schedule id.
  std::optional<std::string> schedule_id;      ///< NULL once the schedule is deleted.
  std::optional<std::string> source_group_id;  ///< NULL once the group is deleted.
  std::optional<std::string> repository_id;    ///< NULL once the repository is deleted.
  std::optional<TimePoint> scheduled_at;       ///< The fire slot.
  std::optional<TimePoint> window_slot;        ///< The window it answers (see NewJob::window_slot).
  TimePoint created_at;                        ///< Queued at.
  std::optional<TimePoint> dispatched_at;      ///< Set by the transition to dispatched.
  std::optional<TimePoint> started_at;         ///< Set by the transition to running.
  std::optional<TimePoint> finished_at;        ///< Set by the transition to a terminal state.
  std::optional<int> exit_code;                ///< From the result.
  std::string error;                           ///< From the result.
  ErrorKind error_kind = ErrorKind::kNone;     ///< From the result.
  std::string snapshot_id;                     ///< From the result.
  std::string summary_json;                    ///< From the result; empty for none.
  std::string progress_json;                   ///< Latest progress; empty for none.
  std::string args_json = "{}";                ///< Kind-specific arguments.
  std::optional<TimePoint>
      cancel_requested_at{};  ///< An operator asked to cancel it (delivered after reconnects).
  std::string wait_reason;    ///< Why a queued job has not started (repository leases); empty otherwise.

  //! The result fields of a finished job, as FinishJob compares them.
  JobResult ToJobResult() const;
};

//! FinishJob's answer: the stored job, and whether this call only repeated
//! a result that was already stored (then nothing changed).
struct FinishOutcome {
  Job job;                ///< As stored.
  bool replayed = false;  ///< true: same result stored before; no side effects this time.
};

//! Job listing filters; unset fields do not filter.
struct JobFilter {
  std::optional<std::string> host_id;  ///< Only this host.
  std::optional<JobStatus> status;     ///< Only this status.
  std::optional<JobKind> kind;         ///< Only this kind.
};

//! One line of a job's output.
struct JobLogLine {
  int64_t seq = 0;                        ///< Agent-assigned, unique per job; resends are dropped.
  LogStream stream = LogStream::kStdout;  ///< Where it came from.
  TimePoint at;                           ///< When the agent read it.
  std::string text;                       ///< The line, without newline.
  bool operator==(const JobLogLine&) const = default;
};

// --------------------------------------------- users and credentials --
// Passwords and tokens are never stored in the clear: users keep an Argon2id
// hash string, sessions and API tokens the HashToken() of their secret.

//! An operator account.
struct User {
  std::string id;                        ///< ULID.
  std::string username;                  ///< Unique login name.
  std::string password_hash;             ///< Argon2id hash string (auth::HashPassword).
  std::string role;                      ///< "admin", "operator" or "viewer" (api::Role names).
  TimePoint created_at;                  ///< Set by the store.
  std::optional<TimePoint> disabled_at;  ///< Set while the account is disabled.
  bool totp_enabled = false;             ///< Read only: a confirmed TOTP second factor exists.
};

//! What creating a user needs.
struct NewUser {
  std::string username;       ///< Unique; must not be empty.
  std::string password_hash;  ///< Argon2id hash string; must not be empty.
  std::string role;           ///< "admin", "operator" or "viewer".
};

//! A partial update of a user; unset fields stay unchanged.
struct UserUpdate {
  std::optional<std::string> role;           ///< New role.
  std::optional<std::string> password_hash;  ///< New password hash.
  std::optional<bool> disabled;              ///< true stamps disabled_at (if not yet), false clears it.
};

//! A browser session. The cookie and the CSRF token are only stored hashed.
struct Session {
  std::string token_hash;        ///< HashToken of the cookie value; primary key; never leaves the server.
  std::string user_id;           ///< Whose session.
  std::string csrf_hash;         ///< HashToken of the session's CSRF token.
  TimePoint created_at;          ///< Set by the store.
  TimePoint expires_at;          ///< Invalid from this instant on (the caller slides it).
  std::string id{};              ///< Public id (session list, revoke); set by the store.
  TimePoint last_used_at{};      ///< created_at at first; moved by TouchSession (coarse).
  std::string client_address{};  ///< Source address at login.
  std::string user_agent{};      ///< User-Agent at login (sanitised and cut by the caller).
};

//! An API token for the CLI and scripts. Only its hash is stored.
struct ApiToken {
  std::string id;                         ///< ULID.
  std::string user_id;                    ///< Owner; the token acts as this user.
  std::string name;                       ///< Unique per user.
  std::string token_hash;                 ///< HashToken of the secret.
  TimePoint created_at;                   ///< Set by the store.
  std::optional<TimePoint> expires_at;    ///< Invalid from this instant on; none: never expires.
  std::optional<TimePoint> last_used_at;  ///< Coarse (the authenticator writes it at most once a minute).
  std::optional<TimePoint> revoked_at;    ///< Set once revoked; a revoked token never works again.
};

//! What creating an API token needs.
struct NewApiToken {
  std::string user_id;                  ///< Owner.
  std::string name;                     ///< Unique per user; must not be empty.
  std::string token_hash;               ///< HashToken of the secret; must not be empty.
  std::optional<TimePoint> expires_at;  ///< None: never expires.
};

//! API token listing filter; unset fields do not filter. Ordered by id (creation order).
struct ApiTokenFilter {
  std::optional<std::string> user_id;  ///< Only this user's tokens.
};

// ----------------------------------------------------------------- audit --

//! One audit log entry.
struct AuditEntry {
  int64_t id = 0;                           ///< Assigned by the store, increasing.
  TimePoint at;                             ///< Default (epoch) → the store's "now".
  ActorKind actor_kind = ActorKind::kUser;  ///< Who.
  std::string actor_id;                     ///< User id, token id, schedule id, host id.
  std::string action;                       ///< "schedule.update", "job.run", ...; not empty.
  std::string target_kind;                  ///< "host", "schedule", "job", ...
  std::string target_id;                    ///< Id of the target.
  std::string source_addr;                  ///< Client address, for API calls.
  std::string detail_json = "{}";           ///< Anything else (JSON object); never secrets.
};

//! Audit listing filters; unset fields do not filter. Newest first.
struct AuditFilter {
  std::optional<ActorKind> actor_kind;     ///< Only this kind of actor.
  std::optional<std::string> actor_id;     ///< Only this actor.
  std::optional<std::string> action;       ///< Only this action.
  std::optional<std::string> target_kind;  ///< Only this kind of target.
  std::optional<std::string> target_id;    ///< Only this target.
  std::optional<TimePoint> from;           ///< at >= from.
  std::optional<TimePoint> to;             ///< at < to.
};

// ------------------------------------- enrollment tokens and snapshots --
// (with the host search filter the REST API uses)

//! Where an enrollment token is in its life at a given moment.
//! kUsed is a one-time token (max_uses 1) after its use; kExhausted a
//! reusable one after its last.
enum class EnrollmentStatus { kActive, kUsed, kExhausted, kExpired, kRevoked };

//! "active", "used", "exhausted", "expired", "revoked".
std::string_view ToString(EnrollmentStatus status);

//! A token an agent exchanges for its host token, up to max_uses times. Only its hash is stored.
struct EnrollmentToken {
  std::string id;                           ///< ULID.
  std::string name;                         ///< What it is for (display).
  std::string token_hash;                   ///< Hash of the secret token; unique.
  std::optional<std::string> host_id;       ///< Pre-registered host to enroll into; null: a new host.
  std::optional<std::string> created_by;    ///< User who made it; null when unknown or deleted.
  TimePoint created_at;                     ///< Set by the store.
  TimePoint expires_at;                     ///< Not usable from this instant on.
  std::optional<TimePoint> used_at;         ///< The first enrollment with it.
  std::optional<std::string> used_by_host;  ///< The host the first enrolling agent became.
  std::optional<TimePoint> revoked_at;      ///< When an operator revoked it.
  int64_t max_uses = 1;                     ///< Enrollments it allows; 1: a one-time token.
  int64_t use_count = 0;                    ///< Enrollments so far (never above max_uses).
  labels::Labels labels{};                  ///< Applied to every host that enrolls with it.
  std::optional<TimePoint> last_used_at;    ///< The latest enrollment with it.

  //! Its status at `now`: revoked, then used/exhausted, then expired win over active.
  EnrollmentStatus StatusAt(TimePoint now) const;
};

//! What creating an enrollment token needs.
struct NewEnrollmentToken {
  std::string name;                       ///< Must not be empty.
  std::string token_hash;                 ///< Hash of the secret handed out once.
  std::optional<std::string> host_id;     ///< Existing host to enroll into, if any.
  std::optional<std::string> created_by;  ///< User id; stored only when such a user exists.
  TimePoint expires_at;                   ///< Expiry instant.
  int64_t max_uses = 1;                   ///< >= 1; must be 1 with host_id.
  labels::Labels labels{};                ///< Validated by the store (labels::Validate).
};

//! One snapshot of a repository's index, as `restic snapshots --json` reports it.
struct Snapshot {
  std::string repository_id;           ///< Repository it lives in.
  std::string id;                      ///< restic's full snapshot id (unique per repository).
  std::string short_id;                ///< restic's short id.
  TimePoint time;                      ///< When restic took it.
  std::string hostname;                ///< Hostname restic recorded.
  std::vector<std::string> paths;      ///< Paths it holds.
  std::vector<std::string> tags;       ///< Its tags.
  std::optional<std::string> host_id;  ///< Our host that made it, when known.
  std::optional<int64_t> size_bytes;   ///< Total size, when known.
  TimePoint indexed_at;                ///< Set by the store on every upsert.
};

//! Snapshot listing filter.
struct SnapshotFilter {
  std::string repository_id;           ///< The repository (required).
  std::optional<std::string> host_id;  ///< Only snapshots of this host.
};

//! Host listing filter.
struct HostFilter {
  std::string query;            ///< Substring of name or hostname (ASCII case-insensitive); empty: all.
  labels::Selector selector{};  ///< Hosts whose labels match; the empty selector: all.
};

// --------------------------------------------------------- window record --
// DESIGN.md "Every window is accounted for": for each schedule × source group
// × cron slot the server knows whether a job ran, a run is pending, or why
// nothing ran. Jobs and pending runs speak for themselves; a WindowNote says
// why a window got neither; presence and server runs let the server infer
// "host offline" and "server down" where nobody could write a note.

//! Why a window got no job, as recorded by the scheduling code.
enum class WindowNoteKind {
  kRefused,     ///< "refused": the fire was refused (schedule disabled or unknown).
  kCoalesced,   ///< "coalesced": repository busy; a later fire replaced this pending run.
  kNotApplied,  ///< "not_applied": the agent could not apply the schedule entry.
  kDeferred,    ///< "deferred": handed to catch-up (a catch-up job, when made, supersedes it).
  kOffline,     ///< "offline": the host was offline at the slot (as the server could tell).
};

//! "refused", "coalesced", "not_applied", "deferred", "offline".
std::string_view ToString(WindowNoteKind kind);
template <>
std::optional<WindowNoteKind> FromString<WindowNoteKind>(std::string_view text);

//! Why one window (schedule × group × slot) got no job.
struct WindowNote {
  std::string schedule_id;                         ///< The schedule (its deletion deletes the note).
  std::string source_group_id;                     ///< The group; '' when the note covers the whole schedule.
  TimePoint slot;                                  ///< The cron slot.
  WindowNoteKind kind = WindowNoteKind::kRefused;  ///< What happened.
  std::string reason;                              ///< One line for operators; may be empty.
  TimePoint recorded_at;                           ///< Set by the store.
  bool operator==(const WindowNote&) const = default;
};

//! One stretch of time during which a host's agent was connected.
struct PresenceInterval {
  TimePoint connected_at;                    ///< Connection opened.
  std::optional<TimePoint> disconnected_at;  ///< Connection closed; nullopt while it is open.
  bool operator==(const PresenceInterval&) const = default;
};

//! One run of the server process: a gap between one run's last sign of life
//! and the next run's start is "server down".
struct ServerRun {
  int64_t id = 0;                       ///< Assigned by the store, increasing.
  TimePoint started_at;                 ///< Process start (store clock).
  TimePoint last_alive_at;              ///< Last keep-alive (every 30 s while running).
  std::optional<TimePoint> stopped_at;  ///< Clean shutdown; nullopt while running or after a crash.
  bool operator==(const ServerRun&) const = default;
};

//! Everything the window record of one schedule needs for [from, to), read in one snapshot.
struct WindowRecord {
  Schedule schedule;  ///< The schedule.
  std::vector<Job>
      jobs;  ///< Its jobs with window_slot in [from, to), newest slot first, then newest job first.
  std::optional<PendingRun> pending_run;   ///< Its pending run, if any (whatever its slot).
  std::vector<WindowNote> notes;           ///< Its notes with slot in [from, to), newest first.
  std::vector<PresenceInterval> presence;  ///< Its host's intervals overlapping [from, to), oldest first.
  std::optional<TimePoint>
      presence_since;                  ///< The host's first recorded connect; before it presence is unknown.
  std::vector<ServerRun> server_runs;  ///< Runs overlapping [from, to), oldest first.
  std::optional<TimePoint>
      server_runs_since;  ///< First recorded run start; before it server uptime is unknown.
  std::string
      schedule_rejected_json;  ///< Its host's entries the agent could not apply (Host's field, as stored).
};

//! How long presence and server-run history is kept.
inline constexpr std::chrono::hours kWindowHistoryKeep{400 * 24};

}  // namespace rmgr::store
