package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk apply`.
func newApplyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "apply",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("apply: not yet implemented")
		},
	}
}
