package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that implements `kpbulk jobs`.
func newJobsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "jobs",
		Short: "not yet implemented",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("jobs: not yet implemented")
		},
	}
}
