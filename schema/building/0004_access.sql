-- Access: credentials, API tokens, sessions and the audit log. All four tables are primary-only
-- (never replicated): core."user" rows go to every secondary, so secrets live apart from them.
-- Secrets are stored only as hashes: argon2id for passwords, SCRAM-SHA-256 keys (RFC 5802/7677)
-- for Haystack clients, SHA-256 for API tokens.
ALTER TABLE core."user" ADD COLUMN IF NOT EXISTS display_name varchar;
ALTER TABLE core."user" ADD COLUMN IF NOT EXISTS created_at timestamp DEFAULT now();

CREATE TABLE IF NOT EXISTS core.hs_credential (
  user_id int4 PRIMARY KEY REFERENCES core."user" (id),
  password_hash text NOT NULL,
  scram_salt text NOT NULL,
  scram_iterations int4 NOT NULL CHECK (scram_iterations >= 4096),
  scram_stored_key text NOT NULL,
  scram_server_key text NOT NULL,
  must_change bool NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS core.hs_api_token (
  id serial PRIMARY KEY,
  user_id int4 NOT NULL REFERENCES core."user" (id),
  org_id int4 NOT NULL REFERENCES core.org (id),
  name varchar(200) NOT NULL,
  role varchar(20) NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
  token_hash text NOT NULL,
  prefix varchar(16) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_hs_api_token_hash ON core.hs_api_token (token_hash);
CREATE INDEX IF NOT EXISTS ix_hs_api_token_org ON core.hs_api_token (org_id, id);

-- One row per signed JWT we issue (browser sessions and /authorize/token access tokens): the JWT
-- carries the row id, so logout, password changes and disabling a user revoke it server-side.
CREATE TABLE IF NOT EXISTS core.hs_session (
  id text PRIMARY KEY,
  user_id int4 NOT NULL REFERENCES core."user" (id),
  kind varchar(20) NOT NULL CHECK (kind IN ('session', 'access')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
CREATE INDEX IF NOT EXISTS ix_hs_session_user ON core.hs_session (user_id);
CREATE INDEX IF NOT EXISTS ix_hs_session_expires ON core.hs_session (expires_at);

CREATE TABLE IF NOT EXISTS core.hs_audit_log (
  id bigserial PRIMARY KEY,
  ts timestamptz NOT NULL DEFAULT now(),
  actor_user_id int4,
  actor_token_id int4,
  actor_email text,
  org_id int4,
  action varchar(64) NOT NULL,
  target text,
  details jsonb,
  ip text
);
CREATE INDEX IF NOT EXISTS ix_hs_audit_log_ts ON core.hs_audit_log (ts DESC);
CREATE INDEX IF NOT EXISTS ix_hs_audit_log_org_ts ON core.hs_audit_log (org_id, ts DESC);
