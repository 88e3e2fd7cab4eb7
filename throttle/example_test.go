package throttle_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

// The throttle paces any client: acquire a ticket with the call's cost,
// make the call, report the outcome and the server's meta. Here plain
// net/http calls an in-process sandbox whose bucket holds 50 tokens and
// refills every 300ms: six writes of 10 tokens need a second window, and
// the throttle waits for it instead of collecting a 429.
func Example() {
	opts := sandbox.DefaultOptions()
	opts.Bucket, opts.Refill, opts.MinInterval = 50, 300*time.Millisecond, time.Millisecond
	srv, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	th := throttle.New(throttle.Config{MinInterval: opts.MinInterval, Refill: opts.Refill})
	ctx := context.Background()
	created := 0
	for created < 6 {
		tk, err := th.Acquire(ctx, 10)
		if err != nil {
			log.Fatal(err)
		}
		body := fmt.Sprintf(`{"name":"job %d","model":"m"}`, created)
		resp, err := http.Post(srv.URL+"/jobs?api_key="+srv.Key, "application/json", strings.NewReader(body))
		if err != nil {
			tk.Done(throttle.Result{Kind: throttle.Failed})
			log.Fatal(err)
		}
		var env struct {
			Meta *throttle.Meta `json:"meta"`
		}
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil {
			tk.Done(throttle.Result{Kind: throttle.Failed})
			log.Fatal(err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			tk.Done(throttle.Result{Kind: throttle.OK, Meta: env.Meta})
			created++
		case resp.StatusCode == http.StatusTooManyRequests && env.Meta != nil:
			tk.Done(throttle.Result{Kind: throttle.TokenLimited, Meta: env.Meta})
		case resp.StatusCode == http.StatusTooManyRequests:
			// The general limit (no meta): send it again.
			tk.Done(throttle.Result{Kind: throttle.GeneralLimited})
		default:
			tk.Done(throttle.Result{Kind: throttle.OK, Meta: env.Meta})
			log.Fatalf("status %d", resp.StatusCode)
		}
	}
	s := th.Stats()
	fmt.Println("jobs created:", created)
	fmt.Println("refills seen:", s.Windows, "token 429s:", s.TokenLimited, "tokens spent:", s.Tokens)

	// Estimate prices a plan with the same rules, without a clock: 1,000
	// writes against a fresh 10,000-token bucket at one call per 50ms.
	now := time.UnixMilli(1_700_000_000_000)
	d := throttle.EstimateUniform(throttle.Meta{TokenCount: 10000, LastRefillTime: now.UnixMilli()}, now,
		throttle.Limits{MinInterval: 50 * time.Millisecond, Refill: time.Minute}, 1000, 10)
	fmt.Println("1,000 writes take", d)
	// Output:
	// jobs created: 6
	// refills seen: 1 token 429s: 0 tokens spent: 60
	// 1,000 writes take 49.95s
}
