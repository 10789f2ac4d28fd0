package auth

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"
)

// cheapHash is a valid bcrypt hash made fast for tests.
func cheapHash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func validConfig(t *testing.T) Config {
	t.Helper()
	_, tokHash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Users: []User{
			{Name: "alice", Role: RoleViewer, PasswordHash: cheapHash(t, "alice-pw")},
			{Name: "fiona", Role: RoleFinance, PasswordHash: cheapHash(t, "fiona-pw")},
		},
		Tokens:     []Token{{Name: "ci", Role: RoleManager, Hash: tokHash}},
		SessionKey: strings.Repeat("k", 32),
	}
}

func TestValidateNamesFields(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"unknown role", func(c *Config) { c.Users[1].Role = "boss" }, `auth.users[1].role: unknown role "boss"`},
		{"token role", func(c *Config) { c.Tokens[0].Role = "" }, `auth.tokens[0].role: unknown role ""`},
		{"duplicate user", func(c *Config) { c.Users[1].Name = "alice" }, `auth.users[1].name: "alice" is already used by auth.users[0]`},
		{"user and token share a name", func(c *Config) { c.Tokens[0].Name = "fiona" }, `auth.tokens[0].name: "fiona" is already used by auth.users[1]`},
		{"empty name", func(c *Config) { c.Users[0].Name = " " }, `auth.users[0].name: must not be empty`},
		{"empty password hash", func(c *Config) { c.Users[0].PasswordHash = "" }, `auth.users[0].password_hash: must not be empty`},
		{"plain password", func(c *Config) { c.Users[0].PasswordHash = "hunter2" }, `auth.users[0].password_hash: not a bcrypt hash`},
		{"token hash without prefix", func(c *Config) { c.Tokens[0].Hash = strings.Repeat("a", 64) }, `auth.tokens[0].hash: want "sha256:"`},
		{"token hash too short", func(c *Config) { c.Tokens[0].Hash = "sha256:abcd" }, `auth.tokens[0].hash: want "sha256:"`},
		{"token hash not hex", func(c *Config) { c.Tokens[0].Hash = "sha256:" + strings.Repeat("z", 64) }, `auth.tokens[0].hash`},
		{"duplicate token", func(c *Config) {
			c.Tokens = append(c.Tokens, Token{Name: "ci2", Role: RoleViewer, Hash: c.Tokens[0].Hash})
		}, `auth.tokens[1].hash: same token as auth.tokens[0]`},
		{"short session key", func(c *Config) { c.SessionKey = "short" }, `auth.session_key: must be at least 32 bytes, got 5`},
		{"missing session key", func(c *Config) { c.SessionKey = "" }, `auth.session_key: required`},
		{"negative ttl", func(c *Config) { c.SessionTTL = -time.Hour }, `auth.session_ttl: must be positive`},
		{"cookie name", func(c *Config) { c.CookieName = "a b" }, `auth.cookie_name`},
		{"empty tenant", func(c *Config) { c.Users[1].Scope.Tenants = []string{"acme", ""} }, `auth.users[1].scope.tenants[1]: must not be empty`},
		{"empty group", func(c *Config) { c.Tokens[0].Scope.Groups = []string{""} }, `auth.tokens[0].scope.groups[0]: must not be empty`},
		{"trusted proxy", func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "proxy.local"} }, `auth.trusted_proxies[1]: "proxy.local" is not an address or CIDR range`},
		{"reserved cookie name", func(c *Config) { c.CookieName = "slate_device" }, `auth.cookie_name: "slate_device" is reserved`},
		{"unknown lang", func(c *Config) { c.Users[1].Lang = "klingon" }, `auth.users[1].lang: "klingon" is not a supported language (en, vi or ru)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateDefaults(t *testing.T) {
	c := validConfig(t)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.SessionTTL != 12*time.Hour || c.CookieName != "slate_session" || c.InsecureCookie {
		t.Fatalf("defaults not applied: ttl %s, cookie %q, insecure %v", c.SessionTTL, c.CookieName, c.InsecureCookie)
	}
	// Tokens alone need no session key.
	tokensOnly := Config{Tokens: c.Tokens}
	if err := tokensOnly.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Fatal("New accepted a configuration nobody can sign in with")
	}
}

func TestRoleMatrix(t *testing.T) {
	// The authorization policy, written out in full on purpose.
	want := map[Role]map[Permission]bool{
		RoleViewer:  {PermViewReports: true, PermViewFinance: false, PermManageSchedules: false, PermAdmin: false},
		RoleManager: {PermViewReports: true, PermViewFinance: false, PermManageSchedules: true, PermAdmin: false},
		RoleFinance: {PermViewReports: true, PermViewFinance: true, PermManageSchedules: false, PermAdmin: false},
		RoleAdmin:   {PermViewReports: true, PermViewFinance: true, PermManageSchedules: true, PermAdmin: true},
		"boss":      {PermViewReports: false, PermViewFinance: false, PermManageSchedules: false, PermAdmin: false},
	}
	for role, perms := range want {
		for p, ok := range perms {
			if got := role.Can(p); got != ok {
				t.Errorf("%s.Can(%s) = %v, want %v", role, p, got, ok)
			}
		}
		if role.Can("reports:delete") {
			t.Errorf("%s can an unknown permission", role)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, s := range []string{"admin", "manager", "finance", "viewer"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	for _, s := range []string{"", "Admin", "boss"} {
		if _, err := ParseRole(s); err == nil {
			t.Errorf("ParseRole(%q) accepted", s)
		}
	}
}

func TestNewTokenAndHashPassword(t *testing.T) {
	plain, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "slt_") || len(plain) < 40 || hash != hashToken(plain) {
		t.Fatalf("NewToken() = %q, %q", plain, hash)
	}
	if _, err := parseTokenHash(hash); err != nil {
		t.Fatal(err)
	}
	if p2, _, _ := NewToken(); p2 == plain {
		t.Fatal("NewToken repeated itself")
	}

	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("correct horse")) != nil {
		t.Fatal("HashPassword hash does not verify")
	}
	if _, err := HashPassword(""); err == nil {
		t.Fatal("HashPassword accepted an empty password")
	}
}

func TestScope(t *testing.T) {
	var all Scope
	if !all.Unrestricted() || !all.AllowsTenant("x") || !all.AllowsGroup("y") {
		t.Fatal("empty scope should allow everything")
	}
	s := Scope{Tenants: []string{"acme"}}
	if s.Unrestricted() || !s.AllowsTenant("acme") || s.AllowsTenant("globex") || !s.AllowsGroup("any") {
		t.Fatalf("scope %+v misjudged", s)
	}
}

// TestConfigYAML pins the configuration's YAML shape, as documented.
func TestConfigYAML(t *testing.T) {
	doc := `
users:
  - name: alice
    role: finance
    password_hash: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
    scope:
      tenants: [acme]
      groups: [billing, tier2]
tokens:
  - name: nightly-export
    role: viewer
    hash: "sha256:` + strings.Repeat("ab", 32) + `"
session_key: "` + strings.Repeat("s", 32) + `"
session_ttl: 8h
cookie_name: slate_session
insecure_cookie: false
`
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.SessionTTL != 8*time.Hour || c.Users[0].Role != RoleFinance || c.Users[0].Scope.Groups[1] != "tier2" ||
		c.Tokens[0].Name != "nightly-export" {
		t.Fatalf("decoded %+v", c)
	}
}
