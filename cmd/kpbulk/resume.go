package main

import (
	"github.com/spf13/cobra"
)

func newResumeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "resume --state FILE",
		Short: "Continue an interrupted apply or import",
		Long: "resume sends only the operations of the state file that are not confirmed done. Every write\n" +
			"is an upsert at a deterministic id, so an operation in flight when the run stopped is simply\n" +
			"sent again: no duplicates.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			f, err := openState(g.state)
			if err != nil {
				return err
			}
			defer f.Close()
			c, closeFn, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer closeFn()
			return g.execute(ctx, c, f, "resume")
		},
	}
	g.addStateFlags(cmd)
	return cmd
}
