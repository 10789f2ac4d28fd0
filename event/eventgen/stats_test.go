package eventgen

import (
	"slices"
	"testing"
	"time"
	"unicode"

	"github.com/slatehq/slate/event"
	"golang.org/x/text/unicode/norm"
)

func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.4f, want within [%.4f, %.4f]", what, got, lo, hi)
	} else {
		t.Logf("%s = %.4f", what, got)
	}
}

func TestMixes(t *testing.T) {
	evs := sharedRun(t)
	h, order := histories(evs)
	n := float64(len(order))
	within(t, "events per ticket", float64(len(evs))/n, 10, 14)

	prio := map[event.Priority]float64{}
	channels := map[string]int{}
	actors := map[event.ActorType]float64{}
	tenants := map[string]float64{}
	var tagCount, withSeverity float64
	for _, k := range order {
		c := h[k][0]
		prio[c.Priority]++
		channels[c.Channel]++
		actors[c.Actor.Type]++
		tenants[c.Tenant]++
		tagCount += float64(len(c.Tags))
		if len(c.Tags) > 4 {
			t.Errorf("%v created with %d tags", k, len(c.Tags))
		}
		if c.Severity != "" {
			withSeverity++
		}
	}
	for p, want := range map[event.Priority]float64{"low": .20, "normal": .50, "high": .22, "urgent": .08} {
		within(t, "share of priority "+string(p), prio[p]/n, want-.025, want+.025)
	}
	for _, ch := range []string{"email", "phone", "portal", "chat", "facebook", "zalo", "api", "missed_call"} {
		if channels[ch] == 0 {
			t.Errorf("no ticket arrived by %s", ch)
		}
	}
	within(t, "tickets created by customers", actors[event.ActorCustomer]/n, .6, .92)
	within(t, "tickets created by agents", actors[event.ActorAgent]/n, .04, .3)
	within(t, "tags per ticket", tagCount/n, 1, 2.5)
	within(t, "tickets with a severity", withSeverity/n, .6, .8)
	for _, ts := range DefaultTenants() {
		within(t, "share of tenant "+ts.Name, tenants[ts.Name]/n, ts.Weight-.02, ts.Weight+.02)
	}

	var resolved, reopened, rated, ratingSum, happy, solved, closedAfterSolve float64
	var merged, deleted, pending, onHold, reassigned, escalated, tagged, notes float64
	var billable, logs, dueSet, dueAhead float64
	currencies := map[string]bool{}
	var firstReply []time.Duration
	for _, k := range order {
		evs := h[k]
		status := evs[0].Status
		var wasResolved, wasReopened, hadPending, hadHold, wasSolved, hadNote, hadTags bool
		var solvedAt time.Time
		assignments := 0
		if evs[0].Assignee != "" {
			assignments++
		}
		replied := false
		for _, e := range evs[1:] {
			switch e.Type {
			case event.TypeStatusChanged:
				if status.Resolved() && !e.Status.Resolved() {
					wasReopened = true
				}
				status = e.Status
				switch status {
				case event.StatusPending:
					hadPending = true
				case event.StatusOnHold:
					hadHold = true
				case event.StatusSolved:
					wasSolved, solvedAt = true, e.OccurredAt
				case event.StatusClosed:
					if wasSolved && e.OccurredAt.Sub(solvedAt) >= 48*time.Hour {
						closedAfterSolve++
					}
				}
				if status.Resolved() {
					wasResolved = true
				}
			case event.TypeDueDateSet:
				dueSet++
				if d := e.DueAt.Sub(e.OccurredAt); d >= 2*time.Hour && d <= 5*24*time.Hour {
					dueAhead++
				}
			case event.TypeRated:
				rated++
				ratingSum += float64(e.Rating)
				if e.Rating >= 4 {
					happy++
				}
			case event.TypeMerged:
				merged++
			case event.TypeDeleted:
				deleted++
			case event.TypeAssigned:
				if e.Assignee != "" {
					assignments++
				}
			case event.TypePriorityChanged:
				escalated++
			case event.TypeTagsChanged:
				hadTags = true
			case event.TypeMessage:
				switch e.MessageKind {
				case event.MessageInternalNote:
					hadNote = true
				case event.MessagePublicReply:
					if !replied {
						replied = true
						firstReply = append(firstReply, e.OccurredAt.Sub(evs[0].OccurredAt))
					}
				}
			case event.TypeTimeLogged:
				logs++
				if e.Billable {
					billable++
				}
				if e.HasRate {
					currencies[e.Currency] = true
				}
			}
		}
		if wasResolved && evs[1].Type != event.TypeMerged && evs[len(evs)-1].Type != event.TypeMerged {
			resolved++
		}
		if wasReopened {
			reopened++
		}
		if wasSolved {
			solved++
		}
		if hadPending {
			pending++
		}
		if hadHold {
			onHold++
		}
		if assignments > 1 {
			reassigned++
		}
		if hadTags {
			tagged++
		}
		if hadNote {
			notes++
		}
	}
	within(t, "reopened share of resolved tickets", reopened/resolved, .05, .11)
	within(t, "rated share of resolved tickets", rated/resolved, .34, .46)
	within(t, "mean rating", ratingSum/rated, 3.8, 4.6)
	within(t, "4-5 star share", happy/rated, .65, .85)
	within(t, "solved tickets closed 2+ days later", closedAfterSolve/solved, .75, .95)
	within(t, "merged share", merged/n, .005, .04)
	within(t, "deleted share", deleted/n, .003, .03)
	within(t, "tickets with a pending period", pending/n, .3, .9)
	within(t, "tickets put on hold", onHold/n, .02, .2)
	within(t, "tickets reassigned", reassigned/n, .03, .3)
	within(t, "priority changes per ticket", escalated/n, .03, .2)
	within(t, "tickets with tag changes", tagged/n, .05, .4)
	within(t, "tickets with internal notes", notes/n, .2, .8)
	within(t, "billable time logs", billable/logs, .65, .75)
	// due dates set by hand: some tickets, hours to days ahead
	within(t, "due dates set per ticket", dueSet/n, .06, .16)
	within(t, "due dates 2h-5d ahead", dueAhead/dueSet, 1, 1)
	for _, c := range []string{"USD", "VND", "RUB"} {
		if !currencies[c] {
			t.Errorf("no time logged with a rate in %s", c)
		}
	}
	slices.Sort(firstReply)
	med, p90 := firstReply[len(firstReply)/2], firstReply[len(firstReply)*9/10]
	t.Logf("first public reply: median %s, p90 %s", med, p90)
	if med < 5*time.Minute || med > 12*time.Hour || p90 > 4*24*time.Hour {
		t.Errorf("first reply median %s, p90 %s: want minutes to a day", med, p90)
	}
}

// TestBusinessHours checks that tickets arrive and agents reply mostly in
// business hours of Config.Zone, whichever zone that is.
func TestBusinessHours(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		hcm = time.FixedZone("ICT", 7*3600)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	business := func(t time.Time, z *time.Location) bool {
		l := t.In(z)
		wd := l.Weekday()
		return wd != time.Saturday && wd != time.Sunday && l.Hour() >= 8 && l.Hour() < 18
	}
	check := func(name string, evs []event.Event, zone, other *time.Location) {
		var created, inHours, inOther, replies, repliesInHours float64
		for i := range evs {
			e := &evs[i]
			switch {
			case e.Type == event.TypeCreated:
				created++
				if business(e.OccurredAt, zone) {
					inHours++
				}
				if business(e.OccurredAt, other) {
					inOther++
				}
			case e.Type == event.TypeMessage && e.MessageKind == event.MessagePublicReply:
				replies++
				if business(e.OccurredAt, zone) {
					repliesInHours++
				}
			}
		}
		// Mon-Fri 08-18 is 50 of the week's 168 hours (30%).
		within(t, name+": tickets created in business hours", inHours/created, .65, .9)
		within(t, name+": tickets created in the other zone's business hours", inOther/created, 0, .5)
		within(t, name+": public replies in business hours", repliesInHours/replies, .8, 1)
	}
	check("Asia/Ho_Chi_Minh", sharedRun(t), hcm, ny)
	check("America/New_York", generate(t, Config{Seed: 1, Tickets: 5000, Days: 28, Zone: ny}), ny, hcm)
}

func TestVietnameseAndRussian(t *testing.T) {
	evs := sharedRun(t)
	labels := map[string]map[string]bool{}
	tags := map[string]bool{}
	add := func(tenant, l string) {
		if l == "" {
			return
		}
		if labels[tenant] == nil {
			labels[tenant] = map[string]bool{}
		}
		labels[tenant][l] = true
	}
	nfc := func(what, s string) {
		if !norm.NFC.IsNormalString(s) {
			t.Errorf("%s %q is not NFC", what, s)
		}
	}
	for i := range evs {
		e := &evs[i]
		add(e.Tenant, e.StatusLabel)
		add(e.Tenant, e.PriorityLabel)
		add(e.Tenant, e.SeverityLabel)
		for _, tg := range slices.Concat(e.Tags, e.TagsAdded, e.TagsRemoved) {
			tags[tg] = true
		}
		if e.Type == event.TypeCreated {
			nfc("customer", e.Customer)
			nfc("organisation", e.Organisation)
			nfc("group", e.Group)
			nfc("subject", e.Subject)
		}
		nfc("actor", e.Actor.ID)
		nfc("label", e.StatusLabel+e.PriorityLabel+e.SeverityLabel)
		if e.Tenant == "acme" {
			for _, l := range []string{e.StatusLabel, e.PriorityLabel, e.SeverityLabel} {
				if l != "" && l != string(e.Status) && l != string(e.Priority) && l != string(e.Severity) {
					t.Errorf("acme (canonical) emitted the label %q", l)
				}
			}
		}
	}
	want := map[string][]string{
		"vn-callcentre": {"Chưa xử lý", "Đang xử lý", "Đợi KH phản hồi", "Đợi hỗ trợ", "Hoàn thành", "Thấp", "Trung bình", "Cao", "Khẩn cấp", "Rất cao"},
		"vn-portal":     {"Đang mở", "Đang xử lý", "Đã trả lời", "KH đã phản hồi", "Đã đóng", "bình thường", "rất cao", "trung bình"},
		"rudesk":        {"Новый", "Ожидает клиента", "Отложен", "Решён", "Закрыт", "Низкий", "Срочный", "Критическая"},
		"acme":          {"new", "open", "pending", "on_hold", "solved", "closed", "urgent", "critical"},
	}
	for tenant, ls := range want {
		for _, l := range ls {
			if !labels[tenant][l] {
				t.Errorf("tenant %s never emitted the label %q", tenant, l)
			}
		}
	}
	for _, tg := range []string{"hoá đơn", "mất kết nối", "đổi mật khẩu", "оплата", "ошибка входа", "возврат", "billing"} {
		if !tags[tg] {
			t.Errorf("tag %q never appears", tg)
		}
	}
	cyrillic := 0
	for l := range labels["rudesk"] {
		if hasScript(l, unicode.Cyrillic) {
			cyrillic++
		}
	}
	if cyrillic < 8 {
		t.Errorf("rudesk emitted %d Cyrillic labels", cyrillic)
	}
}

func hasScript(s string, table *unicode.RangeTable) bool {
	for _, r := range s {
		if unicode.Is(table, r) {
			return true
		}
	}
	return false
}

// TestLabelTables checks the generator's label tables against the presets
// of package event: each label maps onto the canonical value it stands for.
func TestLabelTables(t *testing.T) {
	for _, preset := range event.PresetNames() {
		v, err := event.Preset(preset)
		if err != nil {
			t.Fatal(err)
		}
		l := labelsFor(preset)
		for s := range numStatuses {
			for _, label := range []string{l.status[s], l.statusAlt[s]} {
				if label == "" {
					continue
				}
				if got := v.Status[event.NormalizeLabel(label)]; got != canonicalStatus[s] {
					t.Errorf("%s: status label %q maps to %q, want %q", preset, label, got, canonicalStatus[s])
				}
			}
		}
		if l.reopen != "" && v.Status[event.NormalizeLabel(l.reopen)] != event.StatusOpen {
			t.Errorf("%s: reopen label %q does not map to open", preset, l.reopen)
		}
		if !l.has(stOpen) || !l.has(stPending) || (!l.has(stSolved) && !l.has(stClosed)) {
			t.Errorf("%s: the lifecycle needs open, pending and solved or closed", preset)
		}
		for i, p := range event.Priorities {
			for _, label := range []string{l.priority[i], l.priorityAlt[i]} {
				if label != "" && v.Priority[event.NormalizeLabel(label)] != p {
					t.Errorf("%s: priority label %q does not map to %s", preset, label, p)
				}
			}
			if l.priority[i] == "" {
				t.Errorf("%s: no label for priority %s", preset, p)
			}
		}
		for i, s := range event.Severities {
			if label := l.severity[i]; v.Severity[event.NormalizeLabel(label)] != s {
				t.Errorf("%s: severity label %q does not map to %s", preset, label, s)
			}
		}
	}
}

// The heap holds only active tickets: with tickets spread over two months,
// far fewer than all of them are open at once.
func TestActiveTicketsBounded(t *testing.T) {
	r, err := Config{Seed: 1, Tickets: 30000, Days: 60}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(r)
	peak := 0
	for g.next() {
		peak = max(peak, len(g.heap))
	}
	t.Logf("peak active tickets: %d of %d; ticket slots %d", peak, r.Tickets, g.nslots)
	if peak > r.Tickets/3 || int(g.nslots) > peak+1 {
		t.Errorf("peak of %d active tickets (%d slots) for %d tickets", peak, g.nslots, r.Tickets)
	}
}
