package auth

import (
	"slices"
	"testing"
)

// A scheduled e-mail is sent as its author now: the current role and
// scope of a user or token, and nothing once the name is gone.
func TestScheduledWorkResolvesPrincipalByName(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name string
		want Principal
	}{
		{"alice", Principal{Name: "alice", Role: RoleViewer, Via: ViaSession}},
		{"fiona", Principal{Name: "fiona", Role: RoleFinance, Scope: Scope{Tenants: []string{"acme"}, Groups: []string{"billing"}}, Via: ViaSession}},
		{"ci", Principal{Name: "ci", Role: RoleManager, Scope: Scope{Tenants: []string{"globex"}}, Via: ViaToken}},
	} {
		got, ok := f.a.Principal(c.name)
		if !ok || got.Name != c.want.Name || got.Role != c.want.Role || got.Via != c.want.Via ||
			!slices.Equal(got.Scope.Tenants, c.want.Scope.Tenants) || !slices.Equal(got.Scope.Groups, c.want.Scope.Groups) {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, ok, c.want)
		}
	}
	if p, ok := f.a.Principal("mallory"); ok {
		t.Errorf("unknown name resolved to %+v", p)
	}
	// The token demoted and alice removed: the lookup follows the new
	// configuration.
	cfg := f.cfg
	cfg.Users = cfg.Users[1:]
	cfg.Tokens = slices.Clone(cfg.Tokens)
	cfg.Tokens[0].Role = RoleViewer
	a := f.build(t, cfg)
	if _, ok := a.Principal("alice"); ok {
		t.Error("a removed user still resolves")
	}
	if p, _ := a.Principal("ci"); p.Role != RoleViewer {
		t.Errorf("demoted token: %+v", p)
	}
	// The returned scope is a copy.
	p, _ := a.Principal("fiona")
	p.Scope.Tenants[0] = "globex"
	if q, _ := a.Principal("fiona"); q.Scope.Tenants[0] != "acme" {
		t.Error("changing a returned scope changed the configuration")
	}
}

func TestScopeCoversForSchedules(t *testing.T) {
	all := Scope{}
	acme := Scope{Tenants: []string{"acme"}}
	acmeGlobex := Scope{Tenants: []string{"acme", "globex"}}
	acmeL1 := Scope{Tenants: []string{"acme"}, Groups: []string{"L1"}}
	for _, c := range []struct {
		s, o Scope
		want bool
	}{
		{all, all, true}, {all, acme, true}, {all, acmeL1, true},
		{acme, all, false}, {acme, acme, true}, {acme, acmeL1, true}, {acme, acmeGlobex, false},
		{acmeGlobex, acme, true}, {acmeL1, acme, false}, {acmeL1, acmeL1, true},
		{Scope{Groups: []string{"L1"}}, acme, false},
	} {
		if got := c.s.Covers(c.o); got != c.want {
			t.Errorf("%+v covers %+v: %v, want %v", c.s, c.o, got, c.want)
		}
	}
}
