package mapping

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is one thing wrong with the mapping file or a source value.
//
// Source problems print as `file:sheet:row:column: message (value "v")`,
// like *rows.Error; mapping-file problems print as `file:line:col: message`.
type Problem struct {
	File   string // source path as written in the mapping, or the mapping file path
	Sheet  string // XLSX sheet; empty for other formats
	Row    int    // source row (rows.Row.Num); 0 when not in one row
	Column string // source column; empty when not in one column
	Value  string // offending value; empty when none
	Msg    string

	// Line and Col locate a mapping-file problem (1-based); 0 for source
	// problems.
	Line, Col int

	// Set is the entity set the problem belongs to, when known.
	Set string
}

// InMapping reports whether the problem is in the mapping file itself.
func (p Problem) InMapping() bool { return p.Line > 0 }

func (p Problem) Error() string { return p.String() }

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	b.WriteByte(':')
	if p.InMapping() {
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Col))
	} else {
		b.WriteString(p.Sheet)
		b.WriteByte(':')
		if p.Row > 0 {
			b.WriteString(strconv.Itoa(p.Row))
		}
		b.WriteByte(':')
		b.WriteString(p.Column)
	}
	b.WriteString(": ")
	b.WriteString(p.Msg)
	if p.Value != "" {
		fmt.Fprintf(&b, " (value %q)", p.Value)
	}
	return b.String()
}

// LoadError is returned by Load when the mapping file has problems; it holds
// all of them.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}
