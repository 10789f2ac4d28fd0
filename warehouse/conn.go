// Package warehouse is Slate's ClickHouse adapter: migrations, the writer
// that stores event batches, and history reads for projections. Every
// statement runs on ClickHouse 18.16 (Debian) and on current releases.
package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/slatehq/slate/internal/fault"
)

// Options says how to reach ClickHouse.
type Options struct {
	Addrs            []string      `yaml:"addrs"`              // native protocol host:port
	Database         string        `yaml:"database"`           // created by Migrate if missing
	User             string        `yaml:"user"`               // default "default"
	Password         string        `yaml:"-"`                  // secret: from the environment or PasswordFile only
	PasswordFile     string        `yaml:"password_file"`      // read at startup when Password is empty
	DialTimeout      time.Duration `yaml:"dial_timeout"`       // default 5s
	MaxExecutionTime time.Duration `yaml:"max_execution_time"` // per query, server side; 0 = no limit
	MaxOpenConns     int           `yaml:"max_open_conns"`     // default 8
	Cluster          string        `yaml:"cluster"`            // remote_servers name: replicated + Distributed tables (see cluster.go); "" = single node
	Logger           *slog.Logger  `yaml:"-"`
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate rejects options that cannot work, naming the field.
func (o Options) Validate() error {
	if len(o.Addrs) == 0 {
		return errors.New("clickhouse.addrs: at least one host:port is required")
	}
	for _, a := range o.Addrs {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("clickhouse.addrs: %q is not host:port", a)
		}
	}
	if !identRe.MatchString(o.Database) {
		return fmt.Errorf("clickhouse.database: %q is not a plain identifier", o.Database)
	}
	if o.Cluster != "" && !identRe.MatchString(o.Cluster) {
		return fmt.Errorf("clickhouse.cluster: %q is not a plain identifier", o.Cluster)
	}
	if o.DialTimeout < 0 || o.MaxExecutionTime < 0 || o.MaxOpenConns < 0 {
		return errors.New("clickhouse: timeouts and connection counts cannot be negative")
	}
	return nil
}

// Open connects (lazily: the first query dials) with the native protocol,
// the only one that works against 18.16.
func Open(o Options) (driver.Conn, error) {
	if err := o.Validate(); err != nil {
		return nil, fault.Wrap(fault.Invalid, err)
	}
	if o.User == "" {
		o.User = "default"
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = 8
	}
	settings := clickhouse.Settings{}
	if o.MaxExecutionTime > 0 {
		settings["max_execution_time"] = int(o.MaxExecutionTime.Seconds() + 0.999)
	}
	if o.Cluster != "" {
		// An insert into a Distributed table returns once a replica of
		// every shard stored its rows (not when they are queued on the
		// host connected to), so a committed Kafka offset means stored.
		// Current releases call it distributed_foreground_insert and keep
		// this name as an alias.
		settings["insert_distributed_sync"] = 1
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:         o.Addrs,
		Auth:         clickhouse.Auth{Username: o.User, Password: o.Password},
		DialTimeout:  o.DialTimeout,
		MaxOpenConns: o.MaxOpenConns,
		MaxIdleConns: o.MaxOpenConns,
		Settings:     settings,
		Compression:  &clickhouse.Compression{Method: clickhouse.CompressionLZ4},
		Logger:       logger,
	})
	if err != nil {
		return nil, fault.Wrap(fault.Invalid, fmt.Errorf("clickhouse: %w", err))
	}
	return conn, nil
}

// Ping checks that the server answers.
func Ping(ctx context.Context, conn driver.Conn) error {
	return classify(conn.Ping(ctx))
}

// Server error codes after which the same insert may well succeed later.
var retryableCodes = map[int32]bool{
	3:   true, // UNEXPECTED_END_OF_FILE
	159: true, // TIMEOUT_EXCEEDED
	164: true, // READONLY
	202: true, // TOO_MANY_SIMULTANEOUS_QUERIES
	209: true, // SOCKET_TIMEOUT
	210: true, // NETWORK_ERROR
	241: true, // MEMORY_LIMIT_EXCEEDED
	242: true, // TABLE_IS_READ_ONLY
	252: true, // TOO_MANY_PARTS
	319: true, // UNKNOWN_STATUS_OF_INSERT
	425: true, // SYSTEM_ERROR
}

// classify gives a ClickHouse error its kind: server exceptions are
// permanent unless their code is known to be transient; everything on the
// way to the server (refused, reset, timeouts, closed pools) is Unavailable.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		if retryableCodes[ex.Code] {
			return fault.Wrap(fault.Unavailable, err)
		}
		return fault.Wrap(fault.Permanent, err)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	// Refused, reset, timed out, pool exhausted, EOF: the server did not
	// answer, so the same request may well succeed later.
	return fault.Wrap(fault.Unavailable, err)
}
