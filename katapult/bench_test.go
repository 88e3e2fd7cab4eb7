package katapult_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/sandbox"
)

// windowCounter is an http.RoundTripper that counts successful writes per
// token window (the last_refill_time of each response's meta), so the
// benchmark reports exactly how many writes each window carried.
type windowCounter struct {
	next http.RoundTripper
	mu   sync.Mutex
	per  map[int64]int
}

func (w *windowCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(r)
	if err != nil || r.Method == http.MethodGet || resp.StatusCode != 200 {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var env struct {
		Meta katapult.Meta `json:"meta"`
	}
	if json.Unmarshal(body, &env) == nil {
		w.mu.Lock()
		w.per[env.Meta.LastRefillTime]++
		w.mu.Unlock()
	}
	return resp, nil
}

// BenchmarkWriteNodes writes 6,000 nodes (KPBULK_BENCH_NODES overrides)
// into a sandbox with scaled limits (bucket 2000, refill 2s, min interval
// 5ms, latency 40ms ± 20ms) and prints writes per window against the
// ceiling min(bucket/cost, refill/min-interval), 429s, retries and the
// calls in flight. Run it with:
//
//	go test -run '^$' -bench WriteNodes -benchtime 1x ./katapult
func BenchmarkWriteNodes(b *testing.B) {
	n := 6000
	if v, err := strconv.Atoi(os.Getenv("KPBULK_BENCH_NODES")); err == nil && v > 0 {
		n = v
	}
	for range b.N {
		benchWrite(b, n)
	}
}

func benchWrite(b *testing.B, n int) {
	opts := sandbox.DefaultOptions()
	opts.Bucket, opts.Refill, opts.MinInterval = 2000, 2*time.Second, 5*time.Millisecond
	opts.Latency, opts.LatencyJitter = 40*time.Millisecond, 20*time.Millisecond
	wc := &windowCounter{next: http.DefaultTransport.(*http.Transport).Clone(), per: map[int64]int{}}
	wc.next.(*http.Transport).MaxIdleConnsPerHost = 64
	run, c := startSandbox(b, opts, katapult.WithHTTPClient(&http.Client{Transport: wc}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	job, err := c.CreateJob(ctx, katapult.JobWrite{Name: "bench", Model: "m"})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	err = writeAll(ctx, n, 64, func(ctx context.Context, i int) error {
		_, err := c.UpsertNode(ctx, job.ID, nodeID(i), katapult.NodeWrite{Latitude: ptr(1.0), Longitude: ptr(1.0)}, katapult.UpsertOptions{})
		return err
	})
	elapsed := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}

	windows := make([]int64, 0, len(wc.per))
	for w := range wc.per {
		windows = append(windows, w)
	}
	slices.Sort(windows)
	ceiling := min(float64(opts.Bucket)/10, float64(opts.Refill)/float64(opts.MinInterval))
	// The first window also paid for the job, the last is partial: judge
	// the full windows in between.
	var full []int
	for i, w := range windows {
		if i > 0 && i < len(windows)-1 {
			full = append(full, wc.per[w])
		}
	}
	ss, cs := run.Server.Stats(), c.Stats()
	perRefill := float64(n) / (elapsed.Seconds() / opts.Refill.Seconds())
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "nodes\twindows\tceiling/window\tmin/window\tmean/window\tof ceiling\twrites per refill period (wall)\tof ceiling\ttoken 429\tgeneral 429\tretries\tmax in flight\telapsed\t\n")
	mn, mean := minMean(full)
	fmt.Fprintf(tw, "%d\t%d\t%.0f\t%d\t%.1f\t%.1f%%\t%.1f\t%.1f%%\t%d\t%d\t%d\t%d\t%s\t\n",
		n, len(windows), ceiling, mn, mean, 100*mean/ceiling, perRefill, 100*perRefill/ceiling,
		ss.TokenLimited, ss.GeneralLimited, cs.Retries, cs.MaxInFlight, elapsed.Round(time.Millisecond))
	tw.Flush()
	series := make([]int, len(windows))
	for i, w := range windows {
		series[i] = wc.per[w]
	}
	fmt.Println("writes per window, in order:", series)
	b.ReportMetric(100*mean/ceiling, "%ceiling/window")
	b.ReportMetric(100*perRefill/ceiling, "%ceiling/wall")
	b.ReportMetric(float64(ss.TokenLimited), "token429s")
	b.ReportMetric(float64(ss.GeneralLimited), "general429s")
}

func minMean(xs []int) (int, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	mn, sum := xs[0], 0
	for _, x := range xs {
		mn = min(mn, x)
		sum += x
	}
	return mn, float64(sum) / float64(len(xs))
}
