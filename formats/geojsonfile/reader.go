package geojsonfile

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/crs"
	"github.com/kpbulk/kpbulk/formats/internal/reproject"
	"github.com/kpbulk/kpbulk/formats/rows"
)

// maxDepth bounds the nesting of members kpbulk skips or keeps as text; a
// deeper document is refused (hostile input).
const maxDepth = 64

// Reader streams the features of a GeoJSON file. Create it with Open.
type Reader struct {
	display string
	f       *os.File
	columns []string
	index   map[string]int
	idCol   int // column fed by the Feature "id" member, or -1
	crs     *crs.CRS
	notes   []string

	walk *walker
	num  int
	err  error
}

// Open reads the file once to collect the column names and the legacy crs
// member, then returns a Reader that streams it again feature by feature.
func Open(path string, opts rows.Options) (rows.Reader, error) {
	r := &Reader{display: cmp.Or(opts.DisplayName, path), index: map[string]int{}, idCol: -1}
	f, err := os.Open(path)
	if err != nil {
		return nil, r.fatal(0, "", "%v", err)
	}
	// First pass: columns (union of property names in first-seen order) and crs.
	var sawID, idProp bool
	var crsName string
	w := newWalker(f)
	for {
		feat, err := w.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var fe *featureError
			if errors.As(err, &fe) {
				continue // reported with its row in the second pass
			}
			f.Close()
			return nil, r.fatal(w.count, "", "%v", err)
		}
		if len(feat.ID) > 0 && string(feat.ID) != "null" {
			sawID = true
		}
		err = eachProperty(feat.Properties, func(name string, _ json.RawMessage) error {
			if _, ok := r.index[name]; !ok {
				r.index[name] = len(r.columns)
				r.columns = append(r.columns, name)
			}
			idProp = idProp || name == "id"
			return nil
		})
		_ = err // reported with its row in the second pass
	}
	crsName = w.crsName
	if sawID && !idProp {
		r.idCol = len(r.columns)
		r.index["id"] = r.idCol
		r.columns = append(r.columns, "id")
		r.notes = append(r.notes, `the Feature "id" member is column id`)
	}
	r.notes = append(r.notes, fmt.Sprintf("%d features; columns are the union of their property names", w.count))

	switch {
	case opts.CRS != "":
		if r.crs, err = crs.Parse(opts.CRS); err != nil {
			f.Close()
			return nil, r.fatal(0, opts.CRS, "%v", err)
		}
		r.notes = append(r.notes, fmt.Sprintf("CRS %s (from the crs option); %s", r.crs.Name(), r.crs.Accuracy()))
	case crsName != "":
		if r.crs, err = crs.Parse(crsName); err != nil {
			f.Close()
			return nil, r.fatal(0, crsName, "legacy crs member: %v", err)
		}
		r.notes = append(r.notes, fmt.Sprintf("CRS %s (from the legacy crs member); %s", r.crs.Name(), r.crs.Accuracy()))
	default:
		r.notes = append(r.notes, "RFC 7946: WGS84 longitude/latitude")
	}
	if r.crs != nil && r.crs.IsWGS84() {
		r.crs = nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, r.fatal(0, "", "%v", err)
	}
	r.f = f
	r.walk = newWalker(f)
	return r, nil
}

func (r *Reader) fatal(row int, value, format string, a ...any) *rows.Error {
	return &rows.Error{File: r.display, Row: row, Value: value, Msg: fmt.Sprintf(format, a...), Fatal: true}
}

func (r *Reader) rowError(col, value, format string, a ...any) *rows.Error {
	return &rows.Error{File: r.display, Row: r.num, Column: col, Value: value, Msg: fmt.Sprintf(format, a...)}
}

// Columns returns the property names.
func (r *Reader) Columns() []string { return r.columns }

// Notes reports the CRS and how columns were found.
func (r *Reader) Notes() []string { return r.notes }

// Close releases the file.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// Next returns the next feature as a row.
func (r *Reader) Next() (rows.Row, error) {
	for {
		if r.err != nil {
			return rows.Row{}, r.err
		}
		feat, err := r.walk.next()
		if err == io.EOF {
			r.err = io.EOF
			return rows.Row{}, io.EOF
		}
		r.num = r.walk.count
		if err != nil {
			var fe *featureError
			if errors.As(err, &fe) {
				return rows.Row{Num: r.num}, r.rowError(fe.column, "", "%s", fe.msg)
			}
			r.err = r.fatal(r.num, "", "%v", err)
			return rows.Row{}, r.err
		}
		row, empty, err := r.row(feat)
		if err != nil {
			return row, err
		}
		if !empty {
			return row, nil
		}
	}
}

func (r *Reader) row(feat *rawFeature) (row rows.Row, empty bool, err error) {
	row = rows.Row{Num: r.num, Values: make([]string, len(r.columns))}
	var firstErr error
	perr := eachProperty(feat.Properties, func(name string, v json.RawMessage) error {
		i, ok := r.index[name]
		if !ok {
			return nil
		}
		s, err := text(v)
		if err != nil && firstErr == nil {
			firstErr = r.rowError(name, "", "%v", err)
		}
		row.Values[i] = s
		return nil
	})
	if perr != nil {
		return row, false, r.rowError("properties", "", "%v", perr)
	}
	if r.idCol >= 0 && len(feat.ID) > 0 {
		row.Values[r.idCol], _ = text(feat.ID)
	}
	if firstErr != nil {
		return row, false, firstErr
	}
	if feat.Geometry == nil {
		return row, false, r.rowError("geometry", "", "the Feature has no geometry member (RFC 7946 requires one; it may be null)")
	}
	g, err := decodeGeometry(feat.Geometry)
	if err != nil {
		return row, false, r.rowError("geometry", "", "%v", err)
	}
	if g != nil {
		if err := r.reproject(g); err != nil {
			return row, false, r.rowError("geometry", "", "%v", err)
		}
		row.Geom = g
	}
	if g == nil {
		empty = true
		for _, v := range row.Values {
			if v != "" {
				empty = false
				break
			}
		}
	}
	return row, empty, nil
}

func (r *Reader) reproject(g geom.T) error {
	return reproject.ToWGS84(g, r.crs, func(x, y float64) error {
		return fmt.Errorf("position %v, %v is not a longitude, latitude (RFC 7946 order; for a projected file set crs: EPSG:NNNN)", x, y)
	})
}

// text converts a property value to cell text: strings as they are,
// numbers as written, booleans true/false, null empty, objects and arrays
// as compact JSON.
func text(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", nil
	}
	switch v[0] {
	case '"':
		if bytes.IndexByte(v, '\\') < 0 {
			return string(v[1 : len(v)-1]), nil
		}
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case 'n':
		return "", nil
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	return string(v), nil // number, true, false: as written
}

// kind names a JSON value's type for messages.
func kind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string " + strconv.Quote(truncate(string(raw[1:len(raw)-1]), 40))
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number " + truncate(string(raw), 40)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
