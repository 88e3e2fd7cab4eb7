package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kpbulk/kpbulk/formats"
	"github.com/kpbulk/kpbulk/importer"
	"github.com/kpbulk/kpbulk/importer/report"
	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/mapping"
	"github.com/kpbulk/kpbulk/throttle"
	"github.com/spf13/cobra"
)

func newPlanCmd(g *globals) *cobra.Command {
	var mappingPath string
	cmd := &cobra.Command{
		Use:   "plan -m MAPPING [--job ID]",
		Short: "Show what an import would change, what it costs and how long it takes",
		Long: "plan validates the mapping and its sources, reads the live job (list calls only), and prints\n" +
			"per entity set what would be created, updated, deleted or left unchanged, the token cost,\n" +
			"the GET count and the estimated wall time. It writes the plan into the state file for apply.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := g.prepare(cmd.Context(), mappingPath, false)
			if err != nil {
				return err
			}
			defer s.close()
			f, err := importer.Save(s.statePath, s.planned)
			if err != nil {
				return err
			}
			defer f.Close()
			if !g.json {
				fmt.Fprintf(g.io.errOut, "Plan saved to %s\n", f.Path())
			}
			return nil
		},
	}
	addMappingFlag(cmd, &mappingPath)
	g.addPlanFlags(cmd)
	return cmd
}

func addMappingFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "mapping", "m", "", "the mapping file (YAML)")
	_ = cmd.MarkFlagRequired("mapping")
}

// addPlanFlags registers the flags of commands that plan.
func (g *globals) addPlanFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&g.job, "job", "", "target job id (default: the mapping's job: block)")
	f.StringVar(&g.state, "state", "", "state file (default: .kpbulk/<job id>-<namespace>.db next to the mapping)")
	f.Int64Var(&g.maxTokens, "max-tokens", 0, "refuse a plan that costs more tokens than this (0: no limit)")
	f.BoolVar(&g.prune, "prune", false, "also delete entities this namespace created earlier that are no longer in the sources")
	f.BoolVar(&g.skipInvalid, "skip-invalid", false, "import the valid rows and write the invalid ones to <mapping>.rejects.csv")
}

// session is a planned import with its connection.
type session struct {
	m         *mapping.Mapping
	client    *katapult.Client
	planned   *importer.Planned
	statePath string
	close     func()
}

// prepare validates, connects, resolves the job (without creating it) and
// makes the plan; it prints the plan and enforces --max-tokens. Nothing is
// written to the API.
func (g *globals) prepare(ctx context.Context, mappingPath string, forImport bool) (*session, error) {
	m, err := mapping.Load(mappingPath)
	if err != nil {
		var le *mapping.LoadError
		if errors.As(err, &le) {
			report.Problems(g.io.errOut, false, le.Problems)
			return nil, usageErr(fmt.Errorf("%s: %d problems in the mapping file; nothing sent", mappingPath, len(le.Problems)))
		}
		return nil, usageErr(err)
	}
	res, err := m.Build(ctx, formats.Open)
	if err != nil {
		return nil, err
	}
	for _, n := range res.Notes {
		if !g.json {
			fmt.Fprintln(g.io.errOut, "note:", n)
		}
	}
	if err := g.checkProblems(m, res.Problems, res.Sets); err != nil {
		return nil, err
	}

	c, closeFn, err := g.connect(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{m: m, client: c, close: closeFn}
	ok := false
	defer func() {
		if !ok {
			closeFn()
		}
	}()
	job, err := importer.ResolveJob(ctx, c, m, g.job, false)
	if err != nil {
		if errors.Is(err, importer.ErrNoJob) {
			return nil, usageErr(err)
		}
		return nil, err
	}
	lim := throttle.Limits{MinInterval: c.Throttle().Config().MinInterval, Refill: c.Throttle().Config().Refill}
	p, err := importer.Make(ctx, c, m, res.Sets, job, g.prune, lim)
	if err != nil {
		return nil, err
	}
	// References that do not resolve against the live job are validation
	// problems too: report them before anything is sent.
	if len(p.Problems) > 0 {
		if !g.skipInvalid {
			return nil, g.checkProblems(m, p.Problems, nil)
		}
		report.Problems(g.io.errOut, false, p.Problems)
		fmt.Fprintf(g.io.errOut, "kpbulk: %d rows skipped (--skip-invalid)\n", len(p.Problems))
	}
	s.planned = p
	if g.json {
		report.PlanJSON(g.io.out, p)
	} else {
		report.Plan(g.io.out, p)
	}
	if g.maxTokens > 0 && p.TotalTokens() > g.maxTokens {
		return nil, usageErr(fmt.Errorf("the plan costs %d tokens, more than --max-tokens %d; nothing sent", p.TotalTokens(), g.maxTokens))
	}
	s.statePath = g.state
	if s.statePath == "" && !forImport {
		s.statePath = importer.DefaultStatePath(m.Path, job.ID, m.Namespace)
	}
	ok = true
	return s, nil
}

// checkProblems reports validation problems. Without --skip-invalid any
// problem stops the run (exit 2, nothing sent); with it, the rejected rows
// go to <mapping>.rejects.csv and the rest is imported.
func (g *globals) checkProblems(m *mapping.Mapping, problems []mapping.Problem, sets []*mapping.SetResult) error {
	if len(problems) == 0 {
		return nil
	}
	report.Problems(g.io.errOut, false, problems)
	if g.json {
		report.Problems(g.io.out, true, problems)
	}
	inMapping := false
	for _, p := range problems {
		inMapping = inMapping || p.InMapping()
	}
	if !g.skipInvalid || inMapping || sets == nil {
		return usageErr(fmt.Errorf("%d problems; nothing sent", len(problems)))
	}
	path := rejectsPath(m.Path)
	n, err := importer.WriteRejects(path, sets)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.io.errOut, "kpbulk: %d invalid rows written to %s; importing the rest (--skip-invalid)\n", n, path)
	return nil
}

// rejectsPath is <mapping>.rejects.csv: the mapping's path without its
// extension.
func rejectsPath(mappingPath string) string {
	return strings.TrimSuffix(mappingPath, filepath.Ext(mappingPath)) + ".rejects.csv"
}
