package geojsonfile

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/geojson"
)

// Writer streams an RFC 7946 FeatureCollection feature by feature. Create
// it with NewWriter; Close ends the collection (it does not close the
// underlying writer).
type Writer struct {
	w       *bufio.Writer
	columns []string
	keys    [][]byte // JSON-quoted column names
	n       int
	err     error
	buf     []byte
}

// WriterOption configures NewWriter.
type WriterOption func(*writerConfig)

type writerConfig struct {
	name    string
	members map[string]any
}

// WithName sets the collection's "name" member, which GDAL and QGIS show as
// the layer name.
func WithName(name string) WriterOption { return func(c *writerConfig) { c.name = name } }

// NewWriter starts a FeatureCollection on w whose features have the given
// property names, in that order.
func NewWriter(w io.Writer, columns []string, opts ...WriterOption) (*Writer, error) {
	var cfg writerConfig
	for _, o := range opts {
		o(&cfg)
	}
	fw := &Writer{w: bufio.NewWriterSize(w, 256<<10), columns: columns}
	for _, c := range columns {
		k, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		fw.keys = append(fw.keys, k)
	}
	fw.w.WriteString(`{"type":"FeatureCollection",`)
	if cfg.name != "" {
		n, _ := json.Marshal(cfg.name)
		fw.w.WriteString(`"name":`)
		fw.w.Write(n)
		fw.w.WriteByte(',')
	}
	_, err := fw.w.WriteString(`"features":[`)
	return fw, err
}

// Write appends a feature with geometry g (nil for a null geometry; WGS84
// longitude/latitude) and property values aligned with the columns:
// string, float64, int64, int, bool, time.Time, json.Number or nil. NaN and
// infinities are written as null.
func (w *Writer) Write(g geom.T, values []any) error {
	if w.err != nil {
		return w.err
	}
	if len(values) != len(w.columns) {
		return fmt.Errorf("geojson: feature %d has %d values for %d columns", w.n+1, len(values), len(w.columns))
	}
	b := w.buf[:0]
	if w.n > 0 {
		b = append(b, ',')
	}
	b = append(b, "\n"...)
	b = append(b, `{"type":"Feature","properties":{`...)
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, w.keys[i]...)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, v); err != nil {
			return fmt.Errorf("geojson: feature %d, property %s: %w", w.n+1, w.columns[i], err)
		}
	}
	b = append(b, `},"geometry":`...)
	var err error
	if b, err = appendGeometry(b, g); err != nil {
		return fmt.Errorf("geojson: feature %d: %w", w.n+1, err)
	}
	b = append(b, '}')
	w.buf = b
	w.n++
	_, w.err = w.w.Write(b)
	return w.err
}

// Close ends the FeatureCollection and flushes.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	w.w.WriteString("\n]}\n")
	w.err = errors.New("geojson: writer closed")
	return w.w.Flush()
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, t), nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return append(b, "null"...), nil
		}
		return strconv.AppendFloat(b, t, 'f', -1, 64), nil
	case int64:
		return strconv.AppendInt(b, t, 10), nil
	case int:
		return strconv.AppendInt(b, int64(t), 10), nil
	case bool:
		return strconv.AppendBool(b, t), nil
	case time.Time:
		return appendString(b, t.Format(time.RFC3339)), nil
	case json.Number:
		if _, err := strconv.ParseFloat(string(t), 64); err != nil {
			return b, fmt.Errorf("bad number %q", t)
		}
		return append(b, t...), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

func appendString(b []byte, s string) []byte {
	simple := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 || c == '<' || c == '>' || c == '&' {
			simple = false
			break
		}
	}
	if simple {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	j, _ := json.Marshal(s) // strings always marshal; invalid UTF-8 becomes U+FFFD
	return append(b, j...)
}

func appendPos(b []byte, flat []float64) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, flat[0], 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, flat[1], 'f', -1, 64)
	return append(b, ']')
}

func appendLine(b []byte, flat []float64, stride int) []byte {
	b = append(b, '[')
	for i := 0; i < len(flat); i += stride {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPos(b, flat[i:])
	}
	return append(b, ']')
}

// appendGeometry writes g as GeoJSON (XY). Points and lines are written
// directly; other types go through go-geom's encoder.
func appendGeometry(b []byte, g geom.T) ([]byte, error) {
	if g == nil {
		return append(b, "null"...), nil
	}
	flat := g.FlatCoords()
	for _, v := range flat {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return b, fmt.Errorf("coordinate %v is not a number", v)
		}
	}
	switch t := g.(type) {
	case *geom.Point:
		if t.Empty() {
			return append(b, "null"...), nil
		}
		b = append(b, `{"type":"Point","coordinates":`...)
		b = appendPos(b, flat)
	case *geom.LineString:
		b = append(b, `{"type":"LineString","coordinates":`...)
		b = appendLine(b, flat, t.Stride())
	case *geom.MultiLineString:
		b = append(b, `{"type":"MultiLineString","coordinates":[`...)
		start := 0
		for i, end := range t.Ends() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendLine(b, flat[start:end], t.Stride())
			start = end
		}
		b = append(b, ']')
	default:
		j, err := geojson.Marshal(g)
		if err != nil {
			return b, err
		}
		return append(b, j...), nil
	}
	return append(b, '}'), nil
}
