-- Changes of credentials are announced on the notification channel `hs_access` (LISTEN/NOTIFY)
-- with the payload `credentials`, whenever the credential generation (0011) moves (the same
-- triggers: revoked or changed sessions and API tokens, disabled users and orgs, memberships,
-- application admins, new orgs). A process keeping credentials in memory then hears another
-- process's change as soon as it commits, instead of reading the generation before every request.
-- A notification is delivered at commit, only if the transaction commits; identical ones of one
-- transaction are folded into one. The generation itself still moves: a process that is not
-- listening (its listening connection lost) reads it, as before.
CREATE OR REPLACE FUNCTION core.hs_bump_auth_generation() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  UPDATE core.hs_auth_generation SET gen = gen + 1 WHERE id = 1;
  PERFORM pg_notify('hs_access', 'credentials');
  RETURN NULL;
END
$fn$;
