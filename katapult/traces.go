package katapult

import (
	"context"
	"encoding/json"
	"fmt"
)

// Trace groups photo elements (a cable, a guy, …). Its attributes are stored
// on the trace itself, so they land in Extra.
type Trace struct {
	ID        string                     `json:"id"`
	TraceType string                     `json:"_trace_type,omitempty"`
	Items     map[string]any             `json:"items,omitempty"`
	Extra     map[string]json.RawMessage `json:"-"`
}

func (t *Trace) UnmarshalJSON(b []byte) error {
	type plain Trace
	var v plain
	extra, err := decodeObject(b, &v)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	v.Extra = extra
	*t = Trace(v)
	return nil
}

func (t Trace) MarshalJSON() ([]byte, error) {
	type plain Trace
	return encodeObject(plain(t), t.Extra)
}

// TraceWrite is the body of a trace create or update.
type TraceWrite struct {
	TraceType  string         `json:"trace_type,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"` // flat map; nil values delete
}

// ListTraces returns the job's traces (1 token).
func (c *Client) ListTraces(ctx context.Context, jobID string) ([]Trace, error) {
	var out []Trace
	_, err := c.do(ctx, c.get(jobPath(jobID, "traces"), nil), &out)
	return out, err
}

// GetTrace returns one trace (1 token).
func (c *Client) GetTrace(ctx context.Context, jobID, traceID string) (Trace, error) {
	var out Trace
	_, err := c.do(ctx, c.get(jobPath(jobID, "traces", seg(traceID)), nil), &out)
	return out, err
}

// CreateTrace creates a trace (10 tokens). Not idempotent.
func (c *Client) CreateTrace(ctx context.Context, jobID string, w TraceWrite) (Trace, error) {
	r, err := c.post(jobPath(jobID, "traces"), nil, w, false)
	if err != nil {
		return Trace{}, err
	}
	var out Trace
	_, err = c.do(ctx, r, &out)
	return out, err
}

// UpsertTrace updates the trace, creating it at traceID if needed (10
// tokens). Idempotent.
func (c *Client) UpsertTrace(ctx context.Context, jobID, traceID string, w TraceWrite, o UpsertOptions) (Trace, error) {
	r, err := c.post(jobPath(jobID, "traces", seg(traceID)), onlyIfExists(o), w, true)
	if err != nil {
		return Trace{}, err
	}
	var out Trace
	_, err = c.do(ctx, r, &out)
	return out, err
}

// DeleteTrace deletes a trace (10 tokens).
func (c *Client) DeleteTrace(ctx context.Context, jobID, traceID string) error {
	_, err := c.do(ctx, c.del(jobPath(jobID, "traces", seg(traceID))), nil)
	return err
}
