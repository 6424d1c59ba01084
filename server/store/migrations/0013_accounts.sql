-- 0013_accounts: operator accounts (issue 12) — sessions a user can list and
-- revoke, TOTP second factor with recovery codes, the login challenge
-- between password and code, and the admins' account settings.
--
-- sessions is rebuilt to give every session a public id (the token hash is
-- the lookup key of a credential and never leaves the server) and the
-- columns the session list shows. Existing sessions survive with a random id.

CREATE TABLE sessions_0013 (
  token_hash     TEXT PRIMARY KEY,
  id             TEXT NOT NULL UNIQUE,
  user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_hash      TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  last_used_at   INTEGER NOT NULL,
  client_address TEXT NOT NULL DEFAULT '',
  user_agent     TEXT NOT NULL DEFAULT ''
);
INSERT INTO sessions_0013 (token_hash, id, user_id, csrf_hash, created_at, expires_at, last_used_at)
  SELECT token_hash, lower(hex(randomblob(16))), user_id, csrf_hash, created_at, expires_at, created_at
  FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_0013 RENAME TO sessions;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- One TOTP secret per user, sealed with the server key (like repository
-- passwords). confirmed_at is NULL while enrolment waits for a first code;
-- last_used_step is the newest 30 s step a code was accepted for, so a code
-- (or an older one) is never accepted twice.
CREATE TABLE user_totp (
  user_id           TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret_nonce      BLOB NOT NULL,
  secret_ciphertext BLOB NOT NULL,
  created_at        INTEGER NOT NULL,
  confirmed_at      INTEGER,
  last_used_step    INTEGER NOT NULL DEFAULT 0
);

-- Recovery codes, stored as HashToken of the normalised code (80 random
-- bits each); used_at set once a code was spent.
CREATE TABLE user_recovery_codes (
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash  TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  used_at    INTEGER,
  PRIMARY KEY (user_id, code_hash)
);

-- A password accepted for a user with TOTP: the second step presents this
-- challenge (stored hashed) with a code. Short-lived; failures counted.
CREATE TABLE login_challenges (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  failures   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX login_challenges_expires ON login_challenges (expires_at);

-- Server-wide settings an admin changes at run time, one row per key.
CREATE TABLE server_settings (
  key        TEXT PRIMARY KEY CHECK (key IN ('require_totp')),
  value      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
