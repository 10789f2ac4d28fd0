package reports_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatehq/slate/reports"
	"github.com/slatehq/slate/warehouse"
)

// Every zone of the system's zoneinfo that LoadZone accepts must work in
// ClickHouse (18.16 reads the same directory), and what it refuses is only
// what current releases lack too: the right/ and posix/ trees and the
// files that are not zones.
func TestZonesLoadZoneAcceptsWorkInTheWarehouse(t *testing.T) {
	const root = "/usr/share/zoneinfo"
	conn, err := warehouse.Open(warehouse.Options{Addrs: []string{sharedAddr(t)}, Database: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	works := func(zone string) error {
		var day time.Time
		return conn.QueryRow(t.Context(), "SELECT toStartOfDay(toDateTime(1700000000), ?)", zone).Scan(&day)
	}
	if err := works("right/UTC"); err == nil {
		t.Fatal("ClickHouse accepts right/UTC: the rule LoadZone enforces has no reason here")
	}
	var accepted, refused int
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(path, root+"/")
		if _, err := time.LoadLocation(name); err != nil {
			return nil // not a zone file at all (zone.tab, leapseconds, ...)
		}
		if _, err := reports.LoadZone(name); err != nil {
			refused++
			area, _, _ := strings.Cut(name, "/")
			if area != "right" && area != "posix" && name != "posixrules" && name != "localtime" && name != "Factory" {
				t.Errorf("LoadZone refuses %s: %v", name, err)
			}
			return nil
		}
		accepted++
		if err := works(name); err != nil {
			t.Errorf("LoadZone accepts %s, ClickHouse does not: %v", name, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if accepted < 400 || refused < 400 {
		t.Errorf("%d zones accepted and %d refused: is %s the full tzdata (with right/)?", accepted, refused, root)
	}
}
