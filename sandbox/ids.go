package sandbox

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand"
	"sync"
	"time"
)

// pushChars is Firebase's push-id alphabet, in ASCII order so ids made
// later sort after ids made earlier.
const pushChars = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// idGen makes 20-character push ids: 8 characters of milliseconds, then 12
// random ones, incremented within the same millisecond so ids stay unique
// and ordered.
type idGen struct {
	mu     sync.Mutex
	rng    *rand.Rand
	lastMS int64
	last   [12]byte
}

func newIDGen() *idGen {
	var seed [8]byte
	_, _ = crand.Read(seed[:])
	return &idGen{rng: rand.New(rand.NewSource(int64(binary.LittleEndian.Uint64(seed[:]))))}
}

func (g *idGen) next(now time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := now.UnixMilli()
	if ms < g.lastMS {
		ms = g.lastMS // a clock going backwards must not break ordering
	}
	if ms == g.lastMS {
		i := len(g.last) - 1
		for ; i >= 0 && g.last[i] == 63; i-- {
			g.last[i] = 0
		}
		if i < 0 {
			ms++ // 64^12 ids in one millisecond: borrow the next one
		} else {
			g.last[i]++
		}
	}
	if ms != g.lastMS {
		for i := range g.last {
			g.last[i] = byte(g.rng.Intn(64))
		}
		g.lastMS = ms
	}
	var b [20]byte
	t := ms
	for i := 7; i >= 0; i-- {
		b[i] = pushChars[t%64]
		t /= 64
	}
	for i, c := range g.last {
		b[8+i] = pushChars[c]
	}
	return string(b[:])
}

// validID reports whether id meets the resource id rules: 20–256
// characters of [A-Za-z0-9_-].
func validID(id string) bool {
	return len(id) >= 20 && len(id) <= 256 && validInstanceID(id)
}

// validInstanceID reports whether id is a non-empty run of [A-Za-z0-9_-],
// the rule for attribute instance ids (no length rule).
func validInstanceID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
