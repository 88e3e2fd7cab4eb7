// Package rows is the contract between kpbulk's source readers (CSV, XLSX,
// GeoJSON, Shapefile) and the mapping: a stream of rows, each with the
// position a person would use to find it in the source file.
//
// Readers stream: Next returns one row at a time and keeps no more than a row
// (plus small fixed buffers) in memory, so a 100,000-row file reads in flat
// memory.
package rows

import (
	"fmt"
	"strings"

	"github.com/twpayne/go-geom"
)

// Row is one record of a source.
type Row struct {
	// Num is the row number as a person counts it in the source: in CSV and
	// XLSX the header is row 1 and the first data row is row 2; GeoJSON
	// features and Shapefile records count from 1.
	Num int
	// Values holds the cell text by column index, aligned with
	// Reader.Columns(). Text is kept exactly as in the source. A short row is
	// padded with empty strings by the reader (ragged rows are reported as
	// errors by readers that can tell, e.g. CSV).
	Values []string
	// Geom is the row's geometry in WGS84 longitude/latitude (EPSG:4326,
	// RFC 7946 axis order), already reprojected by the reader; nil for
	// tabular sources and null shapes.
	Geom geom.T
}

// Reader is a streaming source of rows.
type Reader interface {
	// Columns returns the header: column names in source order. Names may be
	// empty or repeated; templates reach those by position ({#3}).
	Columns() []string
	// Next returns the next non-empty row, or io.EOF after the last one. A
	// row whose cells are all empty is skipped silently. A malformed row
	// yields a *Error; the caller may continue calling Next after a *Error
	// whose Fatal is false.
	Next() (Row, error)
	// Close releases the file.
	Close() error
}

// Describer is implemented by readers that have something to tell the user
// about how they read the file (a detected codepage, a CRS reprojection and
// its accuracy). The notes are printed by `kpbulk validate`.
type Describer interface {
	Notes() []string
}

// Error locates a problem in a source file: file, sheet, row, column and the
// offending value, formatted as `file:sheet:row:column: message`.
type Error struct {
	File   string // path as the user wrote it (relative to the mapping)
	Sheet  string // XLSX sheet or Shapefile layer; empty for single-table formats
	Row    int    // as in Row.Num; 0 when the problem is not in one row
	Column string // column name (or "#N" when the column has no name); empty when not in one column
	Value  string // offending value, quoted in the message; empty when none
	Msg    string
	// Fatal is true when the reader cannot go on (truncated file, bad
	// header); false for a problem confined to one row.
	Fatal bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteByte(':')
	b.WriteString(e.Sheet)
	b.WriteByte(':')
	if e.Row > 0 {
		fmt.Fprintf(&b, "%d", e.Row)
	}
	b.WriteByte(':')
	b.WriteString(e.Column)
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Value != "" {
		fmt.Fprintf(&b, " (value %q)", e.Value)
	}
	return b.String()
}

// Options are the reader settings a mapping set can give.
type Options struct {
	// Sheet selects an XLSX sheet by name (default: the first sheet).
	Sheet string
	// HeaderRow is the 1-based row that holds the header (default 1).
	HeaderRow int
	// Delimiter overrides the CSV delimiter sniffing (0: sniff).
	Delimiter rune
	// Encoding overrides codepage detection ("utf-8", "windows-1252", ...).
	Encoding string
	// CRS overrides the source's CRS ("EPSG:NNNN"); empty: from .prj or the
	// file, else WGS84.
	CRS string
	// DisplayName is the path used in error messages (as written in the
	// mapping); defaults to the path opened.
	DisplayName string
}
