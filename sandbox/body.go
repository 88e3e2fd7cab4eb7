package sandbox

import (
	"bytes"
	"encoding/json"
	"math"
)

// body is a request body's fields, decoded one by one so each bad field
// gets its own message.
type body map[string]json.RawMessage

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// has reports whether field is present and not null.
func (b body) has(field string) bool {
	raw, ok := b[field]
	return ok && !isNull(raw)
}

// float reads an optional number field.
func (b body) float(field string) (float64, bool, *apiError) {
	if !b.has(field) {
		return 0, false, nil
	}
	var v float64
	if err := json.Unmarshal(b[field], &v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, errField(field + " must be a number")
	}
	return v, true, nil
}

// str reads an optional string field.
func (b body) str(field string) (string, bool, *apiError) {
	if !b.has(field) {
		return "", false, nil
	}
	var v string
	if err := json.Unmarshal(b[field], &v); err != nil {
		return "", false, errField(field + " must be a string")
	}
	return v, true, nil
}

// object reads an optional JSON object field as raw members.
func (b body) object(field string) (map[string]json.RawMessage, bool, *apiError) {
	if !b.has(field) {
		return nil, false, nil
	}
	var v map[string]json.RawMessage
	if err := json.Unmarshal(b[field], &v); err != nil || v == nil {
		return nil, false, errField(field + " must be an object")
	}
	return v, true, nil
}

// latLon reads latitude and longitude, each optional, checking ranges.
func (b body) latLon() (lat, lon float64, hasLat, hasLon bool, e *apiError) {
	if lat, hasLat, e = b.float("latitude"); e != nil {
		return
	}
	if lon, hasLon, e = b.float("longitude"); e != nil {
		return
	}
	if hasLat && (lat < -90 || lat > 90) {
		e = errField("latitude must be between -90 and 90")
	} else if hasLon && (lon < -180 || lon > 180) {
		e = errField("longitude must be between -180 and 180")
	}
	return
}

// flatPatch reads a flat attribute map (job metadata, element and trace
// attributes): name → value, null deleting.
func (b body) flatPatch(field string) (map[string]json.RawMessage, *apiError) {
	m, _, e := b.object(field)
	if e != nil {
		return nil, e
	}
	for k := range m {
		if k == "" {
			return nil, errField(field + " must not have an empty attribute name")
		}
	}
	return m, nil
}

// applyFlat applies a flat patch to a flat record: null deletes.
func applyFlat(rec map[string]json.RawMessage, patch map[string]json.RawMessage) {
	for k, v := range patch {
		if isNull(v) {
			delete(rec, k)
		} else {
			rec[k] = v
		}
	}
}

// cloneFlat copies a flat record so a write can change it without
// touching readers' copy.
func cloneFlat(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}
