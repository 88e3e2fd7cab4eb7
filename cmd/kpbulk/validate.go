package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kpbulk/kpbulk/formats"
	"github.com/kpbulk/kpbulk/mapping"
)

func newValidateCmd(g *globals) *cobra.Command {
	var mappingPath string
	cmd := &cobra.Command{
		Use:   "validate -m MAPPING",
		Short: "Check a mapping file and every source row; sends nothing",
		Long: "validate reads the mapping file and every row of its sources, and reports every problem as\n" +
			"file:sheet:row:column: message (mapping-file problems as file:line:col: message),\n" +
			"then a summary per entity set. Nothing is sent. Exit status 2 when there are problems.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if mappingPath == "" {
				return usageErr(errors.New("validate needs the mapping file: kpbulk validate -m MAPPING"))
			}
			return g.runValidate(cmd, mappingPath)
		},
	}
	cmd.Flags().StringVarP(&mappingPath, "mapping", "m", "", "the mapping file (YAML; required)")
	return cmd
}

func (g *globals) runValidate(cmd *cobra.Command, path string) error {
	out := g.io.out
	m, err := mapping.Load(path)
	if err != nil {
		var le *mapping.LoadError
		if !errors.As(err, &le) {
			return usageErr(err)
		}
		writeValidateProblems(out, g.json, le.Problems)
		writeValidateSummary(out, g.json, nil, len(le.Problems))
		return &exitError{code: exitInvalid}
	}
	res, err := m.Build(cmd.Context(), formats.Open)
	if err != nil {
		return err
	}
	writeValidateProblems(out, g.json, res.Problems)
	// What export cannot write back is worth knowing, but it does not stop
	// an import: warnings, not problems.
	var warnings []string
	for _, s := range m.Sets() {
		_, ps := s.Inverter()
		for _, p := range ps {
			warnings = append(warnings, "export: "+p.String())
		}
	}
	if g.json {
		enc := json.NewEncoder(out)
		for _, n := range res.Notes {
			_ = enc.Encode(map[string]any{"event": "note", "text": n})
		}
		for _, w := range warnings {
			_ = enc.Encode(map[string]any{"event": "warning", "text": w})
		}
	} else {
		for _, n := range res.Notes {
			fmt.Fprintln(out, "note:", n)
		}
		for _, w := range warnings {
			fmt.Fprintln(out, "warning:", w)
		}
	}
	writeValidateSummary(out, g.json, res, len(res.Problems))
	if !res.OK() {
		return &exitError{code: exitInvalid}
	}
	return nil
}

// writeValidateProblems prints problems one per line, or one JSON object each.
func writeValidateProblems(w io.Writer, asJSON bool, ps []mapping.Problem) {
	enc := json.NewEncoder(w)
	for _, p := range ps {
		if !asJSON {
			fmt.Fprintln(w, p.String())
			continue
		}
		o := map[string]any{"event": "problem", "file": p.File, "set": p.Set, "message": p.Msg, "text": p.String()}
		if p.InMapping() {
			o["line"], o["col"] = p.Line, p.Col
		} else {
			o["sheet"], o["row"], o["column"], o["value"] = p.Sheet, p.Row, p.Column, p.Value
		}
		_ = enc.Encode(o)
	}
}

// writeValidateSummary prints a table of the sets (rows read, entities,
// errors) and a closing line, or JSON objects per set and a summary object.
// res is nil when the mapping file itself did not load.
func writeValidateSummary(w io.Writer, asJSON bool, res *mapping.Result, problems int) {
	var sets []*mapping.SetResult
	if res != nil {
		sets = res.Sets
	}
	rowsN, entities := 0, 0
	for _, s := range sets {
		rowsN += s.Rows
		entities += len(s.Entities)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		for _, s := range sets {
			_ = enc.Encode(map[string]any{"event": "set", "set": s.Set.Name, "kind": s.Set.Kind,
				"source": s.Set.Source, "sheet": s.Set.Sheet, "rows": s.Rows, "entities": len(s.Entities), "errors": s.Errors})
		}
		_ = enc.Encode(map[string]any{"event": "summary", "ok": problems == 0, "problems": problems,
			"sets": len(sets), "rows": rowsN, "entities": entities})
		return
	}
	if len(sets) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "set\tkind\tsource\trows\tentities\terrors")
		for _, s := range sets {
			src := s.Set.Source
			if s.Set.Sheet != "" {
				src += ":" + s.Set.Sheet
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\n", s.Set.Name, s.Set.Kind, src, s.Rows, len(s.Entities), s.Errors)
		}
		_ = tw.Flush()
	}
	switch {
	case problems == 0:
		fmt.Fprintf(w, "ok: %d sets, %d rows, %d entities; nothing was sent\n", len(sets), rowsN, entities)
	case res == nil:
		fmt.Fprintf(w, "%s in the mapping file; nothing was sent\n", validatePlural(problems, "problem"))
	default:
		fmt.Fprintf(w, "%s; nothing was sent\n", validatePlural(problems, "problem"))
	}
}

func validatePlural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
