package geojsonfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/twpayne/go-geom"
)

// decodeGeometry turns a GeoJSON geometry into go-geom, XY only (a third
// coordinate is dropped). Supported: Point, MultiPoint of one point (as a
// Point), LineString, MultiLineString. null gives nil.
func decodeGeometry(raw json.RawMessage) (geom.T, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, fmt.Errorf("geometry must be an object or null, not %s", kind(raw))
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("bad geometry: %v", err)
	}
	switch g.Type {
	case "Polygon", "MultiPolygon":
		return nil, fmt.Errorf("%s geometry is not supported: kpbulk imports points (poles) and lines (spans)", g.Type)
	case "GeometryCollection":
		return nil, errors.New("GeometryCollection is not supported: give each pole or span its own feature")
	case "":
		return nil, errors.New("geometry has no type")
	case "Point", "MultiPoint", "LineString", "MultiLineString":
	default:
		return nil, fmt.Errorf("unknown geometry type %q", g.Type)
	}
	if len(g.Coordinates) == 0 || string(g.Coordinates) == "null" {
		return nil, fmt.Errorf("%s has no coordinates", g.Type)
	}
	switch g.Type {
	case "Point":
		var c []float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil || len(c) < 2 {
			return nil, fmt.Errorf("Point coordinates must be [longitude, latitude], not %s", clip(g.Coordinates))
		}
		return geom.NewPointFlat(geom.XY, c[:2]), nil
	case "MultiPoint":
		flat, n, err := positions(g.Coordinates)
		if err != nil {
			return nil, fmt.Errorf("MultiPoint %v", err)
		}
		switch n {
		case 0:
			return nil, nil
		case 1:
			return geom.NewPointFlat(geom.XY, flat), nil
		}
		return nil, fmt.Errorf("MultiPoint of %d points is not supported: a pole is one point", n)
	case "LineString":
		flat, n, err := positions(g.Coordinates)
		if err != nil {
			return nil, fmt.Errorf("LineString %v", err)
		}
		if n < 2 {
			return nil, fmt.Errorf("LineString has %d position(s), needs 2 or more", n)
		}
		return geom.NewLineStringFlat(geom.XY, flat), nil
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(g.Coordinates, &parts); err != nil {
		return nil, fmt.Errorf("MultiLineString coordinates must be an array of lines, not %s", clip(g.Coordinates))
	}
	var flat []float64
	var ends []int
	for i, p := range parts {
		f, n, err := positions(p)
		if err != nil {
			return nil, fmt.Errorf("MultiLineString line %d %v", i+1, err)
		}
		if n < 2 {
			return nil, fmt.Errorf("MultiLineString line %d has %d position(s), needs 2 or more", i+1, n)
		}
		flat = append(flat, f...)
		ends = append(ends, len(flat))
	}
	if len(ends) == 0 {
		return nil, nil
	}
	return geom.NewMultiLineStringFlat(geom.XY, flat, ends), nil
}

// positions decodes an array of positions into flat XY coordinates.
func positions(raw json.RawMessage) ([]float64, int, error) {
	var ps [][]float64
	if err := json.Unmarshal(raw, &ps); err != nil {
		return nil, 0, fmt.Errorf("coordinates must be an array of [longitude, latitude] positions, not %s", clip(raw))
	}
	flat := make([]float64, 0, 2*len(ps))
	for i, p := range ps {
		if len(p) < 2 {
			return nil, 0, fmt.Errorf("position %d has %d number(s), needs longitude and latitude", i+1, len(p))
		}
		flat = append(flat, p[0], p[1])
	}
	return flat, len(ps), nil
}

func clip(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}
