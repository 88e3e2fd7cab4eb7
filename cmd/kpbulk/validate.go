package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk validate`.
func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("validate: not yet implemented")
		},
	}
}
