package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// testExportLanguages: `slate export --lang` writes a workbook's sheet
// names, titles, period line and headers in the language, LibreOffice
// reads them so, and an unknown language is refused naming the flag.
func testExportLanguages(t *testing.T, s *served) {
	export := func(args ...string) ([]byte, string, error) {
		out := filepath.Join(t.TempDir(), "book.xlsx")
		cmd := s.command(append(append([]string{"export"}, args...), "--out", out)...)
		cmd.Env = append(cmd.Env, "SLATE_AUTH_SESSION_KEY="+sessionKey)
		msg, err := cmd.CombinedOutput()
		raw, _ := os.ReadFile(out)
		return raw, string(msg), err
	}
	raw, msg, err := export("leadership", "--lang", "ru", "--from", "2026-01-01", "--to", "2026-02-01", "--tz", "Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatalf("slate export leadership --lang ru: %v\n%s", err, msg)
	}
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := x.GetSheetList(); !slices.Equal(got, []string{"Сводка", "Динамика", "SLA", "По приоритетам"}) {
		t.Errorf("sheets %q", got)
	}
	x.Close()
	lo := libreOfficeCSV(t, raw)
	if len(lo) < 5 || lo[0][0] != "Сводка для дирекции" || !strings.HasPrefix(lo[1][0], "Период: 01.01.2026 00:00 – 01.02.2026 00:00") ||
		!slices.Equal(lo[3][:4], []string{"Показатель", "Этот период", "Предыдущий период", "Изменение"}) || lo[4][0] != "Создано заявок" {
		t.Errorf("LibreOffice reads the Russian summary as %q", lo[:min(5, len(lo))])
	}

	raw, msg, err = export("volume", "--lang", "vi", "--from", "2026-01-01", "--to", "2026-02-01", "--group-by", "priority")
	if err != nil {
		t.Fatalf("slate export volume --lang vi: %v\n%s", err, msg)
	}
	lo = libreOfficeCSV(t, raw)
	if len(lo) < 5 || lo[0][0] != "Lượng phiếu" || !strings.HasPrefix(lo[1][0], "Kỳ: 01/01/2026 00:00 – 01/02/2026 00:00") ||
		!slices.Equal(lo[3][:3], []string{"Mức ưu tiên", "Tạo mới", "Đã giải quyết"}) {
		t.Errorf("LibreOffice reads the Vietnamese volume sheet as %q", lo[:min(5, len(lo))])
	}

	if _, msg, err := export("volume", "--lang", "klingon"); err == nil || !strings.Contains(msg, "--lang") || !strings.Contains(msg, "en, vi or ru") {
		t.Errorf("--lang klingon: %v %s", err, msg)
	}
}
