package deploy

// Shared helpers: the slate binary built with the Dockerfile's own build
// command, what its help says, the SLATE_* variables config.go reads, and a
// "container" for running the binary: a chroot laid out like the runtime
// image plus a service's files, entered as the image's user.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slatehq/slate/internal/testkit"
)

const installHint = "run scripts/install-deps.sh"

var (
	repoRoot string // the module root (deploy/..)
	workDir  string // removed after the tests

	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	repoRoot = filepath.Dir(wd)
	if _, err := os.Stat(filepath.Join(repoRoot, "go.mod")); err != nil {
		fmt.Fprintf(os.Stderr, "deploy tests: %s is not the module root: %v\n", repoRoot, err)
		os.Exit(2)
	}
	if workDir, err = os.MkdirTemp("", "slate-deploy-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(workDir)
	os.Exit(code)
}

// needTool returns the path of a program the tests run, or fails the test
// saying how to install it. Under -short (the fast tier, Go alone) the
// test skips instead.
func needTool(t testing.TB, name string) string {
	t.Helper()
	testkit.SkipShort(t, name)
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p
		}
	}
	t.Fatalf("%s is not installed: %s", name, installHint)
	return ""
}

// ---- the Dockerfile and the binary it builds --------------------------------

type dockerInstr struct {
	Cmd  string // upper case: FROM, RUN, COPY, ...
	Args string
	Line int
}

type dockerStage struct {
	From, Name string
	Instrs     []dockerInstr
}

// parseDockerfile splits a Dockerfile into stages of instructions, joining
// continuation lines and dropping comments.
func parseDockerfile(path string) ([]dockerStage, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var stages []dockerStage
	var cur strings.Builder
	start := 0
	flush := func() error {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return nil
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := dockerInstr{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start}
		if in.Cmd == "FROM" {
			f := strings.Fields(in.Args)
			st := dockerStage{From: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.Name = f[2]
			}
			stages = append(stages, st)
			return nil
		}
		if len(stages) == 0 {
			return fmt.Errorf("%s:%d: %s before FROM", path, in.Line, in.Cmd)
		}
		stages[len(stages)-1].Instrs = append(stages[len(stages)-1].Instrs, in)
		return nil
	}
	for i, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue // comments, also inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(trimmed)
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return stages, flush()
}

func stageNamed(stages []dockerStage, name string) *dockerStage {
	for i := range stages {
		if stages[i].Name == name {
			return &stages[i]
		}
	}
	return nil
}

// goBuildLine is the build stage's `RUN [VAR=value ...] go build ...`: the
// environment assignments, the go command's arguments and the -o path.
type goBuildLine struct {
	Text string
	Env  []string
	Args []string // after "go"
	Out  string   // the -o argument
}

func dockerGoBuild(stages []dockerStage) (goBuildLine, error) {
	build := stageNamed(stages, "build")
	if build == nil {
		return goBuildLine{}, fmt.Errorf("deploy/Dockerfile has no stage named build")
	}
	var found []goBuildLine
	for _, in := range build.Instrs {
		if in.Cmd != "RUN" || !strings.Contains(in.Args, "go build") {
			continue
		}
		if strings.ContainsAny(in.Args, `'"$&;|<>`+"`") {
			return goBuildLine{}, fmt.Errorf("Dockerfile:%d: the go build line must be plain words (no quoting or shell syntax) so the test can run it as is: %s", in.Line, in.Args)
		}
		var b goBuildLine
		b.Text = in.Args
		words := strings.Fields(in.Args)
		for len(words) > 0 && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`).MatchString(words[0]) {
			b.Env = append(b.Env, words[0])
			words = words[1:]
		}
		if len(words) < 2 || words[0] != "go" || words[1] != "build" {
			return goBuildLine{}, fmt.Errorf("Dockerfile:%d: expected [VAR=value ...] go build ..., got %s", in.Line, in.Args)
		}
		b.Args = words[1:]
		for i, w := range b.Args {
			if w == "-o" && i+1 < len(b.Args) {
				b.Out = b.Args[i+1]
			}
		}
		if b.Out == "" {
			return goBuildLine{}, fmt.Errorf("Dockerfile:%d: go build without -o PATH", in.Line)
		}
		found = append(found, b)
	}
	if len(found) != 1 {
		return goBuildLine{}, fmt.Errorf("the build stage has %d RUN ... go build lines, want 1", len(found))
	}
	return found[0], nil
}

// slateBinary builds cmd/slate once per test run with exactly the
// Dockerfile's build command (its environment and flags, run from the
// repository root as the build stage's WORKDIR after COPY . .), only the
// -o path moved into a temporary directory.
func slateBinary(t testing.TB) string {
	t.Helper()
	// CGO_ENABLED=0 and -trimpath share nothing with the test build in the
	// Go cache: a first build compiles every package again
	testkit.SkipShort(t, "a build of slate with the Dockerfile's command")
	buildOnce.Do(func() {
		needTool(t, "go")
		stages, err := parseDockerfile(filepath.Join(repoRoot, "deploy", "Dockerfile"))
		if err != nil {
			buildErr = err
			return
		}
		b, err := dockerGoBuild(stages)
		if err != nil {
			buildErr = err
			return
		}
		out := filepath.Join(workDir, "bin", "slate")
		args := append([]string(nil), b.Args...)
		for i := range args {
			if i > 0 && args[i-1] == "-o" {
				args[i] = out
			}
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), b.Env...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("the Dockerfile's build command (%s) failed: %v\n%s", b.Text, err, msg)
			return
		}
		builtBin = out
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// ---- what the binary accepts --------------------------------------------------

var (
	helpMu    sync.Mutex
	helpCache = map[string]string{}
)

// slateHelp runs `slate ARGS... -h` (or `slate help` for no args) and returns
// its output; the binary exits 0 on -h.
func slateHelp(t testing.TB, bin string, args ...string) string {
	t.Helper()
	key := strings.Join(args, " ")
	helpMu.Lock()
	defer helpMu.Unlock()
	if out, ok := helpCache[key]; ok {
		return out
	}
	argv := append(append([]string(nil), args...), "-h")
	if len(args) == 0 {
		argv = []string{"help"}
	}
	cmd := exec.Command(bin, argv...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("slate %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	helpCache[key] = string(out)
	return string(out)
}

// subcommands lists the commands `slate help` names.
func subcommands(t testing.TB, bin string) map[string]bool {
	t.Helper()
	out := slateHelp(t, bin)
	_, list, ok := strings.Cut(out, "commands:")
	if !ok {
		t.Fatalf("slate help has no commands: section:\n%s", out)
	}
	cmds := map[string]bool{}
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.HasPrefix(line, "  ") {
			cmds[f[0]] = true
		}
	}
	return cmds
}

// flagsOf parses `slate SUB -h`: flag name -> whether it takes a value.
func flagsOf(t testing.TB, bin string, sub ...string) map[string]bool {
	t.Helper()
	out := slateHelp(t, bin, sub...)
	flags := map[string]bool{}
	re := regexp.MustCompile(`^  -([A-Za-z0-9-]+)(?: (\S+))?$`)
	for _, line := range strings.Split(out, "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			flags[m[1]] = m[2] != ""
		}
	}
	if len(flags) == 0 {
		t.Fatalf("slate %s -h lists no flags:\n%s", strings.Join(sub, " "), out)
	}
	return flags
}

// checkCommandLine fails unless argv (what follows the slate executable) is a
// subcommand of the binary with flags it accepts. It returns the value of
// --config, if given.
func checkCommandLine(t testing.TB, bin, where string, argv []string) (configPath string) {
	t.Helper()
	if len(argv) == 0 {
		t.Fatalf("%s: no slate subcommand", where)
	}
	if !subcommands(t, bin)[argv[0]] {
		t.Fatalf("%s: %q is not a command of slate (slate help)", where, argv[0])
	}
	sub, rest := argv[:1], argv[1:]
	if argv[0] == "config" || argv[0] == "bench" || argv[0] == "sla" || argv[0] == "auth" {
		if len(rest) == 0 {
			t.Fatalf("%s: slate %s needs a subcommand", where, argv[0])
		}
		sub, rest = argv[:2], argv[2:]
	}
	flags := flagsOf(t, bin, sub...)
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !strings.HasPrefix(a, "-") {
			t.Fatalf("%s: slate %s: unexpected argument %q (flags only)", where, strings.Join(sub, " "), a)
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		takesValue, ok := flags[name]
		if !ok {
			t.Fatalf("%s: slate %s has no flag -%s (its flags: %v)", where, strings.Join(sub, " "), name, keys(flags))
		}
		if takesValue && !hasValue {
			if i+1 == len(rest) {
				t.Fatalf("%s: flag %s needs a value", where, a)
			}
			i++
			value = rest[i]
		}
		if name == "config" {
			configPath = value
		}
	}
	return configPath
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// knownEnv is every SLATE_* variable cmd/slate/config.go reads, plus the Go
// runtime's GOMEMLIMIT.
func knownEnv(t testing.TB) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, "cmd", "slate", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"GOMEMLIMIT": true}
	for _, m := range regexp.MustCompile(`"(SLATE_[A-Z0-9_]+)"`).FindAllStringSubmatch(string(src), -1) {
		known[m[1]] = true
	}
	if !known["SLATE_AUTH_SESSION_KEY_FILE"] || !known["SLATE_HTTP_ADDR"] {
		t.Fatalf("found only %v in cmd/slate/config.go: has the way it reads variables changed?", keys(known))
	}
	return known
}

// effectiveConfig is what `slate config check` reports it loaded.
type effectiveConfig struct {
	ClickHouseAddrs []string
	Database        string
	KafkaBrokers    []string
	Topic, Group    string
	HTTPAddr        string
}

var configCheckRe = regexp.MustCompile(`configuration is valid: clickhouse \[([^\]]*)\] database (\S+), kafka \[([^\]]*)\] topic (\S+) group (\S+), http (\S+)`)

func parseConfigCheck(out string) (effectiveConfig, error) {
	m := configCheckRe.FindStringSubmatch(out)
	if m == nil {
		return effectiveConfig{}, fmt.Errorf("slate config check did not report a valid configuration:\n%s", out)
	}
	return effectiveConfig{ClickHouseAddrs: strings.Fields(m[1]), Database: m[2],
		KafkaBrokers: strings.Fields(m[3]), Topic: m[4], Group: m[5], HTTPAddr: m[6]}, nil
}

// ---- a container without Docker -----------------------------------------------

// The runtime image's user (gcr.io/distroless/static-debian12:nonroot).
const imageUID = 65532

// rootFS is a directory laid out like a container of the runtime image: the
// binary at /usr/local/bin/slate, tzdata (distroless/static ships it; the
// SLA calendars need it), /etc/passwd, /etc/hosts naming the other services,
// /tmp, and the service's mounted files and secrets.
type rootFS struct {
	Dir string
}

func newRootFS(t testing.TB, bin string, hosts map[string]string, files map[string][]byte) *rootFS {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "root")
	r := &rootFS{Dir: dir}
	for _, d := range []string{"usr/local/bin", "etc", "tmp", "run", "home/nonroot"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := linkOrCopy(bin, filepath.Join(dir, "usr/local/bin/slate"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := copyTree("/usr/share/zoneinfo", filepath.Join(dir, "usr/share/zoneinfo")); err != nil {
		t.Fatalf("tzdata for the container: %v (install the tzdata package)", err)
	}
	var h strings.Builder
	h.WriteString("127.0.0.1 localhost\n")
	for _, name := range keys(hosts) {
		fmt.Fprintf(&h, "%s %s\n", hosts[name], name)
	}
	r.write(t, "/etc/hosts", []byte(h.String()))
	r.write(t, "/etc/passwd", []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"))
	r.write(t, "/etc/group", []byte("root:x:0:\nnonroot:x:65532:\n"))
	for _, p := range keys(files) {
		r.write(t, p, files[p])
	}
	return r
}

func (r *rootFS) write(t testing.TB, p string, data []byte) {
	t.Helper()
	full := filepath.Join(r.Dir, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	// 0644: what the README asks of mounted files and secrets (the
	// containers read them as uid 65532).
	if err := os.WriteFile(full, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// command runs /usr/local/bin/slate ARGS inside the root as the image's user
// with exactly env (plus the image's PATH), nothing of the test's own
// environment.
func (r *rootFS) command(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "/usr/local/bin/slate", args...)
	cmd.Dir = "/"
	cmd.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/home/nonroot"}, env...)
	attr := &syscall.SysProcAttr{Chroot: r.Dir, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		attr.Credential = &syscall.Credential{Uid: imageUID, Gid: imageUID}
	} else {
		// Not root: a user namespace grants the chroot (the test then runs
		// as its own user, mapped to root inside).
		attr.Cloneflags = syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
	}
	cmd.SysProcAttr = attr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// run runs a command to its end and returns its combined output.
func (r *rootFS) run(t testing.TB, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := r.command(ctx, env, args...).CombinedOutput()
	if err != nil && strings.Contains(err.Error(), "operation not permitted") {
		t.Fatalf("cannot enter the test container (chroot): %v; run the tests as root or allow unprivileged user namespaces", err)
	}
	return string(out), err
}

func linkOrCopy(src, dst string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(src, dst); err == nil {
		return os.Chmod(dst, mode)
	}
	return copyFile(src, dst, mode)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies directories and files (symlinks become links to, or
// copies of, their targets).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil
		}
		if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
			return nil
		}
		return linkOrCopy(real, target, 0o644)
	})
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// freePort returns a TCP port free on all addresses right now.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// proxy forwards connections to listen (an address of this machine) to
// target, until the test ends.
func proxy(t testing.TB, listen, target string) {
	t.Helper()
	l, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatalf("proxy %s -> %s: %v (is another process using that port?)", listen, target, err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{}, 2)
				go func() { io.Copy(u, c); u.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
				go func() { io.Copy(c, u); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
				<-done
				<-done
			}()
		}
	}()
}

// lines returns the lines of s that contain any of subs.
func linesWith(s string, subs ...string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, sub := range subs {
			if sub != "" && strings.Contains(l, sub) {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// tail keeps the end of a process's output for error messages.
type tail struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *tail) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.buf.Len() > 16<<10 {
		b := w.buf.Bytes()[w.buf.Len()-8<<10:]
		w.buf = *bytes.NewBuffer(append([]byte(nil), b...))
	}
	return len(p), nil
}

func (w *tail) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
