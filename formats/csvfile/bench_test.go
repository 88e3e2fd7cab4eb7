package csvfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/formats/rows"
)

// BenchmarkRead reads a 20,000-row × 15-column file with quoted fields;
// bench/readers runs the 100,000-row comparison with ogr2ogr.
func BenchmarkRead(b *testing.B) {
	var sb strings.Builder
	for c := 0; c < 15; c++ {
		fmt.Fprintf(&sb, "col%d,", c)
	}
	sb.WriteString("end\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&sb, "P-%06d,47.%06d,-122.%06d,40,SCL,\"AT&T, CORP\",2021/07/09,35-6,Class 3,%d,\"note\nline 2\",a,b,c,d,e\n", i, i, i, i)
	}
	p := filepath.Join(b.TempDir(), "bench.csv")
	if err := os.WriteFile(p, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(p, rows.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			n++
		}
		r.Close()
		if n != 20000 {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
