package csvfile

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
	"github.com/kpbulk/kpbulk/formats/rows"
)

// openString writes content to a temp file and opens it.
func openString(t *testing.T, content string, opts rows.Options) (rows.Reader, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.DisplayName = "in.csv"
	r, err := Open(p, opts)
	if err == nil {
		t.Cleanup(func() { r.Close() })
	}
	return r, err
}

func TestSeattleCityLight(t *testing.T) {
	p := rowstest.Realdata(t, "poles_seattle_city_light/JU ATT New in 2021 (updated 2022-08-05).csv")
	r, err := Open(p, rows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols := r.Columns()
	if len(cols) != 21 || cols[0] != "PoleNum" || cols[3] != "Ownership%" || cols[8] != "Renter Company" || cols[20] != "Data as of" {
		t.Fatalf("columns = %q", cols)
	}
	got, errs, err := rowstest.ReadAll(t, r)
	if err != nil || len(errs) > 0 {
		t.Fatalf("fatal %v, row errors %v", err, errs)
	}
	if len(got) != 2082 {
		t.Fatalf("%d rows, want 2082", len(got))
	}
	poles := map[string]bool{}
	for _, row := range got {
		poles[row.Values[0]] = true
	}
	if len(poles) != 1991 {
		t.Errorf("%d distinct PoleNum, want 1991", len(poles))
	}
	first := got[0]
	if first.Num != 2 || first.Values[0] != "1334828" || first.Values[1] != "47.666355573704" ||
		first.Values[8] != "AT&T CORP" || first.Values[9] != "2021/07/09" || first.Values[14] != "App# 20-117" {
		t.Errorf("first row = %d %q", first.Num, first.Values)
	}
	if last := got[len(got)-1]; last.Num != 2083 {
		t.Errorf("last row number = %d, want 2083", last.Num)
	}
	if n := r.(rows.Describer).Notes(); len(n) != 0 {
		t.Errorf("notes = %q, want none for UTF-8", n)
	}

	// Cross-check every value with encoding/csv, which reads this
	// well-formed file the same way.
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range got {
		if !reflect.DeepEqual(row.Values, want[i+1]) {
			t.Fatalf("row %d: %q, encoding/csv %q", row.Num, row.Values, want[i+1])
		}
	}
}

func TestSabahWindows1252(t *testing.T) {
	p := rowstest.Realdata(t, "poles_sesb_sabah/Sabah SS location.csv")
	r, err := Open(p, rows.Options{DisplayName: "Sabah SS location.csv"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if want := []string{"Type", "SS Name", "X", "Y", ""}; !reflect.DeepEqual(r.Columns(), want) {
		t.Fatalf("columns = %q, want %q", r.Columns(), want)
	}
	got, errs, err := rowstest.ReadAll(t, r)
	if err != nil || len(errs) > 0 {
		t.Fatalf("fatal %v, row errors %v", err, errs)
	}
	if len(got) != 37 {
		t.Fatalf("%d rows, want 37", len(got))
	}
	want := []string{"PMU", "PMU Beaufort", "5.364630573", "115.7391643", `5°21'18.3"N 115°44'28.5"E`}
	if got[0].Num != 2 || !reflect.DeepEqual(got[0].Values, want) {
		t.Errorf("first row = %d %q, want 2 %q", got[0].Num, got[0].Values, want)
	}
	notes := r.(rows.Describer).Notes()
	if len(notes) != 1 || !strings.Contains(notes[0], "Windows-1252") {
		t.Errorf("notes = %q, want the Windows-1252 fallback reported", notes)
	}
}

// TestAllRealCSV reads every .csv under realdata without a fatal error.
func TestAllRealCSV(t *testing.T) {
	root := rowstest.Realdata(t, "")
	n := 0
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".csv") {
			return err
		}
		n++
		r, err := Open(p, rows.Options{})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		defer r.Close()
		if got, _, err := rowstest.ReadAll(t, r); err != nil || len(got) == 0 {
			t.Errorf("%s: %d rows, %v", p, len(got), err)
		}
		return nil
	})
	if n == 0 {
		t.Fatal("no CSV found under realdata")
	}
}

func TestRows(t *testing.T) {
	type want struct {
		num  int
		vals []string
	}
	cases := []struct {
		name  string
		in    string
		opts  rows.Options
		cols  []string
		rows  []want
		notes int
	}{
		{
			name: "quoted newline is one row; blank lines count",
			in:   "a,b\n1,\"two\nlines\"\n\n3,4\n",
			cols: []string{"a", "b"},
			rows: []want{{2, []string{"1", "two\nlines"}}, {4, []string{"3", "4"}}},
		},
		{
			name: "CRLF, BOM, doubled quotes, text kept as is",
			in:   "\ufeffid,name\r\n 7 ,\"say \"\"hi\"\"\"\r\n8,\"a\r\nb\"\r\n",
			cols: []string{"id", "name"},
			rows: []want{{2, []string{" 7 ", `say "hi"`}}, {3, []string{"8", "a\nb"}}},
		},
		{
			name:  "semicolons sniffed over decimal commas",
			in:    "x;y;z\n1,5;2,5;a\n3,5;4,5;b\n",
			cols:  []string{"x", "y", "z"},
			rows:  []want{{2, []string{"1,5", "2,5", "a"}}, {3, []string{"3,5", "4,5", "b"}}},
			notes: 1,
		},
		{
			name:  "tab delimited with commas in text",
			in:    "name\tnote\nP1\ta, b\n",
			cols:  []string{"name", "note"},
			rows:  []want{{2, []string{"P1", "a, b"}}},
			notes: 1,
		},
		{
			name:  "classic Mac line ends",
			in:    "a,b\r1,\"x\ry\"\r\r2,3\r",
			cols:  []string{"a", "b"},
			rows:  []want{{2, []string{"1", "x\ny"}}, {4, []string{"2", "3"}}},
			notes: 1,
		},
		{
			name: "delimiter override",
			in:   "a|b\n1|2\n",
			opts: rows.Options{Delimiter: '|'},
			cols: []string{"a", "b"},
			rows: []want{{2, []string{"1", "2"}}},
		},
		{
			name: "bare quote inside a field is literal, as in Excel",
			in:   "h,len\nP1,35'6\"\n",
			cols: []string{"h", "len"},
			rows: []want{{2, []string{"P1", `35'6"`}}},
		},
		{
			name: "header row option and all-empty rows skipped",
			in:   "title line\n\nk,v\n,\n\"\",\"\"\nx,1",
			opts: rows.Options{HeaderRow: 3},
			cols: []string{"k", "v"},
			rows: []want{{6, []string{"x", "1"}}},
		},
		{
			name: "rows may leave out an unnamed last column",
			in:   "X,Y,\n1,2\n3,4,\n",
			cols: []string{"X", "Y", ""},
			rows: []want{{2, []string{"1", "2", ""}}, {3, []string{"3", "4", ""}}},
		},
		{
			name: "trailing empty fields beyond the header are dropped",
			in:   "a,b\n1,2,,\n",
			cols: []string{"a", "b"},
			rows: []want{{2, []string{"1", "2"}}},
		},
		{
			name:  "UTF-16LE with BOM (Excel Unicode text)",
			in:    utf16le("\ufeffa\tb\r\nü\t2\r\n"),
			cols:  []string{"a", "b"},
			rows:  []want{{2, []string{"ü", "2"}}},
			notes: 2, // UTF-16 and tabs
		},
		{
			name: "encoding override",
			in:   "a,b\n\xe9,2\n",
			opts: rows.Options{Encoding: "latin1"},
			cols: []string{"a", "b"},
			rows: []want{{2, []string{"é", "2"}}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := openString(t, c.in, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r.Columns(), c.cols) {
				t.Errorf("columns = %q, want %q", r.Columns(), c.cols)
			}
			got, errs, err := rowstest.ReadAll(t, r)
			if err != nil || len(errs) > 0 {
				t.Fatalf("fatal %v, row errors %v", err, errs)
			}
			var gw []want
			for _, g := range got {
				gw = append(gw, want{g.Num, g.Values})
			}
			if !reflect.DeepEqual(gw, c.rows) {
				t.Errorf("rows = %v, want %v", gw, c.rows)
			}
			if n := len(r.(rows.Describer).Notes()); n != c.notes {
				t.Errorf("notes = %q, want %d", r.(rows.Describer).Notes(), c.notes)
			}
		})
	}
}

func utf16le(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

func TestRowErrors(t *testing.T) {
	r, err := openString(t, "Pole,Height,Owner\n"+
		"P1,40\n"+ // short
		"P2,45,SCL,extra\n"+ // long with a value
		"\"P3\"x,50,SCL\n"+ // text after closing quote
		"P4,55,SCL\n", rows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, errs, err := rowstest.ReadAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Num != 5 {
		t.Errorf("good rows = %v, want only row 5", got)
	}
	want := []string{
		`in.csv::2:Owner: row has 2 fields, the header has 3`,
		`in.csv::3:#4: row has 4 fields, the header has 3; this value has no column (value "extra")`,
		`in.csv::4:Pole: text after the closing quote of a quoted field (value "P3x")`,
	}
	if len(errs) != len(want) {
		t.Fatalf("errors = %v, want %d", errs, len(want))
	}
	for i, e := range errs {
		if e.Error() != want[i] || e.Fatal {
			t.Errorf("error %d = %q (fatal %v), want %q", i, e.Error(), e.Fatal, want[i])
		}
	}
}

func TestRowErrorCarriesRow(t *testing.T) {
	r, err := openString(t, "a,b,c\n1,2\n", rows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	row, err := r.Next()
	if err == nil || row.Num != 2 || !reflect.DeepEqual(row.Values, []string{"1", "2", ""}) {
		t.Errorf("Next = %v, %v; want row 2 padded with the error", row, err)
	}
}

func TestUnbalancedQuote(t *testing.T) {
	r, err := openString(t, "a,b\n1,2\n3,\"open\n4,5\n6,7\n", rows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := rowstest.ReadAll(t, r)
	var re *rows.Error
	if !errors.As(err, &re) || !re.Fatal || re.Row != 3 || re.Column != "b" || !strings.Contains(re.Msg, "line 3") {
		t.Fatalf("err = %v, want a fatal error at row 3 column b naming line 3", err)
	}
	if len(got) != 1 {
		t.Errorf("rows before the error = %d, want 1", len(got))
	}
	// Next after a fatal error does not hang or panic.
	if _, err := r.Next(); err == nil {
		t.Error("Next after fatal error returned no error")
	}
}

func TestOverlongRecord(t *testing.T) {
	long := strings.Repeat("x", MaxRecordBytes+10)
	for name, c := range map[string]struct {
		in  string
		row int
		msg string
	}{
		"one long line":                 {"a,b\n1,2\n3," + long + "\n", 3, "longer than 16 MiB"},
		"quote swallowing many lines":   {"a,b\n1,2\n3,\"" + strings.Repeat(long[:1000]+"\n", MaxRecordBytes/1000+2), 3, "unbalanced quote?"},
		"long line inside quoted field": {"a,b\n1,\"x\n" + long + "\"\n", 2, "longer than 16 MiB"},
	} {
		r, err := openString(t, c.in, rows.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = rowstest.ReadAll(t, r)
		var re *rows.Error
		if !errors.As(err, &re) || !re.Fatal || re.Row != c.row || !strings.Contains(re.Msg, c.msg) {
			t.Errorf("%s: err = %v, want fatal at row %d containing %q", name, err, c.row, c.msg)
		}
	}
}

func TestInvalidUTF8AfterSample(t *testing.T) {
	// The sample is clean UTF-8, so the file is read as UTF-8; the bad
	// byte far below is reported on its row and column.
	var b strings.Builder
	b.WriteString("id,name\n")
	for b.Len() < 3*bufSize {
		b.WriteString("1,plain\n")
	}
	b.WriteString("2,caf\xe9\n3,ok\n")
	r, err := openString(t, b.String(), rows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, errs, err := rowstest.ReadAll(t, r)
	if err != nil || len(errs) != 1 {
		t.Fatalf("fatal %v, errors %v; want one row error", err, errs)
	}
	if e := errs[0]; e.Column != "name" || e.Row != len(got)+1 || !strings.Contains(e.Msg, "windows-1252") {
		t.Errorf("error = %v", e)
	}
}

func TestOpenErrors(t *testing.T) {
	for name, c := range map[string]struct {
		in   string
		opts rows.Options
		msg  string
	}{
		"empty file":          {"", rows.Options{}, "no header"},
		"blank header":        {"\n1,2\n", rows.Options{}, "header row is empty"},
		"header row too far":  {"a\n1\n", rows.Options{HeaderRow: 5}, "ends before row 5"},
		"bad delimiter":       {"a\n", rows.Options{Delimiter: '"'}, "delimiter"},
		"unknown encoding":    {"a\n", rows.Options{Encoding: "ebcdic-klingon"}, "ebcdic-klingon"},
		"unterminated header": {"\"a,b\n", rows.Options{}, "unbalanced quote"},
	} {
		_, err := openString(t, c.in, c.opts)
		var re *rows.Error
		if !errors.As(err, &re) || !re.Fatal || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "in.csv:") {
			t.Errorf("%s: err = %v, want fatal error containing %q", name, err, c.msg)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.csv"), rows.Options{}); err == nil {
		t.Error("missing file: no error")
	}
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]byte{
		"a,b,c\n1,2,3\n":                    ',',
		"a;b;c\n1;2;3\n":                    ';',
		"a\tb\n1\t2\n":                      '\t',
		"a;b\n1,5;2,5\n3,5;4,5\n":           ';',
		"\"x;y\",b\n\"1;2\",3\n":            ',',
		"single\nvalue\n":                   ',',
		"name\tdesc, more\tz\nP\tx, y\t1\n": '\t',
		"a,b;c\n1,2;3\n4,5;6\n7,8;9\n":      ',', // tie in matches: wider header, then order
		"a;b;c,d\n1;2;3,4\n5;6;7,8\n":       ';',
		"":                                  ',',
		"h1,h2,h3":                          ',',
		"p;q\n\"multi\nline\";2\n3;4\n":     ';',
		"a,b\n1,2\n3,4,5,6\n7,8\n9,10\n":    ',',
	} {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %q, want %q", in, got, want)
		}
	}
}
