package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var systemdDir = func() string { return filepath.Join(repoRoot, "deploy", "systemd") }

var unitFiles = []string{"slate-ingest.service", "slate-serve.service"}

// unit is a parsed unit file: section -> key -> values in order (a key
// may be given several times).
type unit map[string]map[string][]string

func parseUnit(t testing.TB, file string) unit {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.HasSuffix(line, `\`) {
				t.Fatalf("%s:%d: not key=value in a section: %s", file, n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

func (u unit) get(section, key string) string {
	vs := u[section][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// renderUnits copies the unit files into dir with the slate path replaced
// by bin (systemd-analyze verify insists that ExecStart= exists).
func renderUnits(t testing.TB, dir, bin string, edit func(name, text string) string) []string {
	t.Helper()
	var out []string
	for _, name := range unitFiles {
		raw, err := os.ReadFile(filepath.Join(systemdDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(raw), "/usr/local/bin/slate ", bin+" ")
		if edit != nil {
			text = edit(name, text)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func systemdAnalyze(t testing.TB, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(needTool(t, "systemd-analyze"), args...)
	cmd.Env = append(os.Environ(), "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestSystemdVerify: systemd-analyze verify accepts the units without a
// word about them (it reports unknown keys and bad values on stderr and
// still exits 0, so the output is checked too), and it does catch a
// mistake planted in a copy.
func TestSystemdVerify(t *testing.T) {
	bin := slateBinary(t)
	dir := t.TempDir()
	files := renderUnits(t, dir, bin, nil)
	out, err := systemdAnalyze(t, append([]string{"verify", "--man=no"}, files...)...)
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	if bad := linesWith(out, unitFiles...); len(bad) > 0 {
		t.Fatalf("systemd-analyze verify complains about the units:\n%s", strings.Join(bad, "\n"))
	}

	bad := t.TempDir()
	files = renderUnits(t, bad, bin, func(name, text string) string {
		return strings.Replace(text, "ProtectHome=yes", "ProtectHomes=yes", 1)
	})
	out, _ = systemdAnalyze(t, append([]string{"verify", "--man=no"}, files...)...)
	if len(linesWith(out, "ProtectHomes")) != len(unitFiles) {
		t.Fatalf("systemd-analyze verify did not report a planted unknown key in each unit:\n%s", out)
	}
}

// TestSystemdSecurity: systemd's own exposure score (systemd-analyze
// security, offline) is at most 2.0, "OK", for each unit.
func TestSystemdSecurity(t *testing.T) {
	bin := slateBinary(t)
	files := renderUnits(t, t.TempDir(), bin, nil)
	for _, f := range files {
		out, err := systemdAnalyze(t, "security", "--offline=yes", "--threshold=20", "--no-pager", f)
		m := regexp.MustCompile(`Overall exposure level for \S+: (\d+\.\d+) (\S+)`).FindStringSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("%s: exposure above 2.0 or not reported (%v):\n%s", filepath.Base(f), err, out)
		}
		t.Logf("%s: exposure %s %s", filepath.Base(f), m[1], m[2])
	}
}

// TestSystemdUnits asserts the directives the deployment relies on:
// sandboxing, restart policy, stop timeout, credentials read through the
// *_FILE variables, and command lines the binary accepts.
func TestSystemdUnits(t *testing.T) {
	bin := slateBinary(t)
	known := knownEnv(t)
	for _, name := range unitFiles {
		u := parseUnit(t, filepath.Join(systemdDir(), name))
		t.Run(name, func(t *testing.T) {
			exact := map[string]string{
				"DynamicUser":             "yes",
				"ProtectSystem":           "strict",
				"ProtectHome":             "yes",
				"NoNewPrivileges":         "yes",
				"PrivateTmp":              "yes",
				"PrivateDevices":          "yes",
				"ProtectKernelTunables":   "yes",
				"ProtectKernelModules":    "yes",
				"ProtectKernelLogs":       "yes",
				"ProtectControlGroups":    "yes",
				"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
				"LockPersonality":         "yes",
				"MemoryDenyWriteExecute":  "yes",
				"SystemCallFilter":        "@system-service",
				"SystemCallArchitectures": "native",
				"CapabilityBoundingSet":   "",
				"AmbientCapabilities":     "",
				"Restart":                 "on-failure",
				"KillSignal":              "SIGTERM",
				"Type":                    "exec",
				"ConfigurationDirectory":  "slate",
			}
			for k, want := range exact {
				vs, ok := u["Service"][k]
				if !ok {
					t.Errorf("[Service] %s= is missing (want %q)", k, want)
				} else if got := vs[len(vs)-1]; got != want {
					t.Errorf("[Service] %s=%s, want %q", k, got, want)
				}
			}
			if rs := durationOf(t, "RestartSec", u.get("Service", "RestartSec")); rs < time.Second {
				t.Errorf("RestartSec=%s: restarts would spin", rs)
			}
			if u.get("Install", "WantedBy") != "multi-user.target" {
				t.Errorf("[Install] WantedBy=%s", u.get("Install", "WantedBy"))
			}
			if !strings.Contains(u.get("Unit", "After"), "network-online.target") || !strings.Contains(u.get("Unit", "Wants"), "network-online.target") {
				t.Errorf("not ordered after network-online.target")
			}

			// Commands: migrate before the service, both real command lines.
			pre := u["Service"]["ExecStartPre"]
			if len(pre) != 1 || !strings.HasPrefix(pre[0], "/usr/local/bin/slate migrate ") {
				t.Errorf("ExecStartPre=%v: want /usr/local/bin/slate migrate ...", pre)
			}
			start := u.get("Service", "ExecStart")
			sub := strings.TrimSuffix(strings.TrimPrefix(name, "slate-"), ".service")
			if !strings.HasPrefix(start, "/usr/local/bin/slate "+sub+" ") {
				t.Errorf("ExecStart=%s: want /usr/local/bin/slate %s ...", start, sub)
			}
			var cfgs []string
			for _, line := range append(pre, start) {
				cfgs = append(cfgs, checkCommandLine(t, bin, name, strings.Fields(line)[1:]))
			}
			if cfgs[0] != "/etc/slate/slate.yaml" || cfgs[1] != cfgs[0] {
				t.Errorf("--config %v: want /etc/slate/slate.yaml (ConfigurationDirectory=slate)", cfgs)
			}

			// Credentials: each *_FILE variable names a loaded credential.
			creds := map[string]bool{}
			for _, lc := range u["Service"]["LoadCredential"] {
				id, src, _ := strings.Cut(lc, ":")
				if !strings.HasPrefix(src, "/etc/slate/credentials/") {
					t.Errorf("LoadCredential=%s: keep sources in /etc/slate/credentials", lc)
				}
				creds[id] = true
			}
			for _, e := range u["Service"]["Environment"] {
				k, v, _ := strings.Cut(e, "=")
				if !known[k] {
					t.Errorf("Environment=%s: cmd/slate/config.go reads no such variable", e)
				}
				if strings.HasSuffix(k, "_FILE") {
					id, ok := strings.CutPrefix(v, "%d/")
					if !ok || !creds[id] {
						t.Errorf("Environment=%s: not a LoadCredential= in %%d", e)
					}
				}
			}
			for _, k := range []string{"SLATE_AUTH_SESSION_KEY_FILE", "SLATE_CLICKHOUSE_PASSWORD_FILE"} {
				if !strings.Contains(strings.Join(u["Service"]["Environment"], "\n"), k+"=") {
					t.Errorf("no Environment=%s", k)
				}
			}
			if ef := u.get("Service", "EnvironmentFile"); strings.TrimPrefix(ef, "-") != "/etc/slate/slate.env" {
				t.Errorf("EnvironmentFile=%s", ef)
			}

			stop := durationOf(t, "TimeoutStopSec", u.get("Service", "TimeoutStopSec"))
			if sub == "ingest" {
				if st := shutdownTimeout(t, filepath.Join(systemdDir(), "slate.yaml")); stop <= st {
					t.Errorf("TimeoutStopSec=%s <= ingest.shutdown_timeout %s: systemd would kill ingest mid-flush", stop, st)
				}
			}
		})
	}

	t.Run("slate.env", func(t *testing.T) {
		for k := range readEnvFile(t, filepath.Join(systemdDir(), "slate.env")) {
			if !known[k] {
				t.Errorf("slate.env sets %s: cmd/slate/config.go reads no such variable", k)
			}
			if strings.Contains(k, "PASSWORD") || strings.Contains(k, "SESSION_KEY") {
				t.Errorf("slate.env sets the secret %s: use LoadCredential=", k)
			}
		}
	})
}

// readEnvFile reads KEY=value lines as systemd's EnvironmentFile= does
// (comments and blank lines skipped; no quoting used here).
func readEnvFile(t testing.TB, file string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=value", file, line)
		}
		env[k] = v
	}
	return env
}

// TestSystemdConfigCheck runs `slate config check` the way each unit would
// run slate: the installed files of the README's steps in a root
// (/etc/slate/slate.yaml, sla.yaml, slate.env), the unit's Environment=
// with %d as the credentials directory holding LoadCredential='s files, then
// EnvironmentFile= on top, as systemd orders them.
func TestSystemdConfigCheck(t *testing.T) {
	bin := slateBinary(t)
	read := func(p string) []byte {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for _, name := range unitFiles {
		u := parseUnit(t, filepath.Join(systemdDir(), name))
		credDir := "/run/credentials/" + name
		files := map[string][]byte{
			"/etc/slate/slate.yaml": read(filepath.Join(systemdDir(), "slate.yaml")),
			"/etc/slate/sla.yaml":   read(filepath.Join(repoRoot, "deploy", "sla.example.yaml")),
			"/etc/slate/slate.env":  read(filepath.Join(systemdDir(), "slate.env")),
		}
		for _, lc := range u["Service"]["LoadCredential"] {
			id, _, _ := strings.Cut(lc, ":")
			files[credDir+"/"+id] = []byte(randomHex(t, 32) + "\n")
		}
		env := map[string]string{}
		for _, e := range u["Service"]["Environment"] {
			k, v, _ := strings.Cut(e, "=")
			env[k] = strings.ReplaceAll(v, "%d", credDir)
		}
		for k, v := range readEnvFile(t, filepath.Join(systemdDir(), "slate.env")) {
			env[k] = v
		}
		r := newRootFS(t, bin, nil, files)
		cfg := checkCommandLine(t, bin, name, strings.Fields(u.get("Service", "ExecStart"))[1:])
		out, err := r.run(t, envList(env), "config", "check", "--config", cfg)
		if err != nil {
			t.Fatalf("%s: slate config check --config %s: %v\n%s", name, cfg, err, out)
		}
		eff, err := parseConfigCheck(out)
		if err != nil {
			t.Fatal(err)
		}
		if eff.HTTPAddr != env["SLATE_HTTP_ADDR"] {
			t.Errorf("%s: listens on %s, the unit sets SLATE_HTTP_ADDR=%s", name, eff.HTTPAddr, env["SLATE_HTTP_ADDR"])
		}
		t.Logf("%s: %s", name, strings.TrimSpace(out))
	}
	// The two units do not listen on the same address.
	addrs := map[string]bool{}
	for _, name := range unitFiles {
		for _, e := range parseUnit(t, filepath.Join(systemdDir(), name))["Service"]["Environment"] {
			if a, ok := strings.CutPrefix(e, "SLATE_HTTP_ADDR="); ok {
				addrs[a] = true
			}
		}
	}
	if len(addrs) != len(unitFiles) {
		t.Errorf("the units set SLATE_HTTP_ADDR to %v: one address each", keys(addrs))
	}
}
