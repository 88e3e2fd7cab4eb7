// Package csvfile reads delimited text files (.csv, .tsv, .txt) as a stream
// of rows for kpbulk's mapping.
//
// It reads what spreadsheets write: UTF-8 with or without a BOM, UTF-16
// with a BOM, and Windows-1252 when the start of the file is not valid
// UTF-8 (reported as a note); comma, semicolon or tab delimiters, sniffed
// from the first records; quoted fields that hold delimiters, doubled quotes
// and line breaks. Rows are numbered as a spreadsheet shows them: the header
// is row 1, every record is one row (a record spanning lines included) and
// blank lines count. Text is returned exactly as written; a bare quote inside
// an unquoted field is literal text, as in Excel.
//
// Problems confined to a row (a row that stops before a named column, or
// has extra non-empty fields, text after a closing quote, invalid UTF-8) are
// non-fatal *rows.Error values; an unterminated quoted field is fatal and
// names the row where it opened. Memory is flat: one record at a time.
package csvfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"github.com/kpbulk/kpbulk/formats/internal/textenc"
	"github.com/kpbulk/kpbulk/formats/rows"
)

const (
	bufSize = 64 << 10
	// MaxRecordBytes bounds one record; a longer one is almost always an
	// unbalanced quote swallowing the rest of the file.
	MaxRecordBytes = 16 << 20
)

// Reader streams the rows of a delimited text file. It implements
// rows.Reader and rows.Describer.
type Reader struct {
	name      string
	f         *os.File
	br        *bufio.Reader
	delim     byte
	checkUTF8 bool
	header    []string
	notes     []string

	line int // physical line of the last byte consumed, 1-based
	row  int // row number of the last record read
	eof  bool

	buf  []byte // the current record's field bytes, unescaped
	ends []int  // end offset in buf of each field
	errs []fieldIssue
}

// fieldIssue is a problem found while splitting a record, reported once the
// whole record has been read.
type fieldIssue struct {
	field int
	msg   string
}

// Open opens a delimited text file. The header row (opts.HeaderRow, default
// 1) gives the column names; rows before it are ignored.
// opts.Delimiter overrides sniffing and opts.Encoding detection.
func Open(path string, opts rows.Options) (rows.Reader, error) {
	name := opts.DisplayName
	if name == "" {
		name = path
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &rows.Error{File: name, Msg: err.Error(), Fatal: true}
	}
	r, err := newReader(f, name, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.f = f
	return r, nil
}

// newReader sets up decoding, sniffs the delimiter and reads the header.
func newReader(src io.Reader, name string, opts rows.Options) (*Reader, error) {
	r := &Reader{name: name}
	raw := bufio.NewReaderSize(src, bufSize)
	sample, err := raw.Peek(bufSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, r.fatal(0, "", "", err.Error())
	}
	enc := textenc.Detect(sample)
	if opts.Encoding != "" {
		enc = textenc.Canonical(opts.Encoding)
	} else if enc == textenc.Windows1252 {
		r.notes = append(r.notes, "decoded as Windows-1252: the file is not valid UTF-8")
	} else if enc != textenc.UTF8 {
		r.notes = append(r.notes, "decoded as "+enc+" (byte order mark)")
	}
	if n := textenc.BOMLen(sample); n > 0 && textenc.Detect(sample[:n]) == enc {
		raw.Discard(n)
	}
	dec, err := textenc.Decoder(enc)
	if err != nil {
		return nil, r.fatal(0, "", opts.Encoding, err.Error())
	}
	r.br = raw
	if dec == nil {
		r.checkUTF8 = true
	} else {
		r.br = bufio.NewReaderSize(transform.NewReader(raw, dec), bufSize)
	}

	sample, _ = r.br.Peek(bufSize)
	if bytes.IndexByte(sample, '\r') >= 0 && bytes.IndexByte(sample, '\n') < 0 {
		// Classic Mac OS line ends (Excel's "CSV (Macintosh)"): CR alone.
		r.br = bufio.NewReaderSize(crToLF{r.br}, bufSize)
		sample, _ = r.br.Peek(bufSize)
		r.notes = append(r.notes, "lines end in CR alone (classic Mac OS); read as line breaks")
	}
	switch {
	case opts.Delimiter == 0:
		r.delim = Sniff(sample)
		switch r.delim {
		case ';':
			r.notes = append(r.notes, "fields separated by semicolons (detected)")
		case '\t':
			r.notes = append(r.notes, "fields separated by tabs (detected)")
		}
	case opts.Delimiter < utf8.RuneSelf && opts.Delimiter != '"' && opts.Delimiter != '\n' && opts.Delimiter != '\r':
		r.delim = byte(opts.Delimiter)
	default:
		return nil, r.fatal(0, "", string(opts.Delimiter), "delimiter must be one ASCII character other than a quote or line break")
	}

	headerRow := max(opts.HeaderRow, 1)
	for r.row < headerRow {
		if err := r.readRecord(); err != nil {
			if err == io.EOF {
				return nil, r.fatal(headerRow, "", "", fmt.Sprintf("no header: the file ends before row %d", headerRow))
			}
			return nil, err
		}
	}
	if r.allEmpty() {
		return nil, r.fatal(headerRow, "", "", "no header: the header row is empty")
	}
	if r.checkUTF8 && !utf8.Valid(r.buf) {
		return nil, r.fatal(headerRow, "", string(r.buf), `the header is not valid UTF-8; set encoding (for example "windows-1252")`)
	}
	r.header = r.fields()
	return r, nil
}

// Columns returns the header's names in file order (empty names included).
func (r *Reader) Columns() []string { return r.header }

// Notes says how the file was decoded when it was not plain UTF-8.
func (r *Reader) Notes() []string { return r.notes }

// Delimiter returns the delimiter in use (sniffed or given).
func (r *Reader) Delimiter() byte { return r.delim }

// Close closes the file.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	f := r.f
	r.f = nil
	return f.Close()
}

// Next returns the next row that has a non-empty cell. On a non-fatal
// *rows.Error the returned Row still carries the row number and the values
// as read (padded to the header), for reports of rejected rows.
func (r *Reader) Next() (rows.Row, error) {
	for {
		if err := r.readRecord(); err != nil {
			return rows.Row{}, err
		}
		if r.allEmpty() {
			continue
		}
		return r.makeRow()
	}
}

// makeRow turns the current record into a Row, checking its shape.
func (r *Reader) makeRow() (rows.Row, error) {
	vals := r.fields()
	row := rows.Row{Num: r.row, Values: vals}
	if r.checkUTF8 && !utf8.Valid(r.buf) {
		for i, v := range vals {
			if !utf8.ValidString(v) {
				return row, r.rowError(i, v, `not valid UTF-8; set encoding (for example "windows-1252")`)
			}
		}
	}
	if len(r.errs) > 0 {
		e := r.errs[0]
		return row, r.rowError(e.field, vals[e.field], e.msg)
	}
	n := len(r.header)
	switch {
	case len(vals) < n:
		row.Values = append(vals, make([]string, n-len(vals))...)
		// Only columns with a name can miss a value: a header that ends
		// in a delimiter ("X,Y,") has an unnamed last column that rows
		// often leave out.
		for i := len(vals); i < n; i++ {
			if r.header[i] != "" {
				return row, r.rowError(len(vals), "", fmt.Sprintf("row has %d fields, the header has %d", len(vals), n))
			}
		}
	case len(vals) > n:
		for i := n; i < len(vals); i++ {
			if vals[i] != "" {
				return row, r.rowError(i, vals[i], fmt.Sprintf("row has %d fields, the header has %d; this value has no column", len(vals), n))
			}
		}
		row.Values = vals[:n:n]
	}
	return row, nil
}

// column names column i for messages: its header name, or #N (1-based) when
// it has none.
func (r *Reader) column(i int) string {
	if i < len(r.header) && r.header[i] != "" {
		return r.header[i]
	}
	return fmt.Sprintf("#%d", i+1)
}

func (r *Reader) rowError(field int, value, msg string) *rows.Error {
	return &rows.Error{File: r.name, Row: r.row, Column: r.column(field), Value: value, Msg: msg}
}

func (r *Reader) fatal(row int, col, value, msg string) *rows.Error {
	return &rows.Error{File: r.name, Row: row, Column: col, Value: value, Msg: msg, Fatal: true}
}

// allEmpty reports whether every field of the current record is empty.
func (r *Reader) allEmpty() bool { return len(r.buf) == 0 }

// fields copies the current record out as strings (one allocation for the
// text, one for the slice).
func (r *Reader) fields() []string {
	s := string(r.buf)
	out := make([]string, len(r.ends))
	start := 0
	for i, end := range r.ends {
		out[i] = s[start:end]
		start = end
	}
	return out
}

// readLine returns the next physical line including its '\n' (absent on
// the last line of a file without a final newline), for the record that
// will be row number row. The slice is valid until the next read.
func (r *Reader) readLine(row int) ([]byte, error) {
	if r.eof {
		return nil, io.EOF
	}
	line, err := r.br.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(line) > 0) {
		if err == io.EOF {
			r.eof = true
		}
		r.line++
		return line, nil
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		// A line longer than the buffer: collect it whole, up to the cap.
		long := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.br.ReadSlice('\n')
			long = append(long, line...)
			if len(long) > MaxRecordBytes {
				return nil, r.fatal(row, "", "", fmt.Sprintf("row is longer than %d MiB", MaxRecordBytes>>20))
			}
		}
		if err == io.EOF {
			r.eof = true
			err = nil
		}
		if err != nil {
			return nil, r.fatal(row, "", "", err.Error())
		}
		r.line++
		return long, nil
	}
	if err == io.EOF {
		r.eof = true
		return nil, io.EOF
	}
	return nil, r.fatal(row, "", "", err.Error())
}

// readRecord reads one record into r.buf/r.ends and advances r.row. It
// returns io.EOF at the end of the file and a fatal *rows.Error for an
// unterminated quote or an over-long record.
func (r *Reader) readRecord() error {
	line, err := r.readLine(r.row + 1)
	if err != nil {
		return err
	}
	r.row++
	r.buf, r.ends, r.errs = r.buf[:0], r.ends[:0], r.errs[:0]
	startLine := r.line
	d := r.delim
	for {
		// At the start of a field.
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, d)
			if i < 0 {
				r.buf = append(r.buf, trimEOL(line)...)
				r.ends = append(r.ends, len(r.buf))
				return nil
			}
			r.buf = append(r.buf, line[:i]...)
			r.ends = append(r.ends, len(r.buf))
			line = line[i+1:]
			continue
		}
		// Quoted field: runs to the closing quote, across lines if need be.
		line = line[1:]
		for {
			i := bytes.IndexByte(line, '"')
			if i < 0 {
				r.buf = appendLF(r.buf, line)
				if len(r.buf) > MaxRecordBytes {
					return r.fatal(r.row, r.column(len(r.ends)), "", fmt.Sprintf("quoted field opened on line %d runs past %d MiB; unbalanced quote?", startLine, MaxRecordBytes>>20))
				}
				if line, err = r.readLine(r.row); err != nil {
					if err == io.EOF {
						return r.fatal(r.row, r.column(len(r.ends)), "", fmt.Sprintf("unbalanced quote: the quoted field opened on line %d is never closed", startLine))
					}
					return err
				}
				continue
			}
			r.buf = append(r.buf, line[:i]...)
			line = line[i+1:]
			if len(line) > 0 && line[0] == '"' { // doubled quote
				r.buf = append(r.buf, '"')
				line = line[1:]
				continue
			}
			break
		}
		// After the closing quote: a delimiter, the end of the record, or
		// stray text, which is kept (as Excel does) and reported.
		rest := trimEOL(line)
		if len(rest) > 0 && rest[0] != d {
			r.errs = append(r.errs, fieldIssue{len(r.ends), "text after the closing quote of a quoted field"})
			i := bytes.IndexByte(rest, d)
			if i < 0 {
				i = len(rest)
			}
			r.buf = append(r.buf, rest[:i]...)
			line = line[i:]
			rest = rest[i:]
		}
		r.ends = append(r.ends, len(r.buf))
		if len(rest) == 0 {
			return nil
		}
		line = line[1:] // the delimiter
	}
}

// crToLF turns every CR into LF.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// trimEOL drops a trailing "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// appendLF appends line to buf with a "\r\n" ending turned into "\n", as
// in-cell line breaks are "\n" in every spreadsheet.
func appendLF(buf, line []byte) []byte {
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		return append(append(buf, line[:n-2]...), '\n')
	}
	return append(buf, line...)
}
