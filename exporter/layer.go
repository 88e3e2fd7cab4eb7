package exporter

import (
	"iter"

	"github.com/twpayne/go-geom"
)

// ColumnType is the type a column is declared with in typed formats
// (GeoPackage, Shapefile, XLSX, KML schemas). Text formats write every value
// as text whatever the type.
type ColumnType int

const (
	String   ColumnType = iota // values are string
	Integer                    // values are int64
	Real                       // values are float64
	Bool                       // values are bool
	DateTime                   // values are time.Time (UTC)
)

func (t ColumnType) String() string {
	switch t {
	case Integer:
		return "integer"
	case Real:
		return "real"
	case Bool:
		return "bool"
	case DateTime:
		return "datetime"
	default:
		return "string"
	}
}

// Column is one attribute column of a layer.
type Column struct {
	Name string
	Type ColumnType
	// Width is the longest value's text in bytes (an upper bound), when the
	// layer's WidthsKnown; fixed-width formats (DBF) size fields with it.
	Width int
}

// GeomKind is the geometry every feature of a layer has.
type GeomKind int

const (
	NoGeometry GeomKind = iota
	Point
	LineString
)

// Feature is one record of a layer. Values line up with Layer.Columns; a nil
// value is an empty cell / SQL NULL. Geom is WGS84 lon/lat or nil.
type Feature struct {
	Geom   geom.T
	Values []any
}

// Layer is the format-neutral unit every writer consumes: a named table with
// typed columns and an optional geometry. Features is a lazy sequence built
// from the job's lists, so a writer holds one feature at a time on top of
// the job itself.
type Layer struct {
	Name     string
	Columns  []Column
	Geom     GeomKind
	Len      int // number of features Features yields (progress, preallocation)
	Features iter.Seq[Feature]
	// WidthsKnown says every text column's Width is set; otherwise a
	// writer that needs widths measures the features first.
	WidthsKnown bool
	// HeaderRow is the row CSV and XLSX writers put the header on (0 or 1:
	// the first); the rows above stay empty, for mappings that read a
	// header lower down (header_row).
	HeaderRow int
}

// ColumnIndex returns the index of the named column, or -1.
func (l *Layer) ColumnIndex(name string) int {
	for i, c := range l.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}
