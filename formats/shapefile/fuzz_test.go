package shapefile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kpbulk/kpbulk/formats/rows"
)

func seedFiles(f *testing.F, ext string) {
	for _, p := range []string{"edge_shapefile/mbostock/points", "edge_shapefile/mbostock/polylines", "edge_shapefile/mbostock/multipoints", "edge_shapefile/mbostock/null", "edge_shapefile/pyshp/corrupt_too_long", "edge_shapefile/mbostock/utf8-property"} {
		if b, err := os.ReadFile(filepath.Join(realdataRoot, p+ext)); err == nil {
			f.Add(b)
		}
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
		// One directory per worker, reused: t.TempDir per input stalls the
		// fuzzing engine.
		p := filepath.Join(fuzzDir(t), "f.shp")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		drain(t, p)
	})
}

var fuzzDirOnce struct {
	sync.Once
	dir string
}

func fuzzDir(t *testing.T) string {
	fuzzDirOnce.Do(func() {
		var err error
		if fuzzDirOnce.dir, err = os.MkdirTemp("", "kpbulk-shpfuzz"); err != nil {
			t.Fatal(err)
		}
	})
	return fuzzDirOnce.dir
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
