package exporter

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/geojson"
)

// writeGeoJSON writes an RFC 7946 FeatureCollection. With tag, every
// feature gets a "layer" property naming its layer, so one file holds all
// layers and GIS tools can filter or split on it.
func writeGeoJSON(path string, layers []*Layer, tag bool) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 256<<10)
	bw.WriteString(`{"type":"FeatureCollection","features":[`)
	first := true
	var buf []byte
	for _, l := range layers {
		keys := make([][]byte, len(l.Columns))
		for i, c := range l.Columns {
			keys[i] = append(appendJSONString(nil, c.Name), ':')
		}
		var layerKey []byte
		if tag {
			layerKey = appendJSONString([]byte(`"layer":`), l.Name)
		}
		row := 0
		for ft := range l.Features {
			row++
			buf = buf[:0]
			if !first {
				buf = append(buf, ",\n"...)
			}
			first = false
			buf = append(buf, `{"type":"Feature","geometry":`...)
			if buf, err = appendGeometry(buf, ft.Geom); err != nil {
				return errLayer(l, row, err)
			}
			buf = append(buf, `,"properties":{`...)
			buf = append(buf, layerKey...)
			sep := len(layerKey) > 0
			for i, v := range ft.Values {
				if sep {
					buf = append(buf, ',')
				}
				sep = true
				buf = append(buf, keys[i]...)
				buf = appendJSONValue(buf, v)
			}
			buf = append(buf, "}}"...)
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

func appendGeometry(b []byte, g geom.T) ([]byte, error) {
	switch g := g.(type) {
	case nil:
		return append(b, "null"...), nil
	case *geom.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		return append(appendCoord(b, g.FlatCoords()), '}'), nil
	case *geom.LineString:
		b = append(b, `{"type":"LineString","coordinates":[`...)
		flat, stride := g.FlatCoords(), g.Stride()
		for i := 0; i < len(flat); i += stride {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCoord(b, flat[i:i+2])
		}
		return append(b, "]}"...), nil
	default:
		gj, err := geojson.Encode(g)
		if err != nil {
			return nil, err
		}
		j, err := json.Marshal(gj)
		return append(b, j...), err
	}
}

func appendCoord(b []byte, xy []float64) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, xy[0], 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, xy[1], 'f', -1, 64)
	return append(b, ']')
}

func appendJSONValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, v)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case bool:
		return strconv.AppendBool(b, v)
	case time.Time:
		return appendJSONString(b, v.UTC().Format(time.RFC3339))
	default:
		return appendJSONString(b, fmt.Sprint(v))
	}
}

// appendJSONString quotes s as a JSON string (invalid UTF-8 becomes U+FFFD,
// as encoding/json does).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
