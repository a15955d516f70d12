-- A counter that moves whenever a credential could stop being valid or an actor's roles could
-- change: a session or API token revoked, expired by hand, re-pointed or deleted; a user disabled,
-- renamed or deleted; an org disabled or deleted; any membership or application-admin row added,
-- changed or removed. The server keeps the actors of recently seen bearer credentials in memory
-- and serves one only while this counter still holds the value it read before resolving it, so a
-- revocation is refused by the very next request, whichever process or tool made it.
--
-- The counter moves in a deferred constraint trigger: at commit, as the transaction's last write,
-- so it becomes visible exactly when the change does (a reader that still sees the old value
-- also still sees the old rows), and the one row's lock is only ever taken last, which cannot
-- close a deadlock cycle. Logins (new sessions), token creation and last_used_at do not move it.
CREATE TABLE IF NOT EXISTS core.hs_auth_generation (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  gen bigint NOT NULL DEFAULT 0
);
INSERT INTO core.hs_auth_generation (id, gen) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE OR REPLACE FUNCTION core.hs_bump_auth_generation() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE core.hs_auth_generation SET gen = gen + 1 WHERE id = 1;
  RETURN NULL;
END
$fn$;

DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('hs_session', 'UPDATE OF revoked_at, expires_at, user_id, kind OR DELETE'),
      ('hs_api_token', 'UPDATE OF revoked_at, expires_at, role, user_id, org_id, token_hash OR DELETE'),
      ('user', 'UPDATE OF disabled_ts, email OR DELETE'),
      ('org', 'UPDATE OF disabled_ts OR DELETE'),
      ('org_user', 'INSERT OR UPDATE OR DELETE'),
      ('org_admin', 'INSERT OR UPDATE OR DELETE'),
      ('user_app', 'INSERT OR UPDATE OR DELETE')) AS x(tbl, events)
  LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'core' AND c.relname = t.tbl AND g.tgname = 'hs_auth_generation') THEN
      EXECUTE format(
        'CREATE CONSTRAINT TRIGGER hs_auth_generation AFTER %s ON core.%I
           DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core.hs_bump_auth_generation()',
        t.events, t.tbl);
    END IF;
  END LOOP;
END $$;
