package katapult

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// ListJobsOptions filter the job list.
type ListJobsOptions struct {
	IncludeArchived bool
	// MetadataFilter is "attribute:value", several joined with commas.
	MetadataFilter string
	// LastUpdated (ISO-8601) returns only jobs updated strictly after it.
	LastUpdated string
	// Limit caps the number of jobs returned (0: no cap).
	Limit int
}

// ListJobs lists the jobs the key can access (1 token).
func (c *Client) ListJobs(ctx context.Context, o ListJobsOptions) ([]JobSummary, error) {
	q := url.Values{}
	if o.IncludeArchived {
		q.Set("includeArchived", "true")
	}
	if o.MetadataFilter != "" {
		q.Set("metadataFilter", o.MetadataFilter)
	}
	addListOptions(q, o.LastUpdated, o.Limit)
	return call[[]JobSummary](ctx, c, c.get("/jobs", q))
}

func addListOptions(q url.Values, lastUpdated string, limit int) {
	if lastUpdated != "" {
		q.Set("last_updated", lastUpdated)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
}

// GetJob returns a job's partial data; paths (name, status, metadata, …)
// narrow it, none returns the default set (1 token).
func (c *Client) GetJob(ctx context.Context, jobID string, paths ...string) (Job, error) {
	var q url.Values
	if len(paths) > 0 {
		q = url.Values{"paths": {strings.Join(paths, ",")}}
	}
	out, err := call[Job](ctx, c, c.get(jobPath(jobID), q))
	if out.ID == "" && err == nil {
		out.ID = jobID
	}
	return out, err
}

// CreateJob creates a job (10 tokens). Not idempotent: it is retried only
// when the request provably never reached a route handler; otherwise a
// failure is a *MaybeAppliedError and the caller must look before retrying.
func (c *Client) CreateJob(ctx context.Context, w JobWrite) (Job, error) {
	return postFor[Job](ctx, c, "/jobs", nil, w, false)
}

// UpdateJob updates a job's name, model, map styles, metadata or sharing
// (10 tokens).
func (c *Client) UpdateJob(ctx context.Context, jobID string, w JobWrite) (Job, error) {
	out, err := postFor[Job](ctx, c, jobPath(jobID), nil, w, true)
	if out.ID == "" && err == nil {
		out.ID = jobID
	}
	return out, err
}

// JobStatus is a job's status: "active" or "archived".
type JobStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// GetJobStatus returns whether the job is active or archived (1 token).
func (c *Client) GetJobStatus(ctx context.Context, jobID string) (string, error) {
	out, err := call[JobStatus](ctx, c, c.get(jobPath(jobID, "status"), nil))
	return out.Status, err
}

// SetJobStatus sets the job's status, "active" or "archived" (10 tokens).
func (c *Client) SetJobStatus(ctx context.Context, jobID, status string) error {
	r, err := c.post(jobPath(jobID, "status"), nil, map[string]string{"status": status}, true)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, r, nil)
	return err
}

// Welcome calls GET / (0 tokens): a cheap check that the key works. It
// returns the server's message.
func (c *Client) Welcome(ctx context.Context) (string, error) {
	r := c.get("/", nil)
	r.cost = c.costs.Welcome
	env, err := c.do(ctx, r, nil)
	if err != nil {
		return "", err
	}
	return env.Message, nil
}
