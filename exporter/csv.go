package exporter

import (
	"bufio"
	"encoding/csv"
	"os"
)

// writeCSV writes one layer as UTF-8 CSV with a header row. Values are
// written verbatim, even those starting with = + - @: CSV is data that
// kpbulk and other tools read back, and a prefix would change it. Open
// exports in a spreadsheet through the XLSX format, whose text cells can
// never run as formulas.
func writeCSV(path string, l *Layer) error { return writeCSVDelim(path, l, 0) }

// writeCSVDelim writes with delim as the separator (0: comma).
func writeCSVDelim(path string, l *Layer, delim rune) (err error) {
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
	w := csv.NewWriter(bw)
	if delim != 0 {
		w.Comma = delim
	}
	for range max(l.HeaderRow, 1) - 1 { // empty rows above a lowered header
		bw.WriteString("\n")
	}
	rec := make([]string, len(l.Columns))
	for i, c := range l.Columns {
		rec[i] = c.Name
	}
	if err := w.Write(rec); err != nil {
		return errLayer(l, 0, err)
	}
	row := 0
	for f := range l.Features {
		row++
		for i, v := range f.Values {
			rec[i] = textOf(v)
		}
		if err := w.Write(rec); err != nil {
			return errLayer(l, row, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return errLayer(l, 0, err)
	}
	return bw.Flush()
}
