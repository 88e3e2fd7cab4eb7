package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a sandbox server: its key, limits, faults and storage.
type Options struct {
	// Key is the one API key the server accepts.
	Key string
	// Bucket is the token bucket size; BucketSchedule, when set, replaces
	// it with a list of sizes used for successive refills (cycling), the
	// first being the initial balance.
	Bucket         int
	BucketSchedule []int
	// Refill is the time after last_refill_time at which the bucket is
	// refilled; MinInterval is the general limit (one accepted call per
	// MinInterval; 0 turns it off).
	Refill, MinInterval time.Duration
	// Latency ± LatencyJitter is added to every route-handler response.
	Latency, LatencyJitter time.Duration
	// FailRate answers 500 before applying a call; FailAfterApplyRate
	// applies a write and then answers 500; DropRate applies a write and
	// closes the connection without an answer. Seed makes the choice
	// reproducible.
	FailRate, FailAfterApplyRate, DropRate float64
	Seed                                   int64
	// DBPath is the SQLite file the state persists to; "" keeps it in
	// memory only.
	DBPath string
	// Now is the clock (time.Now when nil); tests pass a fake one so the
	// limits are deterministic.
	Now func() time.Time
}

// DefaultOptions are the public API's documented limits with no faults.
func DefaultOptions() Options {
	return Options{
		Key:         "sandbox",
		Bucket:      10000,
		Refill:      60 * time.Second,
		MinInterval: 50 * time.Millisecond,
	}
}

// Stats count what the server has seen since it started.
type Stats struct {
	Calls          int64 // calls that reached a route handler
	Writes         int64 // POST/DELETE calls applied
	Reads          int64 // GET calls answered successfully
	TokensSpent    int64
	GeneralLimited int64 // 429 GENERAL RATE LIMIT EXCEEDED
	TokenLimited   int64 // 429 token_rate_limit_exceeded
	Failed5xx      int64 // injected 500s (before and after applying)
	Dropped        int64 // connections closed without an answer
}

type counters struct {
	calls, writes, reads, tokens, general, token, failed, dropped atomic.Int64
}

// Server is the emulator. It is safe for concurrent use.
type Server struct {
	opts Options
	now  func() time.Time

	mu    sync.RWMutex // guards jobs and everything in them, and dirty
	jobs  map[string]*job
	dirty map[dkey]struct{} // records to save at the next flush
	ids   *idGen

	limits *limiter
	faults *faults
	stats  counters

	store *store // nil when in memory only

	closeOnce sync.Once
	closeErr  error
}

// New builds a server and, with a DBPath, loads the state saved there.
func New(opts Options) (*Server, error) {
	if opts.Key == "" {
		return nil, errors.New("sandbox: an API key is required")
	}
	if opts.Refill <= 0 {
		return nil, errors.New("sandbox: refill period must be positive")
	}
	if opts.MinInterval < 0 || opts.Latency < 0 || opts.LatencyJitter < 0 {
		return nil, errors.New("sandbox: durations must not be negative")
	}
	sizes := opts.BucketSchedule
	if len(sizes) == 0 {
		sizes = []int{opts.Bucket}
	}
	for _, n := range sizes {
		if n <= 0 {
			return nil, fmt.Errorf("sandbox: bucket size %d must be positive", n)
		}
	}
	for _, r := range []float64{opts.FailRate, opts.FailAfterApplyRate, opts.DropRate} {
		if r < 0 || r > 1 {
			return nil, fmt.Errorf("sandbox: fault rate %v must be between 0 and 1", r)
		}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		opts:   opts,
		now:    now,
		jobs:   map[string]*job{},
		dirty:  map[dkey]struct{}{},
		ids:    newIDGen(),
		limits: newLimiter(sizes, opts.Refill, opts.MinInterval, now()),
		faults: &faults{rng: rand.New(rand.NewSource(opts.Seed)), opts: opts},
	}
	if opts.DBPath != "" {
		st, err := openStore(opts.DBPath)
		if err != nil {
			return nil, err
		}
		s.store = st
		if err := s.loadFromStore(); err != nil {
			st.close()
			return nil, err
		}
		st.startFlusher(s)
	}
	return s, nil
}

// Handler serves the API under /api/v3.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Close flushes the state to the database and closes it. The server must
// not be used afterwards.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.store != nil {
			s.closeErr = s.store.stop(s)
		}
	})
	return s.closeErr
}

// Stats returns the counters so far.
func (s *Server) Stats() Stats {
	c := &s.stats
	return Stats{
		Calls: c.calls.Load(), Writes: c.writes.Load(), Reads: c.reads.Load(),
		TokensSpent: c.tokens.Load(), GeneralLimited: c.general.Load(),
		TokenLimited: c.token.Load(), Failed5xx: c.failed.Load(), Dropped: c.dropped.Load(),
	}
}

// Running is a sandbox listening on a TCP address.
type Running struct {
	URL    string // base URL ending in /api/v3
	Key    string
	Server *Server

	http *http.Server
	done chan error
}

// Start builds a server and serves it on addr ("127.0.0.1:0" picks a free
// port) until Close.
func Start(opts Options, addr string) (*Running, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	r := &Running{
		URL:    "http://" + ln.Addr().String() + "/api/v3",
		Key:    opts.Key,
		Server: s,
		http:   &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second},
		done:   make(chan error, 1),
	}
	go func() { r.done <- r.http.Serve(ln) }()
	return r, nil
}

// Close stops listening, lets calls in flight finish (for up to five
// seconds), and closes the server, flushing its state.
func (r *Running) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.http.Shutdown(ctx)
	if err != nil {
		err = r.http.Close()
	}
	if serr := <-r.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if cerr := r.Server.Close(); cerr != nil {
		err = cerr
	}
	return err
}

// LoadJobJSON adds a job from a Katapult job JSON export (the raw job
// shape) keeping its node, connection, section, photo and trace ids, and
// returns the job's id: the file's "id" when it has a valid one, else an
// id derived from the file's content. When that job already exists it is
// left as it is and the error is ErrJobExists.
func (s *Server) LoadJobJSON(r io.Reader) (string, error) {
	return s.loadJob(r)
}
