package eventgen

import "github.com/slatehq/slate/event"

// Canonical status indices, in the order of event.Statuses.
const (
	stNew uint8 = iota
	stOpen
	stPending
	stOnHold
	stSolved
	stClosed
	numStatuses
)

var canonicalStatus = [numStatuses]event.Status{
	event.StatusNew, event.StatusOpen, event.StatusPending,
	event.StatusOnHold, event.StatusSolved, event.StatusClosed,
}

// labelSet is what one help-desk style writes for each canonical value. An
// empty status label means the product has no such state, and the lifecycle
// avoids it (a call-centre CRM closes tickets without a "solved" step).
type labelSet struct {
	status    [numStatuses]string
	statusAlt [numStatuses]string // an occasional second spelling ("" none)
	// reopen is the label for "open" when a customer reply brings the ticket
	// back (the portal's "KH đã phản hồi"); "" means status[stOpen].
	reopen      string
	priority    [4]string
	priorityAlt [4]string
	severity    [4]string
}

func (l *labelSet) has(s uint8) bool { return l.status[s] != "" }

// Labels per preset, taken from docs/domain.md. Every label must decode
// through event.Preset(name); TestLabelsDecode checks that.
var (
	canonicalLabels = labelSet{
		status:   [numStatuses]string{"new", "open", "pending", "on_hold", "solved", "closed"},
		priority: [4]string{"low", "normal", "high", "urgent"},
		severity: [4]string{"low", "medium", "high", "critical"},
	}
	vnCallCentreLabels = labelSet{
		// Hoàn thành is "closed by user": the product has no separate solved state.
		status:   [numStatuses]string{"Chưa xử lý", "Đang xử lý", "Đợi KH phản hồi", "Đợi hỗ trợ", "", "Hoàn thành"},
		priority: [4]string{"Thấp", "Trung bình", "Cao", "Khẩn cấp"},
		severity: [4]string{"Thấp", "Trung bình", "Cao", "Rất cao"},
	}
	vnPortalLabels = labelSet{
		status:   [numStatuses]string{"Đang mở", "Đang xử lý", "Đã trả lời", "", "", "Đã đóng"},
		reopen:   "KH đã phản hồi",
		priority: [4]string{"thấp", "bình thường", "cao", "rất cao"},
		severity: [4]string{"thấp", "trung bình", "cao", "rất cao"},
	}
	vnCRMLabels = labelSet{
		status:   [numStatuses]string{"mới", "đang tiến hành", "chờ phản hồi", "", "đã hoàn thành", ""},
		priority: [4]string{"thấp", "bình thường", "cao", "rất cao"},
		severity: [4]string{"thấp", "trung bình", "cao", "rất cao"},
	}
	vnLiveChatLabels = labelSet{
		status:   [numStatuses]string{"", "Đang mở", "Chờ xử lý", "", "Đã giải quyết", "Đóng"},
		priority: [4]string{"Thấp", "Trung bình", "Cao", "Khẩn cấp"},
		severity: [4]string{"Thấp", "Trung bình", "Cao", "Rất cao"},
	}
	oneDeskLabels = labelSet{
		status:      [numStatuses]string{"Новый", "В работе", "Ожидает клиента", "Отложен", "Решён", "Закрыт"},
		statusAlt:   [numStatuses]string{stSolved: "Решен"},
		reopen:      "Открыт",
		priority:    [4]string{"Низкий", "Обычный", "Высокий", "Срочный"},
		priorityAlt: [4]string{1: "Средний"},
		severity:    [4]string{"Низкая", "Средняя", "Высокая", "Критическая"},
	}
)

// labelsFor returns the label table of a preset. Presets that package event
// knows but this generator has no table for get the canonical values, which
// every preset accepts.
func labelsFor(preset string) *labelSet {
	switch preset {
	case event.PresetVNCallCentre:
		return &vnCallCentreLabels
	case event.PresetVNPortal:
		return &vnPortalLabels
	case event.PresetVNCRM:
		return &vnCRMLabels
	case event.PresetVNLiveChat:
		return &vnLiveChatLabels
	case event.PresetOneDesk:
		return &oneDeskLabels
	}
	return &canonicalLabels
}

// DefaultTenants is the tenant mix used when Config.Tenants is empty.
func DefaultTenants() []TenantSpec {
	return []TenantSpec{
		{Name: "acme", Preset: event.PresetCanonical, Weight: 0.5},
		{Name: "vn-callcentre", Preset: event.PresetVNCallCentre, Weight: 0.2},
		{Name: "vn-portal", Preset: event.PresetVNPortal, Weight: 0.15},
		{Name: "rudesk", Preset: event.PresetOneDesk, Weight: 0.15},
	}
}

// DefaultMapping is the label mapping that decodes what the default tenants
// emit: each tenant mapped to its preset, canonical values by default.
func DefaultMapping() event.MappingConfig {
	return mappingFor(DefaultTenants())
}

// Mapping is the label mapping that decodes what Generate emits for c: its
// tenants (or the default ones) each mapped to their preset.
func (c Config) Mapping() event.MappingConfig {
	if len(c.Tenants) == 0 {
		return DefaultMapping()
	}
	return mappingFor(c.Tenants)
}

func mappingFor(ts []TenantSpec) event.MappingConfig {
	m := event.MappingConfig{
		Default: event.VocabularyConfig{Preset: event.PresetCanonical},
		Tenants: make(map[string]event.VocabularyConfig, len(ts)),
	}
	for _, t := range ts {
		m.Tenants[t.Name] = event.VocabularyConfig{Preset: t.Preset}
	}
	return m
}
