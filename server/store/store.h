#pragma once
// The Store: everything the server persists, behind one interface with one
// implementation per database (SQLite here; PostgreSQL later). Callers never
// see a database type.
//
// Unit of work. All access goes through a transaction callback:
//
//   auto host = store.Read([&](ReadTx& tx) { return tx.GetHost(id); });
//
//   auto change = store.Write([&](WriteTx& tx) -> Result<ScheduleChange> {
//     auto changed = tx.UpdateSchedule(schedule);
//     if (!changed) return changed.error();
//     if (auto logged = tx.AppendAudit(entry); !logged) return logged.error();
//     return changed;
//   });
//
// Write runs the callback in one write transaction and commits when it
// returns a value, rolls back when it returns an error (or throws: the store
// catches, rolls back and returns kInternal). That is how a mutation and its
// audit entry land together or not at all, and how a dispatcher creates a
// job and notes the host's state atomically. Read runs the callback in one
// read snapshot: every call inside sees the same committed state, however
// many writes commit meanwhile. The callback's return type is any
// rmgr::Result<T>; Read/Write return the same type.
//
// Rules for callbacks: use only the tx you are given; do no I/O and nothing
// that cannot be repeated (an implementation may re-run the callback after a
// transient serialization failure); keep them short (SQLite serializes all
// writers). Do not call Read or Write on the same store from inside a Write
// callback (nested Write returns kInternal).
//
// Errors, from any method: kNotFound (addressed row missing), kConflict
// (uniqueness; the message names what clashed), kConstraint (foreign key,
// CHECK, NOT NULL; e.g. invalid JSON), kInvalidArgument (bad input caught
// before the database, e.g. a malformed cursor), kBusy (the database stayed
// locked past the busy timeout), kInternal (anything else). No exception
// escapes the store.
//
// Times: the store stamps created_at / updated_at / transition times from
// its clock; all times are kept at millisecond precision, UTC.
//
// Thread safety: a Store is safe to use from any number of threads at once;
// destroy it only after every call on it has returned. ReadTx / WriteTx
// objects are valid only inside their callback, on the calling thread.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/result.h"
#include "server/store/account_types.h"
#include "server/store/alert_types.h"
#include "server/store/metrics_types.h"
#include "server/store/notification_types.h"
#include "server/store/rollout_types.h"
#include "server/store/stats_types.h"
#include "server/store/store_types.h"

namespace rmgr::store {

//! Reads, available in read snapshots and inside write transactions (where
//! they see the transaction's own uncommitted writes). Listing a child of a
//! host that does not exist returns an empty list, not kNotFound.
class ReadTx : public RolloutReads {
 public:
  virtual ~ReadTx() = default;

  //! The host with this id.
  virtual Result<Host> GetHost(std::string_view id) = 0;
  //! The host with this unique name.
  virtual Result<Host> GetHostByName(std::string_view name) = 0;
  //! The host whose agent token hashes to this value (agent authentication).
  virtual Result<Host> GetHostByTokenHash(std::string_view token_hash) = 0;
  //! Hosts ordered by name.
  virtual Result<Page<Host>> ListHosts(const PageRequest& page) = 0;
  //! The host's canonical schedule version (0 before its first schedule change).
  virtual Result<int64_t> GetHostScheduleVersion(std::string_view host_id) = 0;

  //! The repository with this id.
  virtual Result<Repository> GetRepository(std::string_view id) = 0;
  //! All repositories, ordered by name.
  virtual Result<std::vector<Repository>> ListRepositories() = 0;
  //! Whether the host uses the repository: one of its schedules targets it,
  //! a job of the host runs (or ran) against it, or its snapshot index holds
  //! a snapshot the host made. Only such a host's agent is given the
  //! repository's password (server/scheduling/repository_access.h).
  virtual Result<bool> HostUsesRepository(std::string_view host_id, std::string_view repository_id) = 0;

  //! The source group with this id, if it belongs to this host.
  virtual Result<SourceGroup> GetSourceGroup(std::string_view host_id, std::string_view id) = 0;
  //! The host's source groups, ordered by name.
  virtual Result<std::vector<SourceGroup>> ListSourceGroups(std::string_view host_id) = 0;

  //! The schedule with this id, if it belongs to this host.
  virtual Result<Schedule> GetSchedule(std::string_view host_id, std::string_view id) = 0;
  //! The host's schedules (enabled or not), ordered by name.
  virtual Result<std::vector<Schedule>> ListSchedulesByHost(std::string_view host_id) = 0;
  //! Last outcome per schedule × group for the host's schedules (rows exist
  //! only once a job of that pair has finished).
  virtual Result<std::vector<ScheduleGroupState>> ListScheduleGroupStates(std::string_view host_id) = 0;
  //! The host's pending runs, oldest request first.
  virtual Result<std::vector<PendingRun>> ListPendingRuns(std::string_view host_id) = 0;

  //! The job with this id.
  virtual Result<Job> GetJob(std::string_view id) = 0;
  //! Jobs matching the filter, newest first (keyset on created_at, id).
  virtual Result<Page<Job>> ListJobs(const JobFilter& filter, const PageRequest& page) = 0;
  //! How many jobs match the filter.
  virtual Result<int64_t> CountJobs(const JobFilter& filter) = 0;
  //! Up to `limit` (clamped like a page) log lines of a job with seq > after_seq, by seq.
  virtual Result<std::vector<JobLogLine>> ListJobLogs(std::string_view job_id, int64_t after_seq,
                                                      int limit) = 0;

  //! Audit entries matching the filter, newest first (keyset on id).
  virtual Result<Page<AuditEntry>> ListAudit(const AuditFilter& filter, const PageRequest& page) = 0;

  // ----------------------------------- enrollment tokens and snapshots --
  // (with the host search, by-id lookups and paged listings of the REST API)

  //! The enrollment token with this id.
  virtual Result<EnrollmentToken> GetEnrollmentToken(std::string_view id) = 0;
  //! The enrollment token whose secret hashes to this value (agent enrollment).
  virtual Result<EnrollmentToken> GetEnrollmentTokenByHash(std::string_view token_hash) = 0;
  //! Enrollment tokens, newest first (keyset on created_at, id).
  virtual Result<Page<EnrollmentToken>> ListEnrollmentTokens(const PageRequest& page) = 0;
  //! A repository's indexed snapshots, newest first (keyset on time, id).
  virtual Result<Page<Snapshot>> ListSnapshots(const SnapshotFilter& filter, const PageRequest& page) = 0;
  //! The indexed snapshot of the repository whose id is or starts with `id`
  //! (restic's short ids); kNotFound when none or more than one matches.
  virtual Result<Snapshot> FindSnapshot(std::string_view repository_id, std::string_view id) = 0;
  //! Hosts matching the filter, ordered by name (cursors interchangeable with ListHosts).
  virtual Result<Page<Host>> SearchHosts(const HostFilter& filter, const PageRequest& page) = 0;
  //! Repositories ordered by name, one page at a time.
  virtual Result<Page<Repository>> ListRepositoriesPage(const PageRequest& page) = 0;
  //! The source group with this id, whichever host it belongs to.
  virtual Result<SourceGroup> GetSourceGroupById(std::string_view id) = 0;
  //! Source groups (of one host when `host_id` is set), ordered by name then id.
  virtual Result<Page<SourceGroup>> ListSourceGroupsPage(const std::optional<std::string>& host_id,
                                                         const PageRequest& page) = 0;
  //! The schedule with this id, whichever host it belongs to.
  virtual Result<Schedule> GetScheduleById(std::string_view id) = 0;
  //! Schedules (of one host when `host_id` is set), ordered by name then id.
  virtual Result<Page<Schedule>> ListSchedulesPage(const std::optional<std::string>& host_id,
                                                   const PageRequest& page) = 0;

  // ---- users and credentials (reads) ----
  //! The user with this id.
  virtual Result<User> GetUser(std::string_view id) = 0;
  //! The user with this (exact, case-sensitive) username.
  virtual Result<User> GetUserByUsername(std::string_view username) = 0;
  //! Users ordered by username.
  virtual Result<Page<User>> ListUsers(const PageRequest& page) = 0;
  //! How many users exist (0 before the first admin is bootstrapped).
  virtual Result<int64_t> CountUsers() = 0;
  //! How many users have the admin role and are not disabled.
  virtual Result<int64_t> CountActiveAdmins() = 0;
  //! The session whose cookie hashes to `token_hash`, expired or not (the caller checks).
  virtual Result<Session> GetSession(std::string_view token_hash) = 0;
  //! The API token with this id.
  virtual Result<ApiToken> GetApiToken(std::string_view id) = 0;
  //! The API token whose secret hashes to `token_hash`, revoked or expired or not (the caller checks).
  virtual Result<ApiToken> GetApiTokenByHash(std::string_view token_hash) = 0;
  //! API tokens matching the filter, ordered by id (creation order).
  virtual Result<Page<ApiToken>> ListApiTokens(const ApiTokenFilter& filter, const PageRequest& page) = 0;
  //! The user's sessions, expired ones included (the caller filters), newest first.
  virtual Result<std::vector<Session>> ListUserSessions(std::string_view user_id) = 0;
  //! The session with this public id.
  virtual Result<Session> GetSessionById(std::string_view id) = 0;
  // ---- end users and credentials (reads) ----

  // ---- account security (reads) ----
  //! The user's TOTP record, confirmed or pending; kNotFound when there is none.
  virtual Result<UserTotp> GetUserTotp(std::string_view user_id) = 0;
  //! How many of the user's recovery codes are still unused.
  virtual Result<int64_t> CountUnusedRecoveryCodes(std::string_view user_id) = 0;
  //! The login challenge whose token hashes to `token_hash`, expired or not (the caller checks).
  virtual Result<LoginChallenge> GetLoginChallenge(std::string_view token_hash) = 0;
  //! The account settings (defaults for keys never set).
  virtual Result<AccountSettings> GetAccountSettings() = 0;
  // ---- end account security (reads) ----

  // ---- window record (reads) ----
  //! What the window record of schedule `schedule_id` needs for [from, to)
  //! (see WindowRecord), in a few indexed queries; kNotFound for an unknown schedule.
  virtual Result<WindowRecord> GetWindowRecord(std::string_view schedule_id, TimePoint from,
                                               TimePoint to) = 0;
  //! The newest server run (the current one while the server runs); kNotFound before the first.
  virtual Result<ServerRun> GetLatestServerRun() = 0;
  // ---- end window record (reads) ----

  // ---- alerts (reads) ----
  //! Every host, ordered by id (the alert engine's periodic pass).
  virtual Result<std::vector<Host>> ListAllHosts() = 0;
  //! Every schedule with its groups, ordered by host then name.
  virtual Result<std::vector<Schedule>> ListAllSchedules() = 0;
  //! Every schedule × group state, ordered by schedule then group.
  virtual Result<std::vector<ScheduleGroupState>> ListAllScheduleGroupStates() = 0;
  //! Every source group (paths and all), ordered by host then name.
  virtual Result<std::vector<SourceGroup>> ListAllSourceGroups() = 0;
  //! The alert with this id.
  virtual Result<Alert> GetAlert(std::string_view id) = 0;
  //! Alerts matching the filter, newest first (keyset on started_at, id).
  virtual Result<Page<Alert>> ListAlerts(const AlertFilter& filter, const PageRequest& page) = 0;
  //! Every unresolved alert (of one host when `host_id` is set), oldest first.
  virtual Result<std::vector<Alert>> ListOpenAlerts(const std::optional<std::string>& host_id) = 0;
  //! Unresolved alerts counted by kind, state and severity.
  virtual Result<std::vector<AlertCount>> CountOpenAlerts() = 0;
  //! The rules an admin changed (kinds without a row run on their defaults).
  virtual Result<std::vector<AlertRule>> ListAlertRules() = 0;
  //! The newest job of schedule × group (group "" for none) that ended
  //! succeeded, partial, failed or lost — the ones that say whether the
  //! subject works; nullopt when there is none.
  virtual Result<std::optional<Job>> GetLatestDecisiveJob(std::string_view schedule_id,
                                                          std::string_view source_group_id) = 0;
  //! The schedule × group subjects with a job that finished at or after `since`.
  virtual Result<std::vector<JobSubject>> ListJobSubjectsFinishedSince(TimePoint since) = 0;
  //! For each host × repository whose newest decisive job failed on a lock:
  //! the run of lock failures since its last other decisive job (only runs
  //! whose newest job finished at or after `since`).
  virtual Result<std::vector<LockStreak>> ListLockStreaks(TimePoint since) = 0;
  // ---- end alerts (reads) ----
  // ---- notification channels and deliveries (reads) ----
  //! The notification channel with this id.
  virtual Result<NotificationChannel> GetNotificationChannel(std::string_view id) = 0;
  //! Notification channels ordered by name, one page at a time.
  virtual Result<Page<NotificationChannel>> ListNotificationChannels(const PageRequest& page) = 0;
  //! Every enabled notification channel, ordered by name (for routing).
  virtual Result<std::vector<NotificationChannel>> ListEnabledNotificationChannels() = 0;
  //! The delivery with this id.
  virtual Result<NotificationDelivery> GetNotificationDelivery(std::string_view id) = 0;
  //! A channel's deliveries, newest first (keyset on created_at, id); empty for an unknown channel.
  virtual Result<Page<NotificationDelivery>> ListNotificationDeliveries(std::string_view channel_id,
                                                                        const PageRequest& page) = 0;
  // ---- end notification channels and deliveries (reads) ----
  // ---- metrics (reads) ----
  //! Everything a Prometheus scrape shows (see metrics_types.h), in a few
  //! aggregated queries whatever the number of hosts.
  virtual Result<MetricsSnapshot> GetMetricsSnapshot() = 0;
  // ---- end metrics (reads) ----
  // ---- repository stats and drills (reads) ----
  //! The repository's size series with at >= `since`, oldest first, at most
  //! `limit` rows (the newest ones when there are more; <= 0 → 10,000).
  virtual Result<std::vector<RepositoryStatsRow>> ListRepositoryStats(std::string_view repository_id,
                                                                      TimePoint since, int limit) = 0;
  //! The newest size of every repository that has one, by repository id.
  virtual Result<std::vector<RepositoryStatsRow>> ListLatestRepositoryStats() = 0;
  //! Every repository with what the stats planner needs, by repository id.
  virtual Result<std::vector<StatsCandidate>> ListStatsCandidates() = 0;
  //! Each host's newest finished drill (succeeded, partial or failed), by host id.
  virtual Result<std::vector<LastDrill>> ListLastDrills() = 0;
  // ---- end repository stats and drills (reads) ----

  //! Every secret sealed with the server key (repository passwords, channel
  //! secrets), ordered by kind then id; channels without a secret are left out.
  virtual Result<std::vector<SealedRecord>> ListSealedSecrets() = 0;
};

//! Reads and writes inside one write transaction. Every mutation is applied
//! only if the enclosing Store::Write callback succeeds.
class WriteTx : public ReadTx, public RolloutWrites {
 public:
  //! Replaces the sealed bytes of one secret (server key rotation) and
  //! nothing else; kNotFound when its row is gone.
  virtual Result<void> ResealSecret(const SealedRecord& record) = 0;
  //! Creates a host; kConflict if the name (or token hash) is taken.
  virtual Result<Host> CreateHost(const NewHost& host) = 0;
  //! Applies the set fields of `status`; kNotFound for an unknown host.
  virtual Result<void> UpdateHostStatus(std::string_view id, const HostStatus& status) = 0;
  //! Switches the host between always-on and intermittent.
  virtual Result<void> SetHostAlwaysOn(std::string_view id, bool always_on) = 0;
  //! Replaces the host's labels; kInvalidArgument for a set labels::Validate refuses.
  virtual Result<void> SetHostLabels(std::string_view id, const labels::Labels& labels) = 0;
  //! Increments the host's canonical schedule version; returns the new value.
  virtual Result<int64_t> BumpHostScheduleVersion(std::string_view id) = 0;
  //! Records the agent's schedule.ack: kInvalidArgument for version <= 0,
  //! kConflict for a version above the canonical one (nothing is written).
  virtual Result<void> SetHostAppliedScheduleVersion(std::string_view id, int64_t version,
                                                     TimePoint applied_at,
                                                     std::string_view rejected_json = {}) = 0;
  //! Binds `install_id` to the host at its agent's hello, or reports that
  //! another installation is bound (then install_conflict_at is set to `at`).
  virtual Result<InstallBinding> BindHostInstall(std::string_view id, std::string_view install_id,
                                                 TimePoint at) = 0;
  //! Forgets the bound installation and the conflict flag (an operator moved the agent).
  virtual Result<void> ClearHostInstall(std::string_view id) = 0;

  //! Creates a repository (id assigned when empty); kConflict on a taken name.
  virtual Result<Repository> CreateRepository(const Repository& repository) = 0;
  //! Replaces name, url and secret of an existing repository and bumps the
  //! schedule version of every host with a schedule using it; returns those hosts.
  virtual Result<std::vector<HostVersion>> UpdateRepository(const Repository& repository) = 0;
  //! Deletes a repository; kConstraint while a schedule still uses it.
  virtual Result<void> DeleteRepository(std::string_view id) = 0;

  //! Creates a source group (id assigned when empty); kConflict on a name taken on the host.
  virtual Result<SourceGroup> CreateSourceGroup(const SourceGroup& group) = 0;
  //! Replaces name, paths, excludes and tags of a host's group. Groups are not
  //! part of schedule.set, so no schedule version changes.
  virtual Result<SourceGroup> UpdateSourceGroup(const SourceGroup& group) = 0;
  //! Deletes a host's group; kConstraint while a schedule still uses it.
  virtual Result<void> DeleteSourceGroup(std::string_view host_id, std::string_view id) = 0;

  //! Creates a schedule (id assigned when empty) and bumps its host's
  //! canonical version. Its groups must belong to the same host (kConstraint).
  virtual Result<ScheduleChange> CreateSchedule(const Schedule& schedule) = 0;
  //! Replaces every field but id, host and created_at of (host_id, id) and bumps the version.
  virtual Result<ScheduleChange> UpdateSchedule(const Schedule& schedule) = 0;
  //! Deletes (host_id, id) and bumps the version; returns the new version.
  //! Its jobs stay, with schedule_id cleared.
  virtual Result<int64_t> DeleteSchedule(std::string_view host_id, std::string_view id) = 0;

  //! Creates a queued job. A second job for the same (schedule_id,
  //! scheduled_at, source_group_id) fire slot is kConflict.
  virtual Result<Job> CreateJob(const NewJob& job) = 0;
  //! Moves a job to dispatched or running, stamping dispatched_at /
  //! started_at, or a dispatched one back to queued (its agent never
  //! received it: dispatched_at cleared, no longer the host's current job).
  //! Dispatching makes it the host's current job. An illegal transition (see
  //! IsAllowedTransition) is kConflict; a terminal `to` is kInvalidArgument
  //! (use FinishJob).
  virtual Result<Job> TransitionJob(std::string_view id, JobStatus to) = 0;
  //! Moves a job to the terminal status in `result`, storing the result and
  //! finished_at, clearing it as the host's current job, and recording the
  //! outcome in schedule_group_state (and host last_backup_at for a
  //! succeeded/partial backup). Idempotent by job id: storing the same
  //! result again is a success with replayed = true and changes nothing; a
  //! different result for a finished job is kConflict — except over
  //! `lost` and `interrupted`, which are the server's guesses: a real
  //! result that arrives later (from the agent's outbox) replaces them.
  virtual Result<FinishOutcome> FinishJob(std::string_view id, const JobResult& result) = 0;
  //! Records an operator's cancel of an unfinished job (kept until it ends). kNotFound / kConflict
  //! (finished).
  virtual Result<void> RequestJobCancel(std::string_view id, TimePoint at) = 0;
  //! Replaces the progress JSON of a dispatched or running job (kConflict otherwise).
  virtual Result<void> SetJobProgress(std::string_view id, std::string_view progress_json) = 0;
  //! Sets what a queued job waits for ('' when nothing; repository leases). kNotFound.
  virtual Result<void> SetJobWaitReason(std::string_view id, std::string_view reason) = 0;
  //! Stores log lines; a seq already stored for the job is skipped (resends
  //! are harmless). Returns how many lines were new.
  virtual Result<int64_t> AppendJobLogs(std::string_view job_id, std::span<const JobLogLine> lines) = 0;

  //! Records a pending run, replacing the schedule's previous one (coalescing:
  //! the first request time and the newest slot are kept). Returns the slot
  //! that will not run because of it — the previous pending slot when `run` is
  //! newer, or `run`'s own slot when it is older — and nullopt when nothing
  //! was dropped (no previous run, or the same slot).
  virtual Result<std::optional<TimePoint>> UpsertPendingRun(const PendingRun& run) = 0;
  //! Removes the schedule's pending run; kNotFound when it has none.
  virtual Result<void> DeletePendingRun(std::string_view schedule_id) = 0;

  //! Appends an audit entry; returns its id.
  virtual Result<int64_t> AppendAudit(const AuditEntry& entry) = 0;

  // ----------------------------------- enrollment tokens and snapshots --
  // (with host rename and delete)

  //! Creates an enrollment token; kConflict when the hash is taken,
  //! kConstraint when host_id names no host, kInvalidArgument for max_uses
  //! below 1 (or above 1 with host_id) and for labels labels::Validate refuses.
  virtual Result<EnrollmentToken> CreateEnrollmentToken(const NewEnrollmentToken& token) = 0;
  //! Revokes a token (again: keeps the first revocation time); kNotFound when unknown.
  virtual Result<EnrollmentToken> RevokeEnrollmentToken(std::string_view id) = 0;
  //! Takes one use of an active token for `host_id`: raises use_count (only
  //! while below max_uses, so two callers cannot both take the last use), sets
  //! last_used_at, and used_at/used_by_host on the first use. kConflict when it
  //! is not active (used, exhausted, revoked or expired at the store's now).
  virtual Result<EnrollmentToken> ConsumeEnrollmentToken(std::string_view id, std::string_view host_id) = 0;
  //! Inserts or replaces snapshots in the repository's index (their
  //! repository_id is ignored); returns how many were written.
  virtual Result<int64_t> UpsertSnapshots(std::string_view repository_id,
                                          std::span<const Snapshot> snapshots) = 0;
  //! Drops indexed snapshots of the repository whose ids are not in `keep_ids`
  //! (a complete listing replaced the index); returns how many went.
  virtual Result<int64_t> DeleteSnapshotsExcept(std::string_view repository_id,
                                                std::span<const std::string> keep_ids) = 0;
  //! Gives a host a new agent token (enrollment, re-enrollment); kConflict
  //! when another host has that hash, kNotFound when unknown.
  virtual Result<void> SetHostTokenHash(std::string_view id, std::string_view token_hash) = 0;
  //! Renames a host; kConflict when the name is taken, kNotFound when unknown.
  virtual Result<Host> RenameHost(std::string_view id, std::string_view name) = 0;
  //! Deletes a host with its source groups, schedules, jobs and logs; its
  //! enrollment tokens go too, indexed snapshots stay without host_id.
  virtual Result<void> DeleteHost(std::string_view id) = 0;

  // ---- users and credentials (writes) ----
  //! Creates a user; kConflict (field "username") when the name is taken,
  //! kInvalidArgument for an empty username or hash, kConstraint for an unknown role.
  virtual Result<User> CreateUser(const NewUser& user) = 0;
  //! Applies the set fields of `update`; returns the user as stored.
  virtual Result<User> UpdateUser(std::string_view id, const UserUpdate& update) = 0;
  //! Deletes a user with their sessions and API tokens (audit history stays).
  virtual Result<void> DeleteUser(std::string_view id) = 0;
  //! Stores a new session (created_at from the store clock); kConflict on a reused token hash.
  virtual Result<Session> CreateSession(const Session& session) = 0;
  //! Sets the session's expires_at and last_used_at, but only when
  //! last_used_at is earlier than `if_before` (so a sliding expiry writes at
  //! most once per step). Returns whether it wrote; kNotFound for an unknown session.
  virtual Result<bool> TouchSession(std::string_view token_hash, TimePoint expires_at, TimePoint used_at,
                                    TimePoint if_before) = 0;
  //! Deletes one session; kNotFound when there is none.
  virtual Result<void> DeleteSession(std::string_view token_hash) = 0;
  //! Deletes every session of a user except the one hashing to `keep_token_hash`
  //! (empty: keep none); returns how many went.
  virtual Result<int64_t> DeleteUserSessions(std::string_view user_id, std::string_view keep_token_hash) = 0;
  //! Deletes sessions with expires_at <= now; returns how many went.
  virtual Result<int64_t> DeleteExpiredSessions(TimePoint now) = 0;
  //! Creates an API token (id assigned); kConflict (field "name") when the
  //! user already has a token of that name.
  virtual Result<ApiToken> CreateApiToken(const NewApiToken& token) = 0;
  //! Stamps revoked_at (keeping an earlier stamp); returns the token as stored.
  virtual Result<ApiToken> RevokeApiToken(std::string_view id) = 0;
  //! Sets last_used_at = `used_at`, but only when it is unset or earlier than
  //! `if_before`. Returns whether it wrote; kNotFound for an unknown token.
  virtual Result<bool> TouchApiToken(std::string_view id, TimePoint used_at, TimePoint if_before) = 0;
  // ---- end users and credentials (writes) ----

  // ---- account security (writes) ----
  //! Stores a pending (unconfirmed) TOTP secret for `totp.user_id`, replacing
  //! a pending one (created_at from the store clock); kConflict when the user
  //! has a confirmed one.
  virtual Result<UserTotp> PutPendingTotp(const UserTotp& totp) = 0;
  //! Confirms the user's pending TOTP with the step of its first code (which
  //! is thereby used); kNotFound when none is pending, kConflict when confirmed already.
  virtual Result<UserTotp> ConfirmTotp(std::string_view user_id, int64_t step) = 0;
  //! Records that a code of time step `step` was accepted for the user's
  //! confirmed TOTP, only when `step` is newer than every step accepted
  //! before. false: the step (or a later one) was used already — a replay.
  virtual Result<bool> UseTotpStep(std::string_view user_id, int64_t step) = 0;
  //! Deletes the user's TOTP (pending or confirmed) and recovery codes;
  //! returns whether a TOTP record existed.
  virtual Result<bool> DeleteTotp(std::string_view user_id) = 0;
  //! Replaces the user's recovery codes with these hashes (all unused).
  virtual Result<void> ReplaceRecoveryCodes(std::string_view user_id,
                                            std::span<const std::string> code_hashes) = 0;
  //! Spends the unused recovery code hashing to `code_hash`; false when there is none.
  virtual Result<bool> UseRecoveryCode(std::string_view user_id, std::string_view code_hash) = 0;
  //! Stores a login challenge (created_at from the store clock) and deletes expired ones.
  virtual Result<LoginChallenge> CreateLoginChallenge(const LoginChallenge& challenge) = 0;
  //! Counts one wrong code against the challenge; returns its failures so far; kNotFound when gone.
  virtual Result<int64_t> FailLoginChallenge(std::string_view token_hash) = 0;
  //! Deletes the challenge; kNotFound when there is none.
  virtual Result<void> DeleteLoginChallenge(std::string_view token_hash) = 0;
  //! Stores the account settings (updated_at from the store clock); returns them as stored.
  virtual Result<AccountSettings> PutAccountSettings(const AccountSettings& settings) = 0;
  // ---- end account security (writes) ----

  // ---- window record (writes) ----
  // Host presence needs no call of its own: UpdateHostStatus records it
  // whenever `connected` is set (opens an interval unless one is open;
  // closes the open one on a disconnect).

  //! Records why a window got no job (recorded_at from the store clock).
  //! Upsert: a later note for the same (schedule, group, slot) replaces the
  //! earlier one. kConstraint for an unknown schedule.
  virtual Result<void> RecordWindowNote(const WindowNote& note) = 0;
  //! Starts a server run at the store's now. Presence intervals left open by
  //! an earlier run (which ended without their disconnects) are closed at
  //! their host's last_seen_at and every host is marked disconnected; runs and intervals older than
  //! kWindowHistoryKeep are pruned.
  virtual Result<ServerRun> StartServerRun() = 0;
  //! Moves the run's last_alive_at to the store's now; kNotFound when unknown.
  virtual Result<void> TouchServerRun(int64_t id) = 0;
  //! Stamps the run's stopped_at (and last_alive_at) with the store's now; kNotFound when unknown.
  virtual Result<void> StopServerRun(int64_t id) = 0;
  // ---- end window record (writes) ----

  // ---- alerts (writes) ----
  //! Stores a new alert (id assigned when empty; started_at / updated_at
  //! kept as given); kConflict when an unresolved alert of the same kind and
  //! subject_key exists.
  virtual Result<Alert> InsertAlert(const Alert& alert) = 0;
  //! Replaces every field but id, kind, subject_key and started_at of an
  //! alert; kNotFound when unknown.
  virtual Result<Alert> UpdateAlert(const Alert& alert) = 0;
  //! Stores an admin's settings of a rule (updated_at from the store clock).
  virtual Result<AlertRule> PutAlertRule(const AlertRule& rule) = 0;
  // ---- end alerts (writes) ----
  // ---- notification channels and deliveries (writes) ----
  //! Creates a channel (id assigned when empty); kConflict (field "name") on a taken name.
  virtual Result<NotificationChannel> CreateNotificationChannel(const NotificationChannel& channel) = 0;
  //! Replaces every field but id, kind and created_at; kNotFound / kConflict on a taken name.
  virtual Result<NotificationChannel> UpdateNotificationChannel(const NotificationChannel& channel) = 0;
  //! Deletes a channel with its deliveries; kNotFound when unknown.
  virtual Result<void> DeleteNotificationChannel(std::string_view id) = 0;
  //! Queues a delivery (id and created_at from the store). A second delivery
  //! of the same notice_key to the same channel writes nothing and returns
  //! nullopt: one row per (notice, channel). kConstraint for an unknown channel.
  virtual Result<std::optional<NotificationDelivery>> QueueNotificationDelivery(
      const NewNotificationDelivery& delivery) = 0;
  //! Claims up to `limit` queued deliveries due at `now` (oldest due first):
  //! counts the attempt and moves next_attempt_at to `lease_until`, so a
  //! second worker — or this one after a crash mid-send — sees them only
  //! once the lease ran out. Returns them as claimed.
  virtual Result<std::vector<NotificationDelivery>> ClaimNotificationDeliveries(TimePoint now,
                                                                                TimePoint lease_until,
                                                                                int limit) = 0;
  //! Records how a claimed attempt ended (sent, queued again, or failed);
  //! kNotFound when the delivery is gone, kConflict when it is no longer queued.
  virtual Result<void> RecordNotificationAttempt(const NotificationAttempt& attempt) = 0;
  //! Deletes sent and failed deliveries created before `before`; returns how many went.
  virtual Result<int64_t> PruneNotificationDeliveries(TimePoint before) = 0;
  // ---- end notification channels and deliveries (writes) ----
  // ---- repository stats and drills (writes) ----
  //! Adds one point of a repository's size series; a second row for the
  //! same job is kConflict (a result stored twice adds one point).
  virtual Result<void> AddRepositoryStats(const RepositoryStatsRow& row) = 0;
  // ---- end repository stats and drills (writes) ----
};

//! How hard a write transaction's commit is pushed to disk.
enum class Durability {
  kFull,     ///< Survives power loss once Write returns (default; use for anything acknowledged).
  kRelaxed,  ///< Survives a crash of the process, may be lost on power loss (heartbeats, progress).
};

namespace detail {
template <class R>
inline constexpr bool kIsResult = false;
template <class T>
inline constexpr bool kIsResult<Result<T>> = true;

// Runs `fn` through `run` (which takes a std::function returning Result<void>)
// and carries fn's Result<T> value out of the transaction.
template <class Tx, class F, class Run>
std::invoke_result_t<F&, Tx&> RunCarrying(F& fn, Run&& run) {
  using R = std::invoke_result_t<F&, Tx&>;
  static_assert(kIsResult<R>, "a Store transaction callback must return rmgr::Result<T>");
  if constexpr (std::is_same_v<R, Result<void>>) {
    return run([&fn](Tx& tx) -> Result<void> { return fn(tx); });
  } else {
    std::optional<typename R::value_type> value;
    Result<void> status = run([&fn, &value](Tx& tx) -> Result<void> {
      R result = fn(tx);
      if (!result.ok()) return result.error();
      value.emplace(std::move(result).value());
      return Ok();
    });
    if (!status.ok()) return status.error();
    return R(std::move(*value));
  }
}
}  // namespace detail

//! The persistence seam of the server. Obtain one from an Open*Store factory.
class Store {
 public:
  virtual ~Store() = default;

  //! Runs `fn(ReadTx&)` in one consistent read snapshot; returns its Result.
  template <class F>
  std::invoke_result_t<F&, ReadTx&> Read(F&& fn) {
    return detail::RunCarrying<ReadTx>(fn, [this](const ReadFn& f) { return RunRead(f); });
  }

  //! Runs `fn(WriteTx&)` in one write transaction: commit on a value,
  //! rollback on an error; returns fn's Result (or the commit's error).
  template <class F>
  std::invoke_result_t<F&, WriteTx&> Write(F&& fn, Durability durability = Durability::kFull) {
    return detail::RunCarrying<WriteTx>(
        fn, [this, durability](const WriteFn& f) { return RunWrite(f, durability); });
  }

 protected:
  //! A read callback with its value already carried out.
  using ReadFn = std::function<Result<void>(ReadTx&)>;
  //! A write callback with its value already carried out.
  using WriteFn = std::function<Result<void>(WriteTx&)>;

  //! Implementation of Read: snapshot, call, end the snapshot.
  virtual Result<void> RunRead(const ReadFn& fn) = 0;
  //! Implementation of Write: begin, call, commit or roll back.
  virtual Result<void> RunWrite(const WriteFn& fn, Durability durability) = 0;
};

//! Tuning of the SQLite store; the defaults suit a server.
struct SqliteOptions {
  std::chrono::milliseconds busy_timeout{5000};  ///< Wait for locks this long, then kBusy.
  int read_connections = 4;                      ///< Size of the reader pool (>= 1).
  std::function<TimePoint()> clock;              ///< Source of "now"; empty → Clock::now.
};

//! Opens (creating if missing) the SQLite database `file` and brings its
//! schema up to date with the embedded migrations, one transaction each.
//! A schema newer than this binary knows is kSchemaTooNew and the file is
//! left untouched; a file with tables but no migration record is kInvalidArgument.
//!
//! SQLite specifics: WAL journal (readers never block the writer), foreign
//! keys on, busy_timeout as given. One write connection, lent to one Write
//! at a time (waiting at most busy_timeout, then kBusy), runs every write
//! transaction as BEGIN IMMEDIATE, so writers never deadlock or fail
//! mid-transaction on a lock; reads use a pool of query_only connections,
//! each Read a deferred transaction, i.e. one WAL snapshot. synchronous is
//! FULL for Durability::kFull writes (a committed job result survives power
//! loss before the agent drops it from its outbox) and NORMAL for kRelaxed
//! ones (no fsync per heartbeat; WAL still cannot be corrupted).
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& file, SqliteOptions options = {});

}  // namespace rmgr::store
