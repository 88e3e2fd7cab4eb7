// Command gen regenerates the data files of kpbulk's examples:
//
//	go generate ./examples     (or, from the repository root: go run ./examples/gen)
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kpbulk/kpbulk/examples/internal/gen"
)

func main() {
	out := flag.String("o", "", "the examples directory to write into (default: found from the current directory)")
	flag.Parse()
	dir := *out
	if dir == "" {
		var err error
		if dir, err = examplesDir(); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(2)
		}
	}
	if err := gen.All(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// examplesDir finds the examples directory from the repository root (go
// run) or from examples itself (go generate), so a run from elsewhere
// cannot scatter example folders.
func examplesDir() (string, error) {
	for _, dir := range []string{"examples", "."} {
		if _, err := os.Stat(filepath.Join(dir, "gen", "main.go")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("run from the repository root or the examples directory, or give -o")
}
