package exporter

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kpbulk/kpbulk/formats/shapefile"
)

// writeShapefile writes one layer as a shapefile set at path (.shp and its
// .shx .dbf .prj .cpg, plus a sidecar of the full field names when DBF's
// 10-character limit shortened any). Values cut to fit DBF's 254 bytes come
// back as warnings.
func writeShapefile(path string, l *Layer) ([]string, error) {
	fields := make([]shapefile.Field, len(l.Columns))
	// Text fields are sized to their longest value (known from the layer,
	// or measured in a pre-pass): DBF records are fixed width, and 254 bytes
	// for every text column would make files tens of times larger than
	// their data.
	width := make([]int, len(l.Columns))
	if l.WidthsKnown {
		for i, c := range l.Columns {
			width[i] = c.Width
		}
	} else {
		width = textWidths(l)
	}
	for i, c := range l.Columns {
		switch c.Type {
		case Integer:
			fields[i] = shapefile.Field{Name: c.Name, Type: 'N', Length: 19}
		case Real:
			fields[i] = shapefile.Field{Name: c.Name, Type: 'N', Length: 24, Decimals: 15}
		case Bool:
			fields[i] = shapefile.Field{Name: c.Name, Type: 'L'}
		default: // String, and DateTime as ISO 8601 text (DBF dates hold no time)
			fields[i] = shapefile.Field{Name: c.Name, Type: 'C', Length: min(max(width[i], 1), 254)}
		}
	}
	kind := shapefile.Point
	if l.Geom == LineString {
		kind = shapefile.PolyLine
	}
	w, err := shapefile.Create(strings.TrimSuffix(path, filepath.Ext(path)), kind, fields)
	if err != nil {
		return nil, errLayer(l, 0, err)
	}
	vals := make([]any, len(l.Columns))
	row := 0
	for f := range l.Features {
		row++
		for i, v := range f.Values {
			if t, ok := v.(time.Time); ok {
				v = t.UTC().Format(time.RFC3339)
			}
			vals[i] = v
		}
		if err := w.Write(f.Geom, vals); err != nil {
			w.Close()
			return nil, errLayer(l, row, err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, errLayer(l, 0, err)
	}
	var warns []string
	for _, s := range w.Warnings() {
		warns = append(warns, l.Name+": "+s)
	}
	return warns, nil
}

// textWidths is the longest text (in bytes) of every column.
func textWidths(l *Layer) []int {
	width := make([]int, len(l.Columns))
	for f := range l.Features {
		for i, v := range f.Values {
			if v != nil {
				width[i] = max(width[i], len(textOf(v)))
			}
		}
	}
	return width
}

// writeShapefileZip writes every layer as a shapefile set and zips them
// (the sets side by side at the zip's root).
func writeShapefileZip(path string, layers []*Layer) ([]string, error) {
	dir, err := os.MkdirTemp(filepath.Dir(path), ".shp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var warns, bases []string
	for _, l := range layers {
		base := filepath.Join(dir, fileName(l.Name))
		w, err := writeShapefile(base+".shp", l)
		if err != nil {
			return warns, err
		}
		warns = append(warns, w...)
		bases = append(bases, base)
	}
	return warns, shapefile.WriteZip(path, bases...)
}
