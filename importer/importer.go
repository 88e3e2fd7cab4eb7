// Package importer joins the stages of an import: it resolves the target
// job, reads the live job with list calls, diffs it against the mapping's
// entities (package plan), prices the plan under the rate limits, saves it
// in a state file (package state) and executes it (package executor).
//
// Commands in cmd/kpbulk stay thin: they parse flags and render; the
// decisions live here.
package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"github.com/kpbulk/kpbulk/importer/plan"
	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/mapping"
	"github.com/kpbulk/kpbulk/throttle"
)

// Job is the import's target.
type Job struct {
	ID   string // empty when the job is still to be created (plan only)
	Name string
	// New says the job did not exist and was (or, for a plan, would be)
	// created from the mapping's job block.
	New bool
}

// ResolveJob finds the target job: id when given, else the mapping's job
// block (exact name among active jobs). A missing job is created with the
// block's model and metadata when create is true; otherwise it is returned
// with an empty ID, to be planned as "create job".
func ResolveJob(ctx context.Context, c *katapult.Client, m *mapping.Mapping, id string, create bool) (Job, error) {
	if id != "" {
		return Job{ID: id}, nil
	}
	if m.Job == nil || m.Job.Name == "" {
		return Job{}, ErrNoJob
	}
	jobs, err := c.ListJobs(ctx, katapult.ListJobsOptions{})
	if err != nil {
		return Job{}, fmt.Errorf("list jobs: %w", err)
	}
	var found []katapult.JobSummary
	for _, j := range jobs {
		if j.Name == m.Job.Name && (j.Status == "" || j.Status == "active") {
			found = append(found, j)
		}
	}
	switch {
	case len(found) == 1:
		return Job{ID: found[0].ID, Name: found[0].Name}, nil
	case len(found) > 1:
		return Job{}, fmt.Errorf("%d active jobs are named %q (%s, %s, ...): pass --job ID", len(found), m.Job.Name, found[0].ID, found[1].ID)
	case !create:
		return Job{Name: m.Job.Name, New: true}, nil
	}
	if m.Job.Model == "" {
		return Job{}, fmt.Errorf("no active job is named %q and the mapping's job block has no model to create it with", m.Job.Name)
	}
	j, err := c.CreateJob(ctx, katapult.JobWrite{Name: m.Job.Name, Model: m.Job.Model, Metadata: m.Job.Metadata})
	if err != nil {
		return Job{}, fmt.Errorf("create job %q: %w", m.Job.Name, err)
	}
	return Job{ID: j.ID, Name: m.Job.Name, New: true}, nil
}

// ErrNoJob says neither --job nor a job block names the target.
var ErrNoJob = errors.New("no job: pass --job ID or give the mapping a job: block")

// ReadLive reads the job with two list calls.
func ReadLive(ctx context.Context, c *katapult.Client, jobID string) (plan.Live, error) {
	if jobID == "" {
		return plan.Live{}, nil
	}
	nodes, err := c.ListNodes(ctx, jobID, katapult.ListNodesOptions{})
	if err != nil {
		return plan.Live{}, fmt.Errorf("read job %s: %w", jobID, err)
	}
	conns, err := c.ListConnections(ctx, jobID)
	if err != nil {
		return plan.Live{}, fmt.Errorf("read job %s: %w", jobID, err)
	}
	return plan.Live{Nodes: nodes, Connections: conns}, nil
}

// Planned is a plan with what it was computed from and what it costs.
type Planned struct {
	*plan.Plan
	Job         Job
	Namespace   string
	Mapping     string
	Fingerprint string
	Gets        int           // GET calls made to plan (the client's calls so far: finding the job, reading it)
	ETA         time.Duration // estimated wall time of the writes
	JobTokens   int64         // creating the job, when it is new
	Prune       bool
}

// TotalTokens is the cost of applying the plan (writes, plus the job
// creation and apply's re-read when it runs separately are not included).
func (p *Planned) TotalTokens() int64 { return p.Tokens() + p.JobTokens }

// Make diffs the built sets against the live job and prices the plan. lim
// gives the server's limits (the bucket comes from the client's throttle,
// mirrored from the live meta of the calls made so far).
func Make(ctx context.Context, c *katapult.Client, m *mapping.Mapping, sets []*mapping.SetResult, job Job, prune bool, lim throttle.Limits) (*Planned, error) {
	live, err := ReadLive(ctx, c, job.ID)
	if err != nil {
		return nil, err
	}
	p := plan.Diff(sets, live, plan.Options{Namespace: m.Namespace, Prune: prune})
	out := &Planned{
		Plan: p, Job: job, Namespace: m.Namespace, Mapping: m.Path,
		Fingerprint: plan.Fingerprint(live), Gets: int(c.Stats().Calls), Prune: prune,
	}
	if job.ID == "" {
		out.JobTokens = 10
	}
	costs := make([]int64, 0, len(p.Ops)+1)
	if out.JobTokens > 0 {
		costs = append(costs, out.JobTokens)
	}
	for _, o := range p.Ops {
		costs = append(costs, o.Cost())
	}
	out.ETA = throttle.Estimate(liveMeta(c, lim), time.Now(), lim, costs)
	return out, nil
}

// liveMeta is the bucket state the client has mirrored from the server's
// meta so far (the planner's list calls make sure there is some).
func liveMeta(c *katapult.Client, lim throttle.Limits) throttle.Meta {
	th := c.Throttle()
	st := th.Stats()
	if !st.Known {
		return throttle.Meta{TokenCount: 10000, LastRefillTime: time.Now().UnixMilli()}
	}
	refill := lim.Refill
	if refill <= 0 {
		refill = 60 * time.Second
	}
	return throttle.Meta{TokenCount: st.Available, LastRefillTime: th.RefillAt().Add(-refill).UnixMilli()}
}

// DefaultStatePath is `.kpbulk/<job id>-<namespace>.db` next to the mapping.
func DefaultStatePath(mappingPath, jobID, namespace string) string {
	return filepath.Join(filepath.Dir(mappingPath), ".kpbulk", safeName(jobID)+"-"+safeName(namespace)+".db")
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string {
	if s == "" {
		return "new-job"
	}
	return unsafe.ReplaceAllString(s, "_")
}

// Save writes the plan into a new state file at path.
func Save(path string, p *Planned) (*state.File, error) {
	meta := state.Meta{
		JobID: p.Job.ID, JobName: p.Job.Name, Namespace: p.Namespace, Mapping: p.Mapping,
		Fingerprint: p.Fingerprint, CreatedAt: time.Now(), Tokens: p.TotalTokens(), Gets: p.Gets, Prune: p.Prune,
	}
	sets := make([]state.SetCount, len(p.Sets))
	for i, s := range p.Sets {
		sets[i] = state.SetCount{Name: s.Name, Kind: string(s.Kind), Creates: s.Creates, Updates: s.Updates, Deletes: s.Deletes, Unchanged: s.Unchanged}
	}
	// Ops stream into the file: a 100,000-op plan is not copied.
	ops := func(yield func(state.Op) bool) {
		for _, o := range p.Ops {
			if !yield(state.Op{
				Phase: o.Phase, Set: o.Set, Kind: string(o.Kind), Action: string(o.Action), EntityID: o.EntityID,
				ParentID: o.ParentID, Body: o.Body, Summary: o.Summary(),
				File: o.Source.File, Sheet: o.Source.Sheet, Row: o.Source.Row,
			}) {
				return
			}
		}
	}
	return state.Create(path, meta, sets, ops)
}

// ErrStale is returned by CheckFresh when the job changed since the plan.
var ErrStale = errors.New("the job changed since the plan was made: run plan again (or apply --force)")

// CheckFresh re-reads the job (two list calls) and compares it with the
// fingerprint the plan was made from.
func CheckFresh(ctx context.Context, c *katapult.Client, meta state.Meta) error {
	if meta.JobID == "" {
		return errors.New("the state file has no job id (the plan was made for a job still to be created): run import, or plan with --job")
	}
	live, err := ReadLive(ctx, c, meta.JobID)
	if err != nil {
		return err
	}
	if plan.Fingerprint(live) != meta.Fingerprint {
		return ErrStale
	}
	return nil
}

// Summary is the outcome of a run.
type Summary struct {
	Created, Updated, Deleted, Unchanged, Failed, Pending int
	Tokens                                                int64
	GeneralLimited, TokenLimited                          int64
	Calls                                                 int64
	Wall                                                  time.Duration
	Interrupted                                           bool
}

// JSON encodes the summary for the state file's runs table and --json.
func (s Summary) JSON() []byte {
	b, _ := json.Marshal(map[string]any{
		"event": "summary", "created": s.Created, "updated": s.Updated, "deleted": s.Deleted,
		"unchanged": s.Unchanged, "failed": s.Failed, "pending": s.Pending, "tokens": s.Tokens,
		"calls": s.Calls, "429s": s.GeneralLimited + s.TokenLimited, "token_429s": s.TokenLimited,
		"wall_seconds": s.Wall.Seconds(), "interrupted": s.Interrupted,
	})
	return b
}
