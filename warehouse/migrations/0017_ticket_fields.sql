-- The fields desks slice tickets by (issue 29). tickets.creator is who
-- created the ticket (the ticket.created actor's id; created_by is only
-- the actor's type). Rows written before this migration read "" until
-- `slate sla recompute` (or new events) refold them. A report snapshot
-- keeps each ticket's supporting agents (the agent_role dimension reads a
-- ticket once per involved agent) and its creator; generations written
-- before this migration lack them: they are layout 1, which readers of
-- layout 2 ignore, so the next build is a full one. A due date set by
-- hand (ticket.due_date_set) is kept with its event (due_us, 0 when
-- cleared) and folded into the ticket (due_at, the epoch for none).
ALTER TABLE {{.DB}}.tickets{{onCluster}} ADD COLUMN creator String AFTER reopened_times;
ALTER TABLE {{.DB}}.snapshot_tickets{{onCluster}} ADD COLUMN supporting_agents Array(String) AFTER rated_at;
ALTER TABLE {{.DB}}.snapshot_tickets{{onCluster}} ADD COLUMN creator String AFTER supporting_agents;
ALTER TABLE {{.DB}}.events{{onCluster}} ADD COLUMN due_us Int64 AFTER ingested_at;
ALTER TABLE {{.DB}}.tickets{{onCluster}} ADD COLUMN due_at DateTime('UTC') AFTER creator;
ALTER TABLE {{.DB}}.snapshot_tickets{{onCluster}} ADD COLUMN due_at DateTime('UTC') AFTER creator;
