package shapefile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
	"github.com/kpbulk/kpbulk/formats/rows"
)

func seedFiles(f *testing.F, ext string) {
	for _, p := range []string{"edge_shapefile/mbostock/points", "edge_shapefile/mbostock/polylines", "edge_shapefile/mbostock/multipoints", "edge_shapefile/mbostock/null", "edge_shapefile/pyshp/corrupt_too_long", "edge_shapefile/mbostock/utf8-property"} {
		rowstest.AddSeeds(f, p+ext)
	}
}

// FuzzSHP feeds arbitrary .shp bytes through the record decoder and the
// reader; neither may panic or hang.
func FuzzSHP(f *testing.F) {
	seedFiles(f, ".shp")
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 100 {
			decodeShape(b[100:])
		}
		p := filepath.Join(rowstest.FuzzDir(t), "f.shp")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		drain(t, p)
	})
}

// FuzzDBF feeds arbitrary .dbf bytes through the DBF reader.
func FuzzDBF(f *testing.F) {
	seedFiles(f, ".dbf")
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := newDBFReader(bytes.NewReader(b))
		if err != nil {
			return
		}
		d.dec, _, _ = chooseDecoder("", "", d.ldid)
		for range 1000 {
			rec, _, err := d.next()
			if err != nil {
				return
			}
			for i := range d.fields {
				d.value(rec, i)
			}
		}
	})
}

func drain(t *testing.T, p string) {
	r, err := Open(p, rows.Options{})
	if err != nil {
		if _, ok := err.(*rows.Error); !ok {
			t.Fatalf("Open error %T is not *rows.Error", err)
		}
		return
	}
	defer r.Close()
	for range 100000 {
		_, err := r.Next()
		if err == io.EOF {
			return
		}
		if re, ok := err.(*rows.Error); err != nil && (!ok || re.Fatal) {
			return
		}
	}
	t.Fatal("reader did not end")
}
