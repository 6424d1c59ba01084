-- 0009_notifications: notification channels and their durable delivery
-- queue (issue 11, "Notification channels"). Names are spelled once in
-- server/store/notification_types.h and the alert vocabulary in
-- server/store/alert_types.h; server/store/vocabulary_test.cpp checks the
-- CHECK lists below against them.
--
-- 0001 made notification_channels with a free-text kind and nothing wrote it;
-- it is rebuilt here with the kind CHECK, the sealed secret and the routing.

ALTER TABLE notification_channels RENAME TO notification_channels_0001;

CREATE TABLE notification_channels (
  id                TEXT PRIMARY KEY,
  kind              TEXT NOT NULL CHECK (kind IN ('webhook', 'ntfy', 'email', 'healthchecks')),
  name              TEXT NOT NULL UNIQUE,
  -- The kind's fields that are not secret (format, topic, SMTP server, ...).
  config            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  -- The kind's secret fields as one JSON object (webhook URL and header
  -- value, ntfy token, SMTP password, ping URL), sealed with the server key.
  secret_ciphertext BLOB,
  secret_nonce      BLOB,
  -- Routing: alert kind names and host name globs (JSON arrays; empty = all)
  -- and the least severity that is sent.
  alert_kinds       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(alert_kinds)),
  host_globs        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(host_globs)),
  min_severity      TEXT NOT NULL DEFAULT 'warning' CHECK (min_severity IN ('warning', 'critical')),
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);

INSERT INTO notification_channels (id, kind, name, config, enabled, created_at, updated_at)
  SELECT id, kind, name, config, enabled, created_at, updated_at FROM notification_channels_0001;
DROP TABLE notification_channels_0001;

-- One row per (notice, channel): the delivery queue and the delivery log.
-- notice_key names the notice ("alert/<id>/<event>/<n>", "job/<id>/start",
-- "test/<ulid>"); UNIQUE (channel_id, notice_key) is what keeps a notice from
-- being queued twice for a channel. The payload is rendered when queued and
-- never holds a secret (those are opened from the channel when sending).
CREATE TABLE notification_deliveries (
  id              TEXT PRIMARY KEY,
  channel_id      TEXT NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
  alert_id        TEXT,
  notice_key      TEXT NOT NULL CHECK (notice_key <> ''),
  event           TEXT NOT NULL
                  CHECK (event IN ('firing', 'reminder', 'resolved', 'test', 'start', 'success', 'fail')),
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  UNIQUE (channel_id, notice_key)
);

-- The worker's "due" query: queued rows by next attempt.
CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE state = 'queued';
-- A channel's delivery log, newest first.
CREATE INDEX notification_deliveries_log ON notification_deliveries (channel_id, created_at, id);
