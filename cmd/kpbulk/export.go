package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk export`.
func newExportCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("export: not yet implemented")
		},
	}
}
