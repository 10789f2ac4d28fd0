package deploy

import (
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerfile checks deploy/Dockerfile without a Docker engine: its
// build stage compiles the repository with CI's `go build` (the test runs
// that very line, see slateBinary), the result is a static binary that
// runs, and the runtime stage is small, non-root and starts that binary.
func TestDockerfile(t *testing.T) {
	stages, err := parseDockerfile(filepath.Join(repoRoot, "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	build := stageNamed(stages, "build")
	if build == nil {
		t.Fatal("no build stage (FROM golang:... AS build)")
	}

	t.Run("build stage uses the Go of go.mod", func(t *testing.T) {
		m := regexp.MustCompile(`^golang:(\d+\.\d+)`).FindStringSubmatch(build.From)
		if m == nil {
			t.Fatalf("build stage FROM %s, want golang:MAJOR.MINOR", build.From)
		}
		mod, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		gv := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
		if gv == nil || string(gv[1]) != m[1] {
			t.Fatalf("build stage uses golang:%s, go.mod says go %s", m[1], gv[1])
		}
	})

	t.Run("build stage builds the whole repository from its root", func(t *testing.T) {
		// The test runs the go build line from the repository root: that
		// is only the same build if the stage copies the repository into
		// its WORKDIR before that line.
		var workdir string
		copied := false
		for _, in := range build.Instrs {
			switch {
			case in.Cmd == "WORKDIR":
				workdir = in.Args
			case in.Cmd == "COPY" && in.Args == ". .":
				copied = workdir != ""
			case in.Cmd == "RUN" && strings.Contains(in.Args, "go build"):
				if !copied {
					t.Fatalf("Dockerfile:%d: go build runs before COPY . . into a WORKDIR", in.Line)
				}
			}
		}
	})

	b, err := dockerGoBuild(stages)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("build command is CI's go build of cmd/slate, static and reproducible", func(t *testing.T) {
		env := strings.Join(b.Env, " ")
		if !strings.Contains(env, "CGO_ENABLED=0") {
			t.Errorf("go build line %q: no CGO_ENABLED=0 (the runtime image has no C library)", b.Text)
		}
		if !contains(b.Args, "-trimpath") {
			t.Errorf("go build line %q: no -trimpath", b.Text)
		}
		if b.Args[len(b.Args)-1] != "./cmd/slate" {
			t.Errorf("go build line %q does not build ./cmd/slate", b.Text)
		}
	})

	bin := slateBinary(t) // runs the line

	t.Run("binary is statically linked", func(t *testing.T) {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Fatalf("%s has a %v program header: dynamically linked, it would not start on distroless/static", bin, p.Type)
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Fatalf("binary needs shared libraries %v", libs)
		}
	})

	t.Run("binary runs", func(t *testing.T) {
		cmds := subcommands(t, bin)
		for _, c := range []string{"migrate", "ingest", "serve", "config"} {
			if !cmds[c] {
				t.Errorf("slate help does not list %s", c)
			}
		}
		// And in an empty root as the image's user, which is all the
		// runtime image gives it.
		r := newRootFS(t, bin, nil, nil)
		out, err := r.run(t, nil, "config", "check")
		if err != nil || !strings.Contains(out, "configuration is valid") {
			t.Fatalf("slate config check in an image-like root: %v\n%s", err, out)
		}
	})

	final := stages[len(stages)-1]
	t.Run("runtime stage is small, non-root and starts the built binary", func(t *testing.T) {
		if !strings.HasPrefix(final.From, "gcr.io/distroless/static") || !strings.Contains(final.From, "nonroot") {
			t.Errorf("runtime stage FROM %s, want gcr.io/distroless/static-...:nonroot", final.From)
		}
		var user string
		var entry []string
		copies := map[string]string{} // destination -> "stage:source"
		for _, in := range final.Instrs {
			switch in.Cmd {
			case "USER":
				user = in.Args
			case "ENTRYPOINT":
				if err := json.Unmarshal([]byte(in.Args), &entry); err != nil {
					t.Errorf("Dockerfile:%d: ENTRYPOINT must be the exec (JSON) form: %v", in.Line, err)
				}
			case "COPY":
				f := strings.Fields(in.Args)
				if len(f) == 3 && strings.HasPrefix(f[0], "--from=") {
					copies[f[2]] = strings.TrimPrefix(f[0], "--from=") + ":" + f[1]
				}
			case "RUN":
				t.Errorf("Dockerfile:%d: RUN in the runtime stage (it has no shell)", in.Line)
			}
		}
		if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" {
			t.Errorf("runtime stage USER %q: must not be root", user)
		}
		if len(entry) != 1 {
			t.Fatalf("ENTRYPOINT %v: want the slate binary alone", entry)
		}
		if got, want := copies[entry[0]], "build:"+b.Out; got != want {
			t.Errorf("ENTRYPOINT %s is copied from %q, want the go build output %q", entry[0], got, want)
		}
	})
}

// TestDockerignore: the build context keeps what the build needs.
func TestDockerignore(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		for _, needed := range []string{"go.mod", "go.sum", "cmd/slate/main.go", "dashboards/assets", "warehouse/migrations"} {
			if m, _ := filepath.Match(p, needed); m || p == "*" || strings.HasPrefix(needed, strings.TrimSuffix(p, "/")+"/") {
				t.Errorf(".dockerignore %q excludes %s, which the build needs", p, needed)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
