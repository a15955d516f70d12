-- Entity and tag grants (org_*_permission, user_*_permission) are announced on the channel
-- `hs_access` (0016) with the payload `grants`, after any statement that writes one: processes
-- keeping page data per viewer (the console's page caches) read it again as soon as another
-- process's grant commits, instead of after their age limit. Delivered at commit, once per
-- transaction however many statements; nothing when it rolls back.
CREATE OR REPLACE FUNCTION core.hs_notify_grants() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('hs_access', 'grants');
  RETURN NULL;
END
$fn$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['org_entity_permission', 'org_tag_permission', 'user_entity_add_permission',
      'user_entity_rev_permission', 'user_tag_add_permission', 'user_tag_rev_permission']
  LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'core' AND c.relname = t AND g.tgname = 'hs_notify_grants') THEN
      EXECUTE format(
        'CREATE TRIGGER hs_notify_grants AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON core.%I
           FOR EACH STATEMENT EXECUTE FUNCTION core.hs_notify_grants()', t);
    END IF;
  END LOOP;
END $$;
