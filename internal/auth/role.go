// Package auth authenticates and authorizes requests to `slate serve`.
//
// Users (browser sessions) and API tokens come from configuration. Each has
// a role, which decides what it may see, and a scope (tenants, groups) that
// every query it runs is restricted to. Sessions are stateless signed
// cookies, so nothing needs storing and any replica with the same key can
// verify them; the user's role and scope are read from configuration on
// every request, so removing a user or changing a role takes effect at once.
package auth

import (
	"fmt"
	"slices"
)

// Role is what a user or token is allowed to do, see Role.Can.
type Role string

const (
	RoleAdmin   Role = "admin"
	RoleManager Role = "manager"
	RoleFinance Role = "finance"
	RoleViewer  Role = "viewer"
)

// ParseRole accepts exactly the names of the four roles.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if _, ok := matrix[r]; !ok {
		return "", fmt.Errorf("unknown role %q (want admin, manager, finance or viewer)", s)
	}
	return r, nil
}

// Permission is one thing a route may require.
type Permission string

const (
	// PermViewReports: non-finance reports and the manager and leadership
	// dashboards.
	PermViewReports Permission = "reports:view"
	// PermViewFinance: finance reports and the finance dashboard.
	PermViewFinance Permission = "finance:view"
	// PermManageSchedules: create, change and delete report schedules.
	PermManageSchedules Permission = "schedules:manage"
	// PermAdmin: everything administrative.
	PermAdmin Permission = "admin"
)

// matrix is the whole authorization policy. It is fixed on purpose: a small
// table everyone can read beats a configurable policy nobody audits.
var matrix = map[Role][]Permission{
	RoleViewer:  {PermViewReports},
	RoleManager: {PermViewReports, PermManageSchedules},
	RoleFinance: {PermViewReports, PermViewFinance},
	RoleAdmin:   {PermViewReports, PermViewFinance, PermManageSchedules, PermAdmin},
}

// Can reports whether the role has the permission. Unknown roles can do
// nothing.
func (r Role) Can(p Permission) bool {
	return slices.Contains(matrix[r], p)
}

// ReportPermission is what reading a report needs: finance-only reports
// (billable time, amounts) need PermViewFinance, every other one
// PermViewReports. The API and the dashboards both ask it.
func ReportPermission(financeOnly bool) Permission {
	if financeOnly {
		return PermViewFinance
	}
	return PermViewReports
}

// describe phrases a permission for "role viewer may not ..." messages.
func (p Permission) describe() string {
	switch p {
	case PermViewReports:
		return "view reports"
	case PermViewFinance:
		return "view finance reports"
	case PermManageSchedules:
		return "manage schedules"
	case PermAdmin:
		return "administer Slate"
	}
	return string(p)
}

// Scope restricts which data a principal sees. An empty list leaves that
// axis unrestricted; queries must apply both axes.
type Scope struct {
	Tenants []string `yaml:"tenants"`
	Groups  []string `yaml:"groups"`
}

// Unrestricted reports whether the scope lets through all data.
func (s Scope) Unrestricted() bool {
	return len(s.Tenants) == 0 && len(s.Groups) == 0
}

// AllowsTenant reports whether data of the tenant is in scope.
func (s Scope) AllowsTenant(tenant string) bool {
	return len(s.Tenants) == 0 || slices.Contains(s.Tenants, tenant)
}

// AllowsGroup reports whether data of the group is in scope.
func (s Scope) AllowsGroup(group string) bool {
	return len(s.Groups) == 0 || slices.Contains(s.Groups, group)
}

// Covers reports whether everything o lets through, s does too: on each
// axis s is unrestricted, or o is restricted to values s allows.
func (s Scope) Covers(o Scope) bool {
	covers := func(mine, theirs []string) bool {
		if len(mine) == 0 {
			return true
		}
		if len(theirs) == 0 {
			return false
		}
		for _, v := range theirs {
			if !slices.Contains(mine, v) {
				return false
			}
		}
		return true
	}
	return covers(s.Tenants, o.Tenants) && covers(s.Groups, o.Groups)
}
