package sandbox

import (
	"bufio"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
)

// kind is a resource type inside a job; ids are unique across all kinds.
type kind uint8

const (
	kNode kind = iota + 1
	kConn
	kSection
	kPhoto
	kElement
	kAnchor
	kTrace
)

var kindNames = map[kind]string{kNode: "node", kConn: "connection", kSection: "section",
	kPhoto: "photo", kElement: "photo element", kAnchor: "calibration anchor", kTrace: "trace"}

// ref locates an id in a job: its kind and, for sections, elements and
// anchors, the connection or photo it lives on.
type ref struct {
	kind   kind
	parent string
}

// job is one job and everything in it. Nodes, connections, photos and
// traces are copy-on-write: a write builds a new value and swaps the
// pointer, so readers can encode a snapshot without holding the lock.
type job struct {
	id      string
	data    map[string]json.RawMessage // name, job_creator, status, metadata, sharing, …
	updated int64                      // epoch ms of the last write in the job

	nodes  map[string]*point
	conns  map[string]*conn
	photos map[string]*photo
	traces map[string]flat
	index  map[string]ref
}

func newJob(id string) *job {
	return &job{
		id: id, data: map[string]json.RawMessage{},
		nodes: map[string]*point{}, conns: map[string]*conn{},
		photos: map[string]*photo{}, traces: map[string]flat{}, index: map[string]ref{},
	}
}

// point is a node or a section.
type point struct {
	id       string
	lat, lon float64
	attrs    json.RawMessage // entity attribute list, nil when empty
	photos   json.RawMessage // {photo id: {"association": …}}, nil when none
	extra    json.RawMessage // other fields kept from a loaded job, nil when none
	updated  int64           // epoch ms; nodes only
	midpoint bool            // sections made with make_midpoint
}

// conn is a connection with its sections embedded.
type conn struct {
	id, n1, n2  string
	attrs       json.RawMessage
	extra       json.RawMessage
	breakpoints [][2]float64
	sections    map[string]*point
}

func (c *conn) clone() *conn {
	n := *c
	n.sections = make(map[string]*point, len(c.sections)+1)
	for k, v := range c.sections {
		n.sections[k] = v
	}
	return &n
}

// photo is a photo record (flat fields) with its elements and anchors.
type photo struct {
	id       string
	rec      flat
	elements map[string]flat
	anchors  map[string]flat
}

func (p *photo) clone() *photo {
	n := &photo{id: p.id, rec: cloneFlat(p.rec),
		elements: make(map[string]flat, len(p.elements)+1), anchors: make(map[string]flat, len(p.anchors)+1)}
	for k, v := range p.elements {
		n.elements[k] = v
	}
	for k, v := range p.anchors {
		n.anchors[k] = v
	}
	return n
}

// flat is a record whose fields sit at its root (photo records, photo
// elements, anchors, traces).
type flat = map[string]json.RawMessage

// isoTime formats epoch ms as the API's last_updated: RFC 3339, UTC,
// milliseconds.
func isoTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendFloat appends f the way encoding/json writes it.
func appendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		q, _ := json.Marshal(f)
		return append(b, q...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendExtra appends the members of a raw JSON object after a comma.
func appendExtra(b []byte, extra json.RawMessage) []byte {
	if len(extra) < 2 {
		return b
	}
	inner := extra[1 : len(extra)-1]
	if len(inner) == 0 {
		return b
	}
	b = append(b, ',')
	return append(b, inner...)
}

// appendPoint appends a node or section in the API shape.
func appendPoint(b []byte, p *point, withID, withUpdated bool) []byte {
	b = append(b, '{')
	if withID {
		b = append(b, `"id":`...)
		b = appendString(b, p.id)
		b = append(b, ',')
	}
	b = append(b, `"latitude":`...)
	b = appendFloat(b, p.lat)
	b = append(b, `,"longitude":`...)
	b = appendFloat(b, p.lon)
	b = append(b, `,"attributes":`...)
	if p.attrs == nil {
		b = append(b, "{}"...)
	} else {
		b = append(b, p.attrs...)
	}
	if p.photos != nil {
		b = append(b, `,"photos":`...)
		b = append(b, p.photos...)
	}
	if withUpdated && p.updated > 0 {
		b = append(b, `,"last_updated":"`...)
		b = time.UnixMilli(p.updated).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		b = append(b, '"')
	}
	b = appendExtra(b, p.extra)
	return append(b, '}')
}

// appendConn appends a connection with its sections embedded (keyed by id,
// in id order).
func appendConn(b []byte, c *conn) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, c.id)
	b = append(b, `,"node_id_1":`...)
	b = appendString(b, c.n1)
	b = append(b, `,"node_id_2":`...)
	b = appendString(b, c.n2)
	b = append(b, `,"attributes":`...)
	if c.attrs == nil {
		b = append(b, "{}"...)
	} else {
		b = append(b, c.attrs...)
	}
	if len(c.breakpoints) > 0 {
		b = append(b, `,"breakpoints":[`...)
		for i, bp := range c.breakpoints {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = appendFloat(b, bp[0])
			b = append(b, ',')
			b = appendFloat(b, bp[1])
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	b = append(b, `,"sections":{`...)
	for i, id := range sortedKeys(c.sections) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, id)
		b = append(b, ':')
		b = appendPoint(b, c.sections[id], true, false)
	}
	b = append(b, '}')
	b = appendExtra(b, c.extra)
	return append(b, '}')
}

// appendFlat appends a flat record with its id first, then its fields in
// name order.
func appendFlat(b []byte, id string, rec flat) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, id)
	for _, k := range sortedKeys(rec) {
		if k == "id" {
			continue
		}
		b = append(b, ',')
		b = appendString(b, k)
		b = append(b, ':')
		b = append(b, rec[k]...)
	}
	return append(b, '}')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// rawJSON is data already encoded: written as it is, or embedded as it is
// when marshalled inside a list.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

func (r rawJSON) stream(w *bufio.Writer) error {
	_, err := w.Write(r)
	return err
}

// listStream writes a JSON array of items, encoding each with enc, in
// chunks so memory stays flat however long the list.
type listStream[T any] struct {
	items []T
	enc   func([]byte, T) []byte
}

func (l listStream[T]) stream(w *bufio.Writer) error {
	buf := make([]byte, 0, 4096)
	buf = append(buf, '[')
	for i, it := range l.items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = l.enc(buf, it)
		if len(buf) > 32<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	buf = append(buf, ']')
	_, err := w.Write(buf)
	return err
}
