package importer

import (
	"encoding/csv"
	"fmt"
	"os"
	"strings"

	"github.com/kpbulk/kpbulk/mapping"
)

// WriteRejects writes every rejected row of sets to path as CSV: the
// original columns (the union over the sets, in order of appearance) plus
// `error`, which holds each problem as file:sheet:row:column: message. It
// returns the number of rows written.
func WriteRejects(path string, sets []*mapping.SetResult) (int, error) {
	var header []string
	col := map[string]int{}
	n := 0
	for _, sr := range sets {
		for _, c := range sr.Columns {
			if _, ok := col[c]; !ok {
				col[c] = len(header)
				header = append(header, c)
			}
		}
		n += len(sr.Rejects)
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("rejects: %w", err)
	}
	w := csv.NewWriter(f)
	w.Write(append(header, "error"))
	for _, sr := range sets {
		for _, r := range sr.Rejects {
			rec := make([]string, len(header)+1)
			seen := map[string]bool{}
			for i, v := range r.Values {
				if i < len(r.Columns) && !seen[r.Columns[i]] {
					seen[r.Columns[i]] = true // repeated names: the first wins, as a header lookup would
					rec[col[r.Columns[i]]] = v
				}
			}
			rec[len(header)] = strings.Join(r.Errors, "; ")
			w.Write(rec)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return 0, fmt.Errorf("rejects: %w", err)
	}
	if err := f.Close(); err != nil {
		return 0, fmt.Errorf("rejects: %w", err)
	}
	return n, nil
}
