package xlsxfile

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// BenchmarkScanSheet measures the worksheet scanner alone on 20,000 rows
// of 15 cells as Excel writes them (shared strings, numbers, a date
// style); bench/readers runs the whole reader on 100,000 rows against
// ogr2ogr.
func BenchmarkScanSheet(b *testing.B) {
	var sb bytes.Buffer
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for r := 1; r <= 20000; r++ {
		fmt.Fprintf(&sb, `<row r="%d" spans="1:15">`, r)
		for c := 0; c < 15; c++ {
			ref := fmt.Sprintf("%s%d", colName(c), r)
			switch c % 3 {
			case 0:
				fmt.Fprintf(&sb, `<c r="%s" t="s"><v>%d</v></c>`, ref, r*15+c)
			case 1:
				fmt.Fprintf(&sb, `<c r="%s"><v>47.%d</v></c>`, ref, r)
			default:
				fmt.Fprintf(&sb, `<c r="%s" s="1"><v>44386</v></c>`, ref)
			}
		}
		sb.WriteString(`</row>`)
	}
	sb.WriteString(`</sheetData></worksheet>`)
	data := sb.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := newSheetScanner(bytes.NewReader(data))
		n := 0
		for {
			_, _, err := s.nextRow()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 20000 {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
