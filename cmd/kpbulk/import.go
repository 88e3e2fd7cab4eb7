package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk import`.
func newImportCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("import: not yet implemented")
		},
	}
}
