// Package executor sends a plan's operations through the API client and
// records each outcome in the state file.
//
// Work runs phase by phase (nodes, connections, sections, deletes) with N
// workers per phase; the client paces every call through its throttle and
// retries what is safe, so the workers only need to keep enough calls in
// flight to hide latency. Every write is an upsert (or a delete) at a
// deterministic id, so an operation whose outcome was lost (crash, dropped
// connection) is simply sent again on resume.
//
// Cancelling ctx stops dispatching; calls already in flight get a grace
// period to finish and be recorded, then the run returns resumable.
package executor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/kpbulk/kpbulk/katapult"
)

// Outcome is what happened to one op in this run.
type Outcome struct {
	Op     state.Op
	Status state.Status // Done or Failed; Pending when not confirmed (interrupted)
	Err    error
}

// Executor runs ops for one job.
type Executor struct {
	Client  *katapult.Client
	JobID   string
	State   *state.File
	Workers int // calls in flight (default 8)
	// Grace is how long in-flight calls may run after ctx is cancelled
	// (default 15s).
	Grace time.Duration
	// Observe, when set, sees every outcome (called from worker
	// goroutines, serialised).
	Observe func(Outcome)
}

// Result counts a run's outcomes.
type Result struct {
	Done, Failed, Pending int
	Interrupted           bool
}

// ErrStopped reports a run stopped by an error that retries could not
// overcome (server down, auth); the remaining ops stay pending.
type ErrStopped struct{ Err error }

func (e *ErrStopped) Error() string {
	return fmt.Sprintf("run stopped (resume continues it): %v", e.Err)
}
func (e *ErrStopped) Unwrap() error { return e.Err }

// Run sends ops (in the order given, grouped by phase).
func (x *Executor) Run(ctx context.Context, ops []state.Op) (Result, error) {
	workers := x.Workers
	if workers <= 0 {
		workers = 8
	}
	grace := x.Grace
	if grace <= 0 {
		grace = 15 * time.Second
	}
	// Calls run on their own context so Ctrl-C does not abort requests in
	// flight (their outcome would be lost); they are cut only after grace.
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(grace, cancelCalls)
		<-callCtx.Done()
		t.Stop()
	})
	defer stopGrace()

	var (
		res     Result
		mu      sync.Mutex // guards res, stopErr and Observe calls
		stopErr error
	)
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return stopErr != nil || ctx.Err() != nil
	}
	for start := 0; start < len(ops); {
		end := start
		for end < len(ops) && ops[end].Phase == ops[start].Phase {
			end++
		}
		if stopped() {
			break
		}
		work := make(chan state.Op)
		var wg sync.WaitGroup
		for range min(workers, end-start) {
			wg.Go(func() {
				for op := range work {
					status, httpStatus, msg, err := x.send(callCtx, op)
					if status != state.Pending {
						if rerr := x.State.Record(op.Seq, status, httpStatus, msg); rerr != nil {
							err = rerr
							status = state.Pending
						}
					}
					mu.Lock()
					switch status {
					case state.Done:
						res.Done++
					case state.Failed:
						res.Failed++
					default:
						res.Pending++
						if stopErr == nil && err != nil && callCtx.Err() == nil {
							stopErr = err
						}
					}
					if x.Observe != nil {
						x.Observe(Outcome{Op: op, Status: status, Err: err})
					}
					mu.Unlock()
				}
			})
		}
		i := start
		for ; i < end && !stopped(); i++ {
			select {
			case work <- ops[i]:
			case <-ctx.Done():
			}
		}
		close(work)
		wg.Wait()
		mu.Lock()
		res.Pending += end - i
		mu.Unlock()
		start = end
	}
	// Ops of phases never started.
	counted := res.Done + res.Failed + res.Pending
	res.Pending += len(ops) - counted
	res.Interrupted = ctx.Err() != nil
	if stopErr != nil && !res.Interrupted {
		return res, &ErrStopped{Err: stopErr}
	}
	return res, nil
}

// send performs one op and classifies the result: Done, Failed (the API
// rejected it; recorded with its message) or Pending with an error (not
// confirmed; sent again on resume).
func (x *Executor) send(ctx context.Context, op state.Op) (state.Status, int, string, error) {
	err := x.call(ctx, op)
	if err == nil {
		return state.Done, 200, "", nil
	}
	if op.Action == "delete" && katapult.IsNotFound(err) {
		return state.Done, 404, "already gone", nil
	}
	var ae *katapult.APIError
	if katapult.IsPermanent(err) && !katapult.IsAuth(err) && errors.As(err, &ae) {
		msg := ae.Message
		if ae.Type != "" {
			msg = ae.Type + ": " + msg
		}
		return state.Failed, ae.Status, msg, nil
	}
	return state.Pending, 0, "", err
}

func (x *Executor) call(ctx context.Context, op state.Op) error {
	switch op.Kind + "/" + op.Action {
	case "node/create", "node/update":
		var w katapult.NodeWrite
		if err := json.Unmarshal(op.Body, &w); err != nil {
			return badBody(op, err)
		}
		_, err := x.Client.UpsertNode(ctx, x.JobID, op.EntityID, w, katapult.UpsertOptions{OnlyIfExists: op.Action == "update"})
		return err
	case "connection/create", "connection/update":
		var w katapult.ConnectionWrite
		if err := json.Unmarshal(op.Body, &w); err != nil {
			return badBody(op, err)
		}
		_, err := x.Client.UpsertConnection(ctx, x.JobID, op.EntityID, w, katapult.UpsertOptions{OnlyIfExists: op.Action == "update"})
		return err
	case "section/create", "section/update":
		var w katapult.SectionWrite
		if err := json.Unmarshal(op.Body, &w); err != nil {
			return badBody(op, err)
		}
		_, err := x.Client.UpsertSection(ctx, x.JobID, op.ParentID, op.EntityID, w, katapult.UpsertOptions{OnlyIfExists: op.Action == "update"})
		return err
	case "node/delete":
		return x.Client.DeleteNode(ctx, x.JobID, op.EntityID)
	case "connection/delete":
		return x.Client.DeleteConnection(ctx, x.JobID, op.EntityID)
	case "section/delete":
		return x.Client.DeleteSection(ctx, x.JobID, op.ParentID, op.EntityID)
	}
	return &katapult.APIError{Status: 400, Type: "unsupported", Message: fmt.Sprintf("kpbulk cannot run op %s/%s", op.Kind, op.Action)}
}

func badBody(op state.Op, err error) error {
	return &katapult.APIError{Status: 400, Type: "bad_state", Message: fmt.Sprintf("op %d: unreadable body in the state file: %v", op.Seq, err)}
}
