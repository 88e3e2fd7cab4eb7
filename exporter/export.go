package exporter

import (
	"context"
	"fmt"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
)

// Lister is the part of the API client an export reads with: two list calls
// (a handful of tokens however large the job), streamed. *katapult.Client
// implements it.
type Lister interface {
	EachNode(ctx context.Context, jobID string, o katapult.ListNodesOptions, fn func(*katapult.Node) error) error
	EachConnection(ctx context.Context, jobID string, fn func(*katapult.Connection) error) error
}

// Fetch reads a job, converting each node and connection to the job's
// compact form as the lists stream in. With since set, only the nodes
// updated after it are listed (the API's last_updated) and connections are
// not read: the API keeps no update time for them.
func Fetch(ctx context.Context, c Lister, jobID string, since time.Time) (*Job, error) {
	job := NewJob(jobID)
	opts := katapult.ListNodesOptions{}
	if !since.IsZero() {
		opts.LastUpdated = since.UTC().Format(time.RFC3339Nano)
	}
	err := c.EachNode(ctx, jobID, opts, func(n *katapult.Node) error {
		job.AddNode(n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing nodes of job %s: %w", jobID, err)
	}
	if !since.IsZero() {
		return job, nil
	}
	err = c.EachConnection(ctx, jobID, func(c *katapult.Connection) error {
		job.AddConnection(c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing connections of job %s: %w", jobID, err)
	}
	return job, nil
}

// ParseSince reads a --since value: an RFC 3339 time, a date (midnight
// UTC), or a duration back from now ("36h").
func ParseSince(s string, now time.Time) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a time (2026-03-04T05:06:07Z), a date (2026-03-04) or a duration back from now (36h)", s)
}

// Progress counts features as writers consume them: total is known up
// front, Add is called once per feature.
type Progress interface {
	Add(n int)
}

// Counted wraps layers so p sees every feature written. It returns the
// total number of features.
func Counted(layers []*Layer, p Progress) ([]*Layer, int) {
	total := 0
	out := make([]*Layer, len(layers))
	for i, l := range layers {
		total += l.Len
		c := *l
		src := l.Features
		c.Features = func(yield func(Feature) bool) {
			for f := range src {
				if !yield(f) {
					return
				}
				p.Add(1)
			}
		}
		out[i] = &c
	}
	return out, total
}

// Tally wraps layers so the features each one yields are counted into the
// returned slice (counts[i] for layers[i]) as the writers consume them. A
// layer's Len is an upper bound with a mapping (a set keeps only its
// entities); the tally is what was written.
func Tally(layers []*Layer) ([]*Layer, []int) {
	counts := make([]int, len(layers))
	out := make([]*Layer, len(layers))
	for i, l := range layers {
		c := *l
		src := l.Features
		c.Features = func(yield func(Feature) bool) {
			for f := range src {
				counts[i]++
				if !yield(f) {
					return
				}
			}
		}
		out[i] = &c
	}
	return out, counts
}
