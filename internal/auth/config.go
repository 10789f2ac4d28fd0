package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/slatehq/slate/internal/i18n"
)

const (
	DefaultSessionTTL = 12 * time.Hour
	DefaultCookieName = "slate_session"
	// MinSessionKeyLen is the shortest session_key accepted: HMAC-SHA256
	// wants at least as many key bytes as its output.
	MinSessionKeyLen = 32

	tokenPrefix = "slt_"
	hashPrefix  = "sha256:"
)

// User logs in through the browser with a password.
type User struct {
	Name         string `yaml:"name"`
	Role         Role   `yaml:"role"`
	PasswordHash string `yaml:"password_hash"` // bcrypt, see HashPassword
	Scope        Scope  `yaml:"scope"`
	// Lang is the user's interface language (en, vi or ru); when unset
	// the browser's Accept-Language decides.
	Lang string `yaml:"lang"`
}

// Token is an API credential sent as "Authorization: Bearer <token>". Only
// its hash is configured, so the configuration file is not a secret.
type Token struct {
	Name  string `yaml:"name"`
	Role  Role   `yaml:"role"`
	Hash  string `yaml:"hash"` // "sha256:<hex>" of the plain token, see NewToken
	Scope Scope  `yaml:"scope"`
}

// Config is the auth section of the Slate configuration.
type Config struct {
	Users  []User  `yaml:"users"`
	Tokens []Token `yaml:"tokens"`
	// SessionKey signs session cookies (HMAC-SHA256), at least 32 bytes.
	// It is a secret: set it from the environment or a *_FILE, not in the
	// YAML file. Changing it logs everyone out. Required only with users.
	SessionKey string        `yaml:"session_key"`
	SessionTTL time.Duration `yaml:"session_ttl"` // default 12h
	CookieName string        `yaml:"cookie_name"` // default slate_session
	// InsecureCookie drops the Secure attribute, for plain-HTTP setups
	// other than localhost (browsers accept Secure cookies on
	// http://localhost already).
	InsecureCookie bool `yaml:"insecure_cookie"`
	// TrustedProxies are the addresses or CIDR ranges of the reverse
	// proxies in front of slate serve. Only a request from one of them has
	// its X-Forwarded-For read, to find the client the login throttle
	// counts; without them every client behind a proxy is one source.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// Validate fills in defaults for unset fields and rejects everything that
// cannot work, naming the field.
func (c *Config) Validate() error {
	if c.SessionTTL == 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if c.SessionTTL < 0 {
		return fmt.Errorf("auth.session_ttl: must be positive, got %s", c.SessionTTL)
	}
	if (&http.Cookie{Name: c.CookieName, Value: "x"}).Valid() != nil {
		return fmt.Errorf("auth.cookie_name: %q is not a valid cookie name", c.CookieName)
	}
	if c.CookieName == loginCSRFCookie || c.CookieName == deviceCookie {
		return fmt.Errorf("auth.cookie_name: %q is reserved for the login form", c.CookieName)
	}
	if len(c.Users) > 0 && c.SessionKey == "" {
		return errors.New("auth.session_key: required when users are configured")
	}
	if c.SessionKey != "" && len(c.SessionKey) < MinSessionKeyLen {
		return fmt.Errorf("auth.session_key: must be at least %d bytes, got %d", MinSessionKeyLen, len(c.SessionKey))
	}

	for i, p := range c.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			return fmt.Errorf("auth.trusted_proxies[%d]: %w", i, err)
		}
	}

	// Names share one namespace because they identify the principal in
	// logs and audit trails.
	names := map[string]string{}
	claim := func(field, name string) error {
		if strings.TrimSpace(name) == "" {
			return fmt.Errorf("%s: must not be empty", field)
		}
		if name != strings.TrimSpace(name) || strings.ContainsFunc(name, isControl) {
			return fmt.Errorf("%s: %q has surrounding spaces or control characters", field, name)
		}
		if prev, ok := names[name]; ok {
			return fmt.Errorf("%s: %q is already used by %s", field, name, prev)
		}
		names[name] = strings.TrimSuffix(field, ".name")
		return nil
	}
	for i, u := range c.Users {
		f := fmt.Sprintf("auth.users[%d]", i)
		if err := claim(f+".name", u.Name); err != nil {
			return err
		}
		if _, err := ParseRole(string(u.Role)); err != nil {
			return fmt.Errorf("%s.role: %w", f, err)
		}
		if u.PasswordHash == "" {
			return fmt.Errorf("%s.password_hash: must not be empty (create one with HashPassword)", f)
		}
		if _, err := bcrypt.Cost([]byte(u.PasswordHash)); err != nil {
			return fmt.Errorf("%s.password_hash: not a bcrypt hash: %w", f, err)
		}
		if err := u.Scope.validate(f + ".scope"); err != nil {
			return err
		}
		if _, err := i18n.Parse(u.Lang); err != nil {
			return fmt.Errorf("%s.lang: %w", f, err)
		}
	}
	hashes := map[[sha256.Size]byte]string{}
	for i, t := range c.Tokens {
		f := fmt.Sprintf("auth.tokens[%d]", i)
		if err := claim(f+".name", t.Name); err != nil {
			return err
		}
		if _, err := ParseRole(string(t.Role)); err != nil {
			return fmt.Errorf("%s.role: %w", f, err)
		}
		sum, err := parseTokenHash(t.Hash)
		if err != nil {
			return fmt.Errorf("%s.hash: %w", f, err)
		}
		if prev, ok := hashes[sum]; ok {
			return fmt.Errorf("%s.hash: same token as %s", f, prev)
		}
		hashes[sum] = f
		if err := t.Scope.validate(f + ".scope"); err != nil {
			return err
		}
	}
	return nil
}

func (s Scope) validate(field string) error {
	check := func(axis string, list []string) error {
		for i, v := range list {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("%s.%s[%d]: must not be empty", field, axis, i)
			}
		}
		return nil
	}
	if err := check("tenants", s.Tenants); err != nil {
		return err
	}
	return check("groups", s.Groups)
}

// parsePrefix reads "10.0.0.0/8", "2001:db8::/32" or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, fmt.Errorf("%q is not an address or CIDR range", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR range", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// parseTokenHash decodes "sha256:<64 hex digits>".
func parseTokenHash(s string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	h, ok := strings.CutPrefix(s, hashPrefix)
	if !ok {
		return sum, fmt.Errorf("want %q followed by 64 hex digits, got %q", hashPrefix, s)
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return sum, fmt.Errorf("want %q followed by 64 hex digits, got %q", hashPrefix, s)
	}
	copy(sum[:], b)
	return sum, nil
}

// HashPassword returns the bcrypt hash to put into users[].password_hash.
func HashPassword(plain string) (string, error) {
	if plain == "" {
		return "", errors.New("empty password")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(plain), bcrypt.DefaultCost)
	if err != nil {
		return "", err // e.g. longer than the 72 bytes bcrypt can use
	}
	return string(h), nil
}

// NewToken makes a random API token: plain is handed to the client once,
// hash goes into tokens[].hash. A fast hash is enough because the token has
// 256 random bits, unlike a password.
func NewToken() (plain, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	plain = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, hashToken(plain), nil
}

func hashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hashPrefix + hex.EncodeToString(sum[:])
}
