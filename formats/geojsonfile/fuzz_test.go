package geojsonfile

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kpbulk/kpbulk/formats/internal/rowstest"
	"github.com/kpbulk/kpbulk/formats/rows"
)

// FuzzReader feeds arbitrary documents to the reader: it must end with
// rows, *rows.Errors and io.EOF, never a panic or a hang.
func FuzzReader(f *testing.F) {
	rowstest.AddSeeds(f, "poles_osm/cartago_cr_postes.geojson", "edge_geojson/rfc7946_examples/example_01.geojson", "edge_geojson/chrieke/valid/valid_feature_with_id.geojson", "edge_geojson/chrieke/problematic_structure/problematic_crs_defined.geojson")
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":[{"b":null}]},"geometry":{"type":"MultiLineString","coordinates":[[[1,2],[3,4]]]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(rowstest.FuzzDir(t), "f.geojson")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p, rows.Options{})
		if err != nil {
			if _, ok := err.(*rows.Error); !ok {
				t.Fatalf("Open error %T", err)
			}
			return
		}
		defer r.Close()
		for range len(b) + 2 { // a feature takes at least one byte
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			re, ok := err.(*rows.Error)
			if err != nil && !ok {
				t.Fatalf("error %T: %v", err, err)
			}
			if ok && re.Fatal {
				return
			}
			if err == nil && len(row.Values) != len(r.Columns()) {
				t.Fatalf("row of %d values for %d columns", len(row.Values), len(r.Columns()))
			}
		}
		t.Fatal("reader did not end")
	})
}
