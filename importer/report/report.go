// Package report renders plans, progress, summaries and status for people
// (text) and scripts (--json: one JSON object per line). Rendering is kept
// apart from the decisions (package importer) so both views show the same
// data.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kpbulk/kpbulk/importer"
	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/kpbulk/kpbulk/mapping"
)

// DetailOps is how many changes a plan shows in detail.
const DetailOps = 10

// Plan writes a plan a person can read.
func Plan(w io.Writer, p *importer.Planned) {
	job := p.Job.ID
	switch {
	case job == "":
		fmt.Fprintf(w, "Plan for a new job %q (created on apply)\n", p.Job.Name)
	case p.Job.Name != "":
		fmt.Fprintf(w, "Plan for job %s (%s), namespace %s\n", job, p.Job.Name, p.Namespace)
	default:
		fmt.Fprintf(w, "Plan for job %s, namespace %s\n", job, p.Namespace)
	}
	width := 4
	for _, s := range p.Sets {
		width = max(width, len(s.Name))
	}
	for _, s := range p.Sets {
		fmt.Fprintf(w, "  %-*s  %-10s  +%-6d ~%-6d -%-6d =%d\n", width, s.Name, s.Kind, s.Creates, s.Updates, s.Deletes, s.Unchanged)
	}
	fmt.Fprintf(w, "Writes: %d (%d tokens)", len(p.Ops)+int(p.JobTokens/10), p.TotalTokens())
	fmt.Fprintf(w, "; reads: %d GET calls (%d tokens)", p.Gets, p.Gets)
	fmt.Fprintf(w, "; estimated time: %s\n", Duration(p.ETA))
	for i, o := range p.Ops {
		if i == DetailOps {
			fmt.Fprintf(w, "  ... and %d more\n", len(p.Ops)-DetailOps)
			break
		}
		fmt.Fprintf(w, "  %s\n", o.Summary())
	}
	if len(p.Ops) == 0 && p.Job.ID != "" {
		fmt.Fprintln(w, "No changes: the job already matches the sources.")
	}
	for _, u := range p.Unmatched {
		fmt.Fprintf(w, "unmatched: %s\n", u)
	}
}

// PlanJSON writes the plan as JSON lines: one per set, then the totals.
func PlanJSON(w io.Writer, p *importer.Planned) {
	enc := json.NewEncoder(w)
	for _, s := range p.Sets {
		enc.Encode(map[string]any{"event": "plan_set", "set": s.Name, "kind": s.Kind,
			"create": s.Creates, "update": s.Updates, "delete": s.Deletes, "unchanged": s.Unchanged})
	}
	for i, o := range p.Ops {
		if i == DetailOps {
			break
		}
		enc.Encode(map[string]any{"event": "plan_op", "set": o.Set, "kind": o.Kind, "action": o.Action,
			"id": o.EntityID, "key": o.Key, "changes": o.Changes, "file": o.Source.File, "sheet": o.Source.Sheet, "row": o.Source.Row})
	}
	for _, u := range p.Unmatched {
		enc.Encode(problemJSON("unmatched", u))
	}
	enc.Encode(map[string]any{"event": "plan", "job_id": p.Job.ID, "job_name": p.Job.Name, "new_job": p.Job.ID == "",
		"namespace": p.Namespace, "writes": len(p.Ops), "tokens": p.TotalTokens(), "gets": p.Gets,
		"eta_seconds": p.ETA.Seconds()})
}

// Problems writes validation problems, one per line (text) or object (JSON).
func Problems(w io.Writer, asJSON bool, ps []mapping.Problem) {
	enc := json.NewEncoder(w)
	for _, p := range ps {
		if asJSON {
			enc.Encode(problemJSON("problem", p))
		} else {
			fmt.Fprintln(w, p.String())
		}
	}
}

func problemJSON(event string, p mapping.Problem) map[string]any {
	return map[string]any{"event": event, "file": p.File, "sheet": p.Sheet, "row": p.Row, "column": p.Column,
		"value": p.Value, "message": p.Msg, "set": p.Set, "text": p.String()}
}

// Summary writes the end-of-run summary.
func Summary(w io.Writer, asJSON bool, s importer.Summary) {
	if asJSON {
		w.Write(append(s.JSON(), '\n'))
		return
	}
	fmt.Fprintf(w, "created %d, updated %d, deleted %d, unchanged %d, failed %d", s.Created, s.Updated, s.Deleted, s.Unchanged, s.Failed)
	if s.Pending > 0 {
		fmt.Fprintf(w, ", not yet sent %d", s.Pending)
	}
	fmt.Fprintf(w, "; tokens spent %d; 429s seen %d; wall time %s\n", s.Tokens, s.GeneralLimited+s.TokenLimited, Duration(s.Wall))
}

// Status writes a state file's progress and failures per set.
func Status(w io.Writer, asJSON bool, f *state.File, maxFailures int) error {
	meta, err := f.Meta()
	if err != nil {
		return err
	}
	prog, err := f.Progress()
	if err != nil {
		return err
	}
	failed, err := f.Ops(state.Failed)
	if err != nil {
		return err
	}
	runs, err := f.Runs()
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(w)
		for _, p := range prog {
			enc.Encode(map[string]any{"event": "status_set", "set": p.Set, "kind": p.Kind, "pending": p.Pending, "done": p.Done, "failed": p.Failed})
		}
		for _, op := range failed {
			enc.Encode(map[string]any{"event": "failure", "set": op.Set, "kind": op.Kind, "action": op.Action, "id": op.EntityID,
				"file": op.File, "sheet": op.Sheet, "row": op.Row, "http_status": op.HTTPStatus, "message": op.Message})
		}
		enc.Encode(map[string]any{"event": "status", "job_id": meta.JobID, "namespace": meta.Namespace, "mapping": meta.Mapping,
			"planned_at": meta.CreatedAt, "planned_tokens": meta.Tokens, "runs": len(runs)})
		return nil
	}
	fmt.Fprintf(w, "State %s: job %s, namespace %s, mapping %s, planned %s (%d tokens)\n",
		f.Path(), meta.JobID, meta.Namespace, meta.Mapping, meta.CreatedAt.Local().Format(time.DateTime), meta.Tokens)
	var total state.Progress
	for _, p := range prog {
		fmt.Fprintf(w, "  %-20s %-10s done %d, pending %d, failed %d\n", p.Set, p.Kind, p.Done, p.Pending, p.Failed)
		total.Done += p.Done
		total.Pending += p.Pending
		total.Failed += p.Failed
	}
	fmt.Fprintf(w, "Total: done %d, pending %d, failed %d", total.Done, total.Pending, total.Failed)
	switch {
	case len(prog) == 0:
		fmt.Fprintln(w, " (the plan has no writes)")
	case total.Pending == 0 && total.Failed == 0:
		fmt.Fprintln(w, " (complete)")
	default:
		fmt.Fprintf(w, " (kpbulk resume --state %s sends the rest)\n", f.Path())
	}
	for i, op := range failed {
		if i == maxFailures {
			fmt.Fprintf(w, "  ... and %d more failures (sqlite3 %s \"SELECT * FROM ops WHERE status='failed'\")\n", len(failed)-maxFailures, f.Path())
			break
		}
		fmt.Fprintf(w, "  failed: %s:%s:%d: %s %s %s: %d %s\n", op.File, op.Sheet, op.Row, op.Action, op.Kind, op.EntityID, op.HTTPStatus, op.Message)
	}
	for _, r := range runs {
		fmt.Fprintf(w, "  run %d: %s at %s: %s\n", r.ID, r.Command, r.StartedAt, runText(r))
	}
	return nil
}

// runText turns a run's stored JSON summary into the summary line.
func runText(r state.Run) string {
	if r.Finished == "" {
		return "did not finish (killed)"
	}
	var s struct {
		Created, Updated, Deleted, Unchanged, Failed, Pending int
		Tokens                                                int64
		Limited                                               int64   `json:"429s"`
		Wall                                                  float64 `json:"wall_seconds"`
		Interrupted                                           bool
	}
	if err := json.Unmarshal([]byte(r.Summary), &s); err != nil {
		return strings.TrimSpace(r.Summary)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "created %d, updated %d, deleted %d, failed %d", s.Created, s.Updated, s.Deleted, s.Failed)
	if s.Pending > 0 {
		fmt.Fprintf(&b, ", not sent %d", s.Pending)
	}
	fmt.Fprintf(&b, "; %d tokens, %d 429s, %s", s.Tokens, s.Limited, Duration(time.Duration(s.Wall*float64(time.Second))))
	if s.Interrupted {
		b.WriteString(" (interrupted)")
	}
	return b.String()
}

// Duration rounds d for people.
func Duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
