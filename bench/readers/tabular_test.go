package main

import (
	"errors"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// readAllRows opens a generated source with its format's reader.
func readAllRows(t *testing.T, name, path string) (cols []string, vals [][]string) {
	t.Helper()
	for _, f := range formats {
		if f.name != name {
			continue
		}
		r, err := f.open(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer r.Close()
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return r.Columns(), vals
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			vals = append(vals, row.Values)
		}
	}
	t.Fatalf("no format %q", name)
	return nil, nil
}

// TestTabularSourcesAgree generates the same survey as CSV, as XLSX by
// excelize's stream writer and as XLSX with shared strings, and checks that
// the readers return the same table from all three: the generators are
// right, and the XLSX value rules (dates, numbers, booleans) give what the
// CSV spells out.
func TestTabularSourcesAgree(t *testing.T) {
	const n = 300
	dir := t.TempDir()
	tables := map[string][][]string{}
	var header []string
	for _, name := range []string{"csv", "xlsx", "xlsx-sst"} {
		for _, f := range formats {
			if f.name == name {
				p := filepath.Join(dir, name+f.ext)
				if err := f.generate(p, n, cols); err != nil {
					t.Fatalf("%s: generate: %v", name, err)
				}
				c, v := readAllRows(t, name, p)
				if len(v) != n || len(c) != cols {
					t.Fatalf("%s: %d rows × %d columns, want %d × %d", name, len(v), len(c), n, cols)
				}
				if header == nil {
					header = c
				} else if strings.Join(c, "|") != strings.Join(header, "|") {
					t.Errorf("%s header %q, csv %q", name, c, header)
				}
				tables[name] = v
			}
		}
	}
	for _, name := range []string{"xlsx", "xlsx-sst"} {
		for i, row := range tables[name] {
			for j, v := range row {
				want := tables["csv"][i][j]
				// CSV spells booleans as Go does ("true"), XLSX as Excel
				// shows them; excelize stores floats to Excel's 15
				// significant digits, the CSV and the shared-string writer
				// to full precision.
				if name == "xlsx" && strings.Contains(want, ".") {
					a, errA := strconv.ParseFloat(v, 64)
					b, errB := strconv.ParseFloat(want, 64)
					if errA == nil && errB == nil && math.Abs(a-b) <= 1e-13*math.Abs(b) {
						continue
					}
				}
				if v != want && !(j == 5 && strings.EqualFold(v, want)) {
					t.Fatalf("%s row %d column %q = %q, csv has %q", name, i+2, header[j], v, want)
				}
			}
		}
	}
}
