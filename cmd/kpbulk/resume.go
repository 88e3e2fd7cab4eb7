package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk resume`.
func newResumeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "resume",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("resume: not yet implemented")
		},
	}
}
