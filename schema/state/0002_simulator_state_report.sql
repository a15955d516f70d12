-- When a plan client (a simulator service of the original's kind) last reported its state with
-- `POST /simulator/state/{id}` (simulator/service/state.ts); NULL: never. The answer takes the
-- plan's fields from that report while it is newer than this server's own checkpoint.
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS reported_at timestamptz;
