package event

import (
	"slices"
	"strings"
	"testing"
)

// The label tables of docs/domain.md, written out by hand: every label of
// every Vietnamese preset and the canonical value it must map to.
var (
	vnPriorityLabels = map[string]Priority{
		// "thấp, bình thường, cao, rất cao"
		"thấp": PriorityLow, "bình thường": PriorityNormal, "cao": PriorityHigh, "rất cao": PriorityUrgent,
		// "Thấp, Trung bình, Cao, Khẩn cấp"
		"Thấp": PriorityLow, "Trung bình": PriorityNormal, "Cao": PriorityHigh, "Khẩn cấp": PriorityUrgent,
	}
	vnSeverityLabels = map[string]Severity{
		"thấp": SeverityLow, "trung bình": SeverityMedium, "cao": SeverityHigh, "rất cao": SeverityCritical,
	}
	domainStatusLabels = map[string]map[string]Status{
		PresetVNCallCentre: {
			"Chưa xử lý": StatusNew, "Đang xử lý": StatusOpen, "Đợi hỗ trợ": StatusOnHold,
			"Đợi KH phản hồi": StatusPending, "Hoàn thành": StatusClosed,
		},
		PresetVNPortal: {
			"Đang mở": StatusNew, "Đã trả lời": StatusPending, "Đang xử lý": StatusOpen,
			"Đã đóng": StatusClosed, "KH đã phản hồi": StatusOpen,
		},
		PresetVNCRM: {
			"mới": StatusNew, "đang tiến hành": StatusOpen, "chờ phản hồi": StatusPending, "đã hoàn thành": StatusSolved,
		},
		PresetVNLiveChat: {
			"Đang mở": StatusOpen, "Chờ xử lý": StatusPending, "Đã giải quyết": StatusSolved, "Đóng": StatusClosed,
		},
	}
)

func presetMapper(t *testing.T, preset string) *Mapper {
	t.Helper()
	m, err := NewMapper(MappingConfig{Default: VocabularyConfig{Preset: preset}})
	if err != nil {
		t.Fatalf("preset %s: %v", preset, err)
	}
	return m
}

func TestVietnamesePresetsMapDomainLabels(t *testing.T) {
	for preset, statuses := range domainStatusLabels {
		t.Run(preset, func(t *testing.T) {
			m := presetMapper(t, preset)
			for label, want := range statuses {
				if got, ok := m.Status("any", label); !ok || got != want {
					t.Errorf("status %q = %q, %v; want %q", label, got, ok, want)
				}
			}
			for label, want := range vnPriorityLabels {
				if got, ok := m.Priority("any", label); !ok || got != want {
					t.Errorf("priority %q = %q, %v; want %q", label, got, ok, want)
				}
			}
			for label, want := range vnSeverityLabels {
				if got, ok := m.Severity("any", label); !ok || got != want {
					t.Errorf("severity %q = %q, %v; want %q", label, got, ok, want)
				}
			}
		})
	}
}

func TestOneDeskAndCanonicalPresets(t *testing.T) {
	tests := []struct {
		preset, kind, label, want string
	}{
		{PresetOneDesk, "status", "Unresolved", "open"},
		{PresetOneDesk, "status", "In progress", "open"},
		{PresetOneDesk, "status", "Waiting for customer", "pending"},
		{PresetOneDesk, "status", "Waiting on third party", "on_hold"},
		{PresetOneDesk, "status", "On hold", "on_hold"},
		{PresetOneDesk, "status", "Resolved", "solved"},
		{PresetOneDesk, "status", "Новый", "new"},
		{PresetOneDesk, "status", "Открыт", "open"},
		{PresetOneDesk, "status", "В работе", "open"},
		{PresetOneDesk, "status", "Ожидает клиента", "pending"},
		{PresetOneDesk, "status", "Отложен", "on_hold"},
		{PresetOneDesk, "status", "Решён", "solved"},
		{PresetOneDesk, "status", "Решен", "solved"},
		{PresetOneDesk, "status", "Закрыт", "closed"},
		{PresetOneDesk, "priority", "Низкий", "low"},
		{PresetOneDesk, "priority", "Обычный", "normal"},
		{PresetOneDesk, "priority", "Средний", "normal"},
		{PresetOneDesk, "priority", "Высокий", "high"},
		{PresetOneDesk, "priority", "Срочный", "urgent"},
		{PresetOneDesk, "priority", "Medium", "normal"},
		{PresetOneDesk, "priority", "Critical", "urgent"},
		{PresetOneDesk, "severity", "Низкая", "low"},
		{PresetOneDesk, "severity", "Средняя", "medium"},
		{PresetOneDesk, "severity", "Высокая", "high"},
		{PresetOneDesk, "severity", "Критическая", "critical"},
		{PresetOneDesk, "severity", "Normal", "medium"},
		{PresetOneDesk, "severity", "Urgent", "critical"},
		{PresetCanonical, "status", "on hold", "on_hold"},
		{PresetCanonical, "status", "On-Hold", "on_hold"},
		{PresetCanonical, "status", "Resolved", "solved"},
		{PresetCanonical, "priority", "medium", "normal"},
		{PresetCanonical, "priority", "critical", "urgent"},
		{PresetCanonical, "severity", "normal", "medium"},
		{PresetCanonical, "severity", "urgent", "critical"},
	}
	for _, tt := range tests {
		m := presetMapper(t, tt.preset)
		got, ok := lookup(m, "t", tt.kind, tt.label)
		if !ok || got != tt.want {
			t.Errorf("%s %s %q = %q, %v; want %q", tt.preset, tt.kind, tt.label, got, ok, tt.want)
		}
	}
}

func lookup(m *Mapper, tenant, kind, label string) (string, bool) {
	switch kind {
	case "status":
		s, ok := m.Status(tenant, label)
		return string(s), ok
	case "priority":
		p, ok := m.Priority(tenant, label)
		return string(p), ok
	case "severity":
		s, ok := m.Severity(tenant, label)
		return string(s), ok
	}
	panic(kind)
}

func TestEveryPresetAcceptsCanonicalValues(t *testing.T) {
	want := []string{"canonical", "onedesk", "vn-callcentre", "vn-crm", "vn-livechat", "vn-portal"}
	if got := PresetNames(); !slices.Equal(got, want) {
		t.Fatalf("PresetNames() = %v, want %v", got, want)
	}
	for _, preset := range want {
		m := presetMapper(t, preset)
		for _, s := range []string{"new", "open", "pending", "on_hold", "solved", "closed", "ON HOLD", " Solved "} {
			if _, ok := m.Status("t", s); !ok {
				t.Errorf("%s: canonical status %q not accepted", preset, s)
			}
		}
		for _, p := range []string{"low", "normal", "high", "urgent", "URGENT"} {
			if _, ok := m.Priority("t", p); !ok {
				t.Errorf("%s: canonical priority %q not accepted", preset, p)
			}
		}
		for _, s := range []string{"low", "medium", "high", "critical", "Critical"} {
			if _, ok := m.Severity("t", s); !ok {
				t.Errorf("%s: canonical severity %q not accepted", preset, s)
			}
		}
	}
}

func TestLabelsAreNotMixedUp(t *testing.T) {
	tests := []struct {
		preset, kind, label string
	}{
		{PresetVNCallCentre, "severity", "Khẩn cấp"},    // a priority word, not a severity
		{PresetVNCallCentre, "severity", "bình thường"}, // likewise
		{PresetVNCRM, "status", "Hoàn thành"},           // vn-crm says "đã hoàn thành"
		{PresetVNCallCentre, "status", "Đang mở"},       // portal/live-chat word
		{PresetVNLiveChat, "status", "KH đã phản hồi"},  // portal word
		{PresetCanonical, "status", "Đang mở"},          // no Vietnamese in the default
		{PresetCanonical, "priority", "cao"},
		{PresetOneDesk, "status", "Chưa xử lý"},
		{PresetVNPortal, "status", ""},
		{PresetVNPortal, "status", "   "},
		{PresetVNPortal, "status", "Đang"},
		{PresetVNPortal, "status", "Đang mở rộng"},
	}
	for _, tt := range tests {
		if got, ok := lookup(presetMapper(t, tt.preset), "t", tt.kind, tt.label); ok {
			t.Errorf("%s %s %q mapped to %q, want unknown", tt.preset, tt.kind, tt.label, got)
		}
	}
}

func TestLabelMatchingIgnoresCaseSpaceAndUnicodeForm(t *testing.T) {
	m := testMapper(t)
	tests := []struct {
		tenant, kind, label, want string
	}{
		{"hanoi-callcentre", "status", "Đợi KH phản hồi", "pending"},
		{"hanoi-callcentre", "status", "đợi kh phản hồi", "pending"},
		{"hanoi-callcentre", "status", "ĐỢI KH PHẢN HỒI", "pending"},
		{"hanoi-callcentre", "status", "  Đợi   KH\tphản hồi  ", "pending"},
		{"hanoi-callcentre", "status", "Đợi-KH-phản-hồi", "pending"},
		{"hanoi-callcentre", "status", "Đợi_KH_phản_hồi", "pending"},
		// decomposed: ợ = o + horn + dot below, ả = a + hook above, ồ = o + circumflex + grave
		{"hanoi-callcentre", "status", "\u0110o\u031b\u0323i KH pha\u0309n ho\u0302\u0300i", "pending"},
		// decomposed and upper case
		{"hanoi-callcentre", "status", "\u0110O\u031b\u0323I KH PHA\u0309N HO\u0302\u0300I", "pending"},
		{"saigon-portal", "status", "\u0110a\u0303 \u0111o\u0301ng", "closed"},
		{"danang-crm", "status", "M\u01a0\u0301I", "new"},
		{"hue-livechat", "priority", "KHA\u0302\u0309N CA\u0302\u0301P", "urgent"},
		{"hue-livechat", "severity", "RA\u0302\u0301T CAO", "critical"},
		{"moskva-desk", "status", "РЕШЁН", "solved"},
		{"moskva-desk", "status", "ожидает  клиента", "pending"},
		// Й decomposed (И + breve)
		{"moskva-desk", "priority", "Ни\u0437ки\u0438\u0306", "low"},
	}
	for _, tt := range tests {
		got, ok := lookup(m, tt.tenant, tt.kind, tt.label)
		if !ok || got != tt.want {
			t.Errorf("%s %s %+q = %q, %v; want %q", tt.tenant, tt.kind, tt.label, got, ok, tt.want)
		}
	}
}

func TestNormalizeLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Open", "open"},
		{"  On   Hold ", "on_hold"},
		{"on-hold", "on_hold"},
		{"\tĐợi KH\nphản hồi", "đợi_kh_phản_hồi"},
		{"Hoa\u0300n tha\u0300nh", "ho\u00e0n_th\u00e0nh"},
		{"", ""},
		// Vietnamese i/y variants: a toned y ending a syllable after a
		// consonant is folded to the i with the same tone.
		{"Chưa xử lý", "chưa_xử_lí"},
		{"Chưa xử lí", "chưa_xử_lí"},
		{"CHƯA XỬ LÝ", "chưa_xử_lí"},
		{"Chu\u031Ba xu\u031B\u0309 ly\u0301", "chưa_xử_lí"}, // decomposed
		{"kỹ thuật", "kĩ_thuật"},
		{"Mỹ-ỵ", "mĩ_ỵ"},           // ỵ alone after a separator: no consonant before it
		{"tuý", "tuý"},             // after a vowel: a different word, kept
		{"quý khách", "quý_khách"}, // u is a vowel here too
		{"lýdo", "lýdo"},           // not the end of a syllable
		{"priority", "priority"},   // plain y is never folded
	}
	for _, tt := range tests {
		if got := NormalizeLabel(tt.in); got != tt.want {
			t.Errorf("NormalizeLabel(%+q) = %+q, want %+q", tt.in, got, tt.want)
		}
	}
}

// TestDangMoDependsOnTenant: the same words mean different states in two
// products, so the tenant picks the vocabulary.
func TestDangMoDependsOnTenant(t *testing.T) {
	m := testMapper(t)
	for _, tt := range []struct {
		tenant string
		want   Status
		ok     bool
	}{
		{"saigon-portal", StatusNew, true},
		{"hue-livechat", StatusOpen, true},
		{"acme", "", false}, // no vocabulary: the default (canonical) one
	} {
		got, ok := m.Status(tt.tenant, "Đang mở")
		if got != tt.want || ok != tt.ok {
			t.Errorf("tenant %s: Đang mở = %q, %v; want %q, %v", tt.tenant, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNewMapperPerTenantOverrides(t *testing.T) {
	m, err := NewMapper(MappingConfig{
		Default: VocabularyConfig{Preset: PresetVNCallCentre, Priority: map[string]string{"Gấp": "urgent"}},
		Tenants: map[string]VocabularyConfig{
			"crm-a": {Preset: PresetVNCRM, Status: map[string]string{
				"Tạm dừng": "on_hold",
				"MỚI":      "open", // overrides the preset's "mới" → new
			}, Severity: map[string]string{"nghiêm trọng": "critical"}},
			"plain": {},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tenant, kind, label, want string
		ok                        bool
	}{
		{"crm-a", "status", "tạm dừng", "on_hold", true},
		{"crm-a", "status", "mới", "open", true},
		{"crm-a", "status", "đang tiến hành", "open", true},
		{"crm-a", "severity", "Nghiêm trọng", "critical", true},
		{"crm-a", "priority", "Gấp", "", false}, // default's extras do not leak into tenants
		{"crm-a", "status", "Chưa xử lý", "", false},
		{"other", "status", "Chưa xử lý", "new", true}, // unknown tenants get the default
		{"other", "priority", "gấp", "urgent", true},
		{"other", "status", "tạm dừng", "", false},
		{"plain", "status", "Chưa xử lý", "", false}, // an empty tenant config is the canonical preset
		{"plain", "status", "pending", "pending", true},
		{"", "status", "Hoàn thành", "closed", true},
	}
	for _, tt := range tests {
		got, ok := lookup(m, tt.tenant, tt.kind, tt.label)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s %s %q = %q, %v; want %q, %v", tt.tenant, tt.kind, tt.label, got, ok, tt.want, tt.ok)
		}
	}
}

func TestVocabularyConfigBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   VocabularyConfig
		wants []string // substrings of the error
	}{
		{"unknown preset", VocabularyConfig{Preset: "vn-portl"}, []string{`"vn-portl"`, "vn-portal"}},
		{"status onto a label, not a canonical value", VocabularyConfig{Status: map[string]string{"Tạm dừng": "paused"}}, []string{`"Tạm dừng"`, `"paused"`}},
		{"status onto a synonym", VocabularyConfig{Status: map[string]string{"Xong": "resolved"}}, []string{`"Xong"`, `"resolved"`}},
		{"status target in another case", VocabularyConfig{Status: map[string]string{"Xong": "Solved"}}, []string{`"Xong"`, `"Solved"`}},
		{"priority onto a severity", VocabularyConfig{Priority: map[string]string{"Gấp": "critical"}}, []string{`"Gấp"`, `"critical"`}},
		{"severity onto a priority", VocabularyConfig{Severity: map[string]string{"Nghiêm trọng": "urgent"}}, []string{`"Nghiêm trọng"`, `"urgent"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.cfg.Build()
			if err == nil {
				t.Fatalf("Build accepted %+v", tt.cfg)
			}
			if v != nil {
				t.Errorf("Build returned a vocabulary with its error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}

func TestNewMapperErrorsNameTheTenant(t *testing.T) {
	_, err := NewMapper(MappingConfig{Tenants: map[string]VocabularyConfig{
		"hanoi": {Preset: PresetVNCallCentre, Priority: map[string]string{"Siêu gấp": "asap"}},
	}})
	if err == nil || !strings.Contains(err.Error(), "labels.tenants.hanoi") || !strings.Contains(err.Error(), "Siêu gấp") {
		t.Errorf("error %v should name labels.tenants.hanoi and the label", err)
	}
	_, err = NewMapper(MappingConfig{Default: VocabularyConfig{Preset: "zendesk"}})
	if err == nil || !strings.Contains(err.Error(), "labels.default") || !strings.Contains(err.Error(), "zendesk") {
		t.Errorf("error %v should name labels.default and the preset", err)
	}
}

func TestPresetReturnsAFreshCopy(t *testing.T) {
	a, err := Preset(PresetVNPortal)
	if err != nil {
		t.Fatal(err)
	}
	a.Status[NormalizeLabel("Đang mở")] = StatusClosed
	b, _ := Preset(PresetVNPortal)
	if got := b.Status[NormalizeLabel("Đang mở")]; got != StatusNew {
		t.Errorf("editing one copy changed the preset: Đang mở = %q", got)
	}
	if _, err := Preset("nope"); err == nil {
		t.Error("Preset(nope) succeeded")
	}
}

func TestDefaultMapper(t *testing.T) {
	m := DefaultMapper()
	if s, ok := m.Status("any", "Pending"); !ok || s != StatusPending {
		t.Errorf("Pending = %q, %v", s, ok)
	}
	if _, ok := m.Status("any", "Chưa xử lý"); ok {
		t.Error("the default mapper knows Vietnamese labels")
	}
	// A Decoder without Labels uses the default mapper.
	_, err := (&Decoder{}).Decode([]byte(jsonStatusChanged))
	if ReasonOf(err) != ReasonUnknownLabel {
		t.Errorf("zero Decoder on a vn-portal label: %v, want unknown_label", err)
	}
}

// TestRatingsRuleConfig: "first" and "last" per tenant, last by default,
// anything else refused naming the field and the tenant.
func TestRatingsRuleConfig(t *testing.T) {
	m, err := NewMapper(MappingConfig{Tenants: map[string]VocabularyConfig{
		"portal": {Preset: PresetVNPortal, Ratings: "first"}, "desk": {Ratings: "last"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !m.FirstRatingStands("portal") || m.FirstRatingStands("desk") || m.FirstRatingStands("other") {
		t.Errorf("first for portal only: portal %v desk %v other %v", m.FirstRatingStands("portal"), m.FirstRatingStands("desk"), m.FirstRatingStands("other"))
	}
	_, err = NewMapper(MappingConfig{Tenants: map[string]VocabularyConfig{"portal": {Ratings: "newest"}}})
	if err == nil || !strings.Contains(err.Error(), "labels.tenants.portal") || !strings.Contains(err.Error(), "ratings") {
		t.Errorf("want an error naming labels.tenants.portal and ratings, got %v", err)
	}
}
