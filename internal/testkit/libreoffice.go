package testkit

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// LibreOffice converts the file in with headless LibreOffice and returns
// what it wrote. infilter, when not empty, is the import filter with its
// options (e.g. `Text - txt - csv (StarCalc):59,34,76,1` reads a CSV file
// with ';' between fields); convertTo is the --convert-to argument, whose
// part before ':' is the extension of the output (e.g. "fods", or
// `csv:Text - txt - csv (StarCalc):44,34,76`). Each call runs with a
// private profile, so calls never share a lock. Missing, it fails the test
// naming scripts/install-deps.sh.
func LibreOffice(t testing.TB, in []byte, name, infilter, convertTo string) []byte {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("testkit: soffice not found: run scripts/install-deps.sh (Debian package libreoffice-calc-nogui)")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), in, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "--norestore", "--nolockcheck"}
	if infilter != "" {
		args = append(args, "--infilter="+infilter)
	}
	outDir := filepath.Join(dir, "out") // the output may have the input's name
	args = append(args, "--convert-to", convertTo, "--outdir", outDir, filepath.Join(dir, name))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testkit: libreoffice: %v\n%s", err, out)
	}
	ext, _, _ := strings.Cut(convertTo, ":")
	outName := strings.TrimSuffix(name, filepath.Ext(name)) + "." + ext
	raw, err := os.ReadFile(filepath.Join(outDir, outName))
	if err != nil {
		t.Fatalf("testkit: libreoffice wrote no %s: %v", outName, err)
	}
	return raw
}
