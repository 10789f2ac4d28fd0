package schedule

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Limits bound what a schedule may hold and how often it goes out on
// request (mail.limits in the configuration).
type Limits struct {
	// MaxRecipients is the most addresses one schedule may have.
	MaxRecipients int `yaml:"max_recipients"`
	// AllowedDomains, when set, are the only domains recipients may be at
	// (exact, case-insensitive: example.com does not admit a.example.com).
	AllowedDomains []string `yaml:"allowed_domains"`
	// At most SendNowPerSchedule send-now requests for one schedule, and
	// SendNowPerPrincipal from one user or token, within SendNowWindow.
	SendNowPerSchedule  int           `yaml:"send_now_per_schedule"`
	SendNowPerPrincipal int           `yaml:"send_now_per_principal"`
	SendNowWindow       time.Duration `yaml:"send_now_window"`
}

// DefaultLimits: 20 recipients anywhere, 5 send-now per schedule and 20
// per principal an hour.
func DefaultLimits() Limits {
	return Limits{MaxRecipients: 20, SendNowPerSchedule: 5, SendNowPerPrincipal: 20, SendNowWindow: time.Hour}
}

// Validate names the field that cannot work; prefix is its path
// ("mail.limits.").
func (l Limits) Validate(prefix string) error {
	for _, n := range []struct {
		name string
		v    int
	}{{"max_recipients", l.MaxRecipients}, {"send_now_per_schedule", l.SendNowPerSchedule}, {"send_now_per_principal", l.SendNowPerPrincipal}} {
		if n.v < 1 {
			return fmt.Errorf("%s%s: must be at least 1, got %d", prefix, n.name, n.v)
		}
	}
	if l.SendNowWindow <= 0 {
		return fmt.Errorf("%ssend_now_window: must be positive, got %s", prefix, l.SendNowWindow)
	}
	for i, d := range l.AllowedDomains {
		if d != strings.TrimSpace(d) || !strings.Contains(d, ".") || strings.ContainsAny(d, "@ \t\r\n/") ||
			strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
			return fmt.Errorf("%sallowed_domains[%d]: %q is not a domain name like example.com", prefix, i, d)
		}
	}
	return nil
}

// CheckRecipients rejects too many recipients or one at a domain not
// allowed, naming the field as Validate does. Run it after Validate (the
// addresses are then plain user@domain).
func (l Limits) CheckRecipients(recipients []string) error {
	if len(recipients) > l.MaxRecipients {
		return fieldErr("recipients", "%d addresses, at most %d are allowed (mail.limits.max_recipients)", len(recipients), l.MaxRecipients)
	}
	if len(l.AllowedDomains) == 0 {
		return nil
	}
	for i, r := range recipients {
		a, err := mail.ParseAddress(r)
		if err != nil {
			return fieldErr(fmt.Sprintf("recipients[%d]", i), "%q is not a plain e-mail address", r)
		}
		domain := a.Address[strings.LastIndexByte(a.Address, '@')+1:]
		if !l.domainAllowed(domain) {
			return fieldErr(fmt.Sprintf("recipients[%d]", i), "%s is not at an allowed domain (%s)", r, strings.Join(l.AllowedDomains, ", "))
		}
	}
	return nil
}

func (l Limits) domainAllowed(domain string) bool {
	for _, d := range l.AllowedDomains {
		if strings.EqualFold(d, domain) {
			return true
		}
	}
	return false
}
