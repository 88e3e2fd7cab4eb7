package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kpbulk/kpbulk/sandbox"
)

// sandboxFlags are `kpbulk sandbox`'s own flags. --min-interval and
// --refill are the root's persistent flags (same meaning), read from g.
type sandboxFlags struct {
	addr, db, key   string
	bucket          int
	schedule        string
	latency, jitter time.Duration
	failRate        float64
	failAfterRate   float64
	dropRate        float64
	seed            int64
	load            []string
}

func newSandboxCmd(g *globals) *cobra.Command {
	f := &sandboxFlags{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the local emulator of the Katapult Pro API v3",
		Long: `Runs a local emulator of the Katapult Pro API v3 until Ctrl-C: the same paths under
/api/v3, envelopes, errors, token costs, general limit and token bucket, persisted to an
SQLite file. Point kpbulk at it with KATAPULT_BASE_URL=<printed URL> KATAPULT_API_KEY=<key>.
--load seeds a job from a Katapult job JSON export, keeping its ids. See docs/sandbox.md.`,
		Example: `  kpbulk sandbox --load job.json
  kpbulk sandbox --db :memory: --bucket 500 --refill 10s --fail-rate 0.02 --seed 1`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr(fmt.Errorf("sandbox takes no arguments, got %q (seed jobs with --load FILE)", args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runSandbox(cmd, g, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8787", "address to listen on (port 0 picks a free one)")
	fl.StringVar(&f.db, "db", filepath.Join(".kpbulk", "sandbox.db"), "SQLite file the state persists to (:memory: keeps nothing)")
	fl.StringVar(&f.key, "key", "sandbox", "the API key the sandbox accepts")
	fl.IntVar(&f.bucket, "bucket", 10000, "token bucket size")
	fl.StringVar(&f.schedule, "bucket-schedule", "", "comma list of bucket sizes for successive refills, cycling (e.g. 10000,2000)")
	fl.DurationVar(&f.latency, "latency", 0, "latency added to every response")
	fl.DurationVar(&f.jitter, "latency-jitter", 0, "random ± jitter on the added latency")
	fl.Float64Var(&f.failRate, "fail-rate", 0, "fraction of calls answered 500 before applying")
	fl.Float64Var(&f.failAfterRate, "fail-after-apply-rate", 0, "fraction of writes applied, then answered 500")
	fl.Float64Var(&f.dropRate, "drop-rate", 0, "fraction of writes applied, then dropped without an answer")
	fl.Int64Var(&f.seed, "seed", 1, "seed for the fault and jitter draws")
	fl.StringArrayVar(&f.load, "load", nil, "seed a job from a Katapult job JSON export (repeatable)")
	return cmd
}

func (f *sandboxFlags) options(g *globals) (sandbox.Options, error) {
	o := sandbox.DefaultOptions()
	o.Key = f.key
	o.Bucket = f.bucket
	o.MinInterval = g.minInterval
	o.Refill = g.refill
	o.Latency, o.LatencyJitter = f.latency, f.jitter
	o.FailRate, o.FailAfterApplyRate, o.DropRate = f.failRate, f.failAfterRate, f.dropRate
	o.Seed = f.seed
	if f.db != ":memory:" {
		o.DBPath = f.db
	}
	if f.schedule != "" {
		for _, part := range strings.Split(f.schedule, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || n <= 0 {
				return o, fmt.Errorf("--bucket-schedule %q: %q is not a positive whole number", f.schedule, part)
			}
			o.BucketSchedule = append(o.BucketSchedule, n)
		}
	}
	return o, nil
}

func runSandbox(cmd *cobra.Command, g *globals, f *sandboxFlags) error {
	opts, err := f.options(g)
	if err != nil {
		return usageErr(err)
	}
	// Read the files first so a bad --load stops before anything starts.
	docs := make([][]byte, len(f.load))
	for i, path := range f.load {
		if docs[i], err = os.ReadFile(path); err != nil {
			return usageErr(fmt.Errorf("--load: %w", err))
		}
	}
	if opts.DBPath != "" {
		if err := os.MkdirAll(filepath.Dir(opts.DBPath), 0o755); err != nil {
			return err
		}
	}
	run, err := sandbox.Start(opts, f.addr)
	if err != nil {
		return usageErr(err)
	}
	type loaded struct {
		File  string `json:"file"`
		JobID string `json:"job_id"`
		Kept  bool   `json:"kept,omitempty"` // already there, left as it was
	}
	var jobs []loaded
	for i, doc := range docs {
		id, err := run.Server.LoadJobJSON(strings.NewReader(string(doc)))
		switch {
		case errors.Is(err, sandbox.ErrJobExists):
			jobs = append(jobs, loaded{f.load[i], id, true})
		case err != nil:
			run.Close()
			return usageErr(fmt.Errorf("--load %s: %w", f.load[i], err))
		default:
			jobs = append(jobs, loaded{f.load[i], id, false})
		}
	}

	out, errOut := g.io.out, g.io.errOut
	if g.json {
		b, _ := json.Marshal(map[string]any{"event": "listening", "url": run.URL, "key": run.Key, "db": f.db, "jobs": jobs})
		fmt.Fprintln(out, string(b))
	} else {
		fmt.Fprintf(out, "Sandbox serving %s\nAPI key: %s\n", run.URL, run.Key)
		for _, j := range jobs {
			verb := "loaded"
			if j.Kept {
				verb = "already loaded (kept as it is)"
			}
			fmt.Fprintf(out, "Job %s %s from %s\n", j.JobID, verb, j.File)
		}
		fmt.Fprintf(errOut, "State in %s. Try:\n  KATAPULT_BASE_URL=%s KATAPULT_API_KEY=%s kpbulk jobs\nCtrl-C stops.\n", f.db, run.URL, run.Key)
	}

	<-cmd.Context().Done()
	err = run.Close()
	st := run.Server.Stats()
	if g.json {
		b, _ := json.Marshal(map[string]any{"event": "stopped", "stats": st})
		fmt.Fprintln(out, string(b))
	} else {
		fmt.Fprintf(errOut, "Sandbox stopped: %d calls (%d writes, %d reads), %d tokens spent, 429s: %d general / %d token, %d injected 5xx, %d dropped\n",
			st.Calls, st.Writes, st.Reads, st.TokensSpent, st.GeneralLimited, st.TokenLimited, st.Failed5xx, st.Dropped)
	}
	if err != nil {
		return fmt.Errorf("closing the sandbox: %w", err)
	}
	return nil
}
