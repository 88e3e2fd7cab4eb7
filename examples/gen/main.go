// Command gen regenerates the data files of kpbulk's examples:
//
//	go generate ./examples     (or: go run ./examples/gen -o examples)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kpbulk/kpbulk/examples/internal/gen"
)

func main() {
	out := flag.String("o", ".", "the examples directory to write into")
	flag.Parse()
	if err := gen.All(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
