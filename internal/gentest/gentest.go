// Package gentest checks committed generated files against a fresh run of
// their generator, for the examples and the top-level testdata folder alike.
package gentest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// UpToDate compares every file the generator wrote below fresh with the
// committed file at the same relative path below committed: bytes for text
// and GIS files (but the DBF header's last-update date), cells (value,
// type, number format) for workbooks, whose zip bytes depend on the
// excelize version. It also flags files beside the generated ones that the
// generator no longer writes, unless handWritten says the name is kept by
// hand. regen is the command that rewrites the committed files.
func UpToDate(t *testing.T, committed, fresh, regen string, handWritten func(name string) bool) {
	t.Helper()
	generated := map[string]bool{}
	err := filepath.WalkDir(fresh, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(fresh, path)
		generated[rel] = true
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			old := filepath.Join(committed, rel)
			if _, err := os.Stat(old); err != nil {
				t.Fatalf("generated file is missing: %v (run %s)", err, regen)
			}
			var diff string
			if strings.HasSuffix(rel, ".xlsx") {
				diff = diffWorkbooks(t, old, path)
			} else {
				diff = diffBytes(t, old, path)
			}
			if diff != "" {
				t.Errorf("%s differs from a fresh run of the generator (run %s): %s", old, regen, diff)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) == 0 {
		t.Fatal("the generator wrote no files")
	}

	// Every other file beside the generated ones is hand-written or what a
	// run of kpbulk leaves there; anything else is stale output.
	dirs := map[string]bool{}
	for rel := range generated {
		dirs[filepath.Dir(rel)] = true
	}
	for dir := range dirs {
		entries, err := os.ReadDir(filepath.Join(committed, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			rel := filepath.Join(dir, e.Name())
			if e.IsDir() || generated[rel] || handWritten(e.Name()) {
				continue
			}
			t.Errorf("%s is not written by the generator: delete it, or add it to the generator", filepath.Join(committed, rel))
		}
	}
}

func diffBytes(t *testing.T, committed, fresh string) string {
	t.Helper()
	a, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(committed, ".dbf") {
		// Bytes 1-3 of a DBF header are the date the file was written.
		for _, x := range [][]byte{a, b} {
			if len(x) > 3 {
				x[1], x[2], x[3] = 0, 0, 0
			}
		}
	}
	if bytes.Equal(a, b) {
		return ""
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return fmt.Sprintf("first difference at byte %d (sizes %d and %d)", i, len(a), len(b))
}

func diffWorkbooks(t *testing.T, committed, fresh string) string {
	t.Helper()
	a, b := readCells(t, committed), readCells(t, fresh)
	if len(a) != len(b) {
		return fmt.Sprintf("%d cells, a fresh run has %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return fmt.Sprintf("cell %s, a fresh run has %s", a[i], b[i])
		}
	}
	return ""
}

// readCells lists every non-empty cell of every sheet as
// "sheet!A1 type numfmt value", in sheet and row order.
func readCells(t *testing.T, path string) []string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, err := f.GetCellType(sheet, cell)
				if err != nil {
					t.Fatal(err)
				}
				numFmt := 0
				if id, err := f.GetCellStyle(sheet, cell); err == nil && id != 0 {
					if st, err := f.GetStyle(id); err == nil {
						numFmt = st.NumFmt
					}
				}
				if v == "" && typ == excelize.CellTypeUnset {
					continue
				}
				out = append(out, fmt.Sprintf("%s!%s %v %d %q", sheet, cell, typ, numFmt, v))
			}
		}
	}
	return out
}
