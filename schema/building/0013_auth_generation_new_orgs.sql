-- The credential generation (0011) also moves when an org is created: an application admin's
-- actor lists the orgs that exist (their rights are in every org that exists, not in any id), so
-- an actor resolved before the org was created must not be served after it.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'core' AND c.relname = 'org' AND g.tgname = 'hs_auth_generation_insert') THEN
    CREATE CONSTRAINT TRIGGER hs_auth_generation_insert AFTER INSERT ON core.org
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core.hs_bump_auth_generation();
  END IF;
END $$;
