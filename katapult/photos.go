package katapult

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
)

// Photo is a photo record (metadata, not image bytes). The API documents
// only its id; everything else is kept in Extra.
type Photo struct {
	ID    string                     `json:"id"`
	Extra map[string]json.RawMessage `json:"-"`
}

func (p *Photo) UnmarshalJSON(b []byte) error {
	type plain Photo
	return unmarshalObject("photo", b, (*plain)(p))
}

func (p Photo) MarshalJSON() ([]byte, error) {
	type plain Photo
	return encodeObject(plain(p), p.Extra)
}

// PixelSelection is a position on a photo, as fractions of its size.
type PixelSelection struct {
	PercentX float64 `json:"percentX"`
	PercentY float64 `json:"percentY"`
}

func (p *PixelSelection) UnmarshalJSON(b []byte) error {
	type plain PixelSelection
	return unmarshalObject("pixel_selection", b, (*plain)(p))
}

// PixelSelections is a pixel_selection as read: the API documents one
// object, real job data stores an array of them. Both decode to a slice.
type PixelSelections []PixelSelection

func (ps *PixelSelections) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*ps = nil
		return nil
	}
	var list []PixelSelection
	if err := json.Unmarshal(b, &list); err == nil {
		*ps = list
		return nil
	}
	var one PixelSelection
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*ps = PixelSelections{one}
	return nil
}

// ListPhotos returns every photo record of the job (1 token).
func (c *Client) ListPhotos(ctx context.Context, jobID string) ([]Photo, error) {
	return call[[]Photo](ctx, c, c.get(jobPath(jobID, "photos"), nil))
}

// GetPhoto returns one photo record (1 token).
func (c *Client) GetPhoto(ctx context.Context, jobID, photoID string) (Photo, error) {
	return call[Photo](ctx, c, c.get(jobPath(jobID, "photos", seg(photoID)), nil))
}

// GetPhotoURL returns a signed download URL for the photo image, valid for
// 7 days (1 token). size and fileType may be empty for the defaults (full,
// webp).
func (c *Client) GetPhotoURL(ctx context.Context, jobID, photoID, size, fileType string) (string, error) {
	q := url.Values{}
	if size != "" {
		q.Set("file_size", size)
	}
	if fileType != "" {
		q.Set("file_type", fileType)
	}
	var out struct {
		URL string `json:"url"`
	}
	_, err := c.do(ctx, c.get(jobPath(jobID, "photos", seg(photoID), "url"), q), &out)
	return out.URL, err
}

// UploadPhoto uploads a JPEG to the job without associating it (10 tokens)
// and returns its id. Not idempotent: see CreateJob.
func (c *Client) UploadPhoto(ctx context.Context, jobID string, jpeg io.Reader) (string, error) {
	return c.upload(ctx, jobPath(jobID, "photos"), jpeg, "")
}

// PhotoTarget names the item a photo is associated with: NodeID, or
// ConnectionID and SectionID.
type PhotoTarget struct {
	NodeID       string
	ConnectionID string
	SectionID    string
}

// AssociatePhoto associates the photo with the target as a (AssociationMain
// or AssociationTrue), or unassociates it when a is "" (10 tokens).
func (c *Client) AssociatePhoto(ctx context.Context, jobID, photoID string, t PhotoTarget, a Association) error {
	body := map[string]any{}
	if t.NodeID != "" {
		body["node_id"] = t.NodeID
	}
	if t.ConnectionID != "" {
		body["connection_id"] = t.ConnectionID
	}
	if t.SectionID != "" {
		body["section_id"] = t.SectionID
	}
	switch a {
	case AssociationMain:
		body["association_value"] = "main"
	case AssociationTrue:
		body["association_value"] = true
	case "":
		body["association_value"] = nil
	default:
		return fmt.Errorf("katapult: association %q: want \"main\", \"true\" or \"\"", a)
	}
	r, err := c.post(jobPath(jobID, "photos", seg(photoID), "associate"), nil, body, true)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, r, nil)
	return err
}
