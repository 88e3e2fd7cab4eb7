package csvfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/formats/rows"
)

var fuzzSeeds = []string{
	"a,b,c\n1,2,3\n",
	"a;b\n1,5;2\n",
	"a\tb\n1\t2\n",
	"a,b\n1,\"x\ny\"\n",
	"\"a\"\"b\",c\n\"\",\"\"\"\"\n",
	"a,b\n\"open\n",
	"\ufeffa,b\r\n1,2\r\n",
	"a,b\n\"q\"x,1\n",
	"\n\n,\n",
	"x\xb0,y\n1,2\n",
}

// FuzzSniff checks that the sniffer always answers one of its candidates
// and that its answer splits the header into at least as many fields as a
// comma does unless it is the comma.
func FuzzSniff(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, sample []byte) {
		d := Sniff(sample)
		if bytes.IndexByte(candidates, d) < 0 {
			t.Fatalf("Sniff = %q, not a candidate", d)
		}
		if d != ',' {
			if c := fieldCounts(sample, d); len(c) == 0 || c[0] < 2 {
				t.Fatalf("Sniff chose %q, which does not split the header (%v)", d, c)
			}
		}
	})
}

// FuzzReader feeds arbitrary bytes to the reader: it must end (EOF or a
// fatal error) without panicking, number rows strictly increasing, and,
// where encoding/csv accepts the input as strict CSV, return the same
// non-empty records.
func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := newReader(bytes.NewReader(in), "fuzz.csv", rows.Options{Delimiter: ',', Encoding: "utf-8"})
		if err != nil {
			var re *rows.Error
			if !errors.As(err, &re) || !re.Fatal {
				t.Fatalf("Open error %v is not a fatal *rows.Error", err)
			}
			return
		}
		got := [][]string{r.Columns()}
		clean := true
		last := 0
		for i := 0; ; i++ {
			if i > len(in)+2 {
				t.Fatal("more rows than input bytes: reader does not advance")
			}
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			var re *rows.Error
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("error %v is not a *rows.Error", err)
			}
			if re != nil && re.Fatal {
				return
			}
			if row.Num <= last {
				t.Fatalf("row %d after row %d", row.Num, last)
			}
			last = row.Num
			if re != nil {
				clean = false
				continue
			}
			got = append(got, row.Values)
		}
		if !clean {
			return
		}
		cr := csv.NewReader(bytes.NewReader(in))
		cr.FieldsPerRecord = -1
		want, err := cr.ReadAll()
		if err != nil || bytes.ContainsRune(in, '\r') || bytes.HasPrefix(in, []byte("\ufeff")) {
			return // not strict CSV, or line endings encoding/csv treats differently
		}
		var nonEmpty [][]string
		for i, rec := range want {
			if i == 0 || strings.Join(rec, "") != "" {
				if i > 0 && len(rec) > len(want[0]) {
					rec = rec[:len(want[0])]
				}
				for i > 0 && len(rec) < len(want[0]) {
					rec = append(rec, "") // the reader pads short rows
				}
				nonEmpty = append(nonEmpty, rec)
			}
		}
		if len(nonEmpty) > 0 && !reflect.DeepEqual(got, nonEmpty) {
			t.Fatalf("records differ from encoding/csv:\n got %q\nwant %q", got, nonEmpty)
		}
	})
}
