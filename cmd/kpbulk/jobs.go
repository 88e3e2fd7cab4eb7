package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/spf13/cobra"
)

type jobsOptions struct {
	archived bool
	filters  []string
}

func newJobsCmd(g *globals) *cobra.Command {
	o := &jobsOptions{}
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List the jobs the API key can access",
		Long: "List the jobs the API key can access: id, name, status and last update.\n" +
			"--filter attr:value keeps jobs whose metadata attribute equals value (repeatable; all must match).\n" +
			"With --json, one JSON object per job on stdout.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runJobs(cmd, g, o) },
	}
	cmd.Flags().BoolVar(&o.archived, "archived", false, "include archived jobs")
	cmd.Flags().StringArrayVar(&o.filters, "filter", nil, "metadata filter attr:value (repeatable)")
	return cmd
}

func runJobs(cmd *cobra.Command, g *globals, o *jobsOptions) error {
	for _, f := range o.filters {
		if k, _, ok := strings.Cut(f, ":"); !ok || k == "" {
			return usageErr(fmt.Errorf("--filter %q: want attribute:value", f))
		}
		if strings.Contains(f, ",") {
			return usageErr(fmt.Errorf("--filter %q: a value cannot contain a comma (the API separates filters with commas); repeat --filter instead", f))
		}
	}
	ctx := cmd.Context()
	c, done, err := g.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	jobs, err := c.ListJobs(ctx, katapult.ListJobsOptions{
		IncludeArchived: o.archived,
		MetadataFilter:  strings.Join(o.filters, ","),
	})
	if err != nil {
		return err
	}
	if g.json {
		return writeJobsJSON(g, jobs)
	}
	return writeJobsTable(g, jobs)
}

// jobLine is one job in --json output.
type jobLine struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Status      string         `json:"status"`
	LastUpdated string         `json:"last_updated,omitempty"`
	Metadata    map[string]any `json:"metadata,omitempty"`
}

func writeJobsJSON(g *globals, jobs []katapult.JobSummary) error {
	enc := json.NewEncoder(g.io.out)
	for _, j := range jobs {
		if err := enc.Encode(jobLine{ID: j.ID, Name: j.Name, Status: j.Status, LastUpdated: j.LastUpdated, Metadata: j.Metadata}); err != nil {
			return err
		}
	}
	return nil
}

func writeJobsTable(g *globals, jobs []katapult.JobSummary) error {
	if len(jobs) == 0 {
		fmt.Fprintln(g.io.errOut, "no jobs")
		return nil
	}
	tw := tabwriter.NewWriter(g.io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tLAST UPDATED\tMETADATA")
	for _, j := range jobs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.ID, cell(j.Name), j.Status, j.LastUpdated, metadataCell(j.Metadata))
	}
	return tw.Flush()
}

// cell keeps a table row on one line.
func cell(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s)
	if s == "" {
		return "-"
	}
	return s
}

// metadataCell renders metadata as sorted key=value pairs.
func metadataCell(md map[string]any) string {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, md[k]))
	}
	const maxLen = 60
	s := cell(strings.Join(parts, " "))
	if r := []rune(s); len(r) > maxLen {
		s = string(r[:maxLen]) + "…"
	}
	return s
}
