package katapult_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/throttle"
)

// TestEachNodeStreamsTheList reads a job's lists element by element from the
// sandbox and checks they are the lists ListNodes and ListConnections
// return, that an error from the callback stops the call as is, and that an
// error envelope becomes the usual *APIError.
func TestEachNodeStreamsTheList(t *testing.T) {
	_, c := startSandbox(t, fastOptions())
	ctx := testContext(t)
	job := must(c.CreateJob(ctx, katapult.JobWrite{Name: "Stream", Model: "acme"}))(t)
	for i := range 5 {
		attrs := katapult.AttributePatch{}
		attrs.Set("pole_tag", "kp-i1", fmt.Sprintf("T-%d", i))
		must(c.UpsertNode(ctx, job.ID, id(fmt.Sprint("n", i)), katapult.NodeWrite{Latitude: ptr(29.0 + float64(i)), Longitude: ptr(-98.0), Attributes: attrs}, katapult.UpsertOptions{}))(t)
	}
	for i := range 4 {
		must(c.UpsertConnection(ctx, job.ID, id(fmt.Sprint("c", i)), katapult.ConnectionWrite{NodeID1: id(fmt.Sprint("n", i)), NodeID2: id(fmt.Sprint("n", i+1))}, katapult.UpsertOptions{}))(t)
	}
	must(c.UpsertSection(ctx, job.ID, id("c0"), id("s0"), katapult.SectionWrite{Latitude: ptr(29.5), Longitude: ptr(-98.0)}, katapult.UpsertOptions{}))(t)

	var nodes []katapult.Node
	before := c.Stats().Calls
	if err := c.EachNode(ctx, job.ID, katapult.ListNodesOptions{}, func(n *katapult.Node) error {
		nodes = append(nodes, *n)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if calls := c.Stats().Calls - before; calls != 1 {
		t.Errorf("EachNode took %d calls, want 1", calls)
	}
	if want := must(c.ListNodes(ctx, job.ID, katapult.ListNodesOptions{}))(t); len(nodes) != 5 || !reflect.DeepEqual(nodes, want) {
		t.Errorf("EachNode gave %d nodes %+v, ListNodes %+v", len(nodes), nodes, want)
	}
	var conns []katapult.Connection
	if err := c.EachConnection(ctx, job.ID, func(cn *katapult.Connection) error {
		conns = append(conns, *cn)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := must(c.ListConnections(ctx, job.ID))(t); len(conns) != 4 || !reflect.DeepEqual(conns, want) {
		t.Errorf("EachConnection gave %+v, ListConnections %+v", conns, want)
	}

	// The callback's error stops the list after that element, unwrapped
	// and not retried.
	stop := errors.New("enough")
	seen := 0
	before = c.Stats().Calls
	err := c.EachNode(ctx, job.ID, katapult.ListNodesOptions{}, func(*katapult.Node) error {
		seen++
		if seen == 2 {
			return stop
		}
		return nil
	})
	if err != stop || seen != 2 || c.Stats().Calls-before != 1 {
		t.Errorf("stopping: err %v after %d nodes and %d calls; want %v after 2 nodes, 1 call", err, seen, c.Stats().Calls-before, stop)
	}

	err = c.EachNode(ctx, "no-such-job-xxxxxxxxxxxx", katapult.ListNodesOptions{}, func(*katapult.Node) error {
		t.Error("a node of a missing job")
		return nil
	})
	var ae *katapult.APIError
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Type != "not_found" || ae.Meta == nil || !katapult.IsNotFound(err) {
		t.Errorf("missing job: err = %#v, want a 404 not_found *APIError with meta", err)
	}
}

// TestEachNodeRetriesOnlyBeforeDelivery checks that a failure before the
// first element is retried (and the list delivered once), that a reply cut
// off after elements were delivered is not (no element is seen twice), and
// that the key appears in none of the errors.
func TestEachNodeRetriesOnlyBeforeDelivery(t *testing.T) {
	const list = `{"status":"success","data":[{"id":"n1","latitude":1,"longitude":2},{"id":"n2","latitude":3,"longitude":4}],"meta":{"token_count":99,"last_refill_time":1}}`
	var calls atomic.Int64
	var mode atomic.Value // the handler's goroutine reads it
	mode.Store("fail-once")
	srv := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch mode := mode.Load(); {
		case mode == "fail-once" && n == 1:
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"status":"error","type":"internal_error","message":"boom at %s","meta":{"token_count":100,"last_refill_time":1}}`, r.URL)
		case mode == "cut":
			fmt.Fprint(w, list[:strings.Index(list, `{"id":"n2"`)+10]) // the first node whole, the second cut
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		case mode == "always-500":
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"status":"error","type":"internal_error","message":"boom at %s","meta":{"token_count":100,"last_refill_time":1}}`, r.URL)
		case mode == "bad-element":
			fmt.Fprint(w, `{"status":"success","data":[{"id":"n1","latitude":1,"longitude":2},{"id":"n2","latitude":{"x":1}}]}`)
		default:
			fmt.Fprint(w, list)
		}
	}))
	c := katapult.New(srv, secret, katapult.WithRetryPolicy(katapult.RetryPolicy{MaxFailures: 2, Base: time.Millisecond, Max: time.Millisecond}),
		katapult.WithThrottle(throttle.New(throttle.Config{MinInterval: time.Millisecond})))
	ctx := testContext(t)
	var got []string
	collect := func(n *katapult.Node) error {
		got = append(got, n.ID)
		return nil
	}

	if err := c.EachNode(ctx, "job", katapult.ListNodesOptions{}, collect); err != nil || strings.Join(got, " ") != "n1 n2" || calls.Load() != 2 {
		t.Errorf("after one 500: err %v, nodes %v, %d calls; want n1 n2 after 2 calls", err, got, calls.Load())
	}

	// try runs EachNode with the server in mode m.
	try := func(m string) (string, int64, error) {
		mode.Store(m)
		got = nil
		calls.Store(0)
		err := c.EachNode(ctx, "job", katapult.ListNodesOptions{}, collect)
		return strings.Join(got, " "), calls.Load(), err
	}
	var errs []error
	var re *katapult.RequestError
	nodes, n, err := try("cut")
	if !errors.As(err, &re) || nodes != "n1" || n != 1 {
		t.Errorf("cut after one node: err %v, nodes %q, %d calls; want a *RequestError after n1 and 1 call", err, nodes, n)
	}
	errs = append(errs, err)
	nodes, n, err = try("always-500")
	var ae *katapult.APIError
	if !errors.As(err, &ae) || ae.Status != 500 || ae.Type != "internal_error" || nodes != "" || n != 3 {
		t.Errorf("always 500: err %v, nodes %q, %d calls; want the 500 after 3 calls", err, nodes, n)
	}
	errs = append(errs, err)
	nodes, n, err = try("bad-element")
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "decoding response") || nodes != "n1" || n != 1 {
		t.Errorf("bad element: err %v, nodes %q, %d calls; want a decoding *RequestError after n1, 1 call", err, nodes, n)
	}
	errs = append(errs, err)

	for i, err := range errs {
		for e := err; e != nil; e = errors.Unwrap(e) {
			if s := fmt.Sprintf("%v %#v", e, e); strings.Contains(s, secret) || strings.Contains(s, secret[:8]) {
				t.Errorf("case %d: %T leaks the key: %s", i, e, s)
			}
		}
	}
}
