package importer

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"

	"github.com/kpbulk/kpbulk/mapping"
)

func TestDefaultStatePath(t *testing.T) {
	got := DefaultStatePath(filepath.Join("surveys", "acme.yaml"), "-OdV3x/y", "acme ns")
	want := filepath.Join("surveys", ".kpbulk", "-OdV3x_y-acme_ns.db")
	if got != want {
		t.Errorf("DefaultStatePath = %q, want %q", got, want)
	}
	if got := DefaultStatePath("m.yaml", "", "ns"); got != filepath.Join(".kpbulk", "new-job-ns.db") {
		t.Errorf("new job: %q", got)
	}
}

func TestWriteRejects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.rejects.csv")
	poles := []string{"Tag", "Height", "Tag"} // a repeated header: the first wins
	sets := []*mapping.SetResult{
		{Columns: poles, Rejects: []mapping.Reject{{Columns: poles, Values: []string{"P1", "tall", "x"}, Errors: []string{"a.csv::2:Height: not a number", "second"}}}},
		{Columns: []string{"From", "To"}, Rejects: []mapping.Reject{{Columns: []string{"From", "To"}, Values: []string{"P1", "P9"}, Errors: []string{"b.csv::3:To: no pole P9"}}}},
	}
	n, err := WriteRejects(path, sets)
	if err != nil || n != 2 {
		t.Fatalf("WriteRejects = %d, %v", n, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Tag", "Height", "From", "To", "error"},
		{"P1", "tall", "", "", "a.csv::2:Height: not a number; second"},
		{"", "", "P1", "P9", "b.csv::3:To: no pole P9"},
	}
	if len(recs) != len(want) {
		t.Fatalf("records = %q", recs)
	}
	for i := range want {
		for j := range want[i] {
			if recs[i][j] != want[i][j] {
				t.Errorf("record %d = %q, want %q", i, recs[i], want[i])
				break
			}
		}
	}
}
