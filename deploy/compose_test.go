package deploy

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/internal/testkit"
	"github.com/slatehq/slate/warehouse"
	"github.com/slatehq/slate/warehouse/chserver"
)

var composeDir = func() string { return filepath.Join(repoRoot, "deploy", "compose") }

// The normalised output of `docker-compose config` (Debian's docker-compose
// 1.29, which resolves anchors, merges and relative paths).
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
	Secrets  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Entrypoint  []string                     `yaml:"entrypoint"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	DependsOn   map[string]composeDependency `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Disable     bool     `yaml:"disable"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		StartPeriod string   `yaml:"start_period"`
		Retries     int      `yaml:"retries"`
	} `yaml:"healthcheck"`
	Restart         string         `yaml:"restart"`
	Volumes         []composeMount `yaml:"volumes"`
	Secrets         []composeMount `yaml:"secrets"`
	Ports           []string       `yaml:"ports"`
	StopGracePeriod string         `yaml:"stop_grace_period"`
	Ulimits         map[string]struct {
		Soft int `yaml:"soft"`
		Hard int `yaml:"hard"`
	} `yaml:"ulimits"`
}

type composeDependency struct {
	Condition string `yaml:"condition"`
}

// composeMount is a volume or secret in the short ("src:dst:mode", "name")
// or the long form.
type composeMount struct {
	Type, Source, Target string
	ReadOnly             bool
}

func (m *composeMount) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		parts := strings.Split(n.Value, ":")
		m.Source = parts[0]
		if len(parts) > 1 {
			m.Target = parts[1]
		}
		m.ReadOnly = len(parts) > 2 && strings.Contains(parts[2], "ro")
		return nil
	}
	var long struct {
		Type     string `yaml:"type"`
		Source   string `yaml:"source"`
		Target   string `yaml:"target"`
		ReadOnly bool   `yaml:"read_only"`
	}
	if err := n.Decode(&long); err != nil {
		return err
	}
	*m = composeMount{Type: long.Type, Source: long.Source, Target: long.Target, ReadOnly: long.ReadOnly}
	return nil
}

// bind tells a bind mount (a host path) from a named volume.
func (m composeMount) bind() bool { return m.Type == "bind" || strings.HasPrefix(m.Source, "/") }

// composeConfig runs `docker-compose config` on deploy/compose/compose.yaml
// in a clean environment and parses its normalised output.
func composeConfig(t testing.TB, file string) (composeFile, string) {
	t.Helper()
	dc := needTool(t, "docker-compose")
	out, stderr, err := runCompose(dc, file)
	if err != nil {
		t.Fatalf("docker-compose -f %s config: %v\n%s", file, err, stderr)
	}
	if strings.TrimSpace(stderr) != "" {
		t.Fatalf("docker-compose config warns:\n%s", stderr)
	}
	var cf composeFile
	if err := yaml.Unmarshal([]byte(out), &cf); err != nil {
		t.Fatalf("docker-compose config output: %v\n%s", err, out)
	}
	if len(cf.Services) == 0 {
		t.Fatalf("docker-compose config printed no services:\n%s", out)
	}
	return cf, out
}

func runCompose(dc, file string) (stdout, stderr string, err error) {
	cmd := exec.Command(dc, "-f", file, "config")
	cmd.Dir = filepath.Dir(file)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COMPOSE_") && !strings.HasPrefix(kv, "DOCKER_") && !strings.HasPrefix(kv, "KAFKA_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// roles finds the services by what they run.
type composeRoles struct {
	clickhouse, kafka, topics string
	slate                     map[string]string // service -> slate subcommand
}

func findRoles(t testing.TB, cf composeFile) composeRoles {
	t.Helper()
	r := composeRoles{slate: map[string]string{}}
	for _, name := range keys(cf.Services) {
		s := cf.Services[name]
		switch {
		case strings.HasPrefix(s.Image, "clickhouse/clickhouse-server:"):
			r.clickhouse = name
		case strings.HasPrefix(s.Image, "apache/kafka:") && len(s.Command) == 0:
			r.kafka = name
		case strings.HasPrefix(s.Image, "apache/kafka:") && len(s.Command) > 0 && strings.HasSuffix(s.Command[0], "kafka-topics.sh"):
			r.topics = name
		case s.Image == "slate:local" || s.Build != nil:
			if len(s.Command) == 0 {
				t.Fatalf("service %s runs slate without a command", name)
			}
			r.slate[name] = s.Command[0]
		}
	}
	if r.clickhouse == "" || r.kafka == "" || r.topics == "" {
		t.Fatalf("want a clickhouse/clickhouse-server service, an apache/kafka broker and an apache/kafka kafka-topics.sh one-shot; got %+v", r)
	}
	for _, sub := range []string{"migrate", "ingest", "serve"} {
		if r.service(sub) == "" {
			t.Fatalf("no service runs slate %s (slate services: %v)", sub, r.slate)
		}
	}
	return r
}

func (r composeRoles) service(sub string) string {
	for name, s := range r.slate {
		if s == sub {
			return name
		}
	}
	return ""
}

func durationOf(t testing.TB, what, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%s: %q is not a duration: %v", what, s, err)
	}
	return d
}

func TestComposeConfigValidates(t *testing.T) {
	file := filepath.Join(composeDir(), "compose.yaml")
	composeConfig(t, file)

	// The same validation refuses a broken file: it is not a no-op.
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to string }{
		{"condition: service_completed_successfully", "condition: service_finished"},
		{"stop_grace_period: 45s", "stop_grace_periods: 45s"},
	} {
		if !bytes.Contains(raw, []byte(c.from)) {
			t.Fatalf("compose.yaml no longer contains %q; update this negative check", c.from)
		}
		bad := filepath.Join(t.TempDir(), "compose.yaml")
		if err := os.WriteFile(bad, bytes.Replace(raw, []byte(c.from), []byte(c.to), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, stderr, err := runCompose(needTool(t, "docker-compose"), bad); err == nil {
			t.Errorf("docker-compose config accepted %q", c.to)
		} else if !strings.Contains(stderr, strings.TrimSuffix(strings.Fields(c.to)[0], ":")) && !strings.Contains(stderr, "service_finished") {
			t.Errorf("docker-compose config refused %q for another reason:\n%s", c.to, stderr)
		}
	}
}

// TestComposeServices asserts what the normalised Compose file says: health
// checks or one-shots, dependencies with their conditions, volumes, images,
// the slate command lines against the binary's own help, the variables
// against config.go, secrets, ports and grace periods.
func TestComposeServices(t *testing.T) {
	cf, _ := composeConfig(t, filepath.Join(composeDir(), "compose.yaml"))
	roles := findRoles(t, cf)
	bin := slateBinary(t)

	// Which services something waits for to complete: the one-shots.
	completedBy := map[string]bool{}
	for _, s := range cf.Services {
		for dep, d := range s.DependsOn {
			if d.Condition == "service_completed_successfully" {
				completedBy[dep] = true
			}
		}
	}

	for _, name := range keys(cf.Services) {
		s := cf.Services[name]
		t.Run(name, func(t *testing.T) {
			oneShot := s.Restart == "no" || s.Restart == ""
			switch {
			case oneShot && !completedBy[name]:
				t.Errorf("restart %q (a one-shot) but no service waits for it with service_completed_successfully", s.Restart)
			case oneShot && s.Healthcheck != nil && !s.Healthcheck.Disable:
				t.Errorf("a one-shot with a health check")
			case !oneShot:
				if s.Restart != "unless-stopped" && s.Restart != "always" && s.Restart != "on-failure" {
					t.Errorf("restart %q", s.Restart)
				}
				if s.Healthcheck == nil || s.Healthcheck.Disable || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" {
					t.Fatalf("long-running service without a health check in exec form: %+v", s.Healthcheck)
				}
				h := s.Healthcheck
				for what, v := range map[string]string{"interval": h.Interval, "timeout": h.Timeout, "start_period": h.StartPeriod} {
					if durationOf(t, "healthcheck."+what, v) <= 0 {
						t.Errorf("healthcheck.%s %q", what, v)
					}
				}
				if h.Retries < 1 {
					t.Errorf("healthcheck.retries %d", h.Retries)
				}
			}
			for dep, d := range s.DependsOn {
				ds, ok := cf.Services[dep]
				if !ok {
					t.Errorf("depends on unknown service %s", dep)
					continue
				}
				switch d.Condition {
				case "service_healthy":
					if ds.Healthcheck == nil || ds.Healthcheck.Disable {
						t.Errorf("waits for %s to be healthy, which has no health check", dep)
					}
				case "service_completed_successfully":
				default:
					t.Errorf("depends on %s with condition %q: want service_healthy or service_completed_successfully", dep, d.Condition)
				}
			}
			if s.Image == "" || strings.HasSuffix(s.Image, ":latest") || !strings.Contains(s.Image, ":") {
				t.Errorf("image %q: pin a tag", s.Image)
			}
			for _, v := range s.Volumes {
				if !v.bind() {
					if _, ok := cf.Volumes[v.Source]; !ok {
						t.Errorf("volume %s is not declared under volumes:", v.Source)
					}
				} else if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("bind mount %s: %v", v.Source, err)
				} else if !v.ReadOnly {
					t.Errorf("bind mount %s is writable: mount configuration read-only", v.Source)
				}
			}
			for _, sec := range s.Secrets {
				if _, ok := cf.Secrets[sec.Source]; !ok {
					t.Errorf("secret %s is not declared under secrets:", sec.Source)
				}
			}
		})
	}

	t.Run("volumes", func(t *testing.T) {
		used := map[string]bool{}
		for _, s := range cf.Services {
			for _, v := range s.Volumes {
				if !v.bind() {
					used[v.Source] = true
				}
			}
		}
		for v := range cf.Volumes {
			if !used[v] {
				t.Errorf("volume %s is declared but no service mounts it", v)
			}
		}
		// Every stateful service keeps its data in a named volume.
		dataDir := map[string]string{
			roles.clickhouse: "/var/lib/clickhouse",
			roles.kafka:      cf.Services[roles.kafka].Environment["KAFKA_LOG_DIRS"],
		}
		for name, s := range cf.Services {
			if strings.HasPrefix(s.Image, "axllent/mailpit:") {
				dataDir[name] = path.Dir(s.Environment["MP_DATABASE"])
			}
		}
		for svc, dir := range dataDir {
			found := false
			for _, v := range cf.Services[svc].Volumes {
				found = found || (!v.bind() && v.Target == dir && dir != "" && dir != ".")
			}
			if !found {
				t.Errorf("%s: no named volume at its data directory %q", svc, dir)
			}
		}
	})

	t.Run("clickhouse settings", func(t *testing.T) {
		ch := cf.Services[roles.clickhouse]
		// The tests verify statements on the chDB release install-deps
		// pins (internal/compat): the image must be that major.minor.
		script, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "install-deps.sh"))
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^chdb_version=(\d+\.\d+)\.\d+$`).FindSubmatch(script)
		if m == nil {
			t.Fatal("scripts/install-deps.sh: no chdb_version=X.Y.Z line")
		}
		if want := "clickhouse/clickhouse-server:" + string(m[1]); ch.Image != want {
			t.Errorf("image %s: want %s, the release internal/compat verifies with chdb-core %s", ch.Image, want, m[1])
		}
		if n := ch.Ulimits["nofile"]; n.Soft < 262144 || n.Hard < 262144 {
			t.Errorf("ulimits.nofile %+v: ClickHouse wants 262144", n)
		}
	})

	t.Run("kafka settings", func(t *testing.T) {
		env := cf.Services[roles.kafka].Environment
		for _, k := range []string{"KAFKA_NODE_ID", "KAFKA_PROCESS_ROLES", "KAFKA_CONTROLLER_QUORUM_VOTERS",
			"KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS",
			"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_LOG_DIRS", "CLUSTER_ID"} {
			if env[k] == "" {
				t.Errorf("%s is not set", k)
			}
		}
		if env["KAFKA_PROCESS_ROLES"] != "broker,controller" {
			t.Errorf("KAFKA_PROCESS_ROLES %q: want a single-node KRaft broker,controller", env["KAFKA_PROCESS_ROLES"])
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(env["CLUSTER_ID"]) {
			t.Errorf("CLUSTER_ID %q is not a base64 UUID", env["CLUSTER_ID"])
		}
		// Every advertised listener has a protocol and a listener.
		protos := map[string]bool{}
		for _, p := range strings.Split(env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"], ",") {
			name, _, _ := strings.Cut(p, ":")
			protos[name] = true
		}
		for _, l := range strings.Split(env["KAFKA_ADVERTISED_LISTENERS"]+","+env["KAFKA_LISTENERS"], ",") {
			name, _, _ := strings.Cut(l, "://")
			if !protos[name] {
				t.Errorf("listener %s has no entry in KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", name)
			}
		}
	})

	known := knownEnv(t)
	for name, sub := range roles.slate {
		s := cf.Services[name]
		t.Run("slate "+sub, func(t *testing.T) {
			if s.Build == nil || filepath.Clean(s.Build.Context) != repoRoot || s.Build.Dockerfile != "deploy/Dockerfile" {
				t.Errorf("build %+v: want context %s and dockerfile deploy/Dockerfile", s.Build, repoRoot)
			}
			cfgPath := checkCommandLine(t, bin, "service "+name, s.Command)
			if cfgPath == "" {
				t.Errorf("command %v has no --config", s.Command)
			} else if !mountsTarget(s, cfgPath) {
				t.Errorf("--config %s is not mounted into the container", cfgPath)
			}
			for k, v := range s.Environment {
				if !known[k] {
					t.Errorf("environment %s: cmd/slate/config.go reads no such variable", k)
				}
				if strings.HasSuffix(k, "_FILE") {
					sec := strings.TrimPrefix(v, "/run/secrets/")
					if sec == v || !hasSecret(s, sec) {
						t.Errorf("%s=%s is not a secret of the service (/run/secrets/NAME)", k, v)
					}
				}
			}
			want := map[string]string{roles.clickhouse: "service_healthy"}
			if sub != "migrate" {
				want[roles.service("migrate")] = "service_completed_successfully"
			}
			if sub == "ingest" {
				want[roles.kafka] = "service_healthy"
				want[roles.topics] = "service_completed_successfully"
			}
			// serve sends the e-mailed reports: it waits for the SMTP
			// server when that is a service of the file.
			if host, port := smtpOf(t, s); sub == "serve" && host != "" {
				if _, ok := cf.Services[host]; ok {
					want[host] = "service_healthy"
					if !publishes(cf.Services[host], port) {
						t.Errorf("mail.smtp %s:%s: %s has no port %s (ports %v)", host, port, host, port, cf.Services[host].Ports)
					}
				}
			}
			for dep, cond := range want {
				if got := s.DependsOn[dep].Condition; got != cond {
					t.Errorf("depends_on %s: condition %q, want %q", dep, got, cond)
				}
			}
			if sub == "migrate" && s.Restart != "no" {
				t.Errorf("migrate restart %q: a one-shot", s.Restart)
			}
			if sub != "migrate" && s.Healthcheck != nil && len(s.Healthcheck.Test) > 0 {
				hc := s.Healthcheck.Test
				u := hc[len(hc)-1]
				if !strings.HasSuffix(u, "/healthz") {
					t.Errorf("health check %v does not ask /healthz", hc)
				}
			}
		})
	}

	t.Run("secrets", func(t *testing.T) {
		for name, sec := range cf.Secrets {
			if filepath.Dir(sec.File) != filepath.Join(composeDir(), "secrets") {
				t.Errorf("secret %s from %s: keep secrets in deploy/compose/secrets (ignored by git and .dockerignore)", name, sec.File)
			}
		}
		ignored, err := exec.Command("git", "-C", repoRoot, "check-ignore", "-q", "deploy/compose/secrets/session_key").CombinedOutput()
		if err != nil {
			t.Errorf("deploy/compose/secrets/ is not ignored by git: %v %s", err, ignored)
		}
	})
}

// smtpOf reads mail.smtp.host and port from the configuration file the
// service mounts at its --config path.
func smtpOf(t testing.TB, s composeService) (host, port string) {
	t.Helper()
	cfg := flagValue(s.Command, "--config")
	for _, v := range s.Volumes {
		if v.Target != cfg || !v.bind() {
			continue
		}
		raw, err := os.ReadFile(v.Source)
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Mail struct {
				SMTP struct {
					Host string `yaml:"host"`
					Port int    `yaml:"port"`
				} `yaml:"smtp"`
			} `yaml:"mail"`
		}
		if err := yaml.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", v.Source, err)
		}
		return c.Mail.SMTP.Host, strconv.Itoa(c.Mail.SMTP.Port)
	}
	return "", ""
}

func mountsTarget(s composeService, p string) bool {
	for _, v := range s.Volumes {
		if v.Target == p {
			return true
		}
	}
	return false
}

func hasSecret(s composeService, name string) bool {
	for _, sec := range s.Secrets {
		if sec.Source == name && (sec.Target == "" || sec.Target == name) {
			return true
		}
	}
	return false
}

// composeContainer lays out a slate service's container: its bind mounts
// and secrets (secret contents given), hosts naming the other services.
func composeContainer(t testing.TB, bin string, cf composeFile, name string, secrets map[string]string, hosts map[string]string) *rootFS {
	t.Helper()
	s := cf.Services[name]
	files := map[string][]byte{}
	for _, v := range s.Volumes {
		if !v.bind() {
			t.Fatalf("%s: slate services keep no state, but %s is a volume", name, v.Source)
		}
		raw, err := os.ReadFile(v.Source)
		if err != nil {
			t.Fatal(err)
		}
		files[v.Target] = raw
	}
	for _, sec := range s.Secrets {
		files["/run/secrets/"+sec.Source] = []byte(secrets[sec.Source] + "\n")
	}
	return newRootFS(t, bin, hosts, files)
}

func envList(m map[string]string) []string {
	var out []string
	for _, k := range keys(m) {
		out = append(out, k+"="+m[k])
	}
	return out
}

// TestComposeConfigCheck runs `slate config check` in every slate
// service's container with its environment, files and secrets: the sample
// configuration, the mounted SLA policies and the *_FILE secrets load. And
// without the session key the same check fails: the secret is really read.
func TestComposeConfigCheck(t *testing.T) {
	cf, _ := composeConfig(t, filepath.Join(composeDir(), "compose.yaml"))
	roles := findRoles(t, cf)
	bin := slateBinary(t)
	secrets := map[string]string{}
	for name := range cf.Secrets {
		secrets[name] = randomHex(t, 32)
	}
	for name, sub := range roles.slate {
		s := cf.Services[name]
		r := composeContainer(t, bin, cf, name, secrets, nil)
		cfgPath := checkCommandLine(t, bin, name, s.Command)
		out, err := r.run(t, envList(s.Environment), "config", "check", "--config", cfgPath)
		if err != nil {
			t.Fatalf("service %s (slate %s): slate config check --config %s: %v\n%s", name, sub, cfgPath, err, out)
		}
		eff, err := parseConfigCheck(out)
		if err != nil {
			t.Fatal(err)
		}
		// Addresses name the services that serve them.
		chHost, chPort, _ := net.SplitHostPort(eff.ClickHouseAddrs[0])
		if chHost != roles.clickhouse || chPort != "9000" {
			t.Errorf("%s: clickhouse.addrs %v, want %s:9000 (the image's native port)", name, eff.ClickHouseAddrs, roles.clickhouse)
		}
		kHost, kPort, _ := net.SplitHostPort(eff.KafkaBrokers[0])
		adv := cf.Services[roles.kafka].Environment["KAFKA_ADVERTISED_LISTENERS"]
		if kHost != roles.kafka || !strings.Contains(adv, "://"+kHost+":"+kPort) {
			t.Errorf("%s: kafka.brokers %v is not an advertised listener of %s (%s)", name, eff.KafkaBrokers, roles.kafka, adv)
		}
		if topic := flagValue(cf.Services[roles.topics].Command, "--topic"); topic != eff.Topic {
			t.Errorf("%s: kafka.topic %s, but %s creates %q", name, eff.Topic, roles.topics, topic)
		}
		if s.Healthcheck != nil && len(s.Healthcheck.Test) > 0 {
			u, err := url.Parse(s.Healthcheck.Test[len(s.Healthcheck.Test)-1])
			_, port, _ := net.SplitHostPort(eff.HTTPAddr)
			if err != nil || u.Port() != port {
				t.Errorf("%s: the health check asks %s, slate listens on http.addr %s", name, s.Healthcheck.Test, eff.HTTPAddr)
			}
			if host, _, _ := net.SplitHostPort(eff.HTTPAddr); host != "0.0.0.0" && host != "" {
				t.Errorf("%s: http.addr %s is not reachable through the published port", name, eff.HTTPAddr)
			}
			if !publishes(s, port) {
				t.Errorf("%s: port %s is not published (ports %v)", name, port, s.Ports)
			}
		}
		if sub == "ingest" {
			grace := durationOf(t, "stop_grace_period", s.StopGracePeriod)
			if st := shutdownTimeout(t, filepath.Join(composeDir(), "slate.yaml")); grace <= st {
				t.Errorf("ingest stop_grace_period %s <= ingest.shutdown_timeout %s: Docker would kill it mid-flush", grace, st)
			}
		}
		if _, ok := s.Environment["SLATE_AUTH_SESSION_KEY_FILE"]; ok {
			env := map[string]string{}
			for k, v := range s.Environment {
				env[k] = v
			}
			env["SLATE_AUTH_SESSION_KEY_FILE"] = "/run/secrets/missing"
			out, err := r.run(t, envList(env), "config", "check", "--config", cfgPath)
			if err == nil || !strings.Contains(out, "SLATE_AUTH_SESSION_KEY_FILE") {
				t.Errorf("%s: with the session key file missing, config check says (%v):\n%s", name, err, out)
			}
		}
	}
}

func publishes(s composeService, port string) bool {
	for _, p := range s.Ports {
		p = strings.TrimSuffix(p, "/tcp")
		if strings.HasSuffix(p, ":"+port) {
			return true
		}
	}
	return false
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// shutdownTimeout reads ingest.shutdown_timeout, which the sample configs
// must set explicitly (the grace periods are chosen against it).
func shutdownTimeout(t testing.TB, file string) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Ingest struct {
			ShutdownTimeout string `yaml:"shutdown_timeout"`
		} `yaml:"ingest"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if c.Ingest.ShutdownTimeout == "" {
		t.Fatalf("%s: set ingest.shutdown_timeout explicitly", file)
	}
	return durationOf(t, "ingest.shutdown_timeout", c.Ingest.ShutdownTimeout)
}

// TestComposeRehearsal runs the Compose deployment's slate services
// without Docker, against a real ClickHouse and Apache Kafka: each in its
// container root (mounted files, secrets, the image's user), with its
// command and environment as `docker-compose config` prints them, the
// service names resolving to proxies in front of the test's servers. The
// ClickHouse server gets the user and password the clickhouse service is
// given, the topic is created as the kafka-init service does. migrate must
// complete, ingest and serve must pass their own health checks, events
// produced to the topic must be stored, and both must stop cleanly on
// SIGTERM within their stop_grace_period.
//
// One deviation: ingest and serve listen on free ports instead of 9464 and
// 8080 (the test shares the host's network), with their health checks
// rewritten to match; TestComposeConfigCheck checks the real ports agree.
func TestComposeRehearsal(t *testing.T) {
	cf, _ := composeConfig(t, filepath.Join(composeDir(), "compose.yaml"))
	roles := findRoles(t, cf)
	bin := slateBinary(t)
	wget := needTool(t, "wget")
	needTool(t, "clickhouse-server")

	secrets := map[string]string{}
	for name := range cf.Secrets {
		secrets[name] = randomHex(t, 24)
	}

	// ClickHouse with the clickhouse service's user; its password is the
	// secret the service's entrypoint reads.
	chSvc := cf.Services[roles.clickhouse]
	chUser := chSvc.Environment["CLICKHOUSE_USER"]
	m := regexp.MustCompile(`\$\$\(cat /run/secrets/([A-Za-z0-9_]+)\)`).FindStringSubmatch(strings.Join(chSvc.Entrypoint, " "))
	if chUser == "" || m == nil || !hasSecret(chSvc, m[1]) {
		t.Fatalf("clickhouse service: want CLICKHOUSE_USER and an entrypoint reading CLICKHOUSE_PASSWORD from a secret; got user %q, entrypoint %v", chUser, chSvc.Entrypoint)
	}
	chDir := filepath.Join(t.TempDir(), "clickhouse")
	usersD := fmt.Sprintf(`<?xml version="1.0"?>
<yandex><users><%[1]s>
  <password>%[2]s</password>
  <networks><ip>::/0</ip></networks>
  <profile>default</profile><quota>default</quota>
</%[1]s></users></yandex>
`, chUser, secrets[m[1]])
	if err := os.MkdirAll(filepath.Join(chDir, "users.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(chDir, "users.d", "compose-user.xml"), []byte(usersD), 0o644); err != nil {
		t.Fatal(err)
	}
	ch, err := chserver.Start(t.Context(), chserver.Options{Dir: chDir})
	if err != nil {
		t.Fatalf("start clickhouse (%s): %v", installHint, err)
	}
	t.Cleanup(func() { ch.Close() })

	kafka := testkit.KafkaBroker(t)
	topicCmd := cf.Services[roles.topics].Command
	topic := flagValue(topicCmd, "--topic")
	partitions, err := strconv.Atoi(flagValue(topicCmd, "--partitions"))
	if topic == "" || err != nil || partitions < 1 {
		t.Fatalf("%s: command %v lacks --topic or --partitions", roles.topics, topicCmd)
	}
	if err := kafka.CreateTopic(t.Context(), topic, partitions); err != nil {
		t.Fatal(err)
	}

	// The service names resolve (in the containers' /etc/hosts) to
	// loopback addresses of their own, where proxies forward the real
	// ports to the test's servers.
	hosts := map[string]string{roles.clickhouse: "127.0.86.1", roles.kafka: "127.0.86.2"}
	proxy(t, "127.0.86.1:9000", ch.Addr())
	proxy(t, "127.0.86.2:9092", kafka.Addr())

	// migrate: a one-shot that must complete.
	mig := roles.service("migrate")
	migR := composeContainer(t, bin, cf, mig, secrets, hosts)
	out, err := migR.run(t, envList(cf.Services[mig].Environment), cf.Services[mig].Command...)
	if err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("service %s: slate %v: %v\n%s", mig, cf.Services[mig].Command, err, out)
	}

	type running struct {
		name    string
		cmd     *exec.Cmd
		out     *tail
		exited  chan error
		health  []string
		grace   time.Duration
		root    *rootFS
		env     []string
		waitErr error
	}
	var procs []*running
	for _, sub := range []string{"ingest", "serve"} {
		name := roles.service(sub)
		s := cf.Services[name]
		port := freePort(t)
		env := map[string]string{}
		for k, v := range s.Environment {
			env[k] = v
		}
		env["SLATE_HTTP_ADDR"] = "0.0.0.0:" + port
		health := append([]string(nil), s.Healthcheck.Test[1:]...)
		health[0] = wget // the image's busybox wget; same flags
		u, err := url.Parse(health[len(health)-1])
		if err != nil {
			t.Fatal(err)
		}
		u.Host = net.JoinHostPort(u.Hostname(), port)
		health[len(health)-1] = u.String()

		p := &running{name: name, out: &tail{}, exited: make(chan error, 1), health: health, env: envList(env),
			grace: durationOf(t, name+" stop_grace_period", orDefault(s.StopGracePeriod, "10s"))}
		p.root = composeContainer(t, bin, cf, name, secrets, hosts)
		p.cmd = p.root.command(context.Background(), p.env, s.Command...)
		p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		go func() { p.exited <- p.cmd.Wait() }()
		procs = append(procs, p)
		t.Cleanup(func() {
			if p.cmd.ProcessState == nil {
				_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			}
		})
	}

	// Both become healthy by their own health check (timeout per try as
	// the service says; at most a minute overall).
	for _, p := range procs {
		deadline := time.Now().Add(time.Minute)
		for {
			select {
			case err := <-p.exited:
				t.Fatalf("%s exited before it was healthy: %v\n%s", p.name, err, p.out)
			default:
			}
			hc := exec.Command(p.health[0], p.health[1:]...)
			if msg, err := hc.CombinedOutput(); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("%s: health check %v still fails: %v %s\n%s", p.name, p.health, err, msg, p.out)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}

	// Events produced to the topic (by slate gen, in the ingest container
	// with its configuration) are stored in ClickHouse.
	ing := procs[0]
	out, err = ing.root.run(t, ing.env, "gen", "--kafka", "--tickets", "25", "--quiet", "--config", flagValue(cf.Services[ing.name].Command, "--config"))
	pm := regexp.MustCompile(`produced (\d+) events`).FindStringSubmatch(out)
	if err != nil || pm == nil {
		t.Fatalf("slate gen --kafka in the ingest container: %v\n%s", err, out)
	}
	produced, _ := strconv.ParseUint(pm[1], 10, 64)
	conn, err := warehouse.Open(warehouse.Options{Addrs: []string{ch.Addr()}, Database: "slate"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(90 * time.Second)
	for {
		c, err := warehouse.ReadCounts(t.Context(), conn, "slate")
		if err == nil && c.Events+c.DeadLetters == produced {
			t.Logf("ingest stored %d events and %d dead letters of %d produced", c.Events, c.DeadLetters, produced)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 90s ClickHouse holds %+v (err %v), want %d events or dead letters\n%s", c, err, produced, ing.out)
		}
		time.Sleep(time.Second)
	}

	// docker stop: SIGTERM, then SIGKILL after stop_grace_period.
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case p.waitErr = <-p.exited:
			case <-time.After(p.grace):
				p.waitErr = fmt.Errorf("still running %s after SIGTERM (stop_grace_period)", p.grace)
			}
		}()
	}
	wg.Wait()
	for _, p := range procs {
		if p.waitErr != nil {
			t.Errorf("%s on SIGTERM: %v\n%s", p.name, p.waitErr, p.out)
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
