package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kpbulk/kpbulk/importer"
	"github.com/kpbulk/kpbulk/importer/executor"
	"github.com/kpbulk/kpbulk/importer/report"
	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/kpbulk/kpbulk/katapult"
	"github.com/spf13/cobra"
)

func newImportCmd(g *globals) *cobra.Command {
	var mappingPath string
	cmd := &cobra.Command{
		Use:   "import -m MAPPING [--job ID] [--yes]",
		Short: "Plan, then apply: load the mapping's sources into a job",
		Long: "import plans like `kpbulk plan`, asks for confirmation on a terminal (unless --yes), then\n" +
			"applies the plan under the rate limits. When stdin is not a terminal, --yes is required.\n" +
			"An interrupted import continues with `kpbulk resume --state FILE`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := g.prepare(ctx, mappingPath, true)
			if err != nil {
				return err
			}
			defer s.close()
			p := s.planned
			if len(p.Ops) == 0 && p.Job.ID != "" {
				// Nothing to confirm; record the (empty) plan all the same.
				f, err := importer.Save(g.statePathFor(s), p)
				if err != nil {
					return err
				}
				defer f.Close()
				return g.execute(ctx, s.client, f, "import")
			}
			if err := g.confirm(); err != nil {
				return err
			}
			if p.Job.ID == "" {
				job, err := importer.ResolveJob(ctx, s.client, s.m, "", true)
				if err != nil {
					return err
				}
				p.Job = job
				if !g.json {
					fmt.Fprintf(g.io.errOut, "Created job %s (%s)\n", job.ID, job.Name)
				}
			}
			f, err := importer.Save(g.statePathFor(s), p)
			if err != nil {
				return err
			}
			defer f.Close()
			return g.execute(ctx, s.client, f, "import")
		},
	}
	addMappingFlag(cmd, &mappingPath)
	g.addPlanFlags(cmd)
	cmd.Flags().BoolVarP(&g.yes, "yes", "y", false, "apply without asking")
	return cmd
}

func (g *globals) statePathFor(s *session) string {
	if g.state != "" {
		return g.state
	}
	return importer.DefaultStatePath(s.m.Path, s.planned.Job.ID, s.m.Namespace)
}

// confirm asks y/N on a terminal unless --yes; without a terminal, --yes is
// required.
func (g *globals) confirm() error {
	if g.yes {
		return nil
	}
	if !g.io.stdinTTY {
		return usageErr(errors.New("stdin is not a terminal: pass --yes to apply the plan; nothing sent"))
	}
	fmt.Fprint(g.io.errOut, "Apply this plan? [y/N] ")
	line, _ := bufio.NewReader(g.io.in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return &exitError{code: exitOK, err: errors.New("not applied")}
}

// execute runs the state file's unfinished ops with progress and a summary,
// and maps the outcome to the exit code.
func (g *globals) execute(ctx context.Context, c *katapult.Client, f *state.File, command string) error {
	ops, err := f.Unfinished()
	if err != nil {
		return err
	}
	prog := report.NewProgress(g.io.errOut, g.io.out, g.io.stderrTTY, g.json, len(ops))
	workers := g.concurrency
	if workers <= 0 {
		workers = 16 // the client's throttle decides how many are really in flight
	}
	sum, runErr := importer.Execute(ctx, c, f, command, workers, func(o executor.Outcome) { prog.Observe(o) })
	prog.Finish()
	report.Summary(g.io.out, g.json, sum)
	switch {
	case sum.Interrupted:
		return &exitError{code: exitFailed, err: fmt.Errorf("interrupted: %d operations not sent; continue with: kpbulk resume --state %s", sum.Pending, f.Path())}
	case runErr != nil:
		return &exitError{code: exitFailed, err: fmt.Errorf("%w; continue with: kpbulk resume --state %s", runErr, f.Path())}
	case sum.Failed > 0:
		return &exitError{code: exitPartial, err: fmt.Errorf("%d operations failed (kpbulk status --state %s lists them)", sum.Failed, f.Path())}
	}
	return nil
}
