package katapult_test

import (
	"context"
	"testing"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

// startSandbox runs a sandbox on loopback for one test and returns it with
// a client whose throttle knows the sandbox's limits.
func startSandbox(t testing.TB, opts sandbox.Options, copts ...katapult.Option) (*sandbox.Running, *katapult.Client) {
	t.Helper()
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { run.Close() })
	th := throttle.New(throttle.Config{MinInterval: opts.MinInterval, Refill: opts.Refill})
	c := katapult.New(run.URL, run.Key, append([]katapult.Option{katapult.WithThrottle(th)}, copts...)...)
	return run, c
}

// fastOptions are sandbox limits that keep unit tests quick.
func fastOptions() sandbox.Options {
	o := sandbox.DefaultOptions()
	o.MinInterval = time.Millisecond
	o.Bucket = 1_000_000
	return o
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }
