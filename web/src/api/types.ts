// Shapes of the REST API v1 (docs/api-contract.md) as the UI reads them.

export type Role = 'admin' | 'operator' | 'viewer';

export interface User {
  id: string;
  username: string;
  role: Role;
  created_at: string;
  disabled: boolean;
  totp_enabled: boolean;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A login answer: a session, or (TOTP enabled) a challenge for POST /auth/login/totp. */
export type LoginResponse =
  | { csrf_token: string; user: User; totp_enrolment_required: boolean }
  | { totp_required: true; challenge: string };

export interface MeResponse {
  user: User;
  via: 'session' | 'token';
  totp_enrolment_required: boolean;
}

/** A browser session in the session list (docs/api-contract.md "Account"). */
export interface AccountSession {
  id: string;
  user_id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  client_address: string;
  user_agent: string;
  current: boolean;
}

/** GET /account/totp. */
export interface TotpState {
  enabled: boolean;
  pending: boolean;
  enabled_at: string | null;
  recovery_codes_left: number;
  required: boolean;
}

/** POST /account/totp/enrol: the new secret, shown until confirmed. */
export interface TotpEnrolment {
  secret: string;
  otpauth_uri: string;
  qr: { size: number; modules: string };
}

/** GET/PUT /settings/accounts. */
export interface AccountSettings {
  require_totp: boolean;
  updated_at: string | null;
}

export interface ApiToken {
  id: string;
  name: string;
  user_id: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  token?: string;
}

export interface ScheduleVersion {
  canonical: number;
  applied: number;
  applied_at: string | null;
}

export type HostMode = 'always_on' | 'intermittent';

export interface Host {
  id: string;
  name: string;
  hostname: string | null;
  os: string | null;
  arch: string | null;
  agent_version: string | null;
  restic_version: string | null;
  mode: HostMode;
  connected: boolean;
  last_seen_at: string | null;
  last_backup_at: string | null;
  current_job_id: string | null;
  schedule_version: ScheduleVersion;
  /** Entries the agent could not apply with its last ack: they never fire. */
  schedule_rejected: ScheduleRejection[];
  /** When a second agent installation used this host's token and was refused. */
  install_conflict_at: string | null;
  /** Operator-set labels, key → value (role=laptop). */
  labels: Record<string, string>;
  /** The agent's local policy from its last hello; null before one. */
  agent_policy: AgentPolicy | null;
  created_at: string;
  /** The agent reports a version older than the server's own. */
  agent_behind: boolean;
}

export type HookPolicy = 'refuse' | 'allow' | 'allowlist';

/** What the host's agent allows, decided on the host itself. */
export interface AgentPolicy {
  /** Directory operators may restore into (the agent's --restore-root). */
  restore_root: string | null;
  /** The host consents to restores outside the root (an admin's, in place included). */
  restore_anywhere: boolean;
  hook_policy: HookPolicy | null;
  /** Programs an allowlist policy runs. */
  hook_allow: string[];
}

export interface ScheduleRejection {
  schedule_id: string;
  reason: string;
  /** Since when (server time) the agent has not applied it; absent on entries stored before it was kept. */
  since?: string;
}

/** GET /server/tls: how the server is reached. */
/** A package new hosts can download (GET /api/v1/downloads). */
export interface OfferedPackage {
  /** <package>_<version>_<architecture>.deb */
  file: string;
  package: string;
  version: string;
  architecture: string;
  size: number;
  /** /downloads/<file>, relative to the server. */
  url: string;
}

export interface ServerTls {
  tls: boolean;
  /** sha256:<64 lower-case hex of the certificate's DER>; null without TLS. */
  fingerprint: string | null;
  /** The certificate announced for rotation; null for none. */
  next_fingerprint: string | null;
  /** curl --pinnedpubkey of the certificate's public key: sha256//<base64>; null without TLS. */
  spki_pin: string | null;
  /** Plain HTTP on a non-loopback address (--insecure-http). */
  insecure_http: boolean;
}

/** used: a one-time token after its use; exhausted: a reusable one after its last. */
export type EnrollmentStatus = 'active' | 'used' | 'exhausted' | 'expired' | 'revoked';

export interface EnrollmentToken {
  id: string;
  name: string;
  host_id: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
  /** Enrollments it allows; 1: a one-time token. */
  max_uses: number;
  /** Enrollments so far. */
  use_count: number;
  /** The latest enrollment (used_at is the first). */
  last_used_at: string | null;
  /** Applied to every host that enrolls with it. */
  labels: Record<string, string>;
  status: EnrollmentStatus;
  token?: string;
}

export interface Repository {
  id: string;
  name: string;
  url: string;
  has_password: boolean;
  /** Backups into it that may run at once across all hosts; 0 = unlimited. */
  max_concurrent_backups: number;
  /** Cron (UTC unless CRON_TZ=) opening the window in which forget, prune and check may start; "" = any time. */
  maintenance_cron: string;
  /** How long each maintenance window stays open (0 without a cron). */
  maintenance_minutes: number;
  created_at: string;
  updated_at: string;
  /** Newest size a stats job measured (null before the first). */
  latest_stats?: RepositoryStats | null;
}

/** One point of a repository's size series (GET /repositories/{id}/stats). */
export interface RepositoryStats {
  at: string;
  /** Bytes stored: deduplicated and compressed (restic stats --mode raw-data). */
  raw_data_bytes: number;
  uncompressed_bytes: number | null;
  /** What restoring the latest snapshot of each host × paths writes. */
  restore_size_bytes: number;
  snapshots: number;
  blobs: number;
  job_id: string | null;
}

/** What a restore drill found (a drill job's summary). */
export interface DrillSummary {
  snapshot_id: string;
  sampled: number;
  verified: number;
  size_only: number;
  mismatched: number;
  unreadable: number;
  bytes_restored: number;
  mismatched_paths: string[];
  unreadable_paths: string[];
}

/** A host's last finished drill (GET /drills/latest). */
export interface LatestDrill {
  host_id: string;
  job: Job;
}

export interface Snapshot {
  id: string;
  short_id: string;
  time: string;
  hostname: string;
  paths: string[];
  tags: string[];
  host_id: string | null;
}

export interface SourceGroup {
  id: string;
  host_id: string;
  name: string;
  paths: string[];
  excludes: string[];
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface Retention {
  keep_last?: number;
  keep_hourly?: number;
  keep_daily?: number;
  keep_weekly?: number;
  keep_monthly?: number;
  keep_yearly?: number;
  keep_within?: string;
  keep_tags?: string[];
  prune?: boolean;
}

export type ScheduleKind = 'backup' | 'forget' | 'prune' | 'check' | 'drill';

export interface Schedule {
  id: string;
  host_id: string;
  name: string;
  kind: ScheduleKind;
  cron: string;
  timezone: string;
  repository_id: string;
  source_group_ids: string[];
  retention: Retention | null;
  options: Record<string, unknown>;
  pre_hook: string | null;
  post_hook: string | null;
  hook_timeout_seconds: number;
  enabled: boolean;
  jitter_seconds: number;
  /** One job's limit before the agent stops it (error_kind "timeout"); 0: the agent's default for the kind. */
  max_runtime_seconds: number;
  next_fires: string[];
  schedule_version: number;
  created_at: string;
  updated_at: string;
}

/** What happened in one window (GET /schedules/{id}/windows, /hosts/{id}/windows). */
export type WindowOutcome =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'partial'
  | 'failed'
  | 'cancelled'
  | 'interrupted'
  | 'lost'
  | 'pending'
  | 'due'
  | 'missed'
  | 'refused'
  | 'deferred';

/** Every window outcome, in the server's order (server/scheduling/window_record.h). */
export const kWindowOutcomes: WindowOutcome[] = [
  'queued',
  'running',
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'interrupted',
  'lost',
  'pending',
  'due',
  'missed',
  'refused',
  'deferred',
];

/** One schedule × source group × slot and what happened in it. */
export interface ScheduleWindow {
  schedule_id: string;
  slot: string;
  source_group_id: string | null;
  outcome: WindowOutcome;
  job_id: string | null;
  reason: string | null;
}

// The job vocabulary (JobKind, JobStatus, ScheduleKind, ErrorKind, LogStream) is
// common/protocol/enums.h; server/store/vocabulary_test.cpp checks these unions against it.
export type JobKind =
  | 'backup'
  | 'forget'
  | 'prune'
  | 'check'
  | 'restore'
  | 'init'
  | 'unlock'
  | 'snapshots'
  | 'ls'
  | 'stats'
  | 'drill';
export type JobStatus =
  | 'queued'
  | 'dispatched'
  | 'running'
  | 'succeeded'
  | 'partial'
  | 'failed'
  | 'cancelled'
  | 'interrupted'
  | 'lost';

export const kJobKinds: JobKind[] = [
  'backup',
  'forget',
  'prune',
  'check',
  'restore',
  'init',
  'unlock',
  'snapshots',
  'ls',
  'stats',
  'drill',
];
export const kJobStatuses: JobStatus[] = [
  'queued',
  'dispatched',
  'running',
  'succeeded',
  'partial',
  'failed',
  'cancelled',
  'interrupted',
  'lost',
];
export const kActorKinds = ['user', 'api', 'schedule', 'catchup', 'agent', 'system'] as const;

/** Why a job failed (null: it did not). cancelled, interrupted and lost are decided by the server. */
export type ErrorKind =
  | 'wrong_password'
  | 'repository_missing'
  | 'repository_locked'
  | 'hook_failed'
  | 'other'
  | 'timeout'
  | 'cancelled'
  | 'interrupted'
  | 'lost'
  | 'verify_mismatch'
  | 'restore_refused'
  | 'hook_refused';

/** Where a job log line came from (agents send hook output as 'agent'). */
export type LogStream = 'stdout' | 'stderr' | 'agent' | 'hook';

export interface JobProgress {
  percent_done: number;
  total_files: number;
  files_done: number;
  total_bytes: number;
  bytes_done: number;
  seconds_elapsed: number;
  seconds_remaining: number;
  error_count: number;
  current_files: string[];
}

export interface BackupSummary {
  files_new?: number;
  files_changed?: number;
  files_unmodified?: number;
  dirs_new?: number;
  dirs_changed?: number;
  dirs_unmodified?: number;
  data_blobs?: number;
  tree_blobs?: number;
  data_added?: number;
  total_files_processed?: number;
  total_bytes_processed?: number;
  total_duration?: number;
  snapshot_id?: string | null;
}

export interface JobArgs {
  retention?: Retention;
  options?: {
    backup?: Record<string, unknown>;
    check?: Record<string, unknown>;
    restore?: { snapshot_id: string; include_paths?: string[]; target: string };
    drill?: { sample_files?: number; max_bytes?: number };
  };
}

export interface Job {
  id: string;
  host_id: string;
  kind: JobKind;
  status: JobStatus;
  actor_kind: string;
  actor_id: string | null;
  schedule_id: string | null;
  source_group_id: string | null;
  repository_id: string | null;
  scheduled_at: string | null;
  created_at: string;
  dispatched_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  error: string | null;
  error_kind: ErrorKind | null;
  snapshot_id: string | null;
  /** restic's backup summary; a drill job carries its DrillSummary here (see lib/drills.ts). */
  summary: BackupSummary | null;
  progress: Partial<JobProgress> | null;
  /** Why a queued job has not started, e.g. "waiting for prune of repository nas on host web-1" (repository leases). */
  wait_reason?: string | null;
  /** The arguments the job was made with (retention, options such as a restore target); "Run again" reuses them. */
  args?: JobArgs | null;
}

export interface LogLine {
  seq: number;
  stream: LogStream;
  at: string;
  text: string;
}

export interface LogPage {
  items: LogLine[];
  next_after_seq: number;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor_kind: string;
  actor_id: string;
  action: string;
  target_kind: string;
  target_id: string;
  source_addr: string;
  detail: Record<string, unknown>;
}

export interface BrowseEntry {
  name: string;
  type: string;
  path: string;
  size?: number | null;
  mtime?: string | null;
  permissions?: string | null;
}

export interface BrowseResult {
  path: string;
  entries: BrowseEntry[];
  truncated: boolean;
}

export interface CronNext {
  next: string[];
}

// The alert vocabulary (AlertKind, AlertState, AlertSeverity) is server/store/alert_types.h;
// server/store/vocabulary_test.cpp checks these unions and lists against it.
export type AlertKind =
  | 'host_unprotected'
  | 'host_offline'
  | 'job_failed'
  | 'job_partial'
  | 'check_failed'
  | 'repository_locked'
  | 'schedule_drift'
  | 'agent_outdated'
  | 'drill_failed';
export type AlertState = 'firing' | 'acknowledged' | 'silenced' | 'resolved';
export type AlertSeverity = 'warning' | 'critical';

export const kAlertKinds: AlertKind[] = [
  'host_unprotected',
  'host_offline',
  'job_failed',
  'job_partial',
  'check_failed',
  'repository_locked',
  'schedule_drift',
  'agent_outdated',
  'drill_failed',
];
export const kAlertStates: AlertState[] = ['firing', 'acknowledged', 'silenced', 'resolved'];
export const kAlertSeverities: AlertSeverity[] = ['warning', 'critical'];

/** One occurrence of a rule's condition for one subject (GET /alerts, SSE `alert`). */
export interface Alert {
  id: string;
  kind: AlertKind;
  severity: AlertSeverity;
  state: AlertState;
  host_id: string;
  /** The host's name when the alert fired (kept when the host is gone). */
  host_name: string;
  schedule_id: string | null;
  source_group_id: string | null;
  repository_id: string | null;
  /** The job that raised (or last confirmed) it. */
  job_id: string | null;
  /** "laptop / nightly / home". */
  subject: string;
  reason: string;
  started_at: string;
  updated_at: string;
  resolved_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  silenced_until: string | null;
  silenced_by: string | null;
  last_notified_at: string | null;
  notify_count: number;
}

/** GET /alerts/counts: unresolved alerts by state, the critical firing ones, and per kind × state. */
export interface AlertCounts {
  firing: number;
  acknowledged: number;
  silenced: number;
  critical_firing: number;
  by_kind: Partial<Record<AlertKind, Partial<Record<AlertState, number>>>>;
}

/** A rule parameter's value: numbers, booleans and strings (severity, versions). */
export type AlertParamValue = number | boolean | string;

/** GET /alert-rules item: the effective params over the kind's defaults. */
export interface AlertRule {
  kind: AlertKind;
  enabled: boolean;
  params: Record<string, AlertParamValue>;
  defaults: Record<string, AlertParamValue>;
  /** When an admin last changed it (null: never, it runs on its defaults). */
  updated_at: string | null;
}

/** Every status but the three of a job still on its way (queued, dispatched, running). */
export const kTerminalStatuses: ReadonlySet<JobStatus> = new Set<JobStatus>(
  kJobStatuses.filter((s) => s !== 'queued' && s !== 'dispatched' && s !== 'running'),
);

export function isTerminal(status: JobStatus): boolean {
  return kTerminalStatuses.has(status);
}

// ---- notification channels and deliveries (server/store/notification_types.h) ----

export type ChannelKind = 'webhook' | 'ntfy' | 'email' | 'healthchecks';
export const kChannelKinds: ChannelKind[] = ['webhook', 'ntfy', 'email', 'healthchecks'];
export type WebhookFormat = 'json' | 'slack' | 'mattermost' | 'discord';
export const kWebhookFormats: WebhookFormat[] = ['json', 'slack', 'mattermost', 'discord'];
export type DeliveryEvent = 'firing' | 'reminder' | 'resolved' | 'test' | 'start' | 'success' | 'fail';
export type DeliveryState = 'queued' | 'sent' | 'failed';
export type AlertSeverityName = 'warning' | 'critical';

/** A notification channel as answered: secret fields never appear (has_secret, url_hint instead). */
export interface NotificationChannel {
  id: string;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  alert_kinds: string[];
  hosts: string[];
  /** Label selector the host must also match; '' for every host. */
  host_selector: string;
  min_severity: AlertSeverityName;
  has_secret: boolean;
  url_hint?: string;
  format?: WebhookFormat;
  header_name?: string;
  server_url?: string;
  topic?: string;
  priority?: number;
  smtp_url?: string;
  require_tls?: boolean;
  username?: string;
  from?: string;
  to?: string[];
  schedule_ids?: string[];
  created_at: string;
  updated_at: string;
}

/** The body of POST / PATCH /notification-channels (secret fields write-only). */
export interface NotificationChannelBody {
  name?: string;
  kind?: ChannelKind;
  enabled?: boolean;
  alert_kinds?: string[];
  hosts?: string[];
  host_selector?: string;
  min_severity?: AlertSeverityName;
  url?: string;
  format?: WebhookFormat;
  header_name?: string;
  header_value?: string;
  server_url?: string;
  topic?: string;
  priority?: number;
  token?: string;
  smtp_url?: string;
  require_tls?: boolean;
  username?: string;
  password?: string;
  from?: string;
  to?: string[];
  schedule_ids?: string[];
}

/** One delivery of one notice to one channel (the delivery log). */
export interface NotificationDelivery {
  id: string;
  channel_id: string;
  alert_id: string | null;
  event: DeliveryEvent;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string;
  payload: string;
  created_at: string;
  sent_at: string | null;
}
// ---- end notification channels and deliveries ----

