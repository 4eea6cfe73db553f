-- ConnectWise callback deliveries applied, by message id: a delivery sent again (ConnectWise
-- retries until it gets a 2xx) is recognised and not applied twice.
CREATE TABLE connectwise_callbacks (
    message_id  TEXT PRIMARY KEY,
    record_type TEXT NOT NULL,
    record_id   BIGINT,
    action      TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX connectwise_callbacks_received ON connectwise_callbacks(received_at);
-- How far behind the change at ConnectWise each applied callback was, in milliseconds (from the
-- record's `_info.lastUpdated`; NULL for deletes).
ALTER TABLE connectwise_callbacks ADD COLUMN lag_ms BIGINT;

-- Sync visibility: the last full and the last incremental run each keep their report, and the
-- last failure its time and message.
ALTER TABLE sync_state ADD COLUMN last_full_report TEXT;
ALTER TABLE sync_state ADD COLUMN last_incremental_at TEXT;
ALTER TABLE sync_state ADD COLUMN last_incremental_report TEXT;
ALTER TABLE sync_state ADD COLUMN last_failure_at TEXT;
ALTER TABLE sync_state ADD COLUMN last_failure TEXT;
