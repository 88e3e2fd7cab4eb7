package formats

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kpbulk/kpbulk/formats/rows"
)

// realdata is the shared test data, a sibling of the module root.
const realdata = "../../shared/realdata"

func count(t *testing.T, path string) (int, []string) {
	t.Helper()
	r, err := Open(path, rows.Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n, r.Columns()
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n++
	}
}

func TestOpenDispatches(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "poles.CSV")
	if err := os.WriteFile(csv, []byte("Tag,Lat\nA,1\nB,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, cols := count(t, csv); n != 2 || len(cols) != 2 || cols[0] != "Tag" {
		t.Errorf("csv: %d rows, columns %q", n, cols)
	}
	if _, err := os.Stat(realdata); err != nil {
		t.Skip("realdata not present: " + realdata)
	}
	for _, c := range []struct {
		path string
		rows int
	}{
		{"poles_katapult/CPS_6457E_03_Node_Attributes_XLSX.xlsx", 43},
		{"shapefile_projected/stateplane.shp", 260},
		{"shapefile_projected/train_stations.zip", 361},
		{"poles_sesb_sabah/poles.geojson", 1305},
	} {
		if n, _ := count(t, filepath.Join(realdata, c.path)); n != c.rows {
			t.Errorf("%s: %d rows, want %d", c.path, n, c.rows)
		}
	}
}

func TestOpenUnknownType(t *testing.T) {
	_, err := Open("/x/poles.dbf", rows.Options{DisplayName: "poles.dbf"})
	var re *rows.Error
	if !errors.As(err, &re) || re.File != "poles.dbf" || !re.Fatal {
		t.Fatalf("err = %#v", err)
	}
	if got := re.Error(); got != `poles.dbf:::: unknown file type ".dbf": kpbulk reads .csv .tsv .txt .xlsx .geojson .json .shp .zip` {
		t.Errorf("message %q", got)
	}
}
