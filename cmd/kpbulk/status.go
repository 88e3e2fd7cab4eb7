package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk status`.
func newStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("status: not yet implemented")
		},
	}
}
