// Command import benchmarks kpbulk's import against the sandbox with the
// public API's limits scaled down in time, and prints a table.
//
//	go run ./bench/import                 # 10,000 poles + 10,000 spans, limits ÷10
//	go run ./bench/import -scale 20 -latency 15ms
//	go run ./bench/import -plan-rows 100000 -poles 0   # only the plan benchmark
//
// Scaling: MinInterval and Refill are both divided by -scale (50ms → 5ms,
// 60s → 6s at scale 10); the bucket stays 10,000 tokens. Both limits shrink
// by the same factor, so which one binds (the token bucket, as on the real
// API: 1,000 writes a minute < 20 calls a second) is unchanged, and the
// real wall time is the measured one × scale.
//
// The ideal is throttle.Estimate over the run's calls from a full bucket:
// the shortest time the two limits allow, without latency. Tokens are
// compared with the minimum: 10 per write plus 1 per GET the plan needs.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/kpbulk/kpbulk/formats"
	"github.com/kpbulk/kpbulk/importer"
	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/mapping"
	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

func main() {
	poles := flag.Int("poles", 10000, "poles (and as many spans) to import; 0 skips the import benchmark")
	planRows := flag.Int("plan-rows", 100000, "rows of the survey to plan (no writes); 0 skips the plan benchmark")
	scale := flag.Float64("scale", 10, "divide the API's time limits by this")
	latency := flag.Duration("latency", 0, "sandbox latency added to every call")
	workers := flag.Int("workers", 16, "executor workers (the throttle decides what is really in flight)")
	inFlight := flag.Int("inflight", 0, "fixed calls in flight (0: the throttle adapts to latency; as --concurrency)")
	flag.Parse()
	if err := run(*poles, *planRows, *scale, *latency, *workers, *inFlight); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type row struct{ name, value, target string }

func run(poles, planRows int, scale float64, latency time.Duration, workers, inFlight int) error {
	dir, err := os.MkdirTemp("", "kpbulk-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var rows []row
	if poles > 0 {
		r, err := benchImport(dir, poles, scale, latency, workers, inFlight)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	if planRows > 0 {
		r, err := benchPlan(dir, planRows)
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tvalue\ttarget")
	fmt.Fprintln(tw, "-------\t-----\t------")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.name, r.value, r.target)
	}
	return tw.Flush()
}

// writeSurvey writes n poles on a grid and n spans joining them (each pole
// to its east neighbour, wrapping rows, and one closing span), plus the
// mapping.
func writeSurvey(dir string, n int, spans bool) (string, error) {
	var p, s strings.Builder
	p.WriteString("Tag,Lat,Lon,Height,Class,Note\n")
	s.WriteString("From,To\n")
	const cols = 100
	for i := range n {
		lat := 40.0 + float64(i/cols)*0.0004
		lon := -88.3 + float64(i%cols)*0.0005
		note := ""
		if i%7 == 0 {
			note = "guy needed"
		}
		fmt.Fprintf(&p, "P%06d,%.7f,%.7f,%d,%d,%s\n", i, lat, lon, 30+i%5*5, 1+i%5, note)
		if spans {
			fmt.Fprintf(&s, "P%06d,P%06d\n", i, (i+1)%n)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "poles.csv"), []byte(p.String()), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "spans.csv"), []byte(s.String()), 0o644); err != nil {
		return "", err
	}
	m := `version: 1
namespace: bench
nodes:
  - name: poles
    source: poles.csv
    key: "{Tag}"
    latitude: "{Lat}"
    longitude: "{Lon}"
    attributes:
      node_type: pole
      pole_tag: "{Tag}"
      pole_height: {value: "{Height}", type: number}
      pole_class: {value: "{Class}", map: {"1": "Class 1", "2": "Class 2", "3": "Class 3", "4": "Class 4", "5": "Class 5"}}
      note: {value: "{Note}", empty: skip}
`
	if spans {
		m += `connections:
  - name: spans
    source: spans.csv
    key: "{From}->{To}"
    node_1: {set: poles, key: "{From}"}
    node_2: {set: poles, key: "{To}"}
    attributes:
      connection_type: aerial cable
`
	}
	path := filepath.Join(dir, "mapping.yaml")
	return path, os.WriteFile(path, []byte(m), 0o644)
}

func build(ctx context.Context, path string) (*mapping.Mapping, *mapping.Result, error) {
	m, err := mapping.Load(path)
	if err != nil {
		return nil, nil, err
	}
	res, err := m.Build(ctx, formats.Open)
	if err != nil {
		return nil, nil, err
	}
	if !res.OK() {
		return nil, nil, fmt.Errorf("bench data invalid: %v", res.Problems[0])
	}
	return m, res, nil
}

func benchImport(dir string, n int, scale float64, latency time.Duration, workers, inFlight int) ([]row, error) {
	ctx := context.Background()
	sub := filepath.Join(dir, "import")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return nil, err
	}
	mpath, err := writeSurvey(sub, n, true)
	if err != nil {
		return nil, err
	}
	opts := sandbox.DefaultOptions()
	opts.MinInterval = time.Duration(float64(opts.MinInterval) / scale)
	opts.Refill = time.Duration(float64(opts.Refill) / scale)
	opts.Latency = latency
	srv, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	// The throttle as the CLI configures it for a loopback server (connect.go).
	th := throttle.New(throttle.Config{MinInterval: opts.MinInterval, Refill: opts.Refill, FixedInFlight: inFlight, RefillSlack: 5 * time.Millisecond})
	c := katapult.New(srv.URL, srv.Key, katapult.WithThrottle(th))
	job, err := c.CreateJob(ctx, katapult.JobWrite{Name: "bench", Model: "bench"})
	if err != nil {
		return nil, err
	}
	// Start the measured run on a fresh bucket, as the ideal assumes.
	time.Sleep(opts.Refill + 100*time.Millisecond)
	base := srv.Server.Stats()

	m, res, err := build(ctx, mpath)
	if err != nil {
		return nil, err
	}
	begin := time.Now()
	p, err := importer.Make(ctx, c, m, res.Sets, importer.Job{ID: job.ID}, false, throttle.Limits{MinInterval: opts.MinInterval, Refill: opts.Refill})
	if err != nil {
		return nil, err
	}
	f, err := importer.Save(filepath.Join(sub, "state.db"), p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if os.Getenv("BENCH_TRACE") != "" {
		go func() {
			for t0 := time.Now(); ; time.Sleep(500 * time.Millisecond) {
				st, cs := srv.Server.Stats(), c.Stats()
				fmt.Fprintf(os.Stderr, "%6.1fs writes %6d general429 %4d inflight %2d available %5d budget %5d windows %d\n",
					time.Since(t0).Seconds(), st.Writes-base.Writes, st.GeneralLimited, cs.InFlight, cs.Available, cs.Budget, cs.Windows)
			}
		}()
	}
	sum, err := importer.Execute(ctx, c, f, "bench", workers, nil)
	if err != nil {
		return nil, err
	}
	wall := time.Since(begin)
	st := srv.Server.Stats()
	writes := st.Writes - base.Writes
	reads := st.Reads - base.Reads
	tokens := st.TokensSpent - base.TokensSpent

	costs := make([]int64, 0, len(p.Ops)+2)
	costs = append(costs, 1, 1) // the plan's two list calls
	for range p.Ops {
		costs = append(costs, 10)
	}
	ideal := throttle.Estimate(throttle.Meta{TokenCount: int64(opts.Bucket), LastRefillTime: time.Now().UnixMilli()}, time.Now(),
		throttle.Limits{MinInterval: opts.MinInterval, Refill: opts.Refill, Bucket: int64(opts.Bucket)}, costs)
	minTokens := int64(10*len(p.Ops) + 2)
	return []row{
		{"import: entities", fmt.Sprintf("%d poles + %d spans (%d writes planned, %d applied, %d failed)", n, n, len(p.Ops), writes, sum.Failed), ""},
		{"import: limits", fmt.Sprintf("interval %s, refill %s, bucket %d, latency %s (API ÷ %g), in flight %s", opts.MinInterval, opts.Refill, opts.Bucket, latency, scale, inFlightText(inFlight, c)), ""},
		{"import: wall time", fmt.Sprintf("%s (ideal %s; ×%g = %s at real limits)", wall.Round(time.Millisecond), ideal.Round(time.Millisecond), scale, time.Duration(float64(wall)*scale).Round(time.Second)), ""},
		{"import: throughput vs ideal", fmt.Sprintf("%.1f%%", 100*ideal.Seconds()/wall.Seconds()), "≥ 95%"},
		{"import: tokens", fmt.Sprintf("%d (minimum %d, +%.3f%%)", tokens, minTokens, 100*float64(tokens-minTokens)/float64(minTokens)), "≤ +0.1%"},
		{"import: GETs", fmt.Sprintf("%d", reads), ""},
		{"import: 429s (general / token)", fmt.Sprintf("%d / %d", st.GeneralLimited-base.GeneralLimited, st.TokenLimited-base.TokenLimited), "token = 0"},
		{"import: plan ETA", fmt.Sprintf("%s", p.ETA.Round(time.Millisecond)), ""},
	}, nil
}

func benchPlan(dir string, n int) ([]row, error) {
	ctx := context.Background()
	sub := filepath.Join(dir, "plan")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return nil, err
	}
	mpath, err := writeSurvey(sub, n, false)
	if err != nil {
		return nil, err
	}
	srv, err := sandbox.Start(sandbox.DefaultOptions(), "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	c := katapult.New(srv.URL, srv.Key)
	job, err := c.CreateJob(ctx, katapult.JobWrite{Name: "plan", Model: "bench"})
	if err != nil {
		return nil, err
	}
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse+ms.StackInuse > peak.Load() {
				peak.Store(ms.HeapInuse + ms.StackInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	begin := time.Now()
	m, res, err := build(ctx, mpath)
	if err != nil {
		return nil, err
	}
	built := time.Now()
	p, err := importer.Make(ctx, c, m, res.Sets, importer.Job{ID: job.ID}, false, throttle.Limits{})
	if err != nil {
		return nil, err
	}
	diffed := time.Now()
	f, err := importer.Save(filepath.Join(sub, "state.db"), p)
	if err != nil {
		return nil, err
	}
	f.Close()
	wall := time.Since(begin)
	phases := fmt.Sprintf("read+map %s, read job+diff+price %s, save %s", built.Sub(begin).Round(time.Millisecond),
		diffed.Sub(built).Round(time.Millisecond), time.Since(diffed).Round(time.Millisecond))
	close(stop)
	<-sampled
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return []row{
		{"plan: rows", fmt.Sprintf("%d poles (%d creates planned, state file written)", n, len(p.Ops)), ""},
		{"plan: wall time", wall.Round(time.Millisecond).String() + " (" + phases + ")", "< 5s"},
		{"plan: peak Go heap+stacks", fmt.Sprintf("%.0f MB (runtime Sys %.0f MB)", float64(peak.Load())/1e6, float64(ms.Sys)/1e6), "< 300 MB"},
		{"plan: ETA at real limits", p.ETA.Round(time.Second).String(), ""},
	}, nil
}

func inFlightText(fixed int, c *katapult.Client) string {
	if fixed > 0 {
		return fmt.Sprintf("%d fixed", fixed)
	}
	return fmt.Sprintf("adaptive (max %d)", c.Stats().MaxInFlight)
}
