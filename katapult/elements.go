package katapult

import (
	"context"
	"encoding/json"
)

// PhotoElement is an element marked on a photo. Its attributes are stored
// on the element itself, so they land in Extra.
type PhotoElement struct {
	ID             string                     `json:"id"`
	ElementType    string                     `json:"element_type,omitempty"`
	PixelSelection PixelSelections            `json:"pixel_selection,omitempty"`
	ManualHeight   string                     `json:"manual_height,omitempty"`
	ParentID       string                     `json:"parent_id,omitempty"`
	TraceID        string                     `json:"trace_id,omitempty"`
	Extra          map[string]json.RawMessage `json:"-"`
}

func (e *PhotoElement) UnmarshalJSON(b []byte) error {
	type plain PhotoElement
	return unmarshalObject("photo element", b, (*plain)(e))
}

func (e PhotoElement) MarshalJSON() ([]byte, error) {
	type plain PhotoElement
	return encodeObject(plain(e), e.Extra)
}

// PhotoElementWrite is the body of a photo element create or update.
type PhotoElementWrite struct {
	ElementType    string          `json:"element_type,omitempty"` // settable at creation only
	PixelSelection *PixelSelection `json:"pixel_selection,omitempty"`
	ManualHeight   string          `json:"manual_height,omitempty"` // feet-inches, e.g. "25-6"
	Attributes     map[string]any  `json:"attributes,omitempty"`    // flat map; nil values delete
	ParentID       string          `json:"parent_id,omitempty"`
	// Unnest sends parent_id: null (update only), taking the element out
	// of its parent.
	Unnest  bool   `json:"-"`
	TraceID string `json:"trace_id,omitempty"`
}

func (w PhotoElementWrite) MarshalJSON() ([]byte, error) {
	type plain PhotoElementWrite
	if !w.Unnest {
		return json.Marshal(plain(w))
	}
	return encodeObject(plain(w), map[string]json.RawMessage{"parent_id": json.RawMessage("null")})
}

func elementPath(jobID, photoID string, rest ...string) string {
	return jobPath(jobID, append([]string{"photos", seg(photoID), "photo_elements"}, rest...)...)
}

// ListPhotoElements returns the elements of a photo (1 token).
func (c *Client) ListPhotoElements(ctx context.Context, jobID, photoID string) ([]PhotoElement, error) {
	return call[[]PhotoElement](ctx, c, c.get(elementPath(jobID, photoID), nil))
}

// GetPhotoElement returns one element (1 token).
func (c *Client) GetPhotoElement(ctx context.Context, jobID, photoID, elementID string) (PhotoElement, error) {
	return call[PhotoElement](ctx, c, c.get(elementPath(jobID, photoID, seg(elementID)), nil))
}

// CreatePhotoElement creates an element (10 tokens). Not idempotent.
func (c *Client) CreatePhotoElement(ctx context.Context, jobID, photoID string, w PhotoElementWrite) (PhotoElement, error) {
	return postFor[PhotoElement](ctx, c, elementPath(jobID, photoID), nil, w, false)
}

// UpdatePhotoElement updates an element (10 tokens). Unlike the other
// upserts, the API creates a missing element at a random id, not at
// elementID, so the call is idempotent (and retried after failures) only
// with o.OnlyIfExists.
func (c *Client) UpdatePhotoElement(ctx context.Context, jobID, photoID, elementID string, w PhotoElementWrite, o UpsertOptions) (PhotoElement, error) {
	return postFor[PhotoElement](ctx, c, elementPath(jobID, photoID, seg(elementID)), onlyIfExists(o), w, o.OnlyIfExists)
}

// DeletePhotoElement deletes an element (10 tokens).
func (c *Client) DeletePhotoElement(ctx context.Context, jobID, photoID, elementID string) error {
	_, err := c.do(ctx, c.del(elementPath(jobID, photoID, seg(elementID))), nil)
	return err
}

// CalibrationAnchor is a calibration point on a photo.
type CalibrationAnchor struct {
	ID             string                     `json:"id"`
	PixelSelection PixelSelections            `json:"pixel_selection,omitempty"`
	Height         float64                    `json:"height"` // decimal feet (real data sends "16.5")
	Extra          map[string]json.RawMessage `json:"-"`
}

func (a *CalibrationAnchor) UnmarshalJSON(b []byte) error {
	type plain CalibrationAnchor
	return unmarshalObject("calibration anchor", b, (*plain)(a))
}

func (a CalibrationAnchor) MarshalJSON() ([]byte, error) {
	type plain CalibrationAnchor
	return encodeObject(plain(a), a.Extra)
}

// CalibrationAnchorWrite is the body of an anchor create or update. Any
// anchor change un-calibrates the photo until it is viewed again.
type CalibrationAnchorWrite struct {
	PixelSelection *PixelSelection `json:"pixel_selection,omitempty"`
	Height         *float64        `json:"height,omitempty"`
}

func anchorPath(jobID, photoID string, rest ...string) string {
	return jobPath(jobID, append([]string{"photos", seg(photoID), "calibration_anchors"}, rest...)...)
}

// ListCalibrationAnchors returns the anchors of a photo (1 token).
func (c *Client) ListCalibrationAnchors(ctx context.Context, jobID, photoID string) ([]CalibrationAnchor, error) {
	return call[[]CalibrationAnchor](ctx, c, c.get(anchorPath(jobID, photoID), nil))
}

// GetCalibrationAnchor returns one anchor (1 token).
func (c *Client) GetCalibrationAnchor(ctx context.Context, jobID, photoID, anchorID string) (CalibrationAnchor, error) {
	return call[CalibrationAnchor](ctx, c, c.get(anchorPath(jobID, photoID, seg(anchorID)), nil))
}

// CreateCalibrationAnchor creates an anchor (10 tokens). Not idempotent.
func (c *Client) CreateCalibrationAnchor(ctx context.Context, jobID, photoID string, w CalibrationAnchorWrite) (CalibrationAnchor, error) {
	return postFor[CalibrationAnchor](ctx, c, anchorPath(jobID, photoID), nil, w, false)
}

// UpsertCalibrationAnchor updates the anchor, creating it at anchorID if
// needed (10 tokens). Idempotent.
func (c *Client) UpsertCalibrationAnchor(ctx context.Context, jobID, photoID, anchorID string, w CalibrationAnchorWrite, o UpsertOptions) (CalibrationAnchor, error) {
	return postFor[CalibrationAnchor](ctx, c, anchorPath(jobID, photoID, seg(anchorID)), onlyIfExists(o), w, true)
}

// DeleteCalibrationAnchor deletes an anchor (10 tokens).
func (c *Client) DeleteCalibrationAnchor(ctx context.Context, jobID, photoID, anchorID string) error {
	_, err := c.do(ctx, c.del(anchorPath(jobID, photoID, seg(anchorID))), nil)
	return err
}
