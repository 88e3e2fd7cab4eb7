package mapping

import (
	"fmt"
	"strconv"
	"strings"
)

// Template is a parsed mapping string: literal text and placeholders.
// `{Column}` is a column by header name, `{#3}` the third column, `{_row}`
// the row number; `{{` and `}}` are literal braces. A template without
// placeholders is a constant.
type Template struct {
	Raw   string
	Pos   Pos // where it is in the mapping file
	parts []tpart
}

type tpart struct {
	lit string
	ph  *Placeholder // nil for literal text
}

// Placeholder is one `{...}` of a template.
type Placeholder struct {
	Column string // header name; empty for {#N} and {_row}
	Index  int    // {#N}: 1-based column position; 0 otherwise
	Row    bool   // {_row}
}

func (p Placeholder) String() string {
	switch {
	case p.Row:
		return "{_row}"
	case p.Index > 0:
		return "{#" + strconv.Itoa(p.Index) + "}"
	}
	return "{" + p.Column + "}"
}

// TemplateError is a template syntax error at byte offset Offset of the
// template text.
type TemplateError struct {
	Offset int
	Msg    string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("template: %s at offset %d", e.Msg, e.Offset)
}

// ParseTemplate parses a mapping string.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{Raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, tpart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{':
			lit.WriteByte('{')
			i += 2
		case c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte('}')
			i += 2
		case c == '}':
			return nil, &TemplateError{i, `unmatched "}" (write "}}" for a literal brace)`}
		case c == '{':
			end := strings.IndexAny(s[i+1:], "{}")
			if end < 0 || s[i+1+end] == '{' {
				return nil, &TemplateError{i, `unclosed "{" (write "{{" for a literal brace)`}
			}
			name := s[i+1 : i+1+end]
			ph, err := parsePlaceholder(name)
			if err != nil {
				return nil, &TemplateError{i, err.Error()}
			}
			flush()
			t.parts = append(t.parts, tpart{ph: ph})
			i += end + 2
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return t, nil
}

func parsePlaceholder(name string) (*Placeholder, error) {
	switch {
	case name == "":
		return nil, fmt.Errorf("empty placeholder {}")
	case name == "_row":
		return &Placeholder{Row: true}, nil
	case name[0] == '#':
		n, err := strconv.Atoi(name[1:])
		if err != nil || n < 1 || name[1] == '+' {
			return nil, fmt.Errorf("{%s}: a column position is {#N} with N a whole number from 1", name)
		}
		return &Placeholder{Index: n}, nil
	}
	return &Placeholder{Column: name}, nil
}

// Constant returns the template's text when it has no placeholders.
func (t *Template) Constant() (string, bool) {
	for _, p := range t.parts {
		if p.ph != nil {
			return "", false
		}
	}
	if len(t.parts) == 0 {
		return "", true
	}
	return t.parts[0].lit, true
}

// Placeholders returns the template's placeholders in order.
func (t *Template) Placeholders() []Placeholder {
	var out []Placeholder
	for _, p := range t.parts {
		if p.ph != nil {
			out = append(out, *p.ph)
		}
	}
	return out
}

func (t *Template) String() string { return t.Raw }

// Column-resolved template, evaluated per row without allocating when it is
// a single placeholder.

const colRow = -1 // {_row}

type bpart struct {
	lit string
	col int // index into Row.Values, colRow, or -2 for literal
}

type bound struct {
	t     *Template
	parts []bpart
	// single is the only part when the template is exactly one placeholder.
	single bool
}

// columnIndex finds a header name (exact match, first occurrence).
func columnIndex(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}

// bind resolves the template's placeholders against a header. The error
// names the missing column and lists the columns that exist.
func (t *Template) bind(cols []string) (*bound, error) {
	b := &bound{t: t, parts: make([]bpart, 0, len(t.parts))}
	for _, p := range t.parts {
		switch {
		case p.ph == nil:
			b.parts = append(b.parts, bpart{lit: p.lit, col: -2})
		case p.ph.Row:
			b.parts = append(b.parts, bpart{col: colRow})
		case p.ph.Index > 0:
			if p.ph.Index > len(cols) {
				return nil, fmt.Errorf("column {#%d} does not exist: the source has %d columns", p.ph.Index, len(cols))
			}
			b.parts = append(b.parts, bpart{col: p.ph.Index - 1})
		default:
			i := columnIndex(cols, p.ph.Column)
			if i < 0 {
				return nil, fmt.Errorf("column %q not found; the columns are: %s", p.ph.Column, quoteList(cols))
			}
			b.parts = append(b.parts, bpart{col: i})
		}
	}
	b.single = len(b.parts) == 1 && b.parts[0].col >= 0
	return b, nil
}

func quoteList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = strconv.Quote(c)
	}
	return strings.Join(q, ", ")
}

// eval renders the template for one row.
func (b *bound) eval(num int, vals []string) string {
	if b.single {
		return cell(vals, b.parts[0].col)
	}
	if len(b.parts) == 1 && b.parts[0].col == -2 {
		return b.parts[0].lit
	}
	n := 0
	for _, p := range b.parts {
		switch {
		case p.col == -2:
			n += len(p.lit)
		case p.col >= 0:
			n += len(cell(vals, p.col))
		default:
			n += 8
		}
	}
	buf := make([]byte, 0, n)
	for _, p := range b.parts {
		switch {
		case p.col == -2:
			buf = append(buf, p.lit...)
		case p.col == colRow:
			buf = strconv.AppendInt(buf, int64(num), 10)
		default:
			buf = append(buf, cell(vals, p.col)...)
		}
	}
	return string(buf)
}

// column returns the header name of the template's first placeholder, for
// problem reports ("#N" for unnamed columns, "_row" for the row number).
func (b *bound) column(cols []string) string {
	for _, p := range b.parts {
		switch {
		case p.col == colRow:
			return "_row"
		case p.col >= 0:
			return colName(cols, p.col)
		}
	}
	return ""
}

func colName(cols []string, i int) string {
	if i < len(cols) && cols[i] != "" {
		return cols[i]
	}
	return "#" + strconv.Itoa(i+1)
}

func cell(vals []string, i int) string {
	if i < len(vals) {
		return vals[i]
	}
	return ""
}
