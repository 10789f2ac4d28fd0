package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/internal/procstat"
	"github.com/slatehq/slate/warehouse/chserver"
)

// kafkaEngineServerConfig is what the bench's private ClickHouse needs for
// its Kafka engine to load the bench topic, written into config.d and
// users.d of the server's directory before it starts:
//
//   - librdkafka's auto.offset.reset set to smallest: the topic is
//     produced before any round, and a new consumer group otherwise starts
//     at the end of each partition (18.16 consumed nothing produced before
//     its view existed);
//   - the default profile's JSON settings: the engine's background inserts
//     run with the default profile, and Slate's wire format nests actor and
//     data, which 18.16 reads into dotted columns only with
//     input_format_import_nested_json (skipping the fields it has no column
//     for, as the clickhouse-client load does).
//
// Neither touches what Slate's ingest sends (native-protocol inserts with
// named columns).
var kafkaEngineServerConfig = map[string]string{
	"config.d/slate_bench_kafka.xml": `<?xml version="1.0"?>
<yandex><kafka><auto_offset_reset>smallest</auto_offset_reset></kafka></yandex>
`,
	"users.d/slate_bench_json.xml": `<?xml version="1.0"?>
<yandex><profiles><default>
    <input_format_import_nested_json>1</input_format_import_nested_json>
    <input_format_skip_unknown_fields>1</input_format_skip_unknown_fields>
</default></profiles></yandex>
`,
}

// writeKafkaEngineConfig writes kafkaEngineServerConfig under the server
// directory dir.
func writeKafkaEngineConfig(dir string) error {
	for name, text := range kafkaEngineServerConfig {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// wireColumns are the columns of the wire format that ClickHouse's JSON
// input reads, named as input_format_import_nested_json names nested
// fields. Three rarely filled arrays (supporting_agents, added, removed)
// are left out: 18.16 reads dotted array columns as one Nested structure
// and demands equal lengths.
const wireColumns = `schema UInt8, event_id String, type String, tenant String, ticket_id String, occurred_at String,
    ` + "`actor.type` String, `actor.id` String," + `
    ` + "`data.channel` String, `data.customer` String, `data.organisation` String, `data.group` String," + `
    ` + "`data.assignee` String, `data.subject` String," + `
    ` + "`data.status` String, `data.priority` String, `data.severity` String, `data.tags` Array(String)," + `
    ` + "`data.kind` String, `data.message_id` String," + `
    ` + "`data.agent` String, `data.seconds` UInt32, `data.billable` UInt8, `data.started_at` String," + `
    ` + "`data.ended_at` String, `data.rate` Float64, `data.currency` String, `data.rating` UInt8," + `
    ` + "`data.into` String, `data.reason` String, `data.due_at` String"

// kafkaEngineView is the materialized view's SELECT: the Kafka table's
// wire columns as the events table's, parsing the times as Slate does
// (whole seconds and microseconds), but for occurred_us, which gets whole
// seconds only: in the view the name occurred_at stands for its alias, the
// parsed time, so the raw string's fraction is out of reach (18.16 cannot
// push to a view that renames it in a subquery). What Slate derives from
// its label mapping and from which fields an event carries is copied or
// guessed from the values: the engine has no such logic, and the view
// does not pretend to. Both leave the baseline less work than Slate's.
func kafkaEngineView(db, queue, topic string) string {
	micros := func(col string) string {
		return fmt.Sprintf("toInt64(toUInt32(parseDateTimeBestEffortOrZero(%[1]s))) * 1000000"+
			" + toInt64OrZero(substring(concat(extract(%[1]s, '\\.([0-9]+)'), '000000'), 1, 6))", col)
	}
	return `SELECT tenant, ticket_id, event_id, type,
    parseDateTimeBestEffort(occurred_at) AS occurred_at, toInt64(toUInt32(occurred_at)) * 1000000 AS occurred_us,
    schema, ` + "`actor.type` AS actor_type, `actor.id` AS actor_id, `data.channel` AS channel," + `
    ` + "`data.customer` AS customer, `data.organisation` AS organisation, `data.group` AS group_name," + `
    ` + "`data.assignee` AS assignee, `data.assignee` != '' AS sets_assignee, `data.group` != '' AS sets_group," + `
    emptyArrayString() AS supporting_agents, toUInt8(0) AS sets_supporting,
    ` + "`data.subject` AS subject, `data.status` AS status, `data.priority` AS priority, `data.severity` AS severity," + `
    ` + "`data.status` AS status_label, `data.priority` AS priority_label, `data.severity` AS severity_label," + `
    ` + "`data.tags` AS tags, emptyArrayString() AS tags_added, emptyArrayString() AS tags_removed, `data.kind` AS message_kind, `data.message_id` AS message_id, `data.agent` AS agent," + `
    ` + "`data.seconds` AS seconds, `data.billable` AS billable," + `
    ` + micros("`data.started_at`") + ` AS started_us, ` + micros("`data.ended_at`") + ` AS ended_us,
    ` + "`data.rate` != 0 AS has_rate, `data.rate` AS rate, `data.currency` AS currency, `data.rating` AS rating," + `
    ` + "`data.into` AS merged_into, `data.reason` AS reason," + `
    ` + micros("`data.due_at`") + ` AS due_us,
    '` + topic + `' AS kafka_topic, toInt32(0) AS kafka_partition, toInt64(0) AS kafka_offset, now() AS ingested_at
FROM ` + db + "." + queue
}

// kafkaEngineRun is what one Kafka-engine load reads: the broker, topic
// and consumer group, and the number of consumers of its table.
type kafkaEngineRun struct {
	brokers          []string
	topic, group     string
	consumers, want  int
	stallAfter, poll time.Duration
	serverDir        string // the server's directory, for its error log
}

// timeKafkaEngine loads the topic into db.kafka_events, a table created as
// db.events (same columns, engine and sorting key), through a Kafka table
// and a materialized view, as a user of ClickHouse alone would. The clock
// runs from the view's creation (the engine consumes only while a view
// reads its table) until the table holds every event. It returns the
// seconds, the server's CPU seconds meanwhile and the rows loaded (more
// than the events when the engine delivered some twice: its consumers
// commit after inserting, so a rebalance between the two redelivers), and
// drops the view and the Kafka table (which would go on polling the
// broker).
func timeKafkaEngine(ctx context.Context, conn driver.Conn, chPID int, db string, r kafkaEngineRun) (secs, chCPU float64, rows int, err error) {
	queue, target, view := db+".kafka_queue", db+".kafka_events", db+".kafka_load"
	stmts := []string{
		"CREATE TABLE " + target + " AS " + db + ".events",
		"CREATE TABLE " + queue + " (" + wireColumns + ") ENGINE = Kafka SETTINGS" +
			" kafka_broker_list = '" + strings.Join(r.brokers, ",") + "', kafka_topic_list = '" + r.topic + "'," +
			" kafka_group_name = '" + r.group + "', kafka_format = 'JSONEachRow', kafka_num_consumers = " + strconv.Itoa(r.consumers),
	}
	for _, s := range stmts {
		if err := conn.Exec(ctx, s); err != nil {
			return 0, 0, 0, fmt.Errorf("kafka engine: %w", err)
		}
	}
	defer func() {
		for _, s := range []string{"DROP TABLE IF EXISTS " + view, "DROP TABLE IF EXISTS " + queue} {
			if derr := conn.Exec(context.WithoutCancel(ctx), s); derr != nil && err == nil {
				err = fmt.Errorf("kafka engine: %w", derr)
			}
		}
	}()
	before := procstat.Read(chPID)
	start := time.Now()
	if err := conn.Exec(ctx, "CREATE MATERIALIZED VIEW "+view+" TO "+target+" AS "+kafkaEngineView(db, "kafka_queue", r.topic)); err != nil {
		return 0, 0, 0, fmt.Errorf("kafka engine: view: %w", err)
	}
	rows, err = waitForEvents(ctx, conn, target, r.want, r.stallAfter, r.poll)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("kafka engine: %w; the server's last error about it: %s", err, lastKafkaError(r.serverDir))
	}
	return time.Since(start).Seconds(), procstat.Read(chPID).Since(before).CPU(), rows, nil
}

// waitForEvents polls table until it holds want distinct event ids, and
// fails if its row count stops growing for stall. It counts rows, which
// costs the server next to nothing, and only once they are enough the
// distinct ids; it returns the rows.
func waitForEvents(ctx context.Context, conn driver.Conn, table string, want int, stall, poll time.Duration) (int, error) {
	var last uint64
	moved := time.Now()
	for {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n); err != nil {
			return 0, err
		}
		if int(n) >= want {
			var ids uint64
			if err := conn.QueryRow(ctx, "SELECT uniqExact(event_id) FROM "+table).Scan(&ids); err != nil {
				return 0, err
			}
			if int(ids) > want {
				return int(n), fmt.Errorf("%s holds %d distinct event ids, more than the %d events produced", table, ids, want)
			}
			if int(ids) == want {
				return int(n), nil
			}
		}
		if n != last {
			last, moved = n, time.Now()
		} else if time.Since(moved) > stall {
			return int(n), fmt.Errorf("%s stayed at %d of %d rows for %s", table, n, want, stall)
		}
		select {
		case <-ctx.Done():
			return int(n), ctx.Err()
		case <-time.After(poll):
		}
	}
}

// dumpNative writes db.events in ClickHouse's Native format to path: the
// rows Slate stored, for the Native load.
func dumpNative(ctx context.Context, ch *chserver.Server, db, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, "clickhouse-client", append(ch.ClientArgs(), "--query", "SELECT * FROM "+db+".events FORMAT Native")...)
	cmd.Stdout = f
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dump events as Native: %v: %s", err, stderr.String())
	}
	return f.Close()
}

// timeNativeLoad loads the Native dump into db.native_events, created as
// db.events, with clickhouse-client: the same rows in the server's own
// format, so the fastest this server writes them. It returns the seconds
// and the client's CPU seconds, and drops the table after counting it.
func timeNativeLoad(ctx context.Context, ch *chserver.Server, conn driver.Conn, db, path string, want int) (float64, float64, error) {
	table := db + ".native_events"
	if err := conn.Exec(ctx, "CREATE TABLE "+table+" AS "+db+".events"); err != nil {
		return 0, 0, fmt.Errorf("native load: %w", err)
	}
	secs, clientCPU, err := timeClientLoad(ctx, ch, path, "INSERT INTO "+table+" FORMAT Native")
	if err != nil {
		return 0, 0, fmt.Errorf("native load: %w", err)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+table).Scan(&n); err != nil {
		return 0, 0, err
	}
	if int(n) != want {
		return 0, 0, fmt.Errorf("native load stored %d rows, want %d", n, want)
	}
	return secs, clientCPU, conn.Exec(ctx, "DROP TABLE "+table)
}

// timeClientLoad runs clickhouse-client with query and the file at path
// as its input, and returns its seconds and CPU seconds.
func timeClientLoad(ctx context.Context, ch *chserver.Server, path, query string, settings ...string) (float64, float64, error) {
	in, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer in.Close()
	args := append(append(ch.ClientArgs(), settings...), "--query", query)
	cmd := exec.CommandContext(ctx, "clickhouse-client", args...)
	cmd.Stdin = in
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("%v: %s", err, out)
	}
	return time.Since(start).Seconds(), (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(), nil
}

// lastKafkaError is the last error of the server's log that names the
// Kafka engine or its view (not its stack trace), or says there is none.
func lastKafkaError(serverDir string) string {
	text, err := os.ReadFile(filepath.Join(serverDir, "log", "clickhouse-server.err.log"))
	if err != nil {
		return err.Error()
	}
	last := "none logged"
	for _, line := range strings.Split(string(text), "\n") {
		if strings.Contains(line, "<Error>") && (strings.Contains(line, "Kafka") || strings.Contains(line, "kafka_load")) {
			last = line
		}
	}
	return last
}
