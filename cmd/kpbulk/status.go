package main

import (
	"github.com/kpbulk/kpbulk/importer/report"
	"github.com/spf13/cobra"
)

func newStatusCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status --state FILE",
		Short: "Progress and failures of a run, per entity set",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := openState(g.state)
			if err != nil {
				return err
			}
			defer f.Close()
			return report.Status(g.io.out, g.json, f, 20)
		},
	}
	g.addStateFlags(cmd)
	return cmd
}
