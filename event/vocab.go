package event

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// A Vocabulary maps one help desk's own labels onto canonical values. Keys
// are normalised with NormalizeLabel, so "Đang xử lý", "đang xử lý" and the
// decomposed-Unicode spelling of either all match.
type Vocabulary struct {
	Status   map[string]Status
	Priority map[string]Priority
	Severity map[string]Severity
	// DefaultPriority is given to a ticket created without a priority:
	// some desks (the call-centre CRM) have no priorities at all.
	DefaultPriority Priority
	// FirstRatingStands: the desk allows one rating per ticket, so a later
	// rating does not replace the first (the support portal).
	FirstRatingStands bool
}

// NormalizeLabel folds a label for lookup: Unicode NFC (Vietnamese text often
// arrives decomposed), lower case, trimmed, inner white space collapsed, '-'
// or ' ' treated like '_' so "on hold", "on-hold" and "on_hold" agree, and
// the Vietnamese i/y spelling variants folded (see foldVietnameseY).
func NormalizeLabel(s string) string {
	s = norm.NFC.String(strings.ToLower(strings.TrimSpace(s)))
	s = strings.Join(strings.Fields(s), " ")
	return foldVietnameseY(labelSeparators.Replace(s))
}

var labelSeparators = strings.NewReplacer(" ", "_", "-", "_")

// toneY maps each toned y to the i with the same tone mark.
var toneY = map[rune]rune{'ý': 'í', 'ỳ': 'ì', 'ỷ': 'ỉ', 'ỹ': 'ĩ', 'ỵ': 'ị'}

// foldVietnameseY folds the spelling variants "lý"/"lí", "kỹ"/"kĩ", "mỹ"/"mĩ":
// a toned y that ends a syllable right after a consonant is written either
// way (Callio writes "Chưa xử lí", the standard spelling is "Chưa xử lý").
// Plain y is left alone, so English labels ("priority") are untouched, and
// so is y after a vowel ("tuý", "ấy"), where i and y are different words.
// Input is NFC lower case.
func foldVietnameseY(s string) string {
	if !strings.ContainsAny(s, "ýỳỷỹỵ") {
		return s
	}
	rs := []rune(s)
	for i, r := range rs {
		to, ok := toneY[r]
		if !ok || i == 0 || isVietnameseVowel(rs[i-1]) || !unicode.IsLetter(rs[i-1]) {
			continue
		}
		if i+1 < len(rs) && unicode.IsLetter(rs[i+1]) {
			continue // not the end of the syllable
		}
		rs[i] = to
	}
	return string(rs)
}

// isVietnameseVowel reports whether r is a vowel letter, with or without
// diacritics (its base letter after canonical decomposition).
func isVietnameseVowel(r rune) bool {
	base := []rune(norm.NFD.String(string(r)))[0]
	return strings.ContainsRune("aeiouy", base)
}

// Preset names shipped with Slate, one per help-desk style in
// docs/events.md. Every preset also accepts the canonical values.
const (
	PresetCanonical    = "canonical"
	PresetVNCallCentre = "vn-callcentre"
	PresetVNPortal     = "vn-portal"
	PresetVNCRM        = "vn-crm"
	PresetVNLiveChat   = "vn-livechat"
	PresetOneDesk      = "onedesk"
)

// Vietnamese priority and severity words are shared by the Vietnamese
// products; "trung bình" is normal as a priority but medium as a severity.
var (
	vnPriority = map[string]Priority{
		"thấp": PriorityLow, "bình thường": PriorityNormal, "trung bình": PriorityNormal,
		"cao": PriorityHigh, "rất cao": PriorityUrgent, "khẩn cấp": PriorityUrgent,
	}
	vnSeverity = map[string]Severity{
		"thấp": SeverityLow, "trung bình": SeverityMedium, "cao": SeverityHigh, "rất cao": SeverityCritical,
	}
	enPriority = map[string]Priority{"medium": PriorityNormal, "critical": PriorityUrgent}
	enSeverity = map[string]Severity{"normal": SeverityMedium, "urgent": SeverityCritical}
	enStatus   = map[string]Status{"on hold": StatusOnHold, "resolved": StatusSolved}
)

var presetLabels = map[string]struct {
	status   map[string]Status
	priority []map[string]Priority
	severity []map[string]Severity
}{
	PresetCanonical: {status: enStatus, priority: []map[string]Priority{enPriority}, severity: []map[string]Severity{enSeverity}},
	PresetVNCallCentre: {status: map[string]Status{
		// Callio's own spelling ("lí"); "Chưa xử lý" matches too (foldVietnameseY).
		"Chưa xử lí": StatusNew, "Đang xử lí": StatusOpen, "Đợi hỗ trợ": StatusOnHold,
		"Đợi KH phản hồi": StatusPending, "Hoàn thành": StatusClosed,
	}, priority: []map[string]Priority{vnPriority}, severity: []map[string]Severity{vnSeverity}},
	PresetVNPortal: {status: map[string]Status{
		"Đang mở": StatusNew, "Đã trả lời": StatusPending, "Đang xử lý": StatusOpen,
		"Đã đóng": StatusClosed, "KH đã phản hồi": StatusOpen,
	}, priority: []map[string]Priority{vnPriority}, severity: []map[string]Severity{vnSeverity}},
	PresetVNCRM: {status: map[string]Status{
		"mới": StatusNew, "đang tiến hành": StatusOpen, "chờ phản hồi": StatusPending, "đã hoàn thành": StatusSolved,
	}, priority: []map[string]Priority{vnPriority}, severity: []map[string]Severity{vnSeverity}},
	PresetVNLiveChat: {status: map[string]Status{
		"Đang mở": StatusOpen, "Chờ xử lý": StatusPending, "Đã giải quyết": StatusSolved, "Đóng": StatusClosed,
	}, priority: []map[string]Priority{vnPriority}, severity: []map[string]Severity{vnSeverity}},
	PresetOneDesk: {status: map[string]Status{
		"Unresolved": StatusOpen, "In progress": StatusOpen, "Waiting for customer": StatusPending,
		"Waiting on third party": StatusOnHold, "Resolved": StatusSolved, "On hold": StatusOnHold,
		"Новый": StatusNew, "Открыт": StatusOpen, "В работе": StatusOpen, "Ожидает клиента": StatusPending,
		"Отложен": StatusOnHold, "Решён": StatusSolved, "Решен": StatusSolved, "Закрыт": StatusClosed,
	}, priority: []map[string]Priority{enPriority, {
		"Низкий": PriorityLow, "Обычный": PriorityNormal, "Средний": PriorityNormal,
		"Высокий": PriorityHigh, "Срочный": PriorityUrgent,
	}}, severity: []map[string]Severity{enSeverity, {
		"Низкая": SeverityLow, "Средняя": SeverityMedium, "Высокая": SeverityHigh, "Критическая": SeverityCritical,
	}}},
}

// PresetNames lists the shipped presets, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presetLabels))
	for n := range presetLabels {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Preset returns a fresh copy of a shipped vocabulary.
func Preset(name string) (*Vocabulary, error) {
	p, ok := presetLabels[name]
	if !ok {
		return nil, fmt.Errorf("unknown vocabulary preset %q (known: %s)", name, strings.Join(PresetNames(), ", "))
	}
	v := &Vocabulary{Status: map[string]Status{}, Priority: map[string]Priority{}, Severity: map[string]Severity{},
		DefaultPriority: PriorityNormal}
	for _, s := range Statuses {
		v.Status[NormalizeLabel(string(s))] = s
	}
	for _, s := range Priorities {
		v.Priority[NormalizeLabel(string(s))] = s
	}
	for _, s := range Severities {
		v.Severity[NormalizeLabel(string(s))] = s
	}
	// Each label is kept as written too, for lookupLabel's fast path.
	for k, s := range p.status {
		v.Status[NormalizeLabel(k)], v.Status[k] = s, s
	}
	for _, m := range p.priority {
		for k, s := range m {
			v.Priority[NormalizeLabel(k)], v.Priority[k] = s, s
		}
	}
	for _, m := range p.severity {
		for k, s := range m {
			v.Severity[NormalizeLabel(k)], v.Severity[k] = s, s
		}
	}
	return v, nil
}

// VocabularyConfig is how configuration describes a vocabulary: a preset plus
// extra labels (label → canonical value) that are added or override it.
type VocabularyConfig struct {
	Preset   string            `yaml:"preset"`
	Status   map[string]string `yaml:"status"`
	Priority map[string]string `yaml:"priority"`
	Severity map[string]string `yaml:"severity"`
	// DefaultPriority (a canonical priority; default normal) is what a
	// ticket.created without a priority gets.
	DefaultPriority string `yaml:"default_priority"`
	// Ratings says which of a ticket's ratings counts: "last" (default)
	// or "first" (one rating per ticket; later ones are ignored).
	Ratings string `yaml:"ratings"`
}

// Build turns the configuration into a Vocabulary, rejecting unknown presets
// and mappings onto values that are not canonical.
func (c VocabularyConfig) Build() (*Vocabulary, error) {
	preset := c.Preset
	if preset == "" {
		preset = PresetCanonical
	}
	v, err := Preset(preset)
	if err != nil {
		return nil, err
	}
	switch c.Ratings {
	case "", "last":
	case "first":
		v.FirstRatingStands = true
	default:
		return nil, fmt.Errorf("ratings %q is not one of [first last]", c.Ratings)
	}
	if c.DefaultPriority != "" {
		p := Priority(c.DefaultPriority)
		if !contains(Priorities, p) {
			return nil, fmt.Errorf("default_priority %q is not one of %v", c.DefaultPriority, Priorities)
		}
		v.DefaultPriority = p
	}
	for label, to := range c.Status {
		s := Status(to)
		if !contains(Statuses, s) {
			return nil, fmt.Errorf("status label %q maps to %q, which is not one of %v", label, to, Statuses)
		}
		v.Status[NormalizeLabel(label)] = s
	}
	for label, to := range c.Priority {
		p := Priority(to)
		if !contains(Priorities, p) {
			return nil, fmt.Errorf("priority label %q maps to %q, which is not one of %v", label, to, Priorities)
		}
		v.Priority[NormalizeLabel(label)] = p
	}
	for label, to := range c.Severity {
		s := Severity(to)
		if !contains(Severities, s) {
			return nil, fmt.Errorf("severity label %q maps to %q, which is not one of %v", label, to, Severities)
		}
		v.Severity[NormalizeLabel(label)] = s
	}
	return v, nil
}

// Mapper picks the vocabulary of an event's tenant (or the default one).
type Mapper struct {
	def      *Vocabulary
	byTenant map[string]*Vocabulary
}

// MappingConfig configures label mapping: a default vocabulary and optional
// per-tenant ones, since each tenant runs its own help desk.
type MappingConfig struct {
	Default VocabularyConfig            `yaml:"default"`
	Tenants map[string]VocabularyConfig `yaml:"tenants"`
}

// NewMapper builds a Mapper; errors name the tenant whose mapping is wrong.
func NewMapper(c MappingConfig) (*Mapper, error) {
	def, err := c.Default.Build()
	if err != nil {
		return nil, fmt.Errorf("labels.default: %w", err)
	}
	m := &Mapper{def: def, byTenant: map[string]*Vocabulary{}}
	for tenant, tc := range c.Tenants {
		v, err := tc.Build()
		if err != nil {
			return nil, fmt.Errorf("labels.tenants.%s: %w", tenant, err)
		}
		m.byTenant[tenant] = v
	}
	return m, nil
}

// DefaultMapper accepts the canonical values and their English synonyms.
func DefaultMapper() *Mapper {
	m, err := NewMapper(MappingConfig{})
	if err != nil {
		panic(err) // the canonical preset is built in; failing here is a bug
	}
	return m
}

func (m *Mapper) vocab(tenant string) *Vocabulary {
	if v, ok := m.byTenant[tenant]; ok {
		return v
	}
	return m.def
}

// Status maps a label of tenant's help desk onto a canonical status.
func (m *Mapper) Status(tenant, label string) (Status, bool) {
	return lookupLabel(m.vocab(tenant).Status, label)
}

// Priority maps a label onto a canonical priority.
func (m *Mapper) Priority(tenant, label string) (Priority, bool) {
	return lookupLabel(m.vocab(tenant).Priority, label)
}

// DefaultPriority is the priority a tenant's tickets get when created
// without one.
func (m *Mapper) DefaultPriority(tenant string) Priority {
	return m.vocab(tenant).DefaultPriority
}

// FirstRatingStands reports whether tenant's desk keeps a ticket's first
// rating rather than its latest.
func (m *Mapper) FirstRatingStands(tenant string) bool {
	return m.vocab(tenant).FirstRatingStands
}

// Severity maps a label onto a canonical severity.
func (m *Mapper) Severity(tenant, label string) (Severity, bool) {
	return lookupLabel(m.vocab(tenant).Severity, label)
}

// lookup tries the label as sent first: producers repeat the same spelling,
// and normalising every label costs more than the rest of decoding it. A
// miss falls back to the normalised form, so no spelling is refused that
// the normalised table accepts.
func lookupLabel[V any](table map[string]V, label string) (V, bool) {
	if v, ok := table[label]; ok {
		return v, true
	}
	v, ok := table[NormalizeLabel(label)]
	return v, ok
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
