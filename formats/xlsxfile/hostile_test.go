package xlsxfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
	"github.com/kpbulk/kpbulk/formats/rows"
)

const sheetPart = "xl/worksheets/sheet1.xml"

// withParts writes a copy of a fresh one-sheet workbook with some parts
// replaced (nil content drops the part) and returns its path.
func withParts(t *testing.T, parts map[string][]byte) string {
	t.Helper()
	src := build(t, func(f *excelize.File) { f.SetCellStr("Sheet1", "A1", "h") })
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		content, replaced := parts[f.Name]
		if replaced && content == nil {
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if replaced {
			w.Write(content)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(w, rc)
		rc.Close()
	}
	for name, content := range parts {
		if content == nil || zipHas(zr, name) {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "hostile.xlsx")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func zipHas(zr *zip.ReadCloser, name string) bool {
	for _, f := range zr.File {
		if f.Name == name {
			return true
		}
	}
	return false
}

func sheetXML(data string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + data + `</sheetData></worksheet>`)
}

// readFile opens p and reads it to the end; it returns the first error
// (Open's or a fatal one) and the number of rows read.
func readFile(t *testing.T, p string) (int, error) {
	t.Helper()
	r, err := Open(p, rows.Options{DisplayName: "hostile.xlsx"})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	got, _, err := rowstest.ReadAll(t, r)
	return len(got), err
}

const header = `<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>`

func TestHostileSheetXML(t *testing.T) {
	deep := strings.Repeat("<x>", 200000) + strings.Repeat("</x>", 200000)
	cases := map[string]struct {
		xml  []byte
		want string // "" means: reads without error
	}{
		"entity expansion (billion laughs)": {
			[]byte(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
				`<worksheet><sheetData>` + header + `<row r="2"><c r="A2" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>`),
			"DOCTYPE",
		},
		"unknown entity":      {sheetXML(header + `<row r="2"><c r="A2" t="inlineStr"><is><t>&lol;</t></is></c></row>`), "unknown entity"},
		"mismatched end tag":  {sheetXML(header + `<row r="2"><c r="A2"><v>1</c></row>`), "</c> inside <v>"},
		"truncated":           {[]byte(`<worksheet><sheetData>` + header + `<row r="2"><c r="A2"><v>12`), "ends early"},
		"no sheetData":        {[]byte(`<worksheet></worksheet>`), "no <sheetData>"},
		"lt inside tag":       {sheetXML(header + `<row r="2"><c r="A2" <v>1</v></c></row>`), "'<' inside a tag"},
		"lt inside attribute": {sheetXML(header + `<row r="2"><c r="A<2"><v>1</v></c></row>`), "cell reference"},
		"bad cell reference":  {sheetXML(header + `<row r="2"><c r="2A"><v>1</v></c></row>`), "cell reference"},
		"cell in wrong row":   {sheetXML(header + `<row r="2"><c r="A3"><v>1</v></c></row>`), "inside row 2"},
		"row number too big":  {sheetXML(header + `<row r="99999999"><c><v>1</v></c></row>`), "row number"},
		"unknown cell type":   {sheetXML(header + `<row r="2"><c r="A2" t="zz"><v>1</v></c></row>`), "cell type"},
		"deep nesting":        {sheetXML(header + `<row r="2"><c r="A2"><v>5</v><extLst>` + deep + `</extLst></c></row>`), ""},
		"deep unclosed":       {sheetXML(header + `<row r="2">` + strings.Repeat("<x>", 100000)), "ends early"},
		"huge token":          {sheetXML(header + `<row r="2"><c r="A2"><v>` + strings.Repeat("7", 17<<20) + `</v></c></row>`), "longer than 16 MiB"},
		"comments, PI, CDATA": {sheetXML(header + `<!-- note --><?pi x?><row r="2"><c r="A2" t="str"><v><![CDATA[<ok>]]></v></c></row>`), ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := withParts(t, map[string][]byte{sheetPart: c.xml})
			n, err := readFile(t, p)
			if c.want == "" {
				if err != nil || n != 1 {
					t.Fatalf("%d rows, err %v; want 1 row", n, err)
				}
				return
			}
			var re *rows.Error
			if !errors.As(err, &re) || !re.Fatal || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "hostile.xlsx:Sheet1:") {
				t.Fatalf("err = %v, want a fatal error naming the file and sheet and containing %q", err, c.want)
			}
		})
	}
}

func TestInlineStringForms(t *testing.T) {
	// <is> wins over <v>; an inline cell with only <v> shows its <v> (as
	// excelize does); a non-inline cell ignores <is>.
	p := withParts(t, map[string][]byte{sheetPart: sheetXML(`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c>` +
		`<c r="B1" t="inlineStr"><v>b</v></c><c r="C1" t="inlineStr"><v>x</v><is><t>c</t></is></c>` +
		`<c r="D1" t="str"><is><t>x</t></is><v>d</v></c></row>`)})
	r := mustOpen(t, p, rows.Options{})
	if want := []string{"a", "b", "c", "d"}; strings.Join(r.Columns(), ",") != strings.Join(want, ",") {
		t.Errorf("columns = %q, want %q", r.Columns(), want)
	}
	matchExcelize(t, p)
}

func TestCDATAValue(t *testing.T) {
	p := withParts(t, map[string][]byte{sheetPart: sheetXML(header +
		`<row r="2"><c r="A2" t="str"><v><![CDATA[<ok> & fine]]></v></c></row>`)})
	r := mustOpen(t, p, rows.Options{})
	row, err := r.Next()
	if err != nil || row.Values[0] != "<ok> & fine" {
		t.Errorf("row = %v, %v", row, err)
	}
	matchExcelize(t, p)
}

func TestHostileSharedStrings(t *testing.T) {
	p := withParts(t, map[string][]byte{
		sheetPart:              sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>7</v></c></row>`),
		"xl/sharedStrings.xml": []byte(`<!DOCTYPE x [<!ENTITY a "b">]><sst><si><t>h</t></si></sst>`),
	})
	if _, err := readFile(t, p); err == nil || !strings.Contains(err.Error(), "DOCTYPE") && !strings.Contains(err.Error(), "entity") {
		t.Errorf("DOCTYPE in shared strings: err = %v", err)
	}
}

func TestSharedStringOutOfRange(t *testing.T) {
	p := withParts(t, map[string][]byte{
		sheetPart: sheetXML(`<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>7</v></c></row>` +
			`<row r="3"><c r="A3" t="s"><v>0</v></c></row>`),
		"xl/sharedStrings.xml": []byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>h</t></si></sst>`),
	})
	r := mustOpen(t, p, rows.Options{})
	got, errs, err := rowstest.ReadAll(t, r)
	if err != nil || len(got) != 1 || len(errs) != 1 || errs[0].Row != 2 || errs[0].Column != "h" || !strings.Contains(errs[0].Msg, "out of range") {
		t.Errorf("rows %v, errors %v, fatal %v; want row 2 reported", got, errs, err)
	}
}

func TestZipBomb(t *testing.T) {
	t.Run("declared size over the cap", func(t *testing.T) {
		// A sheet that claims 5 GiB: refused before anything is inflated.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: sheetPart, Method: zip.Store,
			CompressedSize64: 4, UncompressedSize64: 5 << 30})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<a/>"))
		zw.Close()
		p := filepath.Join(t.TempDir(), "bomb.xlsx")
		os.WriteFile(p, buf.Bytes(), 0o600)
		if _, err := readFile(t, p); err == nil || !strings.Contains(err.Error(), "zip bomb") {
			t.Errorf("err = %v, want zip bomb refused", err)
		}
	})
	t.Run("inflates past the cap", func(t *testing.T) {
		// 8 MiB of zeros deflate to a few KiB; with the cap lowered to
		// 1 MiB the workbook is refused.
		oldMax, oldMem := maxUnzipped, excelizeXMLMem
		maxUnzipped, excelizeXMLMem = 1<<20, 1<<20
		defer func() { maxUnzipped, excelizeXMLMem = oldMax, oldMem }()
		p := withParts(t, map[string][]byte{"xl/media/zeros.bin": make([]byte, 8<<20)})
		if _, err := readFile(t, p); err == nil || !strings.Contains(err.Error(), "zip bomb") {
			t.Errorf("err = %v, want zip bomb refused", err)
		}
	})
	t.Run("size lie", func(t *testing.T) {
		// A part that inflates to more than its header declares is caught
		// by archive/zip while reading: an error, not a runaway.
		good := withParts(t, map[string][]byte{sheetPart: sheetXML(header + strings.Repeat(`<row><c t="inlineStr"><is><t>x</t></is></c></row>`, 20000))})
		zr, err := zip.OpenReader(good)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range zr.File {
			raw, _ := f.OpenRaw()
			h := f.FileHeader
			if f.Name == sheetPart {
				h.UncompressedSize64 = 1000
			}
			w, _ := zw.CreateRaw(&h)
			io.Copy(w, raw)
		}
		zw.Close()
		zr.Close()
		p := filepath.Join(t.TempDir(), "lie.xlsx")
		os.WriteFile(p, buf.Bytes(), 0o600)
		if n, err := readFile(t, p); err == nil {
			t.Errorf("read %d rows of a part larger than declared, no error", n)
		}
	})
}

func TestHostileMetadata(t *testing.T) {
	// Parts excelize reads: entity tricks and deep nesting end in an error
	// or are ignored, never a hang or a crash.
	lol := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>`
	for name, parts := range map[string]map[string][]byte{
		"workbook with entities": {"xl/workbook.xml": []byte(lol + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="&lol2;" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		"deeply nested styles":   {"xl/styles.xml": []byte(`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` + strings.Repeat("<a>", 500000) + strings.Repeat("</a>", 500000) + `</styleSheet>`)},
		"rels with entities":     {"xl/_rels/workbook.xml.rels": []byte(lol + `<Relationships><Relationship Id="&lol2;"/></Relationships>`)},
	} {
		p := withParts(t, parts)
		n, err := readFile(t, p)
		t.Logf("%s: %d rows, %v", name, n, err)
		if err == nil && n != 0 {
			t.Errorf("%s: read %d rows", name, n)
		}
	}
}

func TestBrokenFiles(t *testing.T) {
	good := build(t, func(f *excelize.File) {
		for i := 1; i < 2000; i++ {
			c, _ := excelize.CoordinatesToCellName(1, i)
			f.SetCellValue("Sheet1", c, i)
		}
	})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"truncated zip": data[:len(data)/2],
		"not a zip":     []byte("PoleNum,Latitude\n1,2\n"),
		"empty file":    nil,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".xlsx")
		os.WriteFile(p, content, 0o600)
		if _, err := readFile(t, p); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "hostile.xlsx:") {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	if _, err := readFile(t, withParts(t, map[string][]byte{"xl/_rels/workbook.xml.rels": nil})); err == nil {
		t.Error("workbook without rels: no error")
	}
}
