package importer

import (
	"context"
	"time"

	"github.com/kpbulk/kpbulk/importer/executor"
	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/kpbulk/kpbulk/katapult"
)

// Execute sends the state file's unfinished ops (all of them for a fresh
// plan; the rest after an interruption), records the run, and summarises
// it. observe, when set, sees each outcome. A non-nil error means the run
// stopped early; the summary is still valid and the file resumable.
//
// Tokens, calls and 429s in the summary are the client's totals, not just
// the writes': a command makes one client, so they include what the plan
// read and the job's creation, and "tokens spent" is what the key paid.
func Execute(ctx context.Context, c *katapult.Client, st *state.File, command string, workers int, observe func(executor.Outcome)) (Summary, error) {
	begin := time.Now()
	meta, err := st.Meta()
	if err != nil {
		return Summary{}, err
	}
	ops, err := st.Unfinished()
	if err != nil {
		return Summary{}, err
	}
	runID, err := st.StartRun(command)
	if err != nil {
		return Summary{}, err
	}
	var s Summary
	sets, err := st.Sets()
	if err != nil {
		return Summary{}, err
	}
	for _, set := range sets {
		s.Unchanged += set.Unchanged
	}
	x := &executor.Executor{Client: c, JobID: meta.JobID, State: st, Workers: workers,
		Observe: func(o executor.Outcome) {
			if o.Status == state.Done {
				switch o.Op.Action {
				case "create":
					s.Created++
				case "update":
					s.Updated++
				case "delete":
					s.Deleted++
				}
			}
			if observe != nil {
				observe(o)
			}
		}}
	res, runErr := x.Run(ctx, ops)
	after := c.Stats()
	s.Failed, s.Pending, s.Interrupted = res.Failed, res.Pending, res.Interrupted
	s.Tokens, s.Calls = after.Tokens, after.Calls
	s.GeneralLimited, s.TokenLimited = after.GeneralLimited, after.TokenLimited
	s.Wall = time.Since(begin)
	if err := st.FinishRun(runID, s.JSON()); err != nil && runErr == nil {
		runErr = err
	}
	return s, runErr
}
