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
