-- The help desk's own labels of each ticket's current status, priority and
-- severity (package ticket folds them from the events' labels), next to the
-- canonical codes: reports group by either, and people read the desk's
-- words. On tickets, sla_tickets and the report snapshots that carry ticket
-- dimensions. "" where the desk sent none (a defaulted priority) and on
-- rows written before this migration, until `slate sla recompute` (or new
-- events) refold them; readers then show the canonical value.
ALTER TABLE {{.DB}}.tickets{{onCluster}} ADD COLUMN status_label String AFTER reopened_times;
ALTER TABLE {{.DB}}.tickets{{onCluster}} ADD COLUMN priority_label String AFTER status_label;
ALTER TABLE {{.DB}}.tickets{{onCluster}} ADD COLUMN severity_label String AFTER priority_label;
ALTER TABLE {{.DB}}.sla_tickets{{onCluster}} ADD COLUMN status_label String AFTER evaluated_at;
ALTER TABLE {{.DB}}.sla_tickets{{onCluster}} ADD COLUMN priority_label String AFTER status_label;
ALTER TABLE {{.DB}}.sla_tickets{{onCluster}} ADD COLUMN severity_label String AFTER priority_label;
ALTER TABLE {{.DB}}.snapshot_tickets{{onCluster}} ADD COLUMN status_label String AFTER rated_at;
ALTER TABLE {{.DB}}.snapshot_tickets{{onCluster}} ADD COLUMN priority_label String AFTER status_label;
ALTER TABLE {{.DB}}.snapshot_tickets{{onCluster}} ADD COLUMN severity_label String AFTER priority_label;
ALTER TABLE {{.DB}}.snapshot_sla{{onCluster}} ADD COLUMN status_label String AFTER running_with_deadline;
ALTER TABLE {{.DB}}.snapshot_sla{{onCluster}} ADD COLUMN priority_label String AFTER status_label;
ALTER TABLE {{.DB}}.snapshot_sla{{onCluster}} ADD COLUMN severity_label String AFTER priority_label;
ALTER TABLE {{.DB}}.snapshot_replies{{onCluster}} ADD COLUMN status_label String AFTER created_at;
ALTER TABLE {{.DB}}.snapshot_replies{{onCluster}} ADD COLUMN priority_label String AFTER status_label;
ALTER TABLE {{.DB}}.snapshot_replies{{onCluster}} ADD COLUMN severity_label String AFTER priority_label;
ALTER TABLE {{.DB}}.snapshot_time{{onCluster}} ADD COLUMN status_label String AFTER created_at;
ALTER TABLE {{.DB}}.snapshot_time{{onCluster}} ADD COLUMN priority_label String AFTER status_label;
ALTER TABLE {{.DB}}.snapshot_time{{onCluster}} ADD COLUMN severity_label String AFTER priority_label;
