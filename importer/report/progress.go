package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/kpbulk/kpbulk/importer/executor"
	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/schollz/progressbar/v3"
)

// Progress shows a run's progress: a bar with rate and ETA on a terminal,
// a plain line every Every otherwise, and one JSON event per operation with
// --json. Observe is called serialised by the executor.
type Progress struct {
	total, n, failed int
	start, last      time.Time
	every            time.Duration
	bar              *progressbar.ProgressBar
	plain            io.Writer
	json             *json.Encoder
}

// NewProgress returns a progress view for total ops. errOut gets the bar
// (tty) or the plain lines; out gets JSON events when asJSON.
func NewProgress(errOut, out io.Writer, tty, asJSON bool, total int) *Progress {
	p := &Progress{total: total, start: time.Now(), every: 5 * time.Second}
	p.last = p.start
	switch {
	case asJSON:
		p.json = json.NewEncoder(out)
	case tty:
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(errOut),
			progressbar.OptionSetDescription("writing"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("ops"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	default:
		p.plain = errOut
	}
	return p
}

// Observe records one outcome.
func (p *Progress) Observe(o executor.Outcome) {
	p.n++
	if o.Status == state.Failed {
		p.failed++
	}
	switch {
	case p.json != nil:
		ev := map[string]any{"event": "op", "seq": o.Op.Seq, "set": o.Op.Set, "kind": o.Op.Kind, "action": o.Op.Action,
			"id": o.Op.EntityID, "status": o.Status}
		if o.Status == state.Failed {
			ev["file"], ev["sheet"], ev["row"] = o.Op.File, o.Op.Sheet, o.Op.Row
		}
		p.json.Encode(ev)
	case p.bar != nil:
		p.bar.Add(1)
	default:
		if now := time.Now(); now.Sub(p.last) >= p.every {
			p.last = now
			p.line(now)
		}
	}
}

func (p *Progress) line(now time.Time) {
	el := now.Sub(p.start)
	rate := float64(p.n) / el.Seconds()
	eta := "?"
	if rate > 0 {
		eta = Duration(time.Duration(float64(p.total-p.n) / rate * float64(time.Second)))
	}
	fmt.Fprintf(p.plain, "kpbulk: %d/%d ops (%d%%), %d failed, %.1f ops/s, ETA %s\n",
		p.n, p.total, p.n*100/max(p.total, 1), p.failed, rate, eta)
}

// Finish ends the bar, or prints the last plain line.
func (p *Progress) Finish() {
	switch {
	case p.bar != nil:
		p.bar.Finish()
	case p.plain != nil && p.n > 0:
		p.line(time.Now())
	}
}
