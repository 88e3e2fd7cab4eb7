package katapult

import (
	"context"
	"encoding/json"
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
	return unmarshalObject("trace", b, (*plain)(t))
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
	return call[[]Trace](ctx, c, c.get(jobPath(jobID, "traces"), nil))
}

// GetTrace returns one trace (1 token).
func (c *Client) GetTrace(ctx context.Context, jobID, traceID string) (Trace, error) {
	return call[Trace](ctx, c, c.get(jobPath(jobID, "traces", seg(traceID)), nil))
}

// CreateTrace creates a trace (10 tokens). Not idempotent.
func (c *Client) CreateTrace(ctx context.Context, jobID string, w TraceWrite) (Trace, error) {
	return postFor[Trace](ctx, c, jobPath(jobID, "traces"), nil, w, false)
}

// UpsertTrace updates the trace, creating it at traceID if needed (10
// tokens). Idempotent.
func (c *Client) UpsertTrace(ctx context.Context, jobID, traceID string, w TraceWrite, o UpsertOptions) (Trace, error) {
	return postFor[Trace](ctx, c, jobPath(jobID, "traces", seg(traceID)), onlyIfExists(o), w, true)
}

// DeleteTrace deletes a trace (10 tokens).
func (c *Client) DeleteTrace(ctx context.Context, jobID, traceID string) error {
	_, err := c.do(ctx, c.del(jobPath(jobID, "traces", seg(traceID))), nil)
	return err
}
