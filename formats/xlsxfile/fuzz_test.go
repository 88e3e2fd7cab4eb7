package xlsxfile

import (
	"bytes"
	"io"
	"testing"
)

var sheetSeeds = []string{
	`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>a</t></r><rPh><t>x</t></rPh></is></c></row></sheetData></worksheet>`,
	`<x:worksheet xmlns:x="urn:x"><x:sheetData><x:row><x:c t="str"><x:f>A1</x:f><x:v>s&amp;t &#x41;</x:v></x:c><x:c/><x:c t="b"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
	`<?xml version="1.0"?><!-- c --><worksheet><dimension ref="A1"/><sheetData><row r="3" spans="1:2"><c r="B3" s="1"><v>44386.5</v></c></row><row r="4"/></sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>`,
	`<worksheet><sheetData><row r="1"><c r="A1"><v><![CDATA[a]]b]]></v></c></row></sheetData></worksheet>`,
	`<!DOCTYPE x><worksheet/>`,
	`<worksheet><sheetData/></worksheet>`,
	`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> _x000D_ </t></is></c></row>`,
}

// FuzzSheetScanner feeds arbitrary worksheet XML to the scanner: it must
// end (io.EOF or an error) without panicking, and every row and cell it
// returns must be within the spreadsheet's limits.
func FuzzSheetScanner(f *testing.F) {
	for _, s := range sheetSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newSheetScanner(bytes.NewReader(data))
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatal("more rows than input bytes: the scanner does not advance")
			}
			num, cells, err := s.nextRow()
			if err != nil {
				if _, _, again := s.nextRow(); again == nil {
					t.Fatal("nextRow returned a row after an error or EOF")
				}
				if err == io.EOF && !s.done {
					t.Fatal("EOF without done")
				}
				return
			}
			if num < 1 || num > maxRows {
				t.Fatalf("row number %d", num)
			}
			for _, c := range cells {
				if c.col < 0 || c.col >= maxCols || c.start > c.end || c.end > len(s.text) {
					t.Fatalf("bad cell %+v (text %d bytes)", c, len(s.text))
				}
			}
		}
	})
}

// FuzzSharedStrings checks the shared-string reader the same way.
func FuzzSharedStrings(f *testing.F) {
	f.Add([]byte(`<sst><si><t>a</t></si><si><r><t>b</t></r><r><t>c</t></r></si><si/></sst>`))
	f.Add([]byte(`<sst><si><t>a_x0041__xD800_</t><rPh><t>p</t></rPh></si></sst>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sst, err := readSharedStrings(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for i := 0; i < sst.len(); i++ {
			_ = sst.get(i)
		}
	})
}
