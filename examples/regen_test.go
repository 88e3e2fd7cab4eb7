package examples_test

import (
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/examples/internal/gen"
	"github.com/kpbulk/kpbulk/internal/gentest"
)

// TestGeneratedFilesUpToDate regenerates every example data file and checks
// that the committed copy is the same, and flags data files the generator
// no longer writes (see gentest.UpToDate). Run `go generate ./examples`
// after changing the generator.
func TestGeneratedFilesUpToDate(t *testing.T) {
	tmp := t.TempDir()
	if err := gen.All(tmp); err != nil {
		t.Fatal(err)
	}
	gentest.UpToDate(t, ".", tmp, "go generate ./examples", handWritten)
}

func handWritten(name string) bool {
	return name == "mapping.yaml" || name == "README.md" || strings.HasSuffix(name, ".rejects.csv")
}
