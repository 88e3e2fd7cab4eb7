package katapult_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/throttle"
)

// secret is a key distinctive enough that any leak is found by substring.
const secret = "SECRET-kp-7f3a9c1e-do-not-leak"

func TestErrorShapes(t *testing.T) {
	run, c := startSandbox(t, fastOptions())
	ctx := testContext(t)

	_, err := c.GetJob(ctx, "no-such-job-xxxxxxxxxxxx")
	var ae *katapult.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %T %v, want *APIError", err, err)
	}
	if ae.Status != 404 || ae.Type != "not_found" || ae.Meta == nil || ae.Middleware || !katapult.IsNotFound(err) || !katapult.IsPermanent(err) {
		t.Errorf("route error = %+v", ae)
	}

	bad := katapult.New(run.URL, "wrong-key", katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond})))
	_, err = bad.ListJobs(ctx, katapult.ListJobsOptions{})
	if !errors.As(err, &ae) || ae.Status != 401 || !ae.Middleware || ae.Type != "" || ae.Message != "INVALID API KEY" || ae.Meta != nil || !katapult.IsAuth(err) {
		t.Errorf("middleware error = %#v", ae)
	}

	// A 4xx is not retried: one call, and the server saw one call.
	before := c.Stats().Calls
	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "E", Model: "m"}))(t)
	_, err = c.UpsertNode(ctx, job.ID, "short", katapult.NodeWrite{Latitude: ptr(1.0), Longitude: ptr(1.0)}, katapult.UpsertOptions{})
	if !errors.As(err, &ae) || ae.Type != "invalid_id" {
		t.Fatalf("short id: %v", err)
	}
	if got := c.Stats().Calls - before; got != 2 {
		t.Errorf("calls = %d, want 2 (create + one rejected upsert, no retry)", got)
	}
}

// TestKeyNeverLeaks drives every failure path with a distinctive key and
// checks errors, log lines and formatted values.
func TestKeyNeverLeaks(t *testing.T) {
	opts := fastOptions()
	opts.Key = secret
	run, _ := startSandbox(t, opts)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fast := katapult.RetryPolicy{MaxFailures: 1, MaxLimited: 1, MaxTokenLimited: 1, Base: time.Millisecond, Max: time.Millisecond}
	newClient := func(base string) *katapult.Client {
		return katapult.New(base, secret, katapult.WithLogger(logger), katapult.WithRetryPolicy(fast),
			katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond})))
	}
	ctx := testContext(t)
	var errs []error

	good := newClient(run.URL)
	_, err := good.GetNode(ctx, "no-job-xxxxxxxxxxxxxxxxxx", "no-node")
	errs = append(errs, err)

	// Connection refused: net/http's *url.Error holds the full URL.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err = newClient("http://"+addr+"/api/v3").ListJobs(ctx, katapult.ListJobsOptions{})
	errs = append(errs, err)

	// A server that hangs up mid-request, and one that answers garbage.
	hang := newTCPServer(t, func(c net.Conn) { c.Close() })
	_, err = newClient("http://"+hang+"/api/v3").ListJobs(ctx, katapult.ListJobsOptions{})
	errs = append(errs, err)
	echo := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		fmt.Fprintf(w, "<html>bad gateway for %s</html>", r.URL.String()) // echoes the key back
	}))
	_, err = newClient(echo).ListJobs(ctx, katapult.ListJobsOptions{})
	errs = append(errs, err)
	okGarbage := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "not json %s", r.URL.RawQuery)
	}))
	_, err = newClient(okGarbage).ListJobs(ctx, katapult.ListJobsOptions{})
	errs = append(errs, err)

	// A timeout and a cancellation.
	slow := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = newClient(slow).ListJobs(tctx, katapult.ListJobsOptions{})
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout err = %v, want DeadlineExceeded", err)
	}
	errs = append(errs, err)
	shortTimeout := katapult.New(slow, secret, katapult.WithHTTPClient(&http.Client{Timeout: 20 * time.Millisecond}), katapult.WithRetryPolicy(fast))
	_, err = shortTimeout.ListJobs(ctx, katapult.ListJobsOptions{})
	errs = append(errs, err)

	// A token 429, whose message quotes the key's first characters.
	tiny := opts
	tiny.Bucket, tiny.Refill = 5, 50*time.Millisecond
	tinyRun, _ := startSandbox(t, tiny)
	tinyClient := katapult.New(tinyRun.URL, secret, katapult.WithLogger(logger), katapult.WithRetryPolicy(fast),
		katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond, Refill: tiny.Refill})))
	_, err = tinyClient.CreateJob(ctx, katapult.JobWrite{Name: "x", Model: "m"})
	if !katapult.IsTokenLimited(err) {
		t.Errorf("tiny bucket: err = %v, want a token 429", err)
	}
	errs = append(errs, err)

	for i, err := range errs {
		t.Logf("case %d: %v", i, err)
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, secret) || strings.Contains(s, secret[:8]) {
				t.Errorf("case %d: error leaks the key: %s", i, s)
			}
		}
		// Walk the chain: no wrapped error may carry the key either.
		for e := err; e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), secret) {
				t.Errorf("case %d: wrapped %T leaks the key", i, e)
			}
		}
	}
	for _, s := range []string{fmt.Sprint(good), fmt.Sprintf("%+v", good), fmt.Sprintf("%#v", good), logs.String()} {
		if strings.Contains(s, secret) || strings.Contains(s, secret[:8]) {
			t.Errorf("key leaked in %q", s)
		}
	}
	if !strings.Contains(logs.String(), "katapult") {
		t.Error("logger received nothing: the leak check would be vacuous")
	}
}

func TestRetriesOnlyWhatIsSafe(t *testing.T) {
	var calls int
	failing := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(500)
		fmt.Fprint(w, `{"status":"error","type":"internal_error","message":"boom","meta":{"token_count":100,"last_refill_time":1}}`)
	}))
	c := katapult.New(failing, "k", katapult.WithRetryPolicy(katapult.RetryPolicy{MaxFailures: 3, MaxLimited: 3, MaxTokenLimited: 3, Base: time.Millisecond, Max: time.Millisecond}),
		katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond})))
	ctx := testContext(t)

	_, err := c.UpsertNode(ctx, "job-xxxxxxxxxxxxxxxxxxxx", "node-xxxxxxxxxxxxxxxxxxx", katapult.NodeWrite{}, katapult.UpsertOptions{})
	if calls != 4 || katapult.IsMaybeApplied(err) {
		t.Errorf("upsert: %d calls, err %v; want 4 calls (1 + 3 retries), a plain error", calls, err)
	}
	calls = 0
	_, err = c.CreateNode(ctx, "job-xxxxxxxxxxxxxxxxxxxx", katapult.NodeWrite{})
	if calls != 1 || !katapult.IsMaybeApplied(err) {
		t.Errorf("create: %d calls, err %v; want 1 call and a MaybeAppliedError", calls, err)
	}
	var ae *katapult.APIError
	if !errors.As(err, &ae) || ae.Status != 500 {
		t.Errorf("MaybeAppliedError does not unwrap to the 500: %v", err)
	}
	calls = 0
	_, err = c.UploadPhoto(ctx, "job-xxxxxxxxxxxxxxxxxxxx", bytes.NewReader(jpeg))
	if calls != 1 || !katapult.IsMaybeApplied(err) {
		t.Errorf("upload: %d calls, err %v", calls, err)
	}
}

func TestGeneralLimitIsRetried(t *testing.T) {
	var calls int
	srv := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls <= 2 {
			w.WriteHeader(429)
			fmt.Fprint(w, `{"error":"GENERAL RATE LIMIT EXCEEDED"}`)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":{"id":"x"},"meta":{"token_count":"990","last_refill_time":1700000000000}}`)
	}))
	c := katapult.New(srv, "k", katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond})))
	// Even a plain create is resent: a general 429 never reached a handler.
	n, err := c.CreateNode(testContext(t), "job-xxxxxxxxxxxxxxxxxxxx", katapult.NodeWrite{})
	if err != nil || n.ID != "x" || calls != 3 {
		t.Fatalf("node %+v, err %v, calls %d; want success after 3 calls", n, err, calls)
	}
	s := c.Stats()
	if s.GeneralLimited != 2 || s.Retries != 2 || s.Budget != 990 {
		t.Errorf("stats = %+v (a token_count sent as a string must still be read)", s)
	}
}

func newHTTPServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/api/v3"
}

func newTCPServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			handle(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func TestNegativeRetryCountMeansNone(t *testing.T) {
	var calls int
	srv := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(500)
		fmt.Fprint(w, `{"status":"error","type":"internal_error","message":"boom"}`)
	}))
	c := katapult.New(srv, "k", katapult.WithRetryPolicy(katapult.RetryPolicy{MaxFailures: -1}),
		katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond})))
	if _, err := c.ListJobs(testContext(t), katapult.ListJobsOptions{}); err == nil || calls != 1 {
		t.Errorf("err %v after %d calls; want a failure after 1 call", err, calls)
	}
}
