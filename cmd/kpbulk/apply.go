package main

import (
	"errors"
	"fmt"

	"github.com/kpbulk/kpbulk/importer"
	"github.com/kpbulk/kpbulk/importer/state"
	"github.com/spf13/cobra"
)

func newApplyCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apply --state FILE",
		Short: "Execute a saved plan",
		Long: "apply re-reads the job (two list calls) and executes the plan saved by `kpbulk plan`.\n" +
			"It refuses a plan whose job changed since it was made, unless --force: run plan again.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			f, err := openState(g.state)
			if err != nil {
				return err
			}
			defer f.Close()
			meta, err := f.Meta()
			if err != nil {
				return err
			}
			if g.maxTokens > 0 && meta.Tokens > g.maxTokens {
				return usageErr(fmt.Errorf("the plan costs %d tokens, more than --max-tokens %d; nothing sent", meta.Tokens, g.maxTokens))
			}
			done, err := f.Ops(state.Done)
			if err != nil {
				return err
			}
			if len(done) > 0 {
				return usageErr(fmt.Errorf("%s was already applied in part (%d operations done): use kpbulk resume --state %s", f.Path(), len(done), f.Path()))
			}
			c, closeFn, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer closeFn()
			if err := importer.CheckFresh(ctx, c, meta); err != nil {
				if !errors.Is(err, importer.ErrStale) || !g.force {
					return usageErr(err)
				}
				fmt.Fprintln(g.io.errOut, "kpbulk: the job changed since the plan was made; applying anyway (--force)")
			}
			return g.execute(ctx, c, f, "apply")
		},
	}
	g.addStateFlags(cmd)
	cmd.Flags().BoolVar(&g.force, "force", false, "apply even if the job changed since the plan was made")
	cmd.Flags().Int64Var(&g.maxTokens, "max-tokens", 0, "refuse a plan that costs more tokens than this (0: no limit)")
	return cmd
}

func (g *globals) addStateFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&g.state, "state", "", "the state file written by plan or import")
	_ = cmd.MarkFlagRequired("state")
}

func openState(path string) (*state.File, error) {
	f, err := state.Open(path)
	if err != nil {
		return nil, usageErr(err)
	}
	return f, nil
}
