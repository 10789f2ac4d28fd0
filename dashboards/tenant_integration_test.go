package dashboards

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/slatehq/slate/event/eventgen"
	"github.com/slatehq/slate/internal/auth"
)

// tile reads the figure of the tile labelled label on an English page.
func tile(t *testing.T, page, label string) int {
	t.Helper()
	m := regexp.MustCompile(`<div class="v">(?:<a [^>]*>)?([0-9,]+)(?:</a>)?</div><div class="l">` + regexp.QuoteMeta(label) + `</div>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no tile %q in the page", label)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An unscoped reader narrows the dashboards to one tenant with ?tenant=:
// each tenant's figures are part of the whole, and the tenants' figures
// add up to it. A scoped reader asking for a tenant outside the scope
// gets nothing of it, as from the API.
func TestDashboardsHonourTenant(t *testing.T) {
	w := sharedI18nWorld(t)
	admin := w.handler(auth.Principal{Name: "Lan", Role: auth.RoleAdmin})
	code, all := get(t, admin, "/dashboards/manager?"+i18nRange, "en")
	if code != http.StatusOK {
		t.Fatalf("manager: status %d", code)
	}
	total := tile(t, all, "Unsolved")
	if total == 0 {
		t.Fatal("the world has no unsolved tickets to narrow")
	}
	sum := 0
	for _, tn := range eventgen.DefaultTenants() {
		code, page := get(t, admin, "/dashboards/manager?tenant="+tn.Name+"&"+i18nRange, "en")
		if code != http.StatusOK {
			t.Fatalf("tenant %s: status %d", tn.Name, code)
		}
		n := tile(t, page, "Unsolved")
		if n >= total {
			t.Errorf("tenant %s: %d unsolved of %d in all: not narrowed", tn.Name, n, total)
		}
		if !strings.Contains(page, `name="tenant" value="`+tn.Name+`"`) {
			t.Errorf("tenant %s: the filter bar does not keep it", tn.Name)
		}
		// the page's links carry the tenant
		if !strings.Contains(html.UnescapeString(page), "tenant="+tn.Name) {
			t.Errorf("tenant %s: no link carries it", tn.Name)
		}
		sum += n
	}
	if sum != total {
		t.Errorf("the tenants' unsolved add up to %d, the whole is %d", sum, total)
	}

	scoped := w.handler(auth.Principal{Name: "Lan", Role: auth.RoleManager, Scope: auth.Scope{Tenants: []string{"acme"}}})
	_, own := get(t, scoped, "/dashboards/manager?"+i18nRange, "en")
	_, ownNamed := get(t, scoped, "/dashboards/manager?tenant=acme&"+i18nRange, "en")
	_, adminAcme := get(t, admin, "/dashboards/manager?tenant=acme&"+i18nRange, "en")
	if a, b, c := tile(t, own, "Unsolved"), tile(t, ownNamed, "Unsolved"), tile(t, adminAcme, "Unsolved"); a != c || b != c {
		t.Errorf("acme's unsolved: %d to its manager, %d when named, %d to an admin", a, b, c)
	}
	// one desk's reader has no tenant to choose; an unscoped one does
	if strings.Contains(own, `name="tenant"`) || !strings.Contains(all, `name="tenant"`) {
		t.Errorf("tenant filter: shown to acme's manager %v, to an admin %v", strings.Contains(own, `name="tenant"`), strings.Contains(all, `name="tenant"`))
	}
	code, other := get(t, scoped, "/dashboards/manager?tenant=rudesk&"+i18nRange, "en")
	if code != http.StatusOK || tile(t, other, "Unsolved") != 0 || !strings.Contains(other, "Nothing matches these filters") {
		t.Errorf("acme's manager asking for rudesk: status %d, %d unsolved", code, tile(t, other, "Unsolved"))
	}
}
