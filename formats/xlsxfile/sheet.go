package xlsxfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// cellType is a cell's t attribute.
type cellType uint8

const (
	cellNumber cellType = iota // t="n" or absent
	cellShared                 // t="s": index into the shared strings
	cellInline                 // t="inlineStr"
	cellStr                    // t="str": a formula's string result
	cellBool                   // t="b"
	cellError                  // t="e"
	cellDate                   // t="d": ISO 8601 text
)

// rawCell is one cell as stored: its value bytes live in sheetScanner.text.
type rawCell struct {
	col        int // 0-based column index
	typ        cellType
	style      int
	start, end int
}

// Spreadsheet limits (Excel's own).
const (
	maxRows = 1 << 20
	maxCols = 1 << 14
)

// sheetScanner streams the rows of a worksheet part's <sheetData>.
type sheetScanner struct {
	x       *xmlScanner
	started bool
	done    bool
	row     int // number of the last row returned
	inRow   bool
	// errRow is the row a fatal error was found in (0: between rows).
	errRow int
	cells  []rawCell
	text   []byte
	// merges are the merged ranges, known once the whole part is read.
	merges      []string
	mergesKnown bool
}

func newSheetScanner(r io.Reader) *sheetScanner {
	return &sheetScanner{x: newXMLScanner(r)}
}

// value returns the bytes of c's value.
func (s *sheetScanner) value(c rawCell) []byte { return s.text[c.start:c.end] }

// nextRow returns the number and cells of the next <row> element; cells are
// in document order and valid until the next call. It returns io.EOF after
// </sheetData>.
func (s *sheetScanner) nextRow() (int, []rawCell, error) {
	if s.done {
		return 0, nil, io.EOF
	}
	if !s.started {
		if err := s.findSheetData(); err != nil {
			return 0, nil, s.fail(err)
		}
		s.started = true
		if s.done {
			return 0, nil, io.EOF
		}
	}
	for {
		_, t, err := s.x.next()
		if err != nil {
			return 0, nil, s.fail(err)
		}
		switch t.kind {
		case tagStart, tagEmpty:
			if string(t.name) != "row" {
				if t.kind == tagStart {
					if err := s.x.skip(); err != nil {
						return 0, nil, s.fail(err)
					}
				}
				continue
			}
			num, err := s.rowNumber(t.attrs)
			if err != nil {
				return 0, nil, s.fail(err)
			}
			s.row = num
			s.cells, s.text = s.cells[:0], s.text[:0]
			if t.kind == tagStart {
				s.inRow = true
				if err := s.readCells(); err != nil {
					return 0, nil, s.fail(err)
				}
				s.inRow = false
			}
			return num, s.cells, nil
		case tagEnd:
			if string(t.name) == "sheetData" {
				s.done = true
				s.collectMerges()
				return 0, nil, io.EOF
			}
			return 0, nil, s.fail(fmt.Errorf("malformed XML: unexpected </%s> in <sheetData>", t.name))
		}
	}
}

// collectMerges reads the rest of the part after </sheetData> for the
// <mergeCell> elements that follow it, so that a reader that has read all
// rows knows the merges without a second pass. Trouble in that tail does
// not concern the rows: merges are then left unknown.
func (s *sheetScanner) collectMerges() {
	const maxMerges = 100000
	var refs []string
	for len(refs) < maxMerges {
		_, t, err := s.x.next()
		if err == io.EOF {
			s.merges, s.mergesKnown = refs, true
			return
		}
		if err != nil {
			return
		}
		if t.kind != tagEnd && string(t.name) == "mergeCell" {
			if ref := attr(t.attrs, "ref"); ref != nil {
				refs = append(refs, string(ref))
			}
		}
	}
}

// fail marks the scan finished so later calls do not resume in a bad state.
func (s *sheetScanner) fail(err error) error {
	s.done = true
	if s.inRow {
		s.errRow = s.row
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if s.row > 0 {
			return fmt.Errorf("the worksheet XML ends early, after row %d (truncated file?)", s.row)
		}
		return fmt.Errorf("the worksheet XML ends early (truncated file?)")
	}
	return err
}

// findSheetData skips to the content of <sheetData>.
func (s *sheetScanner) findSheetData() error {
	for {
		_, t, err := s.x.next()
		if err != nil {
			if err == io.EOF {
				return errors.New("the worksheet has no <sheetData>")
			}
			return err
		}
		if string(t.name) == "sheetData" {
			switch t.kind {
			case tagStart:
				return nil
			case tagEmpty:
				s.done = true
				return nil
			}
		}
	}
}

func (s *sheetScanner) rowNumber(attrs []byte) (int, error) {
	r := attr(attrs, "r")
	if r == nil {
		if s.row >= maxRows {
			return 0, fmt.Errorf("more than %d rows", maxRows)
		}
		return s.row + 1, nil
	}
	n, err := strconv.Atoi(string(r))
	if err != nil || n < 1 || n > maxRows {
		return 0, fmt.Errorf("malformed worksheet: row number %q", r)
	}
	return n, nil
}

// readCells reads the <c> elements of the current row up to </row>.
func (s *sheetScanner) readCells() error {
	col := -1
	for {
		_, t, err := s.x.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case tagStart, tagEmpty:
			if string(t.name) != "c" {
				if t.kind == tagStart {
					if err := s.x.skip(); err != nil {
						return err
					}
				}
				continue
			}
			c, err := s.cellAttrs(t.attrs, col)
			if err != nil {
				return err
			}
			col = c.col
			c.start, c.end = len(s.text), len(s.text)
			if t.kind == tagStart {
				if err := s.readCell(&c); err != nil {
					return fmt.Errorf("cell %s%d: %w", colName(c.col), s.row, err)
				}
			}
			if len(s.cells) >= maxCols {
				return fmt.Errorf("row %d has more than %d cells", s.row, maxCols)
			}
			s.cells = append(s.cells, c)
		case tagEnd:
			if string(t.name) == "row" {
				return nil
			}
			return fmt.Errorf("malformed XML: unexpected </%s> in row %d", t.name, s.row)
		}
	}
}

// cellAttrs reads a <c>'s reference, type and style in one pass.
func (s *sheetScanner) cellAttrs(attrs []byte, prevCol int) (rawCell, error) {
	c := rawCell{col: prevCol + 1}
	for i := 0; ; {
		key, val, next, ok := nextAttr(attrs, i)
		if !ok {
			break
		}
		i = next
		if len(key) != 1 {
			continue
		}
		switch key[0] {
		case 'r':
			col, row, ok := parseRef(val)
			if !ok {
				return c, fmt.Errorf("malformed worksheet: cell reference %q in row %d", val, s.row)
			}
			if row != s.row {
				return c, fmt.Errorf("malformed worksheet: cell %q inside row %d", val, s.row)
			}
			c.col = col
		case 't':
			typ, ok := cellTypes[string(val)]
			if !ok {
				return c, fmt.Errorf("malformed worksheet: cell type %q in row %d", val, s.row)
			}
			c.typ = typ
		case 's':
			n, err := strconv.Atoi(string(val))
			if err != nil || n < 0 {
				return c, fmt.Errorf("malformed worksheet: style index %q in row %d", val, s.row)
			}
			c.style = n
		}
	}
	if c.col >= maxCols {
		return c, fmt.Errorf("malformed worksheet: more than %d columns in row %d", maxCols, s.row)
	}
	return c, nil
}

var cellTypes = map[string]cellType{
	"": cellNumber, "n": cellNumber, "s": cellShared, "inlineStr": cellInline,
	"str": cellStr, "b": cellBool, "e": cellError, "d": cellDate,
}

// readCell reads a cell's children up to </c>: the value <v>, or the <is>
// of an inline string; formulas and anything else are skipped.
func (s *sheetScanner) readCell(c *rawCell) error {
	hasIS := false
	for {
		_, t, err := s.x.next()
		if err != nil {
			return err
		}
		switch t.kind {
		case tagStart:
			switch {
			case string(t.name) == "v" && !hasIS:
				// An inline string's text is in <is>; excelize falls back
				// to <v> when there is none, and so do we.
				s.text = s.text[:c.start]
				if s.text, err = readText(s.x, s.text, "v"); err != nil {
					return err
				}
			case string(t.name) == "is" && c.typ == cellInline:
				hasIS = true
				s.text = s.text[:c.start]
				if s.text, err = readRichText(s.x, s.text, "is"); err != nil {
					return err
				}
			default:
				if err := s.x.skip(); err != nil {
					return err
				}
			}
			c.end = len(s.text)
		case tagEnd:
			if string(t.name) == "c" {
				return nil
			}
			return fmt.Errorf("malformed XML: unexpected </%s>", t.name)
		}
	}
}

// readText appends the character data of the element whose start tag was
// just read, up to its end tag </end>. A nested element is malformed.
func readText(x *xmlScanner, dst []byte, end string) ([]byte, error) {
	for {
		text, t, err := x.next()
		if err != nil {
			return dst, err
		}
		if dst, err = appendText(dst, text); err != nil {
			return dst, err
		}
		switch t.kind {
		case tagEnd:
			if string(t.name) == end {
				return dst, nil
			}
			return dst, fmt.Errorf("malformed XML: </%s> inside <%s>", t.name, end)
		case tagCDATA:
			dst = appendCDATA(dst, t.name)
		case tagStart, tagEmpty:
			return dst, fmt.Errorf("malformed XML: <%s> inside <%s>", t.name, end)
		}
	}
}

// readRichText appends the text of a string item (<si> or <is>): its <t>
// elements, directly or inside rich-text runs <r>, in order. Phonetic runs
// (<rPh>) and run properties are not text; "_xHHHH_" escapes are decoded
// as excelize does.
func readRichText(x *xmlScanner, dst []byte, end string) ([]byte, error) {
	start := len(dst)
	for {
		_, t, err := x.next()
		if err != nil {
			return dst, err
		}
		switch t.kind {
		case tagStart:
			switch string(t.name) {
			case "t":
				if dst, err = readText(x, dst, "t"); err != nil {
					return dst, err
				}
			case "r":
			default:
				if err := x.skip(); err != nil {
					return dst, err
				}
			}
		case tagEnd:
			switch string(t.name) {
			case end:
				return decodeEscapes(dst, start), nil
			case "r":
			default:
				return dst, fmt.Errorf("malformed XML: unexpected </%s> in <%s>", t.name, end)
			}
		}
	}
}

// appendCDATA appends CDATA content with line ends normalised.
func appendCDATA(dst, data []byte) []byte {
	for {
		i := bytes.IndexByte(data, '\r')
		if i < 0 {
			return append(dst, data...)
		}
		dst = append(append(dst, data[:i]...), '\n')
		data = data[i+1:]
		if len(data) > 0 && data[0] == '\n' {
			data = data[1:]
		}
	}
}

// decodeEscapes decodes OOXML "_xHHHH_" escapes in dst[start:] in place,
// left to right and non-overlapping; an escape of an invalid code point (a
// lone surrogate) is dropped, which is what excelize does.
func decodeEscapes(dst []byte, start int) []byte {
	s := dst[start:]
	if bytes.Index(s, []byte("_x")) < 0 {
		return dst
	}
	out := dst[:start]
	tmp := append([]byte(nil), s...)
	for i := 0; i < len(tmp); {
		if i+7 <= len(tmp) && tmp[i] == '_' && tmp[i+1] == 'x' && tmp[i+6] == '_' && isHex4(tmp[i+2:i+6]) {
			v, _ := strconv.ParseUint(string(tmp[i+2:i+6]), 16, 32)
			if r := rune(v); r < 0xD800 || r > 0xDFFF {
				out = utf8.AppendRune(out, r)
			}
			i += 7
			continue
		}
		out = append(out, tmp[i])
		i++
	}
	return out
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// parseRef splits a cell reference such as "AB12" into a 0-based column and
// a row number.
func parseRef(ref []byte) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		if col > maxCols {
			return 0, 0, false
		}
		i++
	}
	if i == 0 || i == len(ref) {
		return 0, 0, false
	}
	for _, c := range ref[i:] {
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
		if row > maxRows {
			return 0, 0, false
		}
	}
	return col - 1, row, row > 0
}

// colName returns the letters of a 0-based column index ("A", "AB").
func colName(col int) string {
	var b []byte
	for col++; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return string(b)
}
