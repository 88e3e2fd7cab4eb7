package xlsxfile

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
	"github.com/kpbulk/kpbulk/formats/rows"
)

func mustOpen(t *testing.T, p string, opts rows.Options) rows.Reader {
	t.Helper()
	r, err := Open(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestSeattleCityLight(t *testing.T) {
	p := rowstest.Realdata(t, "poles_seattle_city_light/JU ATT New in 2021 (updated 2022-08-05).xlsx")
	r := mustOpen(t, p, rows.Options{})
	cols := r.Columns()
	if len(cols) != 21 || cols[0] != "PoleNum" || cols[3] != "Ownership%" || cols[9] != "Start Date" {
		t.Fatalf("columns = %q", cols)
	}
	got, errs, err := rowstest.ReadAll(t, r)
	if err != nil || len(errs) > 0 {
		t.Fatalf("fatal %v, errors %v", err, errs)
	}
	// The dimension says A1:U2127, but rows 2084-2127 are empty <row>
	// elements: 2082 data rows, as many as the CSV export has.
	if n := r.(rows.Describer).Notes(); len(n) != 1 || !strings.Contains(n[0], `read sheet "Valid New Attachments", the first of 3`) {
		t.Errorf("notes = %q, want the default sheet named", n)
	}
	if len(got) != 2082 || got[len(got)-1].Num != 2083 {
		t.Fatalf("%d rows ending at %d, want 2082 ending at 2083", len(got), got[len(got)-1].Num)
	}
	want := []string{"1334828", "47.666355573704", "-122.3172902978", "100", "SCL", "", "", "3429403", "AT&T CORP", "2021/07/09"}
	if got[0].Num != 2 || !reflect.DeepEqual(got[0].Values[:10], want) {
		t.Errorf("first row = %d %q", got[0].Num, got[0].Values)
	}

	inv := mustOpen(t, p, rows.Options{Sheet: "invalid new attachments"}) // Excel matches names ignoring case
	got, _, err = rowstest.ReadAll(t, inv)
	if err != nil || len(got) != 44 || got[0].Values[0] != "2855965" {
		t.Errorf("Invalid New Attachments: %d rows, err %v", len(got), err)
	}
	if s := inv.(*Reader).Sheet(); s != "Invalid New Attachments" {
		t.Errorf("Sheet() = %q", s)
	}
}

func TestKatapultNodeAttributes(t *testing.T) {
	p := rowstest.Realdata(t, "poles_katapult/CPS_6457E_03_Node_Attributes_XLSX.xlsx")
	r := mustOpen(t, p, rows.Options{})
	cols := r.Columns()
	if len(cols) != 108 || cols[0] != "latitude" || cols[4] != "node_type" || cols[5] != "pole_tag" {
		t.Fatalf("columns (%d) = %q", len(cols), cols[:6])
	}
	got, errs, err := rowstest.ReadAll(t, r)
	if err != nil || len(errs) > 0 {
		t.Fatalf("fatal %v, errors %v", err, errs)
	}
	if len(got) != 43 {
		t.Fatalf("%d rows, want 43", len(got))
	}
	// Formula-string cells, numbers stored as text: kept exactly.
	first := got[0].Values
	if first[0] != "29.294378991748594" || first[3] != "001" || first[4] != "pole" || first[5] != "410620" {
		t.Errorf("first row = %q", first[:6])
	}
	types := map[string]int{}
	for _, row := range got {
		types[row.Values[4]]++
	}
	if types["pole"] == 0 || types["reference"] == 0 {
		t.Errorf("node types = %v", types)
	}
}

func TestCellTypes(t *testing.T) {
	p := rowstest.Realdata(t, "edge_xlsx/tealeg/testcelltypes.xlsx")
	got, _, err := rowstest.ReadAll(t, mustOpen(t, p, rows.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]string{}
	for _, row := range got {
		byKind[row.Values[1]] = row.Values[0]
	}
	// The date cell holds serial 40543 with a date style, in a Mac
	// workbook (date1904="1"): Excel shows 2015-01-01, not 2010-12-31.
	for kind, want := range map[string]string{"date": "2015-01-01", "bool": "TRUE", "error": "#DIV/0!", "string": "日本語"} {
		if byKind[kind] != want {
			t.Errorf("%s cell = %q, want %q (all: %q)", kind, byKind[kind], want, byKind)
		}
	}
}

// build writes a workbook made by fill to a temp file.
func build(t *testing.T, fill func(f *excelize.File)) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	fill(f)
	p := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func style(t *testing.T, f *excelize.File, s *excelize.Style) int {
	t.Helper()
	id, err := f.NewStyle(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestValues(t *testing.T) {
	custom := func(c string) *excelize.Style { return &excelize.Style{CustomNumFmt: &c} }
	p := build(t, func(f *excelize.File) {
		f.SetSheetRow("Sheet1", "A1", &[]any{"what", "value"})
		date := style(t, f, &excelize.Style{NumFmt: 14})
		dateTime := style(t, f, &excelize.Style{NumFmt: 22})
		ymd := style(t, f, custom("yyyy/mm/dd"))
		clock := style(t, f, custom("hh:mm"))
		locale := style(t, f, custom(`[$-409]d-mmm-yy;@`))
		twoDec := style(t, f, custom("0.00"))
		metres := style(t, f, custom(`#,##0 "m"`))
		when := time.Date(2021, 7, 9, 13, 45, 30, 0, time.UTC)
		cases := []struct {
			what  string
			set   func(cell string)
			style int
		}{
			{"int", func(c string) { f.SetCellValue("Sheet1", c, 1651716000) }, 0},
			{"float", func(c string) { f.SetCellValue("Sheet1", c, 0.1) }, 0},
			{"noise", func(c string) { f.SetCellDefault("Sheet1", c, "0.10000000000000001") }, 0},
			{"exp", func(c string) { f.SetCellDefault("Sheet1", c, "1E-3") }, 0},
			{"two decimals", func(c string) { f.SetCellValue("Sheet1", c, 2.5) }, twoDec},
			{"metres", func(c string) { f.SetCellValue("Sheet1", c, 12) }, metres},
			{"date", func(c string) { f.SetCellValue("Sheet1", c, when) }, date},
			{"datetime", func(c string) { f.SetCellValue("Sheet1", c, when) }, dateTime},
			{"ymd", func(c string) { f.SetCellValue("Sheet1", c, when) }, ymd},
			{"clock", func(c string) { f.SetCellValue("Sheet1", c, 0.5) }, clock},
			{"locale", func(c string) { f.SetCellValue("Sheet1", c, when) }, locale},
			{"bool", func(c string) { f.SetCellValue("Sheet1", c, false) }, 0},
			{"text number", func(c string) { f.SetCellStr("Sheet1", c, "007") }, 0},
			{"spaces", func(c string) { f.SetCellStr("Sheet1", c, "  two\nlines  ") }, 0},
			{"escape", func(c string) { f.SetCellStr("Sheet1", c, "a_x005F_b & <c>") }, 0},
		}
		for i, c := range cases {
			row := i + 2
			a, _ := excelize.CoordinatesToCellName(1, row)
			b, _ := excelize.CoordinatesToCellName(2, row)
			f.SetCellStr("Sheet1", a, c.what)
			c.set(b)
			if c.style != 0 {
				f.SetCellStyle("Sheet1", b, b, c.style)
			}
		}
		// Styled but empty trailing rows are not rows.
		last, _ := excelize.CoordinatesToCellName(2, 40)
		f.SetCellStyle("Sheet1", "A30", last, date)
	})
	want := map[string]string{
		"int": "1651716000", "float": "0.1", "noise": "0.1", "exp": "0.001",
		"two decimals": "2.5", "metres": "12",
		"date": "2021-07-09", "datetime": "2021-07-09T13:45:30", "ymd": "2021-07-09",
		"clock": "12:00:00", "locale": "2021-07-09", "bool": "FALSE",
		"text number": "007", "spaces": "  two\nlines  ", "escape": "a_b & <c>",
	}
	matchExcelize(t, p)
	got, errs, err := rowstest.ReadAll(t, mustOpen(t, p, rows.Options{}))
	if err != nil || len(errs) > 0 {
		t.Fatalf("fatal %v, errors %v", err, errs)
	}
	if len(got) != len(want) {
		t.Errorf("%d rows, want %d", len(got), len(want))
	}
	for _, row := range got {
		if w, ok := want[row.Values[0]]; !ok || row.Values[1] != w {
			t.Errorf("row %d %s = %q, want %q", row.Num, row.Values[0], row.Values[1], w)
		}
	}
}

func TestDate1904(t *testing.T) {
	p := build(t, func(f *excelize.File) {
		yes := true
		f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes})
		f.SetCellStr("Sheet1", "A1", "d")
		f.SetCellDefault("Sheet1", "A2", "0")
		f.SetCellDefault("Sheet1", "A3", "43289")
		id := style(t, f, &excelize.Style{NumFmt: 14})
		f.SetCellStyle("Sheet1", "A2", "A3", id)
	})
	matchExcelize(t, p)
	got, _, err := rowstest.ReadAll(t, mustOpen(t, p, rows.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	// In the 1904 system serial 0 is 1904-01-01 and a serial is 1462 days
	// later than in the 1900 system (43289 is 2018-07-08 there).
	if len(got) != 2 || got[0].Values[0] != "1904-01-01" || got[1].Values[0] != "2022-07-09" {
		t.Errorf("rows = %v", got)
	}
}

func TestHeaderAndShape(t *testing.T) {
	p := build(t, func(f *excelize.File) {
		f.SetSheetRow("Sheet1", "A3", &[]any{"Pole", "", "Height"})
		f.SetSheetRow("Sheet1", "A4", &[]any{"P1", "x", 40})
		f.SetSheetRow("Sheet1", "A5", &[]any{"P2", "", 45, "stray"})
		f.SetSheetRow("Sheet1", "A7", &[]any{"P3"})
		f.NewSheet("Second")
		f.SetCellStr("Second", "B1", "only")
	})
	matchExcelize(t, p)
	_, err := Open(p, rows.Options{DisplayName: "book.xlsx"})
	var re *rows.Error
	if !errors.As(err, &re) || !re.Fatal || re.Sheet != "Sheet1" || re.Row != 1 || !strings.Contains(re.Msg, "first row with data is 3") {
		t.Fatalf("header in row 3, default header row: err = %v", err)
	}
	if !strings.HasPrefix(err.Error(), "book.xlsx:Sheet1:1::") {
		t.Errorf("message %q does not start with file:sheet:row", err)
	}

	r := mustOpen(t, p, rows.Options{HeaderRow: 3, DisplayName: "book.xlsx"})
	if want := []string{"Pole", "", "Height"}; !reflect.DeepEqual(r.Columns(), want) {
		t.Errorf("columns = %q, want %q", r.Columns(), want)
	}
	got, errs, err := rowstest.ReadAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Num != 4 || got[1].Num != 7 || !reflect.DeepEqual(got[1].Values, []string{"P3", "", ""}) {
		t.Errorf("rows = %v", got)
	}
	if len(errs) != 1 || errs[0].Row != 5 || errs[0].Column != "#4" || errs[0].Value != "stray" || !strings.Contains(errs[0].Msg, "beyond the header") {
		t.Errorf("errors = %v, want one for the stray value in D5", errs)
	}

	r2 := mustOpen(t, p, rows.Options{Sheet: "Second"})
	if want := []string{"", "only"}; !reflect.DeepEqual(r2.Columns(), want) {
		t.Errorf("Second columns = %q, want %q", r2.Columns(), want)
	}
	if _, err := Open(p, rows.Options{Sheet: "Nope"}); err == nil || !strings.Contains(err.Error(), `"Sheet1", "Second"`) {
		t.Errorf("unknown sheet: err = %v, want the sheet list", err)
	}
}

func TestNoHeader(t *testing.T) {
	p := build(t, func(f *excelize.File) {})
	if _, err := Open(p, rows.Options{}); err == nil || !strings.Contains(err.Error(), "no header") {
		t.Errorf("empty sheet: err = %v", err)
	}
	// A styled but empty row 1 is still no header; the message points at
	// the first row with data.
	p = build(t, func(f *excelize.File) {
		id := style(t, f, &excelize.Style{NumFmt: 14})
		f.SetCellStyle("Sheet1", "A1", "C1", id)
		f.SetCellStr("Sheet1", "B4", "Pole")
	})
	if _, err := Open(p, rows.Options{}); err == nil || !strings.Contains(err.Error(), "row 1 is empty (the first row with data is 4") {
		t.Errorf("styled empty header: err = %v", err)
	}
}

func TestMergedHeaderNote(t *testing.T) {
	p := build(t, func(f *excelize.File) {
		f.SetSheetRow("Sheet1", "A1", &[]any{"Location", "", "Owner"})
		f.MergeCell("Sheet1", "A1", "B1")
		f.SetSheetRow("Sheet1", "A2", &[]any{47.6, -122.3, "SCL"})
	})
	// Asked before the rows are read, Notes scans the part itself; after
	// them, it uses the merges the row scan collected. Same answer.
	early := mustOpen(t, p, rows.Options{}).(rows.Describer).Notes()
	if len(early) != 1 || !strings.Contains(early[0], "A1:B1") || !strings.Contains(early[0], "{#2}") {
		t.Errorf("notes = %q", early)
	}
	r := mustOpen(t, p, rows.Options{})
	if _, _, err := rowstest.ReadAll(t, r); err != nil {
		t.Fatal(err)
	}
	if !r.(*Reader).sc.mergesKnown {
		t.Error("merges not collected by the row scan")
	}
	if late := r.(rows.Describer).Notes(); !reflect.DeepEqual(late, early) {
		t.Errorf("notes after reading = %q, before = %q", late, early)
	}
}

func TestFormatNumber(t *testing.T) {
	for in, want := range map[string]string{
		"1651716000": "1651716000", "0.1": "0.1", "0.10000000000000001": "0.1",
		"3.0000000000000004": "3.0000000000000004", "1E-3": "0.001", "-42": "-42",
		"1.5E+22": "1.5e+22", "00012": "12", "abc": "abc", "1234567890123456789": "1234567890123456800",
		"0": "0", "-0.5": "-0.5", "1e-8": "1e-08",
	} {
		if got := formatNumber(in); got != want {
			t.Errorf("formatNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatSerial(t *testing.T) {
	// Known Excel facts: serial 1 is 1900-01-01, 59 is 1900-02-28, 60 the
	// fictitious 1900-02-29, 61 is 1900-03-01.
	cases := []struct {
		raw  string
		kind dateKind
		want string
	}{
		{"1", dateOnly, "1900-01-01"},
		{"59", dateOnly, "1900-02-28"},
		{"60", dateOnly, "1900-02-29"},
		{"61", dateOnly, "1900-03-01"},
		{"40543", dateOnly, "2010-12-31"},
		{"44386.5", dateTime, "2021-07-09T12:00:00"},
		{"44386.99999999", dateTime, "2021-07-10T00:00:00"},
		{"44386.75", dateOnly, "2021-07-09"},
		{"0.25", timeOnly, "06:00:00"},
		{"44386.25", timeOnly, "2021-07-09T06:00:00"},
	}
	for _, c := range cases {
		if got, ok := formatSerial(c.raw, c.kind, false); !ok || got != c.want {
			t.Errorf("formatSerial(%s, %d) = %q %v, want %q", c.raw, c.kind, got, ok, c.want)
		}
	}
	for _, bad := range []string{"-1", "3000000", "x"} {
		if _, ok := formatSerial(bad, dateOnly, false); ok {
			t.Errorf("formatSerial(%q) ok, want not a date", bad)
		}
	}
}

func TestFormatDateKind(t *testing.T) {
	for code, want := range map[string]dateKind{
		"General": notDate, "0.00": notDate, `#,##0 "days"`: notDate, "0.00E+00": notDate,
		"yyyy-mm-dd": dateOnly, "d-mmm": dateOnly, "mmm yy": dateOnly, `[$-409]mmmm d, yyyy;@`: dateOnly,
		"yyyy-mm-dd hh:mm:ss": dateTime, "m/d/yy h:mm AM/PM": dateTime,
		"hh:mm": timeOnly, "mm:ss": timeOnly, "[h]:mm:ss": timeOnly, "h:mm AM/PM": timeOnly,
		`[Red]0.00;[Blue]-0.00`: notDate, `0 \d`: notDate, `_(* #,##0_)`: notDate,
	} {
		if got := formatDateKind(code); got != want {
			t.Errorf("formatDateKind(%q) = %d, want %d", code, got, want)
		}
	}
}
