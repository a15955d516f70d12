-- The plan's `database_config` of a simulator: the client's record of the databases it meant the
-- simulator for (this server never connects with it; it writes every simulator to its own
-- configured databases). Stored sealed with the poller config key (Fernet text), since such a
-- record usually holds passwords; answers show it with its secrets masked
-- (simulator/database-config.ts). NULL: none given.
ALTER TABLE core.hs_simulator ADD COLUMN IF NOT EXISTS database_config text;
