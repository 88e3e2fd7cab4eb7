package katapult

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kpbulk/kpbulk/throttle"
)

// DefaultBaseURL is the public API's base URL.
const DefaultBaseURL = "https://katapultpro.com/api/v3"

// Costs are the token costs the client reserves per call (the API's
// documented table). They only steer pacing: the server's meta is the truth.
type Costs struct {
	Get, Write, Welcome int64
}

// DefaultCosts is the documented cost table: GET 1, POST/DELETE 10, welcome 0.
var DefaultCosts = Costs{Get: 1, Write: 10, Welcome: 0}

// RetryPolicy bounds the client's retries. Zero fields take the default's
// value; a negative count means no retries of that kind.
type RetryPolicy struct {
	// MaxFailures is how many 5xx/network failures one call survives.
	MaxFailures int
	// MaxLimited is how many general-limit 429s one call survives.
	MaxLimited int
	// MaxTokenLimited is how many token 429s one call survives; each
	// costs a wait for the next refill, so this bounds a call that no
	// window can pay for (a bucket smaller than its cost, or a key drained
	// by another user) to a few windows.
	MaxTokenLimited int
	// Base and Max bound the exponential backoff after a failure.
	Base, Max time.Duration
}

// DefaultRetryPolicy retries failures 8 times (backoff 100ms doubling to 10s,
// with jitter), general 429s 50 times and token 429s 5 times.
var DefaultRetryPolicy = RetryPolicy{MaxFailures: 8, MaxLimited: 50, MaxTokenLimited: 5, Base: 100 * time.Millisecond, Max: 10 * time.Second}

// Client calls the API. It is safe for concurrent use; every call passes
// through its throttle.
type Client struct {
	base   string // without trailing slash
	key    string
	hc     *http.Client
	th     *throttle.Throttle
	log    *slog.Logger
	costs  Costs
	retry  RetryPolicy
	rndSrc func() float64

	calls, tokens, retries, failed, inFlight atomic.Int64
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: a pooled transport sized
// for concurrent calls; 2 minutes to the response headers, 15 minutes for a
// whole exchange, as a large job's node list can take a while to download).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithThrottle sets the throttle (default: throttle.New with the public
// API's limits).
func WithThrottle(t *throttle.Throttle) Option { return func(c *Client) { c.th = t } }

// WithLogger sets a logger for calls (debug) and retries (warn). Logged URLs
// never contain the API key.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithCosts overrides the token cost table.
func WithCosts(k Costs) Option { return func(c *Client) { c.costs = k } }

// WithRetryPolicy overrides the retry bounds.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *Client) {
		d := DefaultRetryPolicy
		for _, f := range []struct{ v, def *int }{{&p.MaxFailures, &d.MaxFailures}, {&p.MaxLimited, &d.MaxLimited}, {&p.MaxTokenLimited, &d.MaxTokenLimited}} {
			if *f.v == 0 {
				*f.v = *f.def
			}
		}
		if p.Base <= 0 {
			p.Base = d.Base
		}
		if p.Max <= 0 {
			p.Max = d.Max
		}
		c.retry = p
	}
}

// New returns a client for the API at baseURL (for example
// DefaultBaseURL, or a sandbox's URL) authenticated by apiKey.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		base:   strings.TrimRight(baseURL, "/"),
		key:    apiKey,
		costs:  DefaultCosts,
		retry:  DefaultRetryPolicy,
		rndSrc: rand.Float64,
	}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		tr.ResponseHeaderTimeout = 2 * time.Minute
		c.hc = &http.Client{Transport: tr, Timeout: 15 * time.Minute}
	}
	if c.th == nil {
		c.th = throttle.New(throttle.Config{})
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// String, GoString and LogValue keep the key out of fmt and slog output.
func (c *Client) String() string               { return "katapult.Client(" + c.base + ")" }
func (c *Client) GoString() string             { return c.String() }
func (c *Client) LogValue() slog.Value         { return slog.StringValue(c.String()) }
func (c *Client) Throttle() *throttle.Throttle { return c.th }

// BaseURL returns the base URL the client calls.
func (c *Client) BaseURL() string { return c.base }

// ClientStats are the client's counters.
type ClientStats struct {
	Calls          int64 // requests sent (including retries)
	Tokens         int64 // documented cost of the calls that succeeded
	GeneralLimited int64 // 429 GENERAL RATE LIMIT EXCEEDED
	TokenLimited   int64 // 429 token_rate_limit_exceeded
	Failed         int64 // 5xx, resets, timeouts
	Retries        int64
	InFlight       int64
	MaxInFlight    int
	Budget         int64 // this window's token budget as the server reported it
	Available      int64 // tokens the throttle may still spend this window
	Windows        int64 // refills seen
}

// Stats returns a snapshot of the counters.
func (c *Client) Stats() ClientStats {
	ts := c.th.Stats()
	return ClientStats{
		Calls:          c.calls.Load(),
		Tokens:         c.tokens.Load(),
		GeneralLimited: ts.GeneralLimited,
		TokenLimited:   ts.TokenLimited,
		Failed:         c.failed.Load(),
		Retries:        c.retries.Load(),
		InFlight:       c.inFlight.Load(),
		MaxInFlight:    ts.MaxInFlight,
		Budget:         ts.Budget,
		Available:      ts.Available,
		Windows:        ts.Windows,
	}
}

// request is one API call.
type request struct {
	method      string
	path        string // below the base URL, segments already escaped
	query       url.Values
	body        []byte
	contentType string
	// idempotent calls may be retried after they may have been applied
	// (GETs, DELETEs, upserts at a caller-chosen id). Others are retried
	// only when the request provably never reached a route handler.
	idempotent bool
	cost       int64
	// stream, when set, receives the elements of a successful reply's data
	// list one at a time as they are read (see each); data is not buffered.
	stream *listStream
}

func (c *Client) get(path string, q url.Values) request {
	return request{method: http.MethodGet, path: path, query: q, idempotent: true, cost: c.costs.Get}
}

func (c *Client) del(path string) request {
	return request{method: http.MethodDelete, path: path, idempotent: true, cost: c.costs.Write}
}

// post builds a JSON POST; idempotent says whether repeating it is harmless.
func (c *Client) post(path string, q url.Values, body any, idempotent bool) (request, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return request{}, fmt.Errorf("katapult: encoding %s body: %w", path, err)
	}
	return request{method: http.MethodPost, path: path, query: q, body: b, contentType: "application/json", idempotent: idempotent, cost: c.costs.Write}, nil
}

// call sends r and decodes the reply's data into a T: the whole body of
// most Client methods.
func call[T any](ctx context.Context, c *Client, r request) (T, error) {
	var out T
	_, err := c.do(ctx, r, &out)
	return out, err
}

// postFor sends a JSON POST built by post and decodes the reply into a T.
func postFor[T any](ctx context.Context, c *Client, path string, q url.Values, body any, idempotent bool) (T, error) {
	r, err := c.post(path, q, body, idempotent)
	if err != nil {
		var zero T
		return zero, err
	}
	return call[T](ctx, c, r)
}

// envelope is every response shape at once: success, route error, and the
// short middleware error.
type envelope struct {
	Status  string          `json:"status"`
	Data    json.RawMessage `json:"data"`
	Meta    *Meta           `json:"meta"`
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Error   *string         `json:"error"`
}

// do sends r through the throttle, retrying what is safe, and decodes the
// envelope's data into out (when non-nil). It returns the last envelope
// received (nil when none was).
func (c *Client) do(ctx context.Context, r request, out any) (*envelope, error) {
	var failures, limited, tokenLimited int
	for {
		tk, err := c.th.Acquire(ctx, r.cost)
		if err != nil {
			return nil, &RequestError{Method: r.method, Path: r.path, Err: err}
		}
		c.calls.Add(1)
		c.inFlight.Add(1)
		start := time.Now()
		status, env, err := c.send(ctx, r, tk)
		c.inFlight.Add(-1)
		kind, retry, applied := c.classify(ctx, r, status, env, err)
		if r.stream != nil && r.stream.delivered > 0 {
			retry = false // the elements already handed over cannot be taken back
		}
		var meta *throttle.Meta
		if env != nil && env.Meta != nil {
			meta = &throttle.Meta{TokenCount: env.Meta.TokenCount, LastRefillTime: env.Meta.LastRefillTime}
		}
		tk.Done(throttle.Result{Kind: kind, Meta: meta})
		c.log.Debug("katapult call", "method", r.method, "path", r.path, "status", status, "kind", kind.String(), "duration", time.Since(start))

		if err == nil && status >= 200 && status < 300 {
			c.tokens.Add(r.cost)
			if r.stream != nil && r.stream.stop != nil {
				return env, r.stream.stop
			}
			if out != nil && len(env.Data) > 0 && string(env.Data) != "null" {
				if err := json.Unmarshal(env.Data, out); err != nil {
					var derr error = &RequestError{Method: r.method, Path: r.path, Err: fmt.Errorf("decoding response: %w", err)}
					if !r.idempotent {
						derr = &MaybeAppliedError{Err: derr} // it was applied: do not resend blindly
					}
					return env, derr
				}
			}
			return env, nil
		}

		var callErr error
		if err != nil {
			callErr = &RequestError{Method: r.method, Path: r.path, Err: err}
		} else {
			ae := newAPIError(r, status, env)
			ae.Message = c.redact(ae.Message)
			callErr = ae
		}
		if kind == throttle.Failed {
			c.failed.Add(1)
		}
		if !retry {
			if applied {
				callErr = &MaybeAppliedError{Err: callErr}
			}
			return env, callErr
		}
		var wait time.Duration
		switch kind {
		case throttle.Failed:
			failures++
			if failures > c.retry.MaxFailures {
				return env, callErr
			}
			wait = throttle.Backoff(failures, c.retry.Base, c.retry.Max, c.rndSrc())
		case throttle.TokenLimited:
			// The throttle holds the retry until the refill is due.
			tokenLimited++
			if tokenLimited > c.retry.MaxTokenLimited {
				return env, callErr
			}
			if meta == nil {
				// No meta to time the refill: back off exponentially.
				wait = throttle.Backoff(tokenLimited, time.Second, c.th.Config().Refill, c.rndSrc())
			}
		default:
			limited++
			if limited > c.retry.MaxLimited {
				return env, callErr
			}
		}
		c.retries.Add(1)
		c.log.Warn("katapult retry", "method", r.method, "path", r.path, "status", status, "kind", kind.String(), "wait", wait, "error", callErr)
		if wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return nil, &RequestError{Method: r.method, Path: r.path, Err: err}
			}
		}
	}
}

// classify maps one attempt's outcome to the throttle's kind and says
// whether to retry it and whether a failed call may have been applied.
func (c *Client) classify(ctx context.Context, r request, status int, env *envelope, err error) (kind throttle.Kind, retry, applied bool) {
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return throttle.Canceled, false, !r.idempotent
		}
		if neverSent(err) {
			return throttle.Failed, true, false
		}
		return throttle.Failed, r.idempotent, !r.idempotent
	case status == http.StatusTooManyRequests:
		if env != nil && env.Type == "token_rate_limit_exceeded" {
			return throttle.TokenLimited, true, false
		}
		return throttle.GeneralLimited, true, false
	case status == http.StatusNotImplemented:
		return throttle.OK, false, false
	case status >= 500:
		if env != nil && env.Error != nil {
			// Middleware failure: no route handler ran.
			return throttle.Failed, true, false
		}
		return throttle.Failed, r.idempotent, !r.idempotent
	default:
		return throttle.OK, false, false
	}
}

// neverSent reports whether a transport error proves the request never
// reached the server (the connection could not be made).
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// send performs one HTTP exchange. err is a transport or decoding failure
// (already scrubbed of the key); otherwise status and env are set.
func (c *Client) send(ctx context.Context, r request, tk *throttle.Ticket) (int, *envelope, error) {
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	q.Set("api_key", c.key)
	u := c.base + r.path + "?" + q.Encode()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	// Space the next call from when this one actually left.
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { tk.Sent() },
	})
	req, err := http.NewRequestWithContext(traced, r.method, u, body)
	if err != nil {
		return 0, nil, c.scrub(err)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, c.scrub(err)
	}
	defer resp.Body.Close()
	if r.stream != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		env, err := r.stream.read(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return 0, nil, c.scrub(fmt.Errorf("reading response: %w", err))
		}
		return resp.StatusCode, env, nil
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, c.scrub(fmt.Errorf("reading response: %w", err))
	}
	env := &envelope{}
	if err := json.Unmarshal(raw, env); err != nil {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return 0, nil, fmt.Errorf("decoding %d response: %w", resp.StatusCode, err)
		}
		// A non-JSON error page (proxy, load balancer): keep a short excerpt.
		env = &envelope{Message: c.redact(excerpt(raw))}
	}
	return resp.StatusCode, env, nil
}

// maxBody bounds a response body (a large job's node list is tens of MB).
const maxBody = 1 << 30

func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }

func jobPath(jobID string, rest ...string) string {
	p := "/jobs/" + seg(jobID)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

func onlyIfExists(o UpsertOptions) url.Values {
	if !o.OnlyIfExists {
		return nil
	}
	return url.Values{"onlyIfExists": {"true"}}
}

// UpsertOptions modify an upsert (POST at an id).
type UpsertOptions struct {
	// OnlyIfExists makes the call update an existing resource only; a
	// missing one gives a not_found error instead of being created.
	OnlyIfExists bool
}
