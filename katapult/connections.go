package katapult

import (
	"context"
	"io"
)

// ListConnections returns every connection of the job with its sections
// embedded (1 token). EachConnection reads the same list without holding it.
func (c *Client) ListConnections(ctx context.Context, jobID string) ([]Connection, error) {
	return collect[Connection](ctx, c, c.get(jobPath(jobID, "connections"), nil))
}

// EachConnection calls fn with every connection of the job, sections
// embedded, as the list is read (1 token); as EachNode.
func (c *Client) EachConnection(ctx context.Context, jobID string, fn func(*Connection) error) error {
	return each(ctx, c, c.get(jobPath(jobID, "connections"), nil), fn)
}

// GetConnection returns one connection and its sections (1 token).
func (c *Client) GetConnection(ctx context.Context, jobID, connID string) (Connection, error) {
	return call[Connection](ctx, c, c.get(jobPath(jobID, "connections", seg(connID)), nil))
}

// CreateConnection creates a connection at a server-chosen id (10 tokens).
// Not idempotent: see CreateJob.
func (c *Client) CreateConnection(ctx context.Context, jobID string, w ConnectionWrite) (Connection, error) {
	return postFor[Connection](ctx, c, jobPath(jobID, "connections"), nil, w, false)
}

// UpsertConnection updates the connection, creating it at connID if needed
// (10 tokens). Idempotent.
func (c *Client) UpsertConnection(ctx context.Context, jobID, connID string, w ConnectionWrite, o UpsertOptions) (Connection, error) {
	return postFor[Connection](ctx, c, jobPath(jobID, "connections", seg(connID)), onlyIfExists(o), w, true)
}

// DeleteConnection deletes the connection and its sections (10 tokens).
func (c *Client) DeleteConnection(ctx context.Context, jobID, connID string) error {
	_, err := c.do(ctx, c.del(jobPath(jobID, "connections", seg(connID))), nil)
	return err
}

// ListSections returns the sections of one connection (1 token).
func (c *Client) ListSections(ctx context.Context, jobID, connID string) ([]Section, error) {
	return call[[]Section](ctx, c, c.get(jobPath(jobID, "connections", seg(connID), "sections"), nil))
}

// GetSection returns one section (1 token).
func (c *Client) GetSection(ctx context.Context, jobID, connID, sectionID string) (Section, error) {
	return call[Section](ctx, c, c.get(jobPath(jobID, "connections", seg(connID), "sections", seg(sectionID)), nil))
}

// CreateSection creates a section at a server-chosen id (10 tokens). Not
// idempotent: see CreateJob.
func (c *Client) CreateSection(ctx context.Context, jobID, connID string, w SectionWrite) (Section, error) {
	return postFor[Section](ctx, c, jobPath(jobID, "connections", seg(connID), "sections"), nil, w, false)
}

// UpsertSection updates the section, creating it at sectionID if needed (10
// tokens). Idempotent. (MakeMidpoint is ignored by the update endpoint.)
func (c *Client) UpsertSection(ctx context.Context, jobID, connID, sectionID string, w SectionWrite, o UpsertOptions) (Section, error) {
	return postFor[Section](ctx, c, jobPath(jobID, "connections", seg(connID), "sections", seg(sectionID)), onlyIfExists(o), w, true)
}

// DeleteSection deletes the section (10 tokens).
func (c *Client) DeleteSection(ctx context.Context, jobID, connID, sectionID string) error {
	_, err := c.do(ctx, c.del(jobPath(jobID, "connections", seg(connID), "sections", seg(sectionID))), nil)
	return err
}

// UploadSectionPhoto uploads a JPEG and associates it with the section (10
// tokens); it returns the photo id. Not idempotent: see CreateJob.
func (c *Client) UploadSectionPhoto(ctx context.Context, jobID, connID, sectionID string, jpeg io.Reader, a Association) (string, error) {
	return c.upload(ctx, jobPath(jobID, "connections", seg(connID), "sections", seg(sectionID), "photos"), jpeg, a)
}
