// Package xlsxfile reads one sheet of an Excel workbook (.xlsx) as a stream
// of rows for kpbulk's mapping.
//
// excelize opens the workbook: it lists the sheets and reads the styles
// (which number formats are dates) and the 1904 date system. The rows
// themselves are read by a purpose-built streaming scanner over the
// worksheet XML, several times faster than excelize's row iterator and in
// flat memory; the package tests prove it returns what excelize returns on
// every real workbook in the test corpus.
//
// Values are the text a person sees, normalised: shared, inline and
// formula-string cells as stored; numbers in the shortest form that reads
// back as the stored value (1651716000 stays 1651716000, 0.1 stays 0.1);
// date cells as YYYY-MM-DD, date-times as YYYY-MM-DDTHH:MM:SS, times as
// HH:MM:SS; booleans as TRUE/FALSE; errors as shown (#DIV/0!). Rows are
// numbered as in the sheet; empty rows are skipped; a header that is empty
// is an error. Merged cells in the header are reported as notes.
//
// Hostile files (zip bombs, DOCTYPE/entity tricks, malformed, truncated or
// deeply nested XML) end in a clear error within bounded memory.
package xlsxfile

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kpbulk/kpbulk/formats/rows"
)

// Reader streams the rows of one sheet. It implements rows.Reader and
// rows.Describer.
type Reader struct {
	name      string // file name for messages
	wb        *workbook
	sheet     sheetRef
	part      io.ReadCloser
	sc        *sheetScanner
	header    []string
	headerRow int
	notes     []string
	notesDone bool
	fatal     error
}

// Open opens sheet opts.Sheet (default: the first) of the workbook at path
// and reads its header row (opts.HeaderRow, default 1).
func Open(path string, opts rows.Options) (rows.Reader, error) {
	name := opts.DisplayName
	if name == "" {
		name = path
	}
	wb, err := openWorkbook(path)
	if err != nil {
		return nil, &rows.Error{File: name, Sheet: opts.Sheet, Msg: err.Error(), Fatal: true}
	}
	sh, ok := wb.sheet(opts.Sheet)
	if !ok {
		wb.close()
		return nil, &rows.Error{File: name, Sheet: opts.Sheet, Fatal: true,
			Msg: fmt.Sprintf("no such sheet; the workbook has %s", quoteList(wb.sheetNames()))}
	}
	r := &Reader{name: name, wb: wb, sheet: sh, headerRow: max(opts.HeaderRow, 1)}
	if opts.Sheet == "" && len(wb.sheets) > 1 {
		r.notes = append(r.notes, fmt.Sprintf("read sheet %q, the first of %d (%s); set sheet: to read another",
			sh.name, len(wb.sheets), quoteList(wb.sheetNames())))
	}
	if err := r.start(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// start opens the sheet part and reads the header.
func (r *Reader) start() error {
	part, err := r.wb.openPart(r.sheet.part)
	if err != nil {
		return r.fail(0, err)
	}
	r.part = part
	r.sc = newSheetScanner(part)
	for {
		num, cells, err := r.sc.nextRow()
		if err == io.EOF {
			return r.fail(r.headerRow, fmt.Errorf("no header: the sheet has no data in row %d or below", r.headerRow))
		}
		if err != nil {
			return r.fail(r.sc.errRow, err)
		}
		if num < r.headerRow {
			continue
		}
		hdr, err := r.rawRow(cells)
		if err != nil {
			return r.fail(num, err)
		}
		if num > r.headerRow || len(hdr) == 0 {
			first := num
			if len(hdr) == 0 {
				first = r.firstDataRow()
			}
			return r.fail(r.headerRow, noHeader(r.headerRow, first))
		}
		r.header = hdr
		return nil
	}
}

// firstDataRow looks a little further for a row with data, for the
// message about a missing header; 0 if none is found.
func (r *Reader) firstDataRow() int {
	for i := 0; i < 1000; i++ {
		num, cells, err := r.sc.nextRow()
		if err != nil {
			return 0
		}
		if vals, _ := r.rawRow(cells); len(vals) > 0 {
			return num
		}
	}
	return 0
}

func noHeader(row, firstData int) error {
	if firstData > 0 {
		return fmt.Errorf("no header: row %d is empty (the first row with data is %d; set the header row)", row, firstData)
	}
	return fmt.Errorf("no header: row %d is empty", row)
}

// rawRow returns the texts of cells by column, trimmed after the last
// non-empty one (empty for an empty row). The first cell error is returned
// with the texts.
func (r *Reader) rawRow(cells []rawCell) ([]string, error) {
	var out []string
	var firstErr error
	for _, c := range cells {
		s, err := r.cellText(c)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if s == "" {
			continue
		}
		for len(out) <= c.col {
			out = append(out, "")
		}
		out[c.col] = s
	}
	return out, firstErr
}

// Columns returns the header row's texts, from column A to the last
// non-empty header cell.
func (r *Reader) Columns() []string { return r.header }

// Sheet returns the name of the sheet being read.
func (r *Reader) Sheet() string { return r.sheet.name }

// Next returns the next non-empty row after the header. A row with a value
// beyond the header's last column, or a cell that cannot be read, yields a
// non-fatal *rows.Error along with the row as read.
func (r *Reader) Next() (rows.Row, error) {
	if r.fatal != nil {
		return rows.Row{}, r.fatal
	}
	for {
		num, cells, err := r.sc.nextRow()
		if err == io.EOF {
			return rows.Row{}, io.EOF
		}
		if err != nil {
			r.fatal = r.fail(r.sc.errRow, err)
			return rows.Row{}, r.fatal
		}
		if num <= r.headerRow {
			continue
		}
		vals := make([]string, len(r.header))
		var rowErr *rows.Error
		empty := true
		for _, c := range cells {
			s, err := r.cellText(c)
			if err != nil && rowErr == nil {
				rowErr = r.cellError(num, c.col, string(r.sc.value(c)), err.Error())
			}
			if s == "" {
				continue
			}
			if c.col >= len(vals) {
				if rowErr == nil {
					rowErr = r.cellError(num, c.col, s, fmt.Sprintf("value in column %s, beyond the header's last column %s", colName(c.col), colName(len(vals)-1)))
				}
				continue
			}
			vals[c.col] = s
			empty = false
		}
		if empty && rowErr == nil {
			continue
		}
		if rowErr != nil {
			return rows.Row{Num: num, Values: vals}, rowErr
		}
		return rows.Row{Num: num, Values: vals}, nil
	}
}

// cellText renders a cell's value as kpbulk reads it.
func (r *Reader) cellText(c rawCell) (string, error) {
	v := r.sc.value(c)
	switch c.typ {
	case cellShared:
		i, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil || i < 0 || i >= r.wb.sst.len() {
			if len(v) == 0 {
				return "", nil
			}
			return "", fmt.Errorf("shared string index %s out of range (the table has %d)", v, r.wb.sst.len())
		}
		return r.wb.sst.get(i), nil
	case cellBool:
		switch string(v) {
		case "1":
			return "TRUE", nil
		case "0":
			return "FALSE", nil
		}
		return string(v), nil
	case cellDate:
		return formatISODate(string(v), r.wb.dateKind(c.style)), nil
	case cellNumber:
		if len(v) == 0 {
			return "", nil
		}
		s := string(v)
		if kind := r.wb.dateKind(c.style); kind != notDate {
			if d, ok := formatSerial(s, kind, r.wb.date1904); ok {
				return d, nil
			}
		}
		return formatNumber(s), nil
	}
	return string(v), nil
}

// Notes reports merged cells: a merged header leaves the columns it covers
// without names of their own, and only the first cell of a merged range
// holds its value. After all rows are read the merges are known; called
// earlier, Notes makes its own pass over the sheet part for them.
func (r *Reader) Notes() []string {
	if r.notesDone || r.wb == nil {
		return r.notes
	}
	r.notesDone = true
	merges, err := r.merges()
	if err != nil {
		r.notes = append(r.notes, "merged cells not checked: "+err.Error())
		return r.notes
	}
	var data []string
	for _, m := range merges {
		c1, r1, c2, r2, ok := parseRange(m)
		if !ok {
			continue
		}
		if r1 <= r.headerRow && r2 >= r.headerRow {
			var unnamed []string
			for c := max(c1+1, 0); c <= c2 && c < len(r.header); c++ {
				if r.header[c] == "" {
					unnamed = append(unnamed, fmt.Sprintf("{#%d}", c+1))
				}
			}
			msg := fmt.Sprintf("sheet %q: header cells %s are merged; the name is in %s%d only", r.sheet.name, m, colName(c1), r1)
			if len(unnamed) > 0 {
				msg += "; reach the other columns by position: " + strings.Join(unnamed, ", ")
			}
			r.notes = append(r.notes, msg)
		} else if r1 > r.headerRow {
			data = append(data, m)
		}
	}
	if len(data) > 0 {
		r.notes = append(r.notes, fmt.Sprintf("sheet %q: %d merged ranges in data rows (first %s); only the top-left cell of each holds the value", r.sheet.name, len(data), data[0]))
	}
	return r.notes
}

func (r *Reader) merges() ([]string, error) {
	if r.sc != nil && r.sc.mergesKnown {
		return r.sc.merges, nil
	}
	part, err := r.wb.openPart(r.sheet.part)
	if err != nil {
		return nil, err
	}
	defer part.Close()
	return scanMerges(part)
}

// Close releases the workbook.
func (r *Reader) Close() error {
	var err error
	if r.part != nil {
		err = r.part.Close()
		r.part = nil
	}
	if r.wb != nil {
		if e := r.wb.close(); err == nil {
			err = e
		}
		r.wb = nil
	}
	if r.fatal == nil {
		r.fatal = errors.New("xlsxfile: reader closed")
	}
	return err
}

func (r *Reader) fail(row int, err error) *rows.Error {
	return &rows.Error{File: r.name, Sheet: r.sheet.name, Row: row, Msg: err.Error(), Fatal: true}
}

func (r *Reader) cellError(row, col int, value, msg string) *rows.Error {
	name := fmt.Sprintf("#%d", col+1)
	if col < len(r.header) && r.header[col] != "" {
		name = r.header[col]
	}
	return &rows.Error{File: r.name, Sheet: r.sheet.name, Row: row, Column: name, Value: value, Msg: msg}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}
