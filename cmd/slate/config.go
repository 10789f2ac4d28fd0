package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/event"
	"github.com/slatehq/slate/ingest"
	"github.com/slatehq/slate/internal/auth"
	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/sla"
	"github.com/slatehq/slate/warehouse"
)

// Config is everything a Slate process can be told. Precedence: defaults,
// then the YAML file (--config or SLATE_CONFIG), then SLATE_* variables.
// Secrets come only from the environment or files named by *_FILE.
type Config struct {
	ClickHouse warehouse.Options   `yaml:"clickhouse"`
	Kafka      ingest.KafkaConfig  `yaml:"kafka"`
	Ingest     ingest.Config       `yaml:"ingest"`
	Labels     event.MappingConfig `yaml:"labels"`
	HTTP       HTTPConfig          `yaml:"http"`
	Log        LogConfig           `yaml:"log"`
	SLA        SLAConfig           `yaml:"sla"`
	Auth       auth.Config         `yaml:"auth"`
	Reports    reports.Limits      `yaml:"reports"`
	Mail       MailConfig          `yaml:"mail"`

	slaPolicies *sla.Config // parsed from SLA.Config by LoadConfig
}

// SLAConfig points at the SLA policy file; without one, ingest stores no
// SLA results.
type SLAConfig struct {
	Config          string        `yaml:"config"`           // SLATE_SLA_CONFIG
	RefreshInterval time.Duration `yaml:"refresh_interval"` // no longer used (ingest evaluates SLA in its projection); accepted for old configs
}

type HTTPConfig struct {
	// Addr serves /metrics, /healthz and /readyz (and, for serve, the API).
	Addr string `yaml:"addr"`
}

type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// DefaultConfig is a single-machine setup on the standard ports.
func DefaultConfig() Config {
	return Config{
		ClickHouse: warehouse.Options{Addrs: []string{"127.0.0.1:9000"}, Database: "slate", User: "default",
			DialTimeout: 5 * time.Second, MaxExecutionTime: 60 * time.Second},
		Kafka:   ingest.DefaultKafkaConfig(),
		Ingest:  ingest.DefaultConfig(),
		HTTP:    HTTPConfig{Addr: "127.0.0.1:9464"},
		SLA:     SLAConfig{RefreshInterval: 2 * time.Second},
		Log:     LogConfig{Level: "info", Format: "text"},
		Reports: reports.DefaultLimits(),
		Mail:    defaultMailConfig(),
	}
}

// LoadConfig reads defaults, the optional file and the environment, then
// validates. Unknown YAML fields are errors with their line.
func LoadConfig(path string, env func(string) string) (Config, error) {
	c := DefaultConfig()
	if path == "" {
		path = env("SLATE_CONFIG")
	}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) { // empty file: defaults
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := c.applyEnv(env); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		if path != "" {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
		return c, fmt.Errorf("config: %w", err)
	}
	if c.SLA.Config != "" {
		p, err := sla.LoadConfig(c.SLA.Config)
		if err != nil {
			return c, fmt.Errorf("sla.config: %w", err)
		}
		c.slaPolicies = p
	}
	return c, nil
}

func (c *Config) applyEnv(env func(string) string) error {
	str := func(name string, dst *string) {
		if v := env(name); v != "" {
			*dst = v
		}
	}
	list := func(name string, dst *[]string) {
		if v := env(name); v != "" {
			*dst = splitList(v)
		}
	}
	num := func(name string, dst *int) error {
		if v := env(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s: %q is not an integer", name, v)
			}
			*dst = n
		}
		return nil
	}
	dur := func(name string, dst *time.Duration) error {
		if v := env(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: %q is not a duration like 500ms or 2s", name, v)
			}
			*dst = d
		}
		return nil
	}
	list("SLATE_CLICKHOUSE_ADDRS", &c.ClickHouse.Addrs)
	str("SLATE_CLICKHOUSE_DATABASE", &c.ClickHouse.Database)
	str("SLATE_CLICKHOUSE_USER", &c.ClickHouse.User)
	str("SLATE_CLICKHOUSE_CLUSTER", &c.ClickHouse.Cluster)
	str("SLATE_CLICKHOUSE_PASSWORD_FILE", &c.ClickHouse.PasswordFile)
	list("SLATE_KAFKA_BROKERS", &c.Kafka.Brokers)
	str("SLATE_KAFKA_TOPIC", &c.Kafka.Topic)
	str("SLATE_KAFKA_GROUP_ID", &c.Kafka.GroupID)
	str("SLATE_HTTP_ADDR", &c.HTTP.Addr)
	str("SLATE_LOG_LEVEL", &c.Log.Level)
	str("SLATE_LOG_FORMAT", &c.Log.Format)
	str("SLATE_SLA_CONFIG", &c.SLA.Config)
	str("SLATE_AUTH_SESSION_KEY", &c.Auth.SessionKey)
	str("SLATE_MAIL_SMTP_HOST", &c.Mail.SMTP.Host)
	str("SLATE_MAIL_SMTP_USERNAME", &c.Mail.SMTP.Username)
	str("SLATE_MAIL_SMTP_TLS", &c.Mail.SMTP.TLS)
	str("SLATE_MAIL_SMTP_CA_FILE", &c.Mail.SMTP.CAFile)
	str("SLATE_MAIL_SMTP_FROM", &c.Mail.SMTP.From)
	str("SLATE_MAIL_BASE_URL", &c.Mail.BaseURL)
	for _, f := range []error{
		num("SLATE_INGEST_BATCH_SIZE", &c.Ingest.BatchSize),
		num("SLATE_INGEST_PART_ROWS", &c.Ingest.PartRows),
		num("SLATE_MAIL_SMTP_PORT", &c.Mail.SMTP.Port),
		dur("SLATE_INGEST_BATCH_WAIT", &c.Ingest.BatchWait),
		num("SLATE_INGEST_DEDUPE_WINDOW", &c.Ingest.DedupeWindow),
		num("SLATE_INGEST_STATE_CACHE", &c.Ingest.StateCache),
		num("SLATE_INGEST_MEMORY_LIMIT_MIB", &c.Ingest.MemoryLimitMiB),
		dur("SLATE_CLICKHOUSE_MAX_EXECUTION_TIME", &c.ClickHouse.MaxExecutionTime),
		dur("SLATE_REPORTS_SNAPSHOT_INTERVAL", &c.Reports.SnapshotInterval),
		dur("SLATE_REPORTS_SNAPSHOT_MAX_AGE", &c.Reports.SnapshotMaxAge),
	} {
		if f != nil {
			return fmt.Errorf("config: %w", f)
		}
	}
	if f := env("SLATE_AUTH_SESSION_KEY_FILE"); f != "" && c.Auth.SessionKey == "" {
		raw, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("config: SLATE_AUTH_SESSION_KEY_FILE: %w", err)
		}
		c.Auth.SessionKey = strings.TrimRight(string(raw), "\r\n")
	}
	c.Mail.SMTP.Password = env("SLATE_MAIL_SMTP_PASSWORD")
	if f := env("SLATE_MAIL_SMTP_PASSWORD_FILE"); f != "" && c.Mail.SMTP.Password == "" {
		raw, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("config: SLATE_MAIL_SMTP_PASSWORD_FILE: %w", err)
		}
		c.Mail.SMTP.Password = strings.TrimRight(string(raw), "\r\n")
	}
	c.ClickHouse.Password = env("SLATE_CLICKHOUSE_PASSWORD")
	if c.ClickHouse.Password == "" && c.ClickHouse.PasswordFile != "" {
		raw, err := os.ReadFile(c.ClickHouse.PasswordFile)
		if err != nil {
			return fmt.Errorf("config: clickhouse.password_file: %w", err)
		}
		c.ClickHouse.Password = strings.TrimRight(string(raw), "\r\n")
	}
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Validate rejects every value that cannot work, naming the field.
func (c Config) Validate() error {
	if err := c.ClickHouse.Validate(); err != nil {
		return err
	}
	if err := c.Kafka.Validate(event.MaxPayloadBytes); err != nil {
		return err
	}
	if err := c.Ingest.Validate(); err != nil {
		return err
	}
	if _, err := event.NewMapper(c.Labels); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		return fmt.Errorf("http.addr: %q is not host:port", c.HTTP.Addr)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level: %q is not one of debug, info, warn, error", c.Log.Level)
	}
	if c.SLA.RefreshInterval <= 0 {
		return fmt.Errorf("sla.refresh_interval: must be positive, got %s", c.SLA.RefreshInterval)
	}
	if err := c.Auth.Validate(); err != nil {
		return err
	}
	if err := c.Reports.Validate(); err != nil {
		return err
	}
	if err := c.Mail.Validate(); err != nil {
		return err
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("log.format: %q is not text or json", c.Log.Format)
	}
	return nil
}
