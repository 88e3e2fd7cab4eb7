package testdatagen

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/internal/gentest"
)

var update = flag.Bool("update", false, "rewrite the generated files under testdata/ instead of checking them")

// productExample is the committed fixture, from this package's directory.
const productExample = "../../testdata/product-example"

// TestGeneratedFilesUpToDate checks the committed sources against a fresh
// run (or, with -update, rewrites them).
func TestGeneratedFilesUpToDate(t *testing.T) {
	if *update {
		if err := WriteProductExample(productExample); err != nil {
			t.Fatal(err)
		}
		return
	}
	tmp := t.TempDir()
	if err := WriteProductExample(tmp); err != nil {
		t.Fatal(err)
	}
	gentest.UpToDate(t, productExample, tmp, "go generate ./internal/testdatagen", func(name string) bool {
		return name == "mapping.yaml"
	})
}

// TestProductExampleMappingIsTheSpecs keeps the hand-copied mapping.yaml
// the same as PRODUCT.md section 2's example, when the spec is beside the
// repository.
func TestProductExampleMappingIsTheSpecs(t *testing.T) {
	const specPath = "../../../shared/spec/PRODUCT.md"
	spec, err := os.ReadFile(specPath)
	if err != nil {
		t.Skipf("the product spec is not beside the repository (%v)", err)
	}
	_, sec2, _ := strings.Cut(string(spec), "## 2. The mapping file")
	_, block, _ := strings.Cut(sec2, "```yaml\n")
	want, _, _ := strings.Cut(block, "```")
	got, err := os.ReadFile(productExample + "/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s/mapping.yaml is not PRODUCT.md section 2's example: copy it again", productExample)
	}
}
