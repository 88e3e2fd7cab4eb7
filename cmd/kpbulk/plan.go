package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk plan`.
func newPlanCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "plan",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("plan: not yet implemented")
		},
	}
}
