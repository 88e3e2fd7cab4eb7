package xlsxfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
)

// allXLSX lists every .xlsx under realdata.
func allXLSX(t *testing.T) []string {
	root := rowstest.Realdata(t, "")
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".xlsx") {
			files = append(files, p)
		}
		return err
	})
	if len(files) == 0 {
		t.Fatal("no .xlsx under realdata")
	}
	return files
}

// scanSheet reads every row of a sheet with the streaming scanner, keyed
// by row number, each trimmed after its last non-empty cell.
func scanSheet(wb *workbook, sh sheetRef) (map[int][]string, error) {
	part, err := wb.openPart(sh.part)
	if err != nil {
		return nil, err
	}
	defer part.Close()
	r := &Reader{wb: wb, sheet: sh, sc: newSheetScanner(part)}
	out := map[int][]string{}
	for {
		num, cells, err := r.sc.nextRow()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		vals, err := r.rawRow(cells)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", num, err)
		}
		if len(vals) > 0 {
			out[num] = vals
		}
	}
}

// excelizeSheet reads a sheet with excelize's own GetRows (raw values) and
// applies kpbulk's value rules using excelize's idea of each cell's type
// and style.
func excelizeSheet(t *testing.T, f *excelize.File, sheet string, date1904 bool) map[int][]string {
	t.Helper()
	rowsRaw, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("excelize GetRows(%q): %v", sheet, err)
	}
	out := map[int][]string{}
	for i, row := range rowsRaw {
		var vals []string
		for j, v := range row {
			if v == "" {
				continue
			}
			axis, _ := excelize.CoordinatesToCellName(j+1, i+1)
			typ, err := f.GetCellType(sheet, axis)
			if err != nil {
				t.Fatalf("GetCellType %s: %v", axis, err)
			}
			style, err := f.GetCellStyle(sheet, axis)
			if err != nil {
				t.Fatalf("GetCellStyle %s: %v", axis, err)
			}
			kind := notDate
			if st, err := f.GetStyle(style); err == nil {
				kind = builtinDateKind(st.NumFmt)
				if st.CustomNumFmt != nil {
					kind = formatDateKind(*st.CustomNumFmt)
				}
			}
			switch typ {
			case excelize.CellTypeBool:
				v = map[string]string{"1": "TRUE", "0": "FALSE"}[v]
			case excelize.CellTypeNumber, excelize.CellTypeUnset:
				if d, ok := formatSerial(v, kind, date1904); kind != notDate && ok {
					v = d
				} else {
					v = formatNumber(v)
				}
			case excelize.CellTypeDate:
				v = formatISODate(v, kind)
			}
			for len(vals) <= j {
				vals = append(vals, "")
			}
			vals[j] = v
		}
		if len(vals) > 0 {
			out[i+1] = vals
		}
	}
	return out
}

// TestScannerMatchesExcelize proves the streaming scanner equivalent to
// excelize on every real workbook: same sheets, same rows, same text in
// every cell; a workbook excelize cannot read is refused by both.
func TestScannerMatchesExcelize(t *testing.T) {
	for _, p := range allXLSX(t) {
		t.Run(filepath.Base(p), func(t *testing.T) { matchExcelize(t, p) })
	}
}

// matchExcelize fails the test when the scanner and excelize disagree on
// any sheet, row or cell of the workbook at p.
func matchExcelize(t *testing.T, p string) {
	t.Helper()
	xf, xerr := excelize.OpenFile(p)
	wb, err := openWorkbook(p)
	if xerr != nil || err != nil {
		if xerr == nil {
			// excelize opens some broken packages lazily; it must then
			// fail to read the sheets we refused.
			for _, name := range xf.GetSheetList() {
				if _, rerr := xf.GetRows(name); rerr == nil {
					t.Fatalf("excelize reads sheet %q, openWorkbook: %v", name, err)
				}
			}
			xf.Close()
		}
		if err == nil {
			wb.close()
			t.Fatalf("excelize refuses it (%v), openWorkbook accepted it", xerr)
		}
		t.Logf("refused: %v", err)
		return
	}
	defer xf.Close()
	defer wb.close()
	if got, want := strings.Join(wb.sheetNames(), "|"), strings.Join(xf.GetSheetList(), "|"); got != want {
		t.Fatalf("sheets %q, excelize %q", got, want)
	}
	cells := 0
	for _, sh := range wb.sheets {
		got, err := scanSheet(wb, sh)
		if err != nil {
			t.Fatalf("sheet %q: %v", sh.name, err)
		}
		want := excelizeSheet(t, xf, sh.name, wb.date1904)
		if len(got) != len(want) {
			t.Errorf("sheet %q: %d non-empty rows, excelize %d", sh.name, len(got), len(want))
		}
		for num, w := range want {
			g := got[num]
			if strings.Join(g, "\x00") != strings.Join(w, "\x00") {
				t.Errorf("sheet %q row %d:\n got %q\nwant %q", sh.name, num, g, w)
			}
			cells += len(w)
		}
	}
	t.Logf("%d sheets, %d cells compared", len(wb.sheets), cells)
}
