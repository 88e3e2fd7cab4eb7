package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// ErrJobExists is returned (with the job's id) by LoadJobJSON when the job
// is already there: loading is idempotent, so restarting a persistent
// sandbox with the same --load keeps the rehearsal's progress.
var ErrJobExists = errors.New("sandbox: job already loaded")

// contentID derives a job id from an export without one, so the same file
// always loads as the same job.
func contentID(sum []byte) string {
	return "-L" + base64.RawURLEncoding.EncodeToString(sum)[:18]
}

// loadJob reads a raw Katapult job export (nodes, connections with
// embedded sections, photos, traces) into a new job, keeping every id.
// The raw shape is looser than the API's: attribute instances may be
// keyed "button_added", "-Imported" and so on (kept as they are), and
// sections may hold their attributes under multi_attributes (merged into
// attributes). Fields the API does not name are kept and returned as
// they were.
func (s *Server) loadJob(r io.Reader) (string, error) {
	// The export is decoded one record at a time so a large job does not
	// sit in memory twice; the hash of what was read names the job.
	sum := sha256.New()
	tee := io.TeeReader(r, sum)
	dec := json.NewDecoder(tee)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if err == nil {
			err = fmt.Errorf("found %v", tok)
		}
		return "", fmt.Errorf("sandbox: load: not a JSON job object: %w", err)
	}
	now := s.now()
	j := newJob("")
	var jobID string
	var traces struct {
		Data  map[string]flat            `json:"trace_data"`
		Items map[string]json.RawMessage `json:"trace_items"`
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("sandbox: load: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "nodes":
			err = eachRecord(dec, key, func(id string, m flat) error {
				p, err := loadPoint(m, "nodes."+id)
				if err != nil {
					return err
				}
				p.id, p.updated = id, now.UnixMilli()
				if err := j.claim(id, ref{kind: kNode}); err != nil {
					return err
				}
				j.nodes[id] = p
				return nil
			})
		case "connections":
			err = eachRecord(dec, key, func(id string, m flat) error {
				c, err := j.loadConn(id, m)
				if err == nil {
					j.conns[id] = c
				}
				return err
			})
		case "photos":
			err = eachRecord(dec, key, func(id string, rec flat) error {
				if err := j.claim(id, ref{kind: kPhoto}); err != nil {
					return err
				}
				if rec == nil {
					rec = flat{}
				}
				delete(rec, "id")
				j.photos[id] = &photo{id: id, rec: rec, elements: map[string]flat{}, anchors: map[string]flat{}}
				return nil
			})
		case "traces":
			if err = dec.Decode(&traces); err != nil {
				err = fmt.Errorf("traces: %w", err)
			}
		default:
			var v json.RawMessage
			if err = dec.Decode(&v); err == nil {
				if key == "id" {
					_ = json.Unmarshal(v, &jobID)
				} else if (key == "date_created" || slices.Contains(jobPaths, key)) && !isNull(v) {
					j.data[key] = v
				}
			}
		}
		if err != nil {
			return "", fmt.Errorf("sandbox: load: %w", err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return "", fmt.Errorf("sandbox: load: %w", err)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return "", fmt.Errorf("sandbox: load: %w", err)
	}
	if _, ok := j.data["name"]; !ok {
		j.data["name"] = appendString(nil, "loaded job")
	}
	for id, rec := range traces.Data {
		if err := j.claim(id, ref{kind: kTrace}); err != nil {
			return "", fmt.Errorf("sandbox: load: %w", err)
		}
		if rec == nil {
			rec = flat{}
		}
		delete(rec, "id")
		if items, ok := traces.Items[id]; ok {
			rec["items"] = items
		}
		j.traces[id] = rec
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if !validID(jobID) {
		jobID = contentID(sum.Sum(nil))
	}
	if s.jobs[jobID] != nil {
		return jobID, fmt.Errorf("%w: %s", ErrJobExists, jobID)
	}
	j.id = jobID
	j.updated = now.UnixMilli()
	s.jobs[jobID] = j
	s.markDirty(jobID, 0, jobID)
	for id := range j.nodes {
		s.markDirty(jobID, kNode, id)
	}
	for id := range j.conns {
		s.markDirty(jobID, kConn, id)
	}
	for id := range j.photos {
		s.markDirty(jobID, kPhoto, id)
	}
	for id := range j.traces {
		s.markDirty(jobID, kTrace, id)
	}
	return jobID, nil
}

// eachRecord streams a member that maps ids to records (nodes,
// connections, photos) into fn, one record at a time.
func eachRecord(dec *json.Decoder, name string, fn func(id string, rec flat) error) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if tok == nil {
		return nil // null: none
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("%s must be an object of id to record, found %v", name, tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		id, _ := tok.(string)
		var rec flat
		if err := dec.Decode(&rec); err != nil {
			return fmt.Errorf("%s.%s must be an object: %w", name, id, err)
		}
		if err := fn(id, rec); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// claim records id as used in j, refusing a second use.
func (j *job) claim(id string, r ref) error {
	if id == "" {
		return fmt.Errorf("empty %s id", kindNames[r.kind])
	}
	if old, taken := j.index[id]; taken {
		return fmt.Errorf("id %s is used by a %s and a %s", quoteShort(id), kindNames[old.kind], kindNames[r.kind])
	}
	j.index[id] = r
	return nil
}

// loadPoint reads a raw node or section.
func loadPoint(m flat, where string) (*point, error) {
	p := &point{}
	b := body(m)
	lat, lon, _, _, e := b.latLon()
	if e != nil {
		return nil, fmt.Errorf("%s: %s", where, e.msg)
	}
	p.lat, p.lon = lat, lon
	attrs, err := loadAttrs(m["attributes"], where+".attributes")
	if err != nil {
		return nil, err
	}
	if multi, ok := m["multi_attributes"]; ok {
		more, err := loadAttrs(multi, where+".multi_attributes")
		if err != nil {
			return nil, err
		}
		for name, inst := range more {
			if attrs[name] == nil {
				attrs[name] = inst
				continue
			}
			for k, v := range inst {
				attrs[name][k] = v
			}
		}
	}
	p.attrs = encodeAttrs(attrs)
	if ph, ok := m["photos"]; ok && !isNull(ph) {
		var check map[string]json.RawMessage
		if json.Unmarshal(ph, &check) != nil {
			return nil, fmt.Errorf("%s.photos must be an object", where)
		}
		if len(check) > 0 {
			p.photos = ph
		}
	}
	extra := flat{}
	for k, v := range m {
		switch k {
		case "id", "latitude", "longitude", "attributes", "multi_attributes", "photos", "last_updated":
		default:
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		p.extra, _ = json.Marshal(extra)
	}
	return p, nil
}

// loadAttrs reads an entity attribute list; a bare value where an
// instance map belongs is kept under the instance id "-Imported".
func loadAttrs(raw json.RawMessage, where string) (map[string]map[string]json.RawMessage, error) {
	out := map[string]map[string]json.RawMessage{}
	if len(raw) == 0 || isNull(raw) {
		return out, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("%s must be an object", where)
	}
	for name, v := range top {
		if isNull(v) {
			continue
		}
		var inst map[string]json.RawMessage
		if json.Unmarshal(v, &inst) != nil {
			inst = map[string]json.RawMessage{"-Imported": v}
		}
		for k, iv := range inst {
			if isNull(iv) {
				delete(inst, k)
			}
		}
		if len(inst) > 0 {
			out[name] = inst
		}
	}
	return out, nil
}

func (j *job) loadConn(id string, m flat) (*conn, error) {
	where := "connections." + id
	if err := j.claim(id, ref{kind: kConn}); err != nil {
		return nil, err
	}
	b := body(m)
	c := &conn{id: id, sections: map[string]*point{}}
	var e *apiError
	if c.n1, _, e = b.str("node_id_1"); e != nil {
		return nil, fmt.Errorf("%s: %s", where, e.msg)
	}
	if c.n2, _, e = b.str("node_id_2"); e != nil {
		return nil, fmt.Errorf("%s: %s", where, e.msg)
	}
	attrs, err := loadAttrs(m["attributes"], where+".attributes")
	if err != nil {
		return nil, err
	}
	c.attrs = encodeAttrs(attrs)
	extra := flat{}
	for k, v := range m {
		switch k {
		case "id", "node_id_1", "node_id_2", "attributes", "sections":
		case "breakpoints":
			var bps [][2]float64
			if json.Unmarshal(v, &bps) == nil {
				c.breakpoints = bps
			} else {
				extra[k] = v // not [lat, lon] pairs: keep it as it was
			}
		default:
			extra[k] = v
		}
	}
	if len(extra) > 0 {
		c.extra, _ = json.Marshal(extra)
	}
	var secs map[string]flat
	if sr, ok := m["sections"]; ok && !isNull(sr) {
		if err := json.Unmarshal(sr, &secs); err != nil {
			return nil, fmt.Errorf("%s.sections must be an object of section id to section", where)
		}
	}
	for sid, sm := range secs {
		// Katapult keys sections per connection ("midpoint_section" on
		// many), so a section id may repeat across connections.
		if old, taken := j.index[sid]; !taken || old.kind != kSection {
			if err := j.claim(sid, ref{kind: kSection, parent: id}); err != nil {
				return nil, err
			}
		}
		sec, err := loadPoint(sm, where+".sections."+sid)
		if err != nil {
			return nil, err
		}
		sec.id = sid
		sec.midpoint = sid == "midpoint_section"
		c.sections[sid] = sec
	}
	return c, nil
}
