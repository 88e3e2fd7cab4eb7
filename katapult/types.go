package katapult

import (
	"encoding/json"
	"time"
)

// Attributes is an entity attribute list: attribute name → instance id →
// value. Values are whatever JSON holds (string, float64, bool, object).
type Attributes map[string]map[string]any

// AttributePatch is the `attributes` field of a write: like Attributes, but a
// nil instance map deletes the attribute and a nil value deletes the
// instance (the API's null semantics). Build one with Set and Delete.
type AttributePatch map[string]map[string]any

// Set writes value at (name, instance).
func (p AttributePatch) Set(name, instance string, value any) {
	m, ok := p[name]
	if !ok || m == nil {
		m = map[string]any{}
		p[name] = m
	}
	m[instance] = value
}

// DeleteInstance removes one instance of an attribute.
func (p AttributePatch) DeleteInstance(name, instance string) { p.Set(name, instance, nil) }

// DeleteAttribute removes every instance of an attribute.
func (p AttributePatch) DeleteAttribute(name string) { p[name] = nil }

// MarshalJSON writes nil instance maps as JSON null (a plain map would too,
// but the method documents the intent and keeps it if the type changes).
func (p AttributePatch) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]map[string]any(p))
}

// Meta is the token-bucket state the server reports after each call.
type Meta struct {
	TokenCount     int64 `json:"token_count"`
	LastRefillTime int64 `json:"last_refill_time"` // epoch milliseconds
}

// LastRefill returns LastRefillTime as a time.
func (m Meta) LastRefill() time.Time { return time.UnixMilli(m.LastRefillTime) }

// Node is a pole or other point feature of a job.
type Node struct {
	ID          string     `json:"id"`
	Latitude    float64    `json:"latitude"`
	Longitude   float64    `json:"longitude"`
	Attributes  Attributes `json:"attributes,omitempty"`
	LastUpdated string     `json:"last_updated,omitempty"` // ISO-8601, when the server gives it
	// Photos maps photo id → association ("main" or true).
	Photos map[string]any `json:"photos,omitempty"`
	// Extra keeps fields this type does not name, so nothing the server
	// sends is lost on a round trip.
	Extra map[string]json.RawMessage `json:"-"`
}

// Connection is a span between two nodes; its sections come embedded.
type Connection struct {
	ID          string       `json:"id"`
	NodeID1     string       `json:"node_id_1"`
	NodeID2     string       `json:"node_id_2"`
	Attributes  Attributes   `json:"attributes,omitempty"`
	Breakpoints [][2]float64 `json:"breakpoints,omitempty"` // [latitude, longitude] pairs
	// Sections maps section id → section, as the API embeds them.
	Sections map[string]Section         `json:"sections,omitempty"`
	Extra    map[string]json.RawMessage `json:"-"`
}

// Section is a midspan point of a connection.
type Section struct {
	ID         string                     `json:"id,omitempty"`
	Latitude   float64                    `json:"latitude"`
	Longitude  float64                    `json:"longitude"`
	Attributes Attributes                 `json:"attributes,omitempty"`
	Photos     map[string]any             `json:"photos,omitempty"`
	Extra      map[string]json.RawMessage `json:"-"`
}

// NodeWrite is the body of a node create or upsert. Nil pointers are
// omitted, so an update touches only what it names.
type NodeWrite struct {
	Latitude         *float64       `json:"latitude,omitempty"`
	Longitude        *float64       `json:"longitude,omitempty"`
	RemoveAttributes []string       `json:"remove_attributes,omitempty"`
	Attributes       AttributePatch `json:"attributes,omitempty"`
	AddAttributes    map[string]any `json:"add_attributes,omitempty"`
}

// ConnectionWrite is the body of a connection create or upsert.
type ConnectionWrite struct {
	NodeID1          string         `json:"node_id_1,omitempty"`
	NodeID2          string         `json:"node_id_2,omitempty"`
	RemoveAttributes []string       `json:"remove_attributes,omitempty"`
	Attributes       AttributePatch `json:"attributes,omitempty"`
	AddAttributes    map[string]any `json:"add_attributes,omitempty"`
	Breakpoints      [][2]float64   `json:"breakpoints,omitempty"`
}

// SectionWrite is the body of a section create or upsert. kpbulk never sets
// MakeMidpoint itself (it would erase a midpoint's field data on re-runs);
// the field exists for library users.
type SectionWrite struct {
	MakeMidpoint     bool           `json:"make_midpoint,omitempty"`
	Latitude         *float64       `json:"latitude,omitempty"`
	Longitude        *float64       `json:"longitude,omitempty"`
	RemoveAttributes []string       `json:"remove_attributes,omitempty"`
	Attributes       AttributePatch `json:"attributes,omitempty"`
	AddAttributes    map[string]any `json:"add_attributes,omitempty"`
}

// JobSummary is an entry of the job list.
type JobSummary struct {
	ID          string                     `json:"id"`
	Name        string                     `json:"name,omitempty"`
	Status      string                     `json:"status,omitempty"` // active | archived
	Metadata    map[string]any             `json:"metadata,omitempty"`
	LastUpdated string                     `json:"last_updated,omitempty"`
	Extra       map[string]json.RawMessage `json:"-"`
}

// Job is the (partial) job data of GET /jobs/{id}.
type Job struct {
	ID         string                     `json:"id"`
	Name       string                     `json:"name,omitempty"`
	JobCreator string                     `json:"job_creator,omitempty"`
	Status     string                     `json:"status,omitempty"`
	Metadata   map[string]any             `json:"metadata,omitempty"`
	Extra      map[string]json.RawMessage `json:"-"`
}

// JobWrite is the body of a job create or update. Metadata is a flat map; a
// nil value deletes that metadata attribute.
type JobWrite struct {
	Name      string            `json:"name,omitempty"`
	Model     string            `json:"model,omitempty"`
	MapStyles string            `json:"map_styles,omitempty"`
	Metadata  map[string]any    `json:"metadata,omitempty"`
	Sharing   map[string]string `json:"sharing,omitempty"`
}

// The methods below keep unknown fields in Extra and tolerate numbers sent
// as strings (see decode.go).

func (n *Node) UnmarshalJSON(b []byte) error {
	type plain Node
	return unmarshalObject("node", b, (*plain)(n))
}

func (n Node) MarshalJSON() ([]byte, error) {
	type plain Node
	return encodeObject(plain(n), n.Extra)
}

func (c *Connection) UnmarshalJSON(b []byte) error {
	type plain Connection
	if err := unmarshalObject("connection", b, (*plain)(c)); err != nil {
		return err
	}
	// Embedded sections are keyed by id and may not repeat it inside.
	for id, s := range c.Sections {
		if s.ID == "" {
			s.ID = id
			c.Sections[id] = s
		}
	}
	return nil
}

func (c Connection) MarshalJSON() ([]byte, error) {
	type plain Connection
	return encodeObject(plain(c), c.Extra)
}

func (s *Section) UnmarshalJSON(b []byte) error {
	type plain Section
	return unmarshalObject("section", b, (*plain)(s))
}

func (s Section) MarshalJSON() ([]byte, error) {
	type plain Section
	return encodeObject(plain(s), s.Extra)
}

func (j *JobSummary) UnmarshalJSON(b []byte) error {
	type plain JobSummary
	return unmarshalObject("job", b, (*plain)(j))
}

func (j JobSummary) MarshalJSON() ([]byte, error) {
	type plain JobSummary
	return encodeObject(plain(j), j.Extra)
}

func (j *Job) UnmarshalJSON(b []byte) error {
	type plain Job
	return unmarshalObject("job", b, (*plain)(j))
}

func (j Job) MarshalJSON() ([]byte, error) {
	type plain Job
	return encodeObject(plain(j), j.Extra)
}
