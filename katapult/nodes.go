package katapult

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// ListNodesOptions narrow a node list.
type ListNodesOptions struct {
	// LastUpdated (ISO-8601) returns only nodes updated strictly after it.
	LastUpdated string
	// Limit caps the number of nodes returned (0: no cap).
	Limit int
}

// ListNodes returns every node of the job (1 token, however many nodes).
// EachNode reads the same list without holding it.
func (c *Client) ListNodes(ctx context.Context, jobID string, o ListNodesOptions) ([]Node, error) {
	return collect[Node](ctx, c, c.listNodes(jobID, o))
}

// EachNode calls fn with every node of the job as the list is read (1
// token), so a large job's list is never held whole, as body or as nodes.
// fn may keep the node. An error from fn stops the list and is returned. A
// failure after the first node is never retried (fn would see nodes twice);
// see stream.go for the whole contract.
func (c *Client) EachNode(ctx context.Context, jobID string, o ListNodesOptions, fn func(*Node) error) error {
	return each(ctx, c, c.listNodes(jobID, o), fn)
}

func (c *Client) listNodes(jobID string, o ListNodesOptions) request {
	q := url.Values{}
	addListOptions(q, o.LastUpdated, o.Limit)
	return c.get(jobPath(jobID, "nodes"), q)
}

// GetNode returns one node (1 token).
func (c *Client) GetNode(ctx context.Context, jobID, nodeID string) (Node, error) {
	return call[Node](ctx, c, c.get(jobPath(jobID, "nodes", seg(nodeID)), nil))
}

// CreateNode creates a node at a server-chosen id (10 tokens). Not
// idempotent: see CreateJob. Prefer UpsertNode at a deterministic id.
func (c *Client) CreateNode(ctx context.Context, jobID string, w NodeWrite) (Node, error) {
	return postFor[Node](ctx, c, jobPath(jobID, "nodes"), nil, w, false)
}

// UpsertNode updates the node, creating it at nodeID if it does not exist
// (unless o.OnlyIfExists) (10 tokens). Idempotent, so always safe to retry.
func (c *Client) UpsertNode(ctx context.Context, jobID, nodeID string, w NodeWrite, o UpsertOptions) (Node, error) {
	return postFor[Node](ctx, c, jobPath(jobID, "nodes", seg(nodeID)), onlyIfExists(o), w, true)
}

// DeleteNode deletes the node and its connections (10 tokens).
func (c *Client) DeleteNode(ctx context.Context, jobID, nodeID string) error {
	_, err := c.do(ctx, c.del(jobPath(jobID, "nodes", seg(nodeID))), nil)
	return err
}

// Association is how a photo is associated with a node or section.
type Association string

const (
	AssociationTrue Association = "true" // an ordinary associated photo
	AssociationMain Association = "main" // the item's main photo
)

// UploadNodePhoto uploads a JPEG and associates it with the node (10
// tokens); it returns the new photo's id. Not idempotent: see CreateJob.
func (c *Client) UploadNodePhoto(ctx context.Context, jobID, nodeID string, jpeg io.Reader, a Association) (string, error) {
	return c.upload(ctx, jobPath(jobID, "nodes", seg(nodeID), "photos"), jpeg, a)
}

// upload posts a JPEG body. The body is buffered so a 429 can resend it.
func (c *Client) upload(ctx context.Context, path string, jpeg io.Reader, a Association) (string, error) {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, jpeg); err != nil {
		return "", fmt.Errorf("katapult: reading photo for %s: %w", path, err)
	}
	var q url.Values
	if a != "" {
		q = url.Values{"association_value": {string(a)}}
	}
	r := request{method: http.MethodPost, path: path, query: q, body: buf.Bytes(), contentType: "image/jpeg", cost: c.costs.Write}
	var out struct {
		ID string `json:"id"`
	}
	_, err := c.do(ctx, r, &out)
	return out.ID, err
}
