package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/pierrec/lz4/v4"
	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
	kafkalz4 "github.com/segmentio/kafka-go/compress/lz4"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/internal/fault"
)

// KafkaConfig says where the events are and how to read them.
type KafkaConfig struct {
	Brokers  []string      `yaml:"brokers"`
	Topic    string        `yaml:"topic"`
	GroupID  string        `yaml:"group_id"`
	MinBytes int           `yaml:"min_bytes"`
	MaxBytes int           `yaml:"max_bytes"`
	MaxWait  time.Duration `yaml:"max_wait"`
	// Consumer-group timing. SessionTimeout is how long a crashed (kill -9)
	// instance keeps its partitions before the broker hands them to the
	// others; the broker accepts 6s..30m by default
	// (group.min/max.session.timeout.ms). Heartbeats must come several
	// times per session. RebalanceTimeout bounds how long a rebalance waits
	// for members to rejoin.
	SessionTimeout    time.Duration `yaml:"session_timeout"`
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	RebalanceTimeout  time.Duration `yaml:"rebalance_timeout"`
}

// DefaultKafkaConfig is a local single broker.
//
// MaxBytes, what one fetch of a partition brings at most, is twice
// Kafka's default limit on a record batch (message.max.bytes, 1 MiB), and a
// broker hands over a first batch larger than the limit whole anyway
// (fetch v3 and later). Larger fetches (16 MiB) bought no throughput
// and cost more CPU per event: each is decompressed ahead of the loop
// that decodes it, so its messages leave the cache before they are read.
func DefaultKafkaConfig() KafkaConfig {
	return KafkaConfig{Brokers: []string{"127.0.0.1:9092"}, Topic: "ticket-events", GroupID: "slate-ingest",
		MinBytes: 1, MaxBytes: 2 << 20, MaxWait: 500 * time.Millisecond,
		SessionTimeout: 30 * time.Second, HeartbeatInterval: 3 * time.Second, RebalanceTimeout: 30 * time.Second}
}

// Validate rejects unusable values, naming the field.
func (c KafkaConfig) Validate(maxMessage int) error {
	if len(c.Brokers) == 0 {
		return errors.New("kafka.brokers: at least one host:port is required")
	}
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			return fmt.Errorf("kafka.brokers: %q is not host:port", b)
		}
	}
	switch {
	case c.Topic == "":
		return errors.New("kafka.topic: required")
	case c.GroupID == "":
		return errors.New("kafka.group_id: required")
	case c.MinBytes < 1 || c.MaxBytes < c.MinBytes:
		return fmt.Errorf("kafka.min_bytes/max_bytes: need 1 <= min_bytes <= max_bytes, got %d and %d", c.MinBytes, c.MaxBytes)
	case c.MaxBytes < maxMessage:
		return fmt.Errorf("kafka.max_bytes: %d is below the largest accepted message (%d bytes)", c.MaxBytes, maxMessage)
	case c.MaxWait <= 0:
		return errors.New("kafka.max_wait: must be positive")
	case c.SessionTimeout < time.Second:
		return fmt.Errorf("kafka.session_timeout: %s is below 1s", c.SessionTimeout)
	case c.HeartbeatInterval <= 0 || 3*c.HeartbeatInterval > c.SessionTimeout:
		return fmt.Errorf("kafka.heartbeat_interval: need 0 < heartbeat_interval <= session_timeout/3, got %s and %s", c.HeartbeatInterval, c.SessionTimeout)
	case c.RebalanceTimeout < time.Second:
		return fmt.Errorf("kafka.rebalance_timeout: %s is below 1s", c.RebalanceTimeout)
	}
	return nil
}

// readerQueue is how many fetched messages kafka-go queues for the fetch
// loop to take: enough to keep the loop fed while kafka-go fetches. A
// longer queue makes ingest spend more CPU per event (a message decoded
// thousands of messages after its decompression is no longer in the
// cache), and a shorter one gains nothing.
const readerQueue = 1000

// Reader is a consumer-group reader that can also read a range of a
// partition again (Replay), for a unit that has to be stored again.
type Reader struct {
	*kafka.Reader
	cfg KafkaConfig
}

// NewReader opens a consumer-group reader. Offsets are committed
// synchronously (CommitInterval 0) and only by the Ingester, after storing;
// a new group starts at the oldest message so nothing retained is skipped.
func NewReader(c KafkaConfig) *Reader {
	return &Reader{cfg: c, Reader: kafka.NewReader(kafka.ReaderConfig{
		Brokers:        c.Brokers,
		GroupID:        c.GroupID,
		Topic:          c.Topic,
		MinBytes:       c.MinBytes,
		MaxBytes:       c.MaxBytes,
		MaxWait:        c.MaxWait,
		QueueCapacity:  readerQueue,
		StartOffset:    kafka.FirstOffset,
		CommitInterval: 0,
		// kafka-go's defaults (3s, 30s, 30s) unless configured.
		HeartbeatInterval: c.HeartbeatInterval,
		SessionTimeout:    c.SessionTimeout,
		RebalanceTimeout:  c.RebalanceTimeout,
	})}
}

// Replay reads each run's offsets again with a reader of its partition
// alone (no group: nothing is committed). The messages are uncommitted,
// so the broker still has them unless retention or compaction removed
// them meanwhile; then the caller sees fewer messages than it read the
// first time, or the read times out after a minute, and retries.
func (r *Reader) Replay(ctx context.Context, runs []event.Span, fn func(kafka.Message) error) error {
	for _, run := range runs {
		if err := r.replayRun(ctx, run, fn); err != nil {
			return err
		}
	}
	return nil
}

func (r *Reader) replayRun(ctx context.Context, run event.Span, fn func(kafka.Message) error) error {
	pr := kafka.NewReader(kafka.ReaderConfig{Brokers: r.cfg.Brokers, Topic: run.Topic, Partition: int(run.Partition),
		MinBytes: 1, MaxBytes: r.cfg.MaxBytes, MaxWait: r.cfg.MaxWait})
	defer pr.Close()
	// a run whose messages retention deleted would wait for ever
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := pr.SetOffset(run.First); err != nil {
		return fault.Errorf(fault.Unavailable, "replay %s[%d]@%d: %v", run.Topic, run.Partition, run.First, err)
	}
	for {
		// FetchMessage, like everywhere: a partition reader commits
		// nothing either way, but ReadMessage would read as if it did
		msg, err := pr.FetchMessage(ctx)
		if err != nil {
			return fault.Errorf(fault.Unavailable, "replay %s[%d]@%d-%d: %v", run.Topic, run.Partition, run.First, run.Last, err)
		}
		if msg.Offset > run.Last {
			return nil
		}
		if err := fn(msg); err != nil {
			return err
		}
		if msg.Offset == run.Last {
			return nil
		}
	}
}

// NewWriter opens a producer that keys messages by ticket id, so all of a
// ticket's events land, in order, in one partition. It compresses with
// lz4 in 64 KiB blocks (see lz4Codec).
func NewWriter(brokers []string, topic string) *kafka.Writer {
	installLZ4.Do(func() { compress.Codecs[compress.Lz4] = lz4Codec{} })
	return &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		BatchSize:    5000,
		BatchBytes:   16 << 20,
		BatchTimeout: 20 * time.Millisecond,
		RequiredAcks: kafka.RequireAll,
		Compression:  kafka.Lz4,
	}
}

// EnsureTopic creates topic with the given partitions if it does not exist.
func EnsureTopic(ctx context.Context, brokers []string, topic string, partitions int) error {
	var d kafka.Dialer
	conn, err := d.DialContext(ctx, "tcp", brokers[0])
	if err != nil {
		return fmt.Errorf("kafka: dial %s: %w", brokers[0], err)
	}
	defer conn.Close()
	if parts, err := conn.ReadPartitions(topic); err == nil && len(parts) > 0 {
		return nil
	}
	ctrl, err := conn.Controller()
	if err != nil {
		return fmt.Errorf("kafka: find controller: %w", err)
	}
	cc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ctrl.Host, strconv.Itoa(ctrl.Port)))
	if err != nil {
		return fmt.Errorf("kafka: dial controller: %w", err)
	}
	defer cc.Close()
	err = cc.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1})
	if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return fmt.Errorf("kafka: create topic %s: %w", topic, err)
	}
	return nil
}

// lz4Codec is kafka-go's lz4 codec writing frames as Kafka's Java client
// does: 64 KiB blocks, where kafka-go's own writes 4 MiB, and no content
// checksum, where the lz4 library's writer adds one by default that every
// consumer then computes over the whole payload (the Kafka record batch
// has its own CRC; xxh32 was 1.7% of ingest's CPU). A consumer
// decompresses each frame into a buffer of the frame's block size, taken
// from a pool that every garbage collection empties: 4 MiB blocks were a
// tenth of everything ingest allocated (fresh 4 MiB buffers several times
// a second), and cleared memory it then spent time on. Reading is
// kafka-go's, which takes frames of any block size.
//
// kafka-go looks codecs up in a process-wide table; NewWriter installs this
// one there, which changes nothing of how messages are read.
type lz4Codec struct{}

var (
	installLZ4    sync.Once
	lz4WriterPool sync.Pool
)

func (lz4Codec) Code() int8   { return int8(compress.Lz4) }
func (lz4Codec) Name() string { return compress.Lz4.String() }

func (lz4Codec) NewReader(r io.Reader) io.ReadCloser { return new(kafkalz4.Codec).NewReader(r) }

func (lz4Codec) NewWriter(w io.Writer) io.WriteCloser {
	z, _ := lz4WriterPool.Get().(*lz4.Writer)
	if z == nil {
		z = lz4.NewWriter(w)
		// Apply fails only for an invalid size or after a write; a test
		// reads the block size back from a written frame.
		_ = z.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false))
	} else {
		z.Reset(w) // keeps the block size
	}
	return &lz4Writer{z}
}

type lz4Writer struct{ *lz4.Writer }

func (w *lz4Writer) Close() error {
	z := w.Writer
	if z == nil {
		return nil
	}
	w.Writer = nil
	err := z.Close()
	z.Reset(nil)
	lz4WriterPool.Put(z)
	return err
}
