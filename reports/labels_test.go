package reports

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// A person reads one desk's labels in place of the codes, and a code
// where the row has no label; lists of several desks keep the codes;
// aggregates of several desks grouped by label keep the label column.
func TestReadable(t *testing.T) {
	cols := []Column{{Name: "status", Kind: KindDimension}, {Name: "status_label", Kind: KindDimension},
		{Name: "priority", Kind: KindDimension}, {Name: "priority_label", Kind: KindDimension}, {Name: "open", Kind: KindCount}}
	n := 1.0
	rows := func() [][]any {
		return [][]any{{"open", "KH Đã phản hồi", "normal", "", &n}, {"pending", "", "urgent", "Khẩn cấp", &n}}
	}
	show := func(r *Result) string {
		var names []string
		for _, c := range r.Columns {
			names = append(names, c.Name)
		}
		return fmt.Sprint(names) + " " + values(r.Rows)
	}
	for _, tc := range []struct {
		name string
		res  *Result
		want string
	}{
		{"one tenant", &Result{Tenant: "portal", Columns: cols, Rows: rows()},
			"[status priority open] [[KH Đã phản hồi normal 1] [pending Khẩn cấp 1]]"},
		{"a list of several", &Result{Columns: cols, Rows: rows(), Page: &ListPage{}},
			"[status priority open] [[open normal 1] [pending urgent 1]]"},
		{"an aggregate of several", &Result{Columns: cols, Rows: rows()},
			"[status status_label priority priority_label open] [[open KH Đã phản hồi normal  1] [pending  urgent Khẩn cấp 1]]"},
	} {
		orig := show(tc.res)
		tc.res.Previous = &Result{Tenant: tc.res.Tenant, Page: tc.res.Page, Columns: cols, Rows: rows()}
		got, want := Readable(tc.res), tc.want
		for _, r := range []*Result{got, got.Previous} {
			if s := show(r); s != want {
				t.Errorf("%s: %s, want %s", tc.name, s, want)
			}
		}
		tc.res.Previous = nil
		if show(tc.res) != orig {
			t.Errorf("%s: Readable changed its argument", tc.name)
		}
	}
}

func values(rows [][]any) string {
	var out []string
	for _, row := range rows {
		var cells []any
		for _, c := range row {
			if f, ok := c.(*float64); ok {
				c = *f
			}
			cells = append(cells, c)
		}
		out = append(out, fmt.Sprint(cells))
	}
	return fmt.Sprint(out)
}

// The one tenant of a query: its tenant filter's one value, else its
// scope's one tenant.
func TestOneTenant(t *testing.T) {
	r, _ := Lookup("volume")
	for _, tc := range []struct {
		params string
		scope  []string
		want   string
	}{
		{"", nil, ""},
		{"tenant=acme", nil, "acme"},
		{"tenant=acme&tenant=globex", nil, ""},
		{"", []string{"acme"}, "acme"},
		{"", []string{"acme", "globex"}, ""},
		{"tenant=globex", []string{"acme", "globex"}, "globex"},
		{"tenant=acme&tenant=globex", []string{"acme"}, ""},
	} {
		v, _ := url.ParseQuery(tc.params)
		q, err := ParseQuery(r, v, time.Now(), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if got := OneTenant(q, Scope{Tenants: tc.scope}); got != tc.want {
			t.Errorf("%s within %v: %q, want %q", tc.params, tc.scope, got, tc.want)
		}
	}
}
