package sla

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/slatehq/slate/event"
)

// Metric names an SLA metric (docs/sla.md gives their exact semantics).
type Metric string

const (
	MetricFirstReply     Metric = "first_reply"
	MetricNextReply      Metric = "next_reply"
	MetricPeriodicUpdate Metric = "periodic_update"
	MetricResolution     Metric = "resolution"
)

// Metrics lists every metric a policy can target.
var Metrics = []Metric{MetricFirstReply, MetricNextReply, MetricPeriodicUpdate, MetricResolution}

// Target is one metric's goal for one priority.
type Target struct {
	Duration time.Duration
	// Calendar true measures wall-clock time; false measures business time
	// on the policy's calendar.
	Calendar bool
}

// Match selects the tickets a policy applies to; an empty list matches all.
type Match struct {
	Tenants       []string
	Priorities    []event.Priority
	Severities    []event.Severity
	Groups        []string
	Channels      []string
	Customers     []string
	Organisations []string
	TagsAny       []string // at least one of these tags
	TagsAll       []string // every one of these tags
}

// Policy is one ordered SLA policy; the first that matches a ticket wins.
type Policy struct {
	Name          string
	Match         Match
	Calendar      *Calendar
	PauseStatuses []event.Status
	// WarnAt are the warning thresholds in millionths of the target
	// (750000: 75%), ascending; integers, so that a threshold is an exact
	// share of the target (70% of 100 min is 70 min, not a hair less)
	WarnAt  []int64
	Targets map[Metric]map[event.Priority]Target

	targetTable *[4][4]*Target // Targets by metric and priority index, built by the parser
}

// Config is a validated SLA configuration.
type Config struct {
	Calendars map[string]*Calendar
	Policies  []Policy
}

// ConfigError points at the offending place in the file.
type ConfigError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// LoadConfig reads and validates an SLA configuration file.
func LoadConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(path, raw)
}

// ParseConfig validates an SLA configuration; name is used in errors.
func ParseConfig(name string, raw []byte) (*Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := parser{file: name}
	cfg, err := p.config(&root)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

type parser struct{ file string }

func (p parser) errf(n *yaml.Node, field, format string, args ...any) error {
	return &ConfigError{File: p.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// mapping returns key -> (key node, value node), rejecting keys not allowed.
func (p parser) mapping(n *yaml.Node, field string, allowed ...string) (map[string][2]*yaml.Node, error) {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, field, "expected a mapping")
	}
	out := map[string][2]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if len(allowed) > 0 && !slices.Contains(allowed, k.Value) {
			return nil, p.errf(k, join(field, k.Value), "unknown field (allowed: %s)", strings.Join(allowed, ", "))
		}
		if _, dup := out[k.Value]; dup {
			return nil, p.errf(k, join(field, k.Value), "given twice")
		}
		out[k.Value] = [2]*yaml.Node{k, v}
	}
	return out, nil
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func (p parser) strings(n *yaml.Node, field string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, field, "expected a list")
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		if c.Kind != yaml.ScalarNode || strings.TrimSpace(c.Value) == "" {
			return nil, p.errf(c, fmt.Sprintf("%s[%d]", field, i), "expected a non-empty string")
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func (p parser) config(root *yaml.Node) (*Config, error) {
	top, err := p.mapping(root, "", "calendars", "policies")
	if err != nil {
		return nil, err
	}
	cfg := &Config{Calendars: map[string]*Calendar{"24/7": Always()}}
	if cals, ok := top["calendars"]; ok {
		if cals[1].Kind != yaml.SequenceNode {
			return nil, p.errf(cals[1], "calendars", "expected a list")
		}
		for i, c := range cals[1].Content {
			cal, err := p.calendar(c, fmt.Sprintf("calendars[%d]", i))
			if err != nil {
				return nil, err
			}
			if _, dup := cfg.Calendars[cal.Name()]; dup {
				return nil, p.errf(c, fmt.Sprintf("calendars[%d].name", i), "calendar %q is defined twice (24/7 is built in)", cal.Name())
			}
			cfg.Calendars[cal.Name()] = cal
		}
	}
	pols, ok := top["policies"]
	if !ok {
		return nil, p.errf(root, "policies", "at least one policy is required")
	}
	if pols[1].Kind != yaml.SequenceNode || len(pols[1].Content) == 0 {
		return nil, p.errf(pols[1], "policies", "expected a non-empty list")
	}
	names := map[string]bool{}
	for i, n := range pols[1].Content {
		pol, err := p.policy(n, fmt.Sprintf("policies[%d]", i), cfg.Calendars)
		if err != nil {
			return nil, err
		}
		if names[pol.Name] {
			return nil, p.errf(n, fmt.Sprintf("policies[%d].name", i), "policy %q is defined twice", pol.Name)
		}
		names[pol.Name] = true
		pol.targetTable = buildTargetTable(pol.Targets)
		cfg.Policies = append(cfg.Policies, pol)
	}
	return cfg, nil
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

var intervalRe = regexp.MustCompile(`^(\d\d):(\d\d)-(\d\d):(\d\d)$`)

func (p parser) calendar(n *yaml.Node, field string) (*Calendar, error) {
	m, err := p.mapping(n, field, "name", "zone", "week", "holidays")
	if err != nil {
		return nil, err
	}
	name, ok := m["name"]
	if !ok || name[1].Value == "" {
		return nil, p.errf(n, join(field, "name"), "required")
	}
	zone, ok := m["zone"]
	if !ok {
		return nil, p.errf(n, join(field, "zone"), "required (an IANA zone such as Asia/Ho_Chi_Minh)")
	}
	loc, err := time.LoadLocation(zone[1].Value)
	if err != nil || zone[1].Value == "" || zone[1].Value == "Local" {
		return nil, p.errf(zone[1], join(field, "zone"), "%q is not an IANA time zone", zone[1].Value)
	}
	var week [7][]Interval
	if w, ok := m["week"]; ok {
		days, err := p.mapping(w[1], join(field, "week"), "mon", "tue", "wed", "thu", "fri", "sat", "sun")
		if err != nil {
			return nil, err
		}
		for day, kv := range days {
			f := join(field, "week."+day)
			list, err := p.strings(kv[1], f)
			if err != nil {
				return nil, err
			}
			for i, s := range list {
				g := intervalRe.FindStringSubmatch(s)
				if g == nil {
					return nil, p.errf(kv[1].Content[i], fmt.Sprintf("%s[%d]", f, i), "%q is not HH:MM-HH:MM", s)
				}
				h1, m1, h2, m2 := atoi(g[1]), atoi(g[2]), atoi(g[3]), atoi(g[4])
				if h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59 || (h1 == 24 && m1 > 0) || (h2 == 24 && m2 > 0) {
					return nil, p.errf(kv[1].Content[i], fmt.Sprintf("%s[%d]", f, i), "%q is not a time of day", s)
				}
				week[weekdays[day]] = append(week[weekdays[day]], Interval{h1*3600 + m1*60, h2*3600 + m2*60})
			}
		}
	}
	var holidays []Date
	if h, ok := m["holidays"]; ok {
		list, err := p.strings(h[1], join(field, "holidays"))
		if err != nil {
			return nil, err
		}
		for i, s := range list {
			ds, err := parseHoliday(s)
			if err != nil {
				return nil, p.errf(h[1].Content[i], fmt.Sprintf("%s.holidays[%d]", field, i), "%v", err)
			}
			holidays = append(holidays, ds...)
		}
	}
	cal, err := NewCalendar(name[1].Value, loc, week, holidays)
	if err != nil {
		return nil, p.errf(n, join(field, "week"), "%v", err)
	}
	return cal, nil
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// parseHoliday reads "2026-01-01" or a range "2026-02-14..2026-02-22".
func parseHoliday(s string) ([]Date, error) {
	from, to, isRange := strings.Cut(s, "..")
	a, err := time.Parse("2006-01-02", strings.TrimSpace(from))
	if err != nil {
		return nil, fmt.Errorf("%q is not a date (YYYY-MM-DD) or range (YYYY-MM-DD..YYYY-MM-DD)", s)
	}
	b := a
	if isRange {
		if b, err = time.Parse("2006-01-02", strings.TrimSpace(to)); err != nil {
			return nil, fmt.Errorf("%q: the range end is not a date", s)
		}
		if b.Before(a) {
			return nil, fmt.Errorf("%q: the range ends before it starts", s)
		}
		if b.Sub(a) > 366*24*time.Hour {
			return nil, fmt.Errorf("%q: a holiday range longer than a year is a mistake", s)
		}
	}
	var out []Date
	for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
		out = append(out, Date{d.Year(), d.Month(), d.Day()})
	}
	return out, nil
}

func (p parser) policy(n *yaml.Node, field string, cals map[string]*Calendar) (Policy, error) {
	m, err := p.mapping(n, field, "name", "match", "calendar", "pause_statuses", "warn_at", "targets")
	if err != nil {
		return Policy{}, err
	}
	var pol Policy
	name, ok := m["name"]
	if !ok || name[1].Value == "" {
		return pol, p.errf(n, join(field, "name"), "required")
	}
	pol.Name = name[1].Value
	cal, ok := m["calendar"]
	if !ok {
		return pol, p.errf(n, join(field, "calendar"), "required (a calendar name, or 24/7)")
	}
	if pol.Calendar = cals[cal[1].Value]; pol.Calendar == nil {
		return pol, p.errf(cal[1], join(field, "calendar"), "no calendar named %q", cal[1].Value)
	}
	if mt, ok := m["match"]; ok {
		if pol.Match, err = p.match(mt[1], join(field, "match")); err != nil {
			return pol, err
		}
	}
	pol.PauseStatuses = []event.Status{event.StatusPending}
	if ps, ok := m["pause_statuses"]; ok {
		list, err := p.strings(ps[1], join(field, "pause_statuses"))
		if err != nil {
			return pol, err
		}
		pol.PauseStatuses = nil
		for i, s := range list {
			st := event.Status(s)
			if st != event.StatusPending && st != event.StatusOnHold {
				return pol, p.errf(ps[1].Content[i], fmt.Sprintf("%s.pause_statuses[%d]", field, i), "%q cannot pause a clock (pending or on_hold)", s)
			}
			pol.PauseStatuses = append(pol.PauseStatuses, st)
		}
	}
	pol.WarnAt = []int64{750000, 900000}
	if wa, ok := m["warn_at"]; ok {
		if wa[1].Kind != yaml.SequenceNode {
			return pol, p.errf(wa[1], join(field, "warn_at"), "expected a list of fractions")
		}
		pol.WarnAt = nil
		for i, c := range wa[1].Content {
			f, ok := parseMillionths(c.Value)
			if !ok || f <= 0 || f >= million || (i > 0 && f <= pol.WarnAt[i-1]) {
				return pol, p.errf(c, fmt.Sprintf("%s.warn_at[%d]", field, i), "%q: thresholds are ascending fractions between 0 and 1, such as 0.75, with at most 6 decimals", c.Value)
			}
			pol.WarnAt = append(pol.WarnAt, f)
		}
	}
	tg, ok := m["targets"]
	if !ok {
		return pol, p.errf(n, join(field, "targets"), "required")
	}
	metrics := make([]string, len(Metrics))
	for i, mt := range Metrics {
		metrics[i] = string(mt)
	}
	tm, err := p.mapping(tg[1], join(field, "targets"), metrics...)
	if err != nil {
		return pol, err
	}
	if len(tm) == 0 {
		return pol, p.errf(tg[1], join(field, "targets"), "at least one metric needs targets")
	}
	pol.Targets = map[Metric]map[event.Priority]Target{}
	prios := make([]string, len(event.Priorities))
	for i, pr := range event.Priorities {
		prios[i] = string(pr)
	}
	for metric, kv := range tm {
		f := join(field, "targets."+metric)
		per, err := p.mapping(kv[1], f, prios...)
		if err != nil {
			return pol, err
		}
		pol.Targets[Metric(metric)] = map[event.Priority]Target{}
		for prio, v := range per {
			t, err := parseTarget(v[1].Value)
			if err != nil {
				return pol, p.errf(v[1], f+"."+prio, "%v", err)
			}
			pol.Targets[Metric(metric)][event.Priority(prio)] = t
		}
	}
	return pol, nil
}

const million = 1_000_000

var fractionRe = regexp.MustCompile(`^0?\.(\d{1,6})$`)

// parseMillionths reads a decimal fraction such as 0.75 or .9 exactly, in
// millionths.
func parseMillionths(s string) (int64, bool) {
	g := fractionRe.FindStringSubmatch(strings.TrimSpace(s))
	if g == nil {
		return 0, false
	}
	digits := g[1] + strings.Repeat("0", 6-len(g[1]))
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil
}

// parseTarget reads "30m", "4h", "2h30m" (business time) or "8h calendar".
func parseTarget(s string) (Target, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return Target{}, fmt.Errorf("%q is not a duration like 4h, optionally followed by 'calendar' or 'business'", s)
	}
	d, err := time.ParseDuration(fields[0])
	if err != nil {
		return Target{}, fmt.Errorf("%q is not a duration like 30m or 4h", fields[0])
	}
	if d <= 0 {
		return Target{}, errors.New("a target must be positive")
	}
	t := Target{Duration: d}
	if len(fields) == 2 {
		switch fields[1] {
		case "calendar":
			t.Calendar = true
		case "business":
		default:
			return Target{}, fmt.Errorf("%q: the time kind is 'calendar' or 'business'", s)
		}
	}
	return t, nil
}

func (p parser) match(n *yaml.Node, field string) (Match, error) {
	m, err := p.mapping(n, field, "tenants", "priorities", "severities", "groups", "channels", "customers", "organisations", "tags_any", "tags_all")
	if err != nil {
		return Match{}, err
	}
	var mt Match
	for key, kv := range m {
		list, err := p.strings(kv[1], join(field, key))
		if err != nil {
			return mt, err
		}
		switch key {
		case "tenants":
			mt.Tenants = list
		case "groups":
			mt.Groups = list
		case "channels":
			mt.Channels = list
		case "customers":
			mt.Customers = list
		case "organisations":
			mt.Organisations = list
		case "tags_any": // tags match ignoring case, as tickets group them
			mt.TagsAny = event.FoldTags(list)
		case "tags_all":
			mt.TagsAll = event.FoldTags(list)
		case "priorities":
			for i, s := range list {
				if !slices.Contains(event.Priorities, event.Priority(s)) {
					return mt, p.errf(kv[1].Content[i], fmt.Sprintf("%s.priorities[%d]", field, i), "%q is not one of %v", s, event.Priorities)
				}
				mt.Priorities = append(mt.Priorities, event.Priority(s))
			}
		case "severities":
			for i, s := range list {
				if !slices.Contains(event.Severities, event.Severity(s)) {
					return mt, p.errf(kv[1].Content[i], fmt.Sprintf("%s.severities[%d]", field, i), "%q is not one of %v", s, event.Severities)
				}
				mt.Severities = append(mt.Severities, event.Severity(s))
			}
		}
	}
	return mt, nil
}
