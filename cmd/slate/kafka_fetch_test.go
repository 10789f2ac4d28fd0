package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/slatehq/slate/ingest"
)

// kafka.max_bytes (2 MiB by default) bounds what one fetch brings, not the
// largest record batch ingest can read: a real broker hands over a first
// batch larger than the limit whole, so such a batch (a message ingest
// will dead-letter as too large, in a topic that allows 8 MiB) does not
// stop the partition, and the message after it arrives too.
func TestDefaultReaderTakesABatchLargerThanMaxBytes(t *testing.T) {
	skipShort(t)
	ctx := t.Context()
	topic := fmt.Sprintf("big-batch-%d", time.Now().UnixNano())
	conn, err := kafka.Dial("tcp", sharedKafka.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctrl, err := conn.Controller()
	if err != nil {
		t.Fatal(err)
	}
	cc, err := kafka.Dial("tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	if err := cc.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 1, ReplicationFactor: 1,
		ConfigEntries: []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: strconv.Itoa(8 << 20)}}}); err != nil {
		t.Fatal(err)
	}
	cfg := ingest.DefaultKafkaConfig()
	big := make([]byte, cfg.MaxBytes+cfg.MaxBytes/2) // random: lz4 cannot shrink it below the limit
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(sharedKafka.Addr()), Topic: topic, BatchBytes: 8 << 20, Compression: kafka.Lz4}
	defer w.Close()
	sent := []kafka.Message{{Key: []byte("T1"), Value: big}, {Key: []byte("T1"), Value: []byte("after")}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		// the topic's leader may take a moment to be known
		if err = w.WriteMessages(ctx, sent...); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg.Brokers, cfg.Topic, cfg.GroupID = []string{sharedKafka.Addr()}, topic, topic
	r := ingest.NewReader(cfg)
	defer r.Close()
	for i, want := range sent {
		fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		m, err := r.FetchMessage(fctx)
		cancel()
		if err != nil {
			t.Fatalf("message %d of %d bytes (max_bytes %d): %v", i, len(want.Value), cfg.MaxBytes, err)
		}
		if m.Offset != int64(i) || !bytes.Equal(m.Value, want.Value) {
			t.Fatalf("message %d: offset %d, %d bytes; want offset %d, %d bytes", i, m.Offset, len(m.Value), i, len(want.Value))
		}
	}
}
