package auth

import (
	"crypto/sha256"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// The login throttle slows password guessing down without handing anyone
// a way to lock a user out. Failures are counted twice: per source address
// (catches one client spraying one guess over many names) and per user
// name (catches many clients guessing one name). Each count buys a delay
// that doubles with every failure past a free allowance, up to a ceiling;
// counts leak away at a steady rate, which is the sustained guessing rate
// an attacker is left with. A browser that has signed in as a name before
// carries a device cookie for it (see device.go); its attempts at that
// name are judged only by their own count, so strangers' failures never
// keep the right password from a known browser out. docs/security.md
// states the policy and its numbers.
//
// An attempt is charged as a failure before its password is checked, and
// refunded if it succeeds: otherwise a burst of parallel guesses would all
// pass the check for a delay while the first ones are still in bcrypt.
type loginLimiter struct {
	mu             sync.Mutex
	sources, names *penalties
}

// Penalty rules. Per source: ten failures free, then 1 s doubling to at
// most 15 min, one failure forgiven per minute (60 an hour sustained). Per
// name: five free, then 1 s doubling to at most 15 min, one forgiven per 15
// minutes (4 an hour sustained).
func newLoginLimiter(capacity int) *loginLimiter {
	return &loginLimiter{
		sources: newPenalties(10, time.Second, 15*time.Minute, time.Minute, capacity),
		names:   newPenalties(5, time.Second, 15*time.Minute, 15*time.Minute, capacity),
	}
}

// attempt identifies who tries which name: source is the client's address
// (an IPv6 client's /64, which one client usually has whole), device the
// id of a valid device cookie for name, or "".
type attempt struct {
	source, name, device string
}

// nameKey is what the name table counts for the attempt: the name, or the
// name with the device, as a digest, because a typed name can be as long
// as the form allows and the table's bound must hold in bytes too.
func (at attempt) nameKey() string {
	key := at.name
	if at.device != "" {
		key += "\x00" + at.device
	}
	sum := sha256.Sum256([]byte(key))
	return string(sum[:16])
}

// begin returns how long the attempt must wait before its password may be
// checked; when that is 0 it has charged the attempt as a failure, which
// succeed takes back.
func (l *loginLimiter) begin(at attempt, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.names.wait(at.nameKey(), now)
	if at.device == "" {
		w = max(w, l.sources.wait(at.source, now))
	}
	if w > 0 {
		return w
	}
	l.names.fail(at.nameKey(), now)
	if at.device == "" {
		l.sources.fail(at.source, now)
	}
	return 0
}

// succeed clears the name's counts, from strangers and from this device,
// and takes back the source's charge for this attempt. The rest of the
// source's count stays: signing in to one's own account must not buy
// fresh guesses at others'.
func (l *loginLimiter) succeed(at attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names.reset(attempt{name: at.name}.nameKey())
	l.names.reset(at.nameKey())
	if at.device == "" {
		l.sources.refund(at.source)
	}
}

// source is the throttling key of the request's client: the peer
// address, or, when the peer is a trusted proxy, the address the nearest
// untrusted hop in X-Forwarded-For gave. Walking the header from the right
// ignores whatever a client wrote into it before the proxies appended.
func (a *Authenticator) source(r *http.Request) string {
	peer, ok := addrOf(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if a.trusted(peer) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, ok := addrOf(strings.TrimSpace(hops[i]))
			if !ok {
				break // a proxy wrote nonsense: count the proxy
			}
			if !a.trusted(hop) {
				peer = hop
				break
			}
		}
	}
	if peer.Is6() {
		p, _ := peer.Prefix(64)
		return p.String()
	}
	return peer.String()
}

func (a *Authenticator) trusted(ip netip.Addr) bool {
	for _, p := range a.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// addrOf parses "ip", "ip:port" or "[ipv6]:port".
func addrOf(s string) (netip.Addr, bool) {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	ip, err := netip.ParseAddr(s)
	return ip.Unmap(), err == nil
}

// penalties counts failures per key in bounded memory; loginLimiter.mu
// guards it. When full, it
// forgets the key with the smallest count left, never simply the oldest:
// a flood of one-off failures then only displaces other one-offs, and to
// push out a key that earned a delay an attacker has to give thousands of
// other keys a larger count, which the same delays make slow.
type penalties struct {
	free  float64       // failures without delay
	base  time.Duration // delay at the first failure past free
	ceil  time.Duration // longest delay
	leak  time.Duration // one failure forgiven per leak
	limit int           // most keys held
	m     map[string]*penalty
}

type penalty struct {
	n    float64   // failures counted at last, after leaking
	last time.Time // of the last failure
}

func newPenalties(free int, base, ceil, leak time.Duration, limit int) *penalties {
	return &penalties{free: float64(free), base: base, ceil: ceil, leak: leak, limit: limit, m: map[string]*penalty{}}
}

// count is e's failure count at now, after leaking.
func (p *penalties) count(e *penalty, now time.Time) float64 {
	return max(0, e.n-float64(now.Sub(e.last))/float64(p.leak))
}

// delay is how long to wait after the failure that made the count n. A
// count part-way leaked rounds up: leaking lowers the next delay only once
// a whole failure has leaked away.
func (p *penalties) delay(n float64) time.Duration {
	if n < p.free {
		return 0
	}
	k := math.Ceil(n - p.free)
	if k >= 30 || p.base<<int(k) > p.ceil {
		return p.ceil
	}
	return p.base << int(k)
}

func (p *penalties) wait(key string, now time.Time) time.Duration {
	e := p.m[key]
	if e == nil {
		return 0
	}
	return max(0, e.last.Add(p.delay(e.n)).Sub(now))
}

func (p *penalties) fail(key string, now time.Time) {
	e := p.m[key]
	if e == nil {
		if len(p.m) >= p.limit {
			p.evict(now)
		}
		e = &penalty{}
		p.m[key] = e
	} else {
		e.n = p.count(e, now)
	}
	e.n++
	e.last = now
}

func (p *penalties) reset(key string) {
	delete(p.m, key)
}

// refund takes one failure back from key's count.
func (p *penalties) refund(key string) {
	if e := p.m[key]; e != nil {
		e.n = max(0, e.n-1)
	}
}

// evict forgets the key with the smallest count left (the least recent
// among equals), and every key whose count has leaked away. A scan is
// cheap next to the bcrypt check that precedes every failure.
func (p *penalties) evict(now time.Time) {
	var victim string
	var least *penalty
	leastN := math.Inf(1)
	for k, e := range p.m {
		n := p.count(e, now)
		if n == 0 {
			delete(p.m, k)
			continue
		}
		if n < leastN || (n == leastN && e.last.Before(least.last)) {
			victim, least, leastN = k, e, n
		}
	}
	if len(p.m) >= p.limit && least != nil {
		delete(p.m, victim)
	}
}
