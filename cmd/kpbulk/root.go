package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

// Exit codes (PRODUCT.md section 1).
const (
	exitOK      = 0 // done
	exitFailed  = 1 // failed
	exitInvalid = 2 // invalid input or usage; nothing was sent
	exitPartial = 3 // finished with some operations failed
)

// exitError carries an exit code out of a command. A nil err means the
// command already reported what went wrong.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks an error as invalid input or usage (exit 2).
func usageErr(err error) error { return &exitError{code: exitInvalid, err: err} }

// globals are the flags every command shares (PRODUCT.md section 1).
type globals struct {
	io *streams

	job         string
	state       string
	json        bool
	maxTokens   int64
	concurrency int
	prune       bool
	skipInvalid bool
	sandbox     bool
	force       bool
	yes         bool

	apiKeyFile  string
	baseURL     string
	minInterval time.Duration
	refill      time.Duration
}

func newRootCmd(io *streams) *cobra.Command {
	g := &globals{io: io}
	root := &cobra.Command{
		Use:           "kpbulk",
		Short:         "Bulk import and export for Katapult Pro jobs",
		Long:          "kpbulk moves data in bulk between files (CSV, XLSX, GeoJSON, Shapefile) and Katapult Pro jobs.\nEvery run is planned first, executed under the API's rate limits, and resumable.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(io.out)
	root.SetErr(io.errOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })

	pf := root.PersistentFlags()
	pf.BoolVar(&g.json, "json", false, "machine-readable output: one JSON object per line on stdout")
	pf.StringVar(&g.apiKeyFile, "api-key-file", "", "read the API key from this file (default: $KATAPULT_API_KEY)")
	pf.StringVar(&g.baseURL, "base-url", "", "API base URL (default: $KATAPULT_BASE_URL or https://katapultpro.com/api/v3)")
	pf.DurationVar(&g.minInterval, "min-interval", 50*time.Millisecond, "the server's general limit: minimum time between calls")
	pf.DurationVar(&g.refill, "refill", 60*time.Second, "the server's token bucket refill period")
	pf.IntVar(&g.concurrency, "concurrency", 0, "requests in flight (default: enough to hide the observed latency, within the token budget)")
	pf.BoolVar(&g.sandbox, "sandbox", false, "run against an embedded sandbox persisted at .kpbulk/sandbox.db (no API key needed)")

	root.AddCommand(
		newValidateCmd(g),
		newPlanCmd(g),
		newImportCmd(g),
		newApplyCmd(g),
		newResumeCmd(g),
		newStatusCmd(g),
		newExportCmd(g),
		newJobsCmd(g),
		newSandboxCmd(g),
	)
	return root
}
