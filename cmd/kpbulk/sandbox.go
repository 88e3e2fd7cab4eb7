package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk sandbox`.
func newSandboxCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "sandbox",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("sandbox: not yet implemented")
		},
	}
}
