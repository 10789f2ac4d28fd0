-- Messages that could not become events, with the reason. Keyed by Kafka
-- position so re-reading the same messages after a crash stores them once.
CREATE TABLE IF NOT EXISTS {{.DB}}.dead_letters{{onCluster}}
(
    received_at     DateTime('UTC'),
    kafka_topic     String,
    kafka_partition Int32,
    kafka_offset    Int64,
    message_key     String,
    payload         String,
    payload_bytes   UInt32,
    reason          String,
    detail          String,
    event_id        String,
    tenant          String,
    ticket_id       String
)
ENGINE = {{engine "ReplacingMergeTree" ""}}
ORDER BY (kafka_topic, kafka_partition, kafka_offset);
