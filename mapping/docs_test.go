package mapping

import (
	"os"
	"strings"
	"testing"
)

// TestDocsExamplesParse keeps docs/mapping.md honest: every complete
// mapping in it (a yaml block starting with "version:") loads.
func TestDocsExamplesParse(t *testing.T) {
	doc, err := os.ReadFile("../docs/mapping.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```yaml\n")
	n := 0
	for _, b := range blocks[1:] {
		y, _, _ := strings.Cut(b, "```")
		if !strings.HasPrefix(y, "version:") {
			continue
		}
		n++
		if _, err := Parse("docs/mapping.md", []byte(y)); err != nil {
			t.Errorf("example %d does not load:\n%v\n%s", n, err, y)
		}
	}
	if n < 6 {
		t.Errorf("found %d complete examples, want at least 6", n)
	}
}
