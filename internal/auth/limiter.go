package auth

import (
	"sync"
	"time"
)

// limiter is a brake on password guessing: after max failures for one user
// name within window, that name is refused until the window has passed.
// It is per process and in memory, which is enough to make online guessing
// slow; it keys on the name, not the address, because attackers have many
// addresses and users have one name.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	cap    int // bounds memory when someone sprays random names
	m      map[string]*failures
}

type failures struct {
	n     int
	start time.Time // of the window, at the first failure
}

func newLimiter(max int, window time.Duration, capacity int) *limiter {
	return &limiter{max: max, window: window, cap: capacity, m: map[string]*failures{}}
}

// blocked reports whether name is refused now, and for how much longer.
func (l *limiter) blocked(name string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.m[name]
	if f == nil || f.n < l.max {
		return 0, false
	}
	left := f.start.Add(l.window).Sub(now)
	if left <= 0 {
		delete(l.m, name)
		return 0, false
	}
	return left, true
}

func (l *limiter) fail(name string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.m[name]
	if f != nil && now.Sub(f.start) >= l.window {
		f = nil // window over: start a new one
	}
	if f == nil {
		if len(l.m) >= l.cap {
			l.evict(now)
		}
		f = &failures{start: now}
		l.m[name] = f
	}
	f.n++
}

func (l *limiter) reset(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, name)
}

// evict drops finished windows, or if none have finished the oldest one,
// making room for one more name.
func (l *limiter) evict(now time.Time) {
	var oldest string
	var oldestStart time.Time
	for name, f := range l.m {
		if now.Sub(f.start) >= l.window {
			delete(l.m, name)
		} else if oldestStart.IsZero() || f.start.Before(oldestStart) {
			oldest, oldestStart = name, f.start
		}
	}
	if len(l.m) >= l.cap {
		delete(l.m, oldest)
	}
}
