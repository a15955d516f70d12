-- A plan client's report (`POST /simulator/state/{id}`, simulator/service/state.ts) gets its own
-- columns. Before, it was written into `status`, `error_message`, `last_run_timestamp`,
-- `totalizers`, `config` and `service_name`, the columns this server's own mirror of the run
-- (simulator/store.ts mirrorState) writes and the console reads back as the run status: a report
-- could show as the status of a simulator this server runs, and the next interval's mirror
-- overwrote the report's totalizers. A row that holds a report (reported_at set) keeps it: its
-- fields are copied once into the plan_* columns.
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS plan_service_name varchar(100);
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS plan_status varchar(50);
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS plan_last_run_timestamp timestamptz;
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS plan_totalizers jsonb;
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS plan_config jsonb;
ALTER TABLE core.simulator_state ADD COLUMN IF NOT EXISTS plan_error_message text;
UPDATE core.simulator_state
   SET plan_service_name = service_name, plan_status = status,
       plan_last_run_timestamp = last_run_timestamp, plan_totalizers = totalizers,
       plan_config = config, plan_error_message = error_message
 WHERE reported_at IS NOT NULL AND plan_status IS NULL;
