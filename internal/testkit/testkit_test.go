package testkit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/segmentio/kafka-go"

	"github.com/slatehq/slate/internal/testkit"
)

// TestHarness proves both servers come up and speak their protocols to the
// client libraries the product uses. The two run in parallel: they are
// independent and the JVM dominates the time.
func TestHarness(t *testing.T) {
	t.Run("Kafka", func(t *testing.T) {
		t.Parallel()
		testKafka(t)
	})
	t.Run("ClickHouse", func(t *testing.T) {
		t.Parallel()
		testClickHouse(t)
	})
}

func testKafka(t *testing.T) {
	began := time.Now()
	k := testkit.KafkaBroker(t)
	t.Logf("kafka %s ready on %s in %v", testkit.KafkaVersion, k.Addr(), time.Since(began).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	const topic, partitions = "ticket-events", 3
	began = time.Now()
	if err := k.CreateTopic(ctx, topic, partitions); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}
	t.Logf("topic with %d partitions ready in %v", partitions, time.Since(began).Round(time.Millisecond))
	if err := k.CreateTopic(ctx, topic, partitions); err != nil {
		t.Errorf("CreateTopic of an existing topic with the same count: %v", err)
	}
	if err := k.CreateTopic(ctx, topic, partitions+1); err == nil {
		t.Errorf("CreateTopic of an existing topic with another partition count succeeded")
	}

	// Round-robin puts two messages on each partition, so the consumer below
	// must be assigned all three.
	w := &kafka.Writer{
		Addr:         kafka.TCP(k.Addr()),
		Topic:        topic,
		Balancer:     &kafka.RoundRobin{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 10 * time.Millisecond,
	}
	want := map[string]string{}
	var msgs []kafka.Message
	for i := range 2 * partitions {
		key, value := fmt.Sprintf("ticket-%d", i), fmt.Sprintf(`{"status":"Đang xử lý","n":%d}`, i)
		want[key] = value
		msgs = append(msgs, kafka.Message{Key: []byte(key), Value: []byte(value)})
	}
	began = time.Now()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("produce: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close writer: %v", err)
	}
	t.Logf("produced %d messages in %v", len(msgs), time.Since(began).Round(time.Millisecond))

	// A consumer group, as ingest uses: this also exercises the group
	// coordinator and __consumer_offsets on a single broker.
	began = time.Now()
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     []string{k.Addr()},
		GroupID:     "testkit",
		Topic:       topic,
		StartOffset: kafka.FirstOffset,
		MaxWait:     100 * time.Millisecond,
	})
	defer r.Close()
	perPartition := map[int]int{}
	for range msgs {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("consume: %v (got %d of %d)", err, len(msgs)-len(want), len(msgs))
		}
		if v, ok := want[string(m.Key)]; !ok || v != string(m.Value) {
			t.Errorf("unexpected message %s=%s", m.Key, m.Value)
		}
		delete(want, string(m.Key))
		perPartition[m.Partition]++
		if err := r.CommitMessages(ctx, m); err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
	t.Logf("consumed and committed %d messages in %v", len(msgs), time.Since(began).Round(time.Millisecond))
	if len(perPartition) != partitions {
		t.Errorf("messages per partition = %v, want %d partitions", perPartition, partitions)
	}
	if err := r.Close(); err != nil {
		t.Errorf("close reader: %v", err)
	}

	began = time.Now()
	if err := k.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	t.Logf("kafka stopped in %v", time.Since(began).Round(time.Millisecond))
}

func testClickHouse(t *testing.T) {
	began := time.Now()
	s := testkit.ClickHouse(t)
	t.Logf("clickhouse ready on %s in %v", s.Addr(), time.Since(began).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()

	// Native protocol: clickhouse-go's HTTP protocol does not work with 18.16.
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{s.Addr()},
		Protocol:    clickhouse.Native,
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer conn.Close()

	var one uint8
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("SELECT 1: %v", err)
	}
	if one != 1 {
		t.Errorf("SELECT 1 = %d", one)
	}
	// Client-side binding is the only kind 18.16 has; labels must survive it.
	const label = "Đang xử lý"
	var (
		echoed string
		runes  uint64
	)
	if err := conn.QueryRow(ctx, "SELECT ?, lengthUTF8(?)", label, label).Scan(&echoed, &runes); err != nil {
		t.Fatalf("bound query: %v", err)
	}
	if echoed != label || runes != uint64(len([]rune(label))) {
		t.Errorf("bound %q came back as %q with %d characters", label, echoed, runes)
	}
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		t.Fatalf("SELECT version(): %v", err)
	}
	t.Logf("clickhouse-go speaks to ClickHouse %s", version)
}

func TestStartKafkaWithoutJars(t *testing.T) {
	_, err := testkit.StartKafka(t.Context(), testkit.KafkaOptions{Libs: t.TempDir()})
	if !errors.Is(err, testkit.ErrKafkaNotInstalled) {
		t.Fatalf("StartKafka without jars: err = %v, want ErrKafkaNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "scripts/install-deps.sh") {
		t.Errorf("error does not say how to install: %v", err)
	}
}
