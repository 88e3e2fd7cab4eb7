package geojsonfile

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// rawFeature is one Feature with its members still undecoded.
type rawFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
}

// featureError is a problem confined to one feature; the walk goes on.
type featureError struct{ column, msg string }

func (e *featureError) Error() string { return e.msg }

// walker streams a GeoJSON document: it walks the top-level object with
// Token and decodes the members of "features" one at a time, so memory
// holds one feature. A top-level Feature or bare geometry is one feature.
type walker struct {
	dec   *json.Decoder
	state int
	count int // number of the last feature returned, from 1

	topType    string
	crsName    string
	sawFeats   bool
	single     map[string]json.RawMessage // members of a top-level Feature or geometry
	singleDone bool
}

const (
	stTop = iota
	stFeatures
	stRest
	stEnd
)

func newWalker(r io.Reader) *walker {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	dec.UseNumber()
	return &walker{dec: dec}
}

// next returns the next feature, a *featureError for a bad one, io.EOF at
// the end, or another error when the document cannot be read on.
func (w *walker) next() (*rawFeature, error) {
	for {
		switch w.state {
		case stTop:
			tok, err := w.dec.Token()
			if err != nil {
				return nil, jsonError(err, "the file is empty or not JSON")
			}
			if d, ok := tok.(json.Delim); !ok || d != '{' {
				return nil, errors.New("not a GeoJSON object (the file must start with {)")
			}
			w.state = stRest
		case stFeatures:
			if !w.dec.More() {
				if _, err := w.dec.Token(); err != nil { // ]
					return nil, jsonError(err, "")
				}
				w.state = stRest
				continue
			}
			w.count++
			var f *rawFeature
			err := w.dec.Decode(&f)
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &te):
				if te.Field == "" {
					return nil, &featureError{"", fmt.Sprintf("feature %d is a JSON %s, not a Feature object", w.count, te.Value)}
				}
				return nil, &featureError{te.Field, fmt.Sprintf("feature member %q is a JSON %s", te.Field, te.Value)}
			case err != nil:
				return nil, jsonError(err, fmt.Sprintf("in feature %d", w.count))
			case f == nil:
				return nil, &featureError{"", fmt.Sprintf("feature %d is null", w.count)}
			case f.Type != "Feature":
				return nil, &featureError{"type", fmt.Sprintf("feature %d has type %q, want \"Feature\"", w.count, f.Type)}
			}
			return f, nil
		case stRest:
			tok, err := w.dec.Token()
			if err != nil {
				return nil, jsonError(err, "")
			}
			if d, ok := tok.(json.Delim); ok && d == '}' {
				w.state = stEnd
				if _, err := w.dec.Token(); err != io.EOF {
					return nil, errors.New("data after the end of the GeoJSON object")
				}
				continue
			}
			key, _ := tok.(string)
			if err := w.member(key); err != nil {
				return nil, err
			}
		case stEnd:
			return w.finish()
		}
	}
}

// member reads the value of a top-level member.
func (w *walker) member(key string) error {
	switch key {
	case "type":
		var t any
		if err := w.dec.Decode(&t); err != nil {
			return jsonError(err, "in the type member")
		}
		s, ok := t.(string)
		if !ok {
			return fmt.Errorf("the top-level type must be a string, not %v", t)
		}
		w.topType = s
	case "features":
		tok, err := w.dec.Token()
		if err != nil {
			return jsonError(err, "in features")
		}
		if d, ok := tok.(json.Delim); !ok || d != '[' {
			if ok && d == '{' {
				return errors.New("features must be an array, not an object")
			}
			return fmt.Errorf("features must be an array, not %v", tok)
		}
		w.sawFeats = true
		w.state = stFeatures
	case "crs":
		var c struct {
			Type       string `json:"type"`
			Properties struct {
				Name string          `json:"name"`
				Code json.RawMessage `json:"code"`
			} `json:"properties"`
		}
		if err := w.dec.Decode(&c); err != nil {
			return jsonError(err, "in the crs member")
		}
		switch strings.ToLower(c.Type) {
		case "name":
			w.crsName = c.Properties.Name
		case "epsg":
			w.crsName = "EPSG:" + strings.Trim(string(c.Properties.Code), `"`)
		default:
			return fmt.Errorf("crs of type %q is not supported (use a named crs such as EPSG:4326)", c.Type)
		}
	case "geometry", "properties", "id", "coordinates", "geometries":
		var v json.RawMessage
		if err := w.dec.Decode(&v); err != nil {
			return jsonError(err, "in "+key)
		}
		if w.single == nil {
			w.single = map[string]json.RawMessage{}
		}
		w.single[key] = v
	default:
		return w.skip()
	}
	return nil
}

// skip consumes one value without keeping it, refusing deep nesting.
func (w *walker) skip() error {
	depth := 0
	for {
		tok, err := w.dec.Token()
		if err != nil {
			return jsonError(err, "")
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			if depth > maxDepth {
				return fmt.Errorf("JSON nested more than %d levels deep", maxDepth)
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// finish handles the end of the top-level object.
func (w *walker) finish() (*rawFeature, error) {
	switch w.topType {
	case "FeatureCollection":
		if !w.sawFeats {
			return nil, errors.New("the FeatureCollection has no features member")
		}
		return nil, io.EOF
	case "":
		return nil, errors.New("the top-level object has no type (want FeatureCollection)")
	}
	if w.sawFeats {
		return nil, fmt.Errorf("the top-level type is %q, want FeatureCollection", w.topType)
	}
	if w.singleDone {
		return nil, io.EOF
	}
	w.singleDone = true
	switch w.topType {
	case "Feature":
		w.count++
		return &rawFeature{Type: "Feature", ID: w.single["id"], Geometry: w.single["geometry"], Properties: w.single["properties"]}, nil
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection":
		w.count++
		g := map[string]any{"type": w.topType}
		if c, ok := w.single["coordinates"]; ok {
			g["coordinates"] = c
		}
		if c, ok := w.single["geometries"]; ok {
			g["geometries"] = c
		}
		b, err := json.Marshal(g)
		if err != nil {
			return nil, err
		}
		return &rawFeature{Type: "Feature", Geometry: b}, nil
	}
	return nil, fmt.Errorf("the top-level type %q is not GeoJSON (want FeatureCollection)", w.topType)
}

// jsonError words a decoder error for people.
func jsonError(err error, where string) error {
	if where != "" {
		where = " " + where
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d%s: %v", se.Offset, where, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("the file ends in the middle of the JSON%s", where)
	case strings.Contains(err.Error(), "max depth"):
		return fmt.Errorf("JSON nested too deeply%s", where)
	}
	return fmt.Errorf("%v%s", err, where)
}
