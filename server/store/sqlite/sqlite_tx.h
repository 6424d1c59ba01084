#pragma once
// SqliteTx: the ReadTx / WriteTx of the SQLite store, bound to one
// connection for the length of one transaction. The same class serves read
// snapshots (on a query_only reader connection, handed out as ReadTx&) and
// write transactions (on the write connection). Its methods are split by
// area: sqlite_hosts.cpp, sqlite_repositories.cpp (repositories and source
// groups), sqlite_schedules.cpp, sqlite_jobs.cpp, sqlite_audit.cpp, sqlite_users.cpp,
// sqlite_enrollment.cpp, sqlite_snapshots.cpp, sqlite_windows.cpp (window record),
// sqlite_notifications.cpp (notification channels and deliveries).
// Thread safety: none; lives inside one Store::Read/Write callback.

#include <functional>

#include "server/store/sqlite/connection.h"
#include "server/store/store.h"

namespace rmgr::store::sqlite {

//! One transaction's view of the database.
class SqliteTx final : public WriteTx {
 public:
  //! Works on `conn`, which already has a transaction open; `now` stamps times.
  SqliteTx(Connection& conn, const std::function<TimePoint()>& now) : conn_(conn), now_(now) {}

  // ReadTx
  Result<Host> GetHost(std::string_view id) override;
  Result<Host> GetHostByName(std::string_view name) override;
  Result<Host> GetHostByTokenHash(std::string_view token_hash) override;
  Result<Page<Host>> ListHosts(const PageRequest& page) override;
  Result<int64_t> GetHostScheduleVersion(std::string_view host_id) override;
  Result<Repository> GetRepository(std::string_view id) override;
  Result<std::vector<Repository>> ListRepositories() override;
  Result<bool> HostUsesRepository(std::string_view host_id, std::string_view repository_id) override;
  Result<std::vector<SealedRecord>> ListSealedSecrets() override;
  Result<void> ResealSecret(const SealedRecord& record) override;
  Result<SourceGroup> GetSourceGroup(std::string_view host_id, std::string_view id) override;
  Result<std::vector<SourceGroup>> ListSourceGroups(std::string_view host_id) override;
  Result<Schedule> GetSchedule(std::string_view host_id, std::string_view id) override;
  Result<std::vector<Schedule>> ListSchedulesByHost(std::string_view host_id) override;
  Result<std::vector<ScheduleGroupState>> ListScheduleGroupStates(std::string_view host_id) override;
  Result<std::vector<PendingRun>> ListPendingRuns(std::string_view host_id) override;
  Result<Job> GetJob(std::string_view id) override;
  Result<Page<Job>> ListJobs(const JobFilter& filter, const PageRequest& page) override;
  Result<int64_t> CountJobs(const JobFilter& filter) override;
  Result<std::vector<JobLogLine>> ListJobLogs(std::string_view job_id, int64_t after_seq, int limit) override;
  Result<Page<AuditEntry>> ListAudit(const AuditFilter& filter, const PageRequest& page) override;
  // ReadTx: enrollment tokens and snapshots (sqlite_enrollment.cpp,
  // sqlite_snapshots.cpp) and REST lookups (in their area's file).
  Result<EnrollmentToken> GetEnrollmentToken(std::string_view id) override;
  Result<EnrollmentToken> GetEnrollmentTokenByHash(std::string_view token_hash) override;
  Result<Page<EnrollmentToken>> ListEnrollmentTokens(const PageRequest& page) override;
  Result<Page<Snapshot>> ListSnapshots(const SnapshotFilter& filter, const PageRequest& page) override;
  Result<Snapshot> FindSnapshot(std::string_view repository_id, std::string_view id) override;
  Result<Page<Host>> SearchHosts(const HostFilter& filter, const PageRequest& page) override;
  Result<Page<Repository>> ListRepositoriesPage(const PageRequest& page) override;
  Result<SourceGroup> GetSourceGroupById(std::string_view id) override;
  Result<Page<SourceGroup>> ListSourceGroupsPage(const std::optional<std::string>& host_id,
                                                 const PageRequest& page) override;
  Result<Schedule> GetScheduleById(std::string_view id) override;
  Result<Page<Schedule>> ListSchedulesPage(const std::optional<std::string>& host_id,
                                           const PageRequest& page) override;
  // users and credentials (sqlite_users.cpp)
  Result<User> GetUser(std::string_view id) override;
  Result<User> GetUserByUsername(std::string_view username) override;
  Result<Page<User>> ListUsers(const PageRequest& page) override;
  Result<int64_t> CountUsers() override;
  Result<int64_t> CountActiveAdmins() override;
  Result<Session> GetSession(std::string_view token_hash) override;
  Result<ApiToken> GetApiToken(std::string_view id) override;
  Result<ApiToken> GetApiTokenByHash(std::string_view token_hash) override;
  Result<Page<ApiToken>> ListApiTokens(const ApiTokenFilter& filter, const PageRequest& page) override;
  Result<std::vector<Session>> ListUserSessions(std::string_view user_id) override;
  Result<Session> GetSessionById(std::string_view id) override;
  Result<UserTotp> GetUserTotp(std::string_view user_id) override;
  Result<int64_t> CountUnusedRecoveryCodes(std::string_view user_id) override;
  Result<LoginChallenge> GetLoginChallenge(std::string_view token_hash) override;
  Result<AccountSettings> GetAccountSettings() override;
  // rollouts (sqlite_rollouts.cpp)
  Result<Rollout> GetRollout(std::string_view id) override;
  Result<std::vector<Rollout>> ListRollouts(int limit) override;
  Result<std::vector<std::string>> ListRunningRollouts() override;
  Result<Rollout> CreateRollout(const NewRollout& rollout) override;
  Result<void> SetRolloutState(std::string_view id, RolloutState state, std::string_view error) override;
  Result<void> SetRolloutHostState(std::string_view rollout_id, std::string_view host_id, RolloutHostState state,
                                   std::string_view error, std::optional<TimePoint> deadline_at,
                                   std::optional<std::string> from_version) override;
  // window record (sqlite_windows.cpp)
  Result<WindowRecord> GetWindowRecord(std::string_view schedule_id, TimePoint from, TimePoint to) override;
  Result<ServerRun> GetLatestServerRun() override;
  // alerts (sqlite_alerts.cpp; the ListAll* in their area's file)
  Result<std::vector<Host>> ListAllHosts() override;
  Result<std::vector<Schedule>> ListAllSchedules() override;
  Result<std::vector<ScheduleGroupState>> ListAllScheduleGroupStates() override;
  Result<std::vector<SourceGroup>> ListAllSourceGroups() override;
  Result<Alert> GetAlert(std::string_view id) override;
  Result<Page<Alert>> ListAlerts(const AlertFilter& filter, const PageRequest& page) override;
  Result<std::vector<Alert>> ListOpenAlerts(const std::optional<std::string>& host_id) override;
  Result<std::vector<AlertCount>> CountOpenAlerts() override;
  Result<std::vector<AlertRule>> ListAlertRules() override;
  Result<std::optional<Job>> GetLatestDecisiveJob(std::string_view schedule_id,
                                                  std::string_view source_group_id) override;
  Result<std::vector<JobSubject>> ListJobSubjectsFinishedSince(TimePoint since) override;
  Result<std::vector<LockStreak>> ListLockStreaks(TimePoint since) override;
  // notification channels and deliveries (sqlite_notifications.cpp)
  Result<NotificationChannel> GetNotificationChannel(std::string_view id) override;
  Result<Page<NotificationChannel>> ListNotificationChannels(const PageRequest& page) override;
  Result<std::vector<NotificationChannel>> ListEnabledNotificationChannels() override;
  Result<NotificationDelivery> GetNotificationDelivery(std::string_view id) override;
  Result<Page<NotificationDelivery>> ListNotificationDeliveries(std::string_view channel_id,
                                                                const PageRequest& page) override;
  // metrics (sqlite_metrics.cpp)
  Result<MetricsSnapshot> GetMetricsSnapshot() override;
  // repository stats and drills (sqlite_stats.cpp)
  Result<std::vector<RepositoryStatsRow>> ListRepositoryStats(std::string_view repository_id, TimePoint since,
                                                              int limit) override;
  Result<std::vector<RepositoryStatsRow>> ListLatestRepositoryStats() override;
  Result<std::vector<StatsCandidate>> ListStatsCandidates() override;
  Result<std::vector<LastDrill>> ListLastDrills() override;

  // WriteTx
  Result<Host> CreateHost(const NewHost& host) override;
  Result<void> UpdateHostStatus(std::string_view id, const HostStatus& status) override;
  Result<void> SetHostAlwaysOn(std::string_view id, bool always_on) override;
  Result<void> SetHostLabels(std::string_view id, const labels::Labels& labels) override;
  Result<int64_t> BumpHostScheduleVersion(std::string_view id) override;
  Result<void> SetHostAppliedScheduleVersion(std::string_view id, int64_t version, TimePoint applied_at,
                                             std::string_view rejected_json) override;
  Result<InstallBinding> BindHostInstall(std::string_view id, std::string_view install_id,
                                         TimePoint at) override;
  Result<void> ClearHostInstall(std::string_view id) override;
  Result<Repository> CreateRepository(const Repository& repository) override;
  Result<std::vector<HostVersion>> UpdateRepository(const Repository& repository) override;
  Result<void> DeleteRepository(std::string_view id) override;
  Result<SourceGroup> CreateSourceGroup(const SourceGroup& group) override;
  Result<SourceGroup> UpdateSourceGroup(const SourceGroup& group) override;
  Result<void> DeleteSourceGroup(std::string_view host_id, std::string_view id) override;
  Result<ScheduleChange> CreateSchedule(const Schedule& schedule) override;
  Result<ScheduleChange> UpdateSchedule(const Schedule& schedule) override;
  Result<int64_t> DeleteSchedule(std::string_view host_id, std::string_view id) override;
  Result<Job> CreateJob(const NewJob& job) override;
  Result<Job> TransitionJob(std::string_view id, JobStatus to) override;
  Result<FinishOutcome> FinishJob(std::string_view id, const JobResult& result) override;
  Result<void> RequestJobCancel(std::string_view id, TimePoint at) override;
  Result<void> SetJobProgress(std::string_view id, std::string_view progress_json) override;
  Result<void> SetJobWaitReason(std::string_view id, std::string_view reason) override;
  Result<int64_t> AppendJobLogs(std::string_view job_id, std::span<const JobLogLine> lines) override;
  Result<std::optional<TimePoint>> UpsertPendingRun(const PendingRun& run) override;
  Result<void> DeletePendingRun(std::string_view schedule_id) override;
  Result<int64_t> AppendAudit(const AuditEntry& entry) override;
  // WriteTx: enrollment tokens and snapshots, host rename and delete.
  Result<EnrollmentToken> CreateEnrollmentToken(const NewEnrollmentToken& token) override;
  Result<EnrollmentToken> RevokeEnrollmentToken(std::string_view id) override;
  Result<EnrollmentToken> ConsumeEnrollmentToken(std::string_view id, std::string_view host_id) override;
  Result<int64_t> UpsertSnapshots(std::string_view repository_id,
                                  std::span<const Snapshot> snapshots) override;
  Result<int64_t> DeleteSnapshotsExcept(std::string_view repository_id,
                                        std::span<const std::string> keep_ids) override;
  Result<void> SetHostTokenHash(std::string_view id, std::string_view token_hash) override;
  Result<Host> RenameHost(std::string_view id, std::string_view name) override;
  Result<void> DeleteHost(std::string_view id) override;
  // users and credentials (sqlite_users.cpp)
  Result<User> CreateUser(const NewUser& user) override;
  Result<User> UpdateUser(std::string_view id, const UserUpdate& update) override;
  Result<void> DeleteUser(std::string_view id) override;
  Result<Session> CreateSession(const Session& session) override;
  Result<bool> TouchSession(std::string_view token_hash, TimePoint expires_at, TimePoint used_at,
                            TimePoint if_before) override;
  Result<void> DeleteSession(std::string_view token_hash) override;
  Result<int64_t> DeleteUserSessions(std::string_view user_id, std::string_view keep_token_hash) override;
  Result<int64_t> DeleteExpiredSessions(TimePoint now) override;
  Result<ApiToken> CreateApiToken(const NewApiToken& token) override;
  Result<ApiToken> RevokeApiToken(std::string_view id) override;
  Result<bool> TouchApiToken(std::string_view id, TimePoint used_at, TimePoint if_before) override;
  Result<UserTotp> PutPendingTotp(const UserTotp& totp) override;
  Result<UserTotp> ConfirmTotp(std::string_view user_id, int64_t step) override;
  Result<bool> UseTotpStep(std::string_view user_id, int64_t step) override;
  Result<bool> DeleteTotp(std::string_view user_id) override;
  Result<void> ReplaceRecoveryCodes(std::string_view user_id,
                                    std::span<const std::string> code_hashes) override;
  Result<bool> UseRecoveryCode(std::string_view user_id, std::string_view code_hash) override;
  Result<LoginChallenge> CreateLoginChallenge(const LoginChallenge& challenge) override;
  Result<int64_t> FailLoginChallenge(std::string_view token_hash) override;
  Result<void> DeleteLoginChallenge(std::string_view token_hash) override;
  Result<AccountSettings> PutAccountSettings(const AccountSettings& settings) override;
  // window record (sqlite_windows.cpp)
  Result<void> RecordWindowNote(const WindowNote& note) override;
  Result<ServerRun> StartServerRun() override;
  Result<void> TouchServerRun(int64_t id) override;
  Result<void> StopServerRun(int64_t id) override;
  // alerts (sqlite_alerts.cpp)
  Result<Alert> InsertAlert(const Alert& alert) override;
  Result<Alert> UpdateAlert(const Alert& alert) override;
  Result<AlertRule> PutAlertRule(const AlertRule& rule) override;
  // notification channels and deliveries (sqlite_notifications.cpp)
  Result<NotificationChannel> CreateNotificationChannel(const NotificationChannel& channel) override;
  Result<NotificationChannel> UpdateNotificationChannel(const NotificationChannel& channel) override;
  Result<void> DeleteNotificationChannel(std::string_view id) override;
  Result<std::optional<NotificationDelivery>> QueueNotificationDelivery(
      const NewNotificationDelivery& delivery) override;
  Result<std::vector<NotificationDelivery>> ClaimNotificationDeliveries(TimePoint now, TimePoint lease_until,
                                                                        int limit) override;
  Result<void> RecordNotificationAttempt(const NotificationAttempt& attempt) override;
  Result<int64_t> PruneNotificationDeliveries(TimePoint before) override;
  // repository stats and drills (sqlite_stats.cpp)
  Result<void> AddRepositoryStats(const RepositoryStatsRow& row) override;

 private:
  //! Presence history for a `connected` update of a host (sqlite_windows.cpp).
  Result<void> RecordPresence(std::string_view host_id, bool connected, TimePoint at);
  //! A schedule's jobs with window_slot in [from, to), newest slot then newest job first (sqlite_jobs.cpp).
  Result<std::vector<Job>> ListWindowJobs(std::string_view schedule_id, TimePoint from, TimePoint to);
  //! The store clock, truncated to the millisecond the database keeps.
  TimePoint Now() const;
  //! After a schedule row was written: replaces its group links, bumps the
  //! host's version and reads the schedule back.
  Result<ScheduleChange> FinishScheduleWrite(const Schedule& schedule);
  //! Records a finished job's outcome in schedule_group_state / hosts.
  Result<FinishOutcome> StoreResult(const Job& job, const JobResult& result);
  Result<void> RecordOutcome(const Job& job);

  Connection& conn_;
  const std::function<TimePoint()>& now_;
};

//! `head` + `rest`, for statements assembled from constant fragments (a
//! shared SELECT list plus a WHERE / ORDER BY); values are always bound.
std::string JoinSql(std::string_view head, std::string_view rest);

//! kNotFound "<what> not found" unless `changed` rows > 0; passes errors through.
Result<void> RequireChanged(const Result<int64_t>& changed, std::string_view what);

}  // namespace rmgr::store::sqlite
