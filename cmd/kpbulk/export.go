package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/kpbulk/kpbulk/exporter"
	"github.com/kpbulk/kpbulk/importer"
	"github.com/kpbulk/kpbulk/mapping"
)

type exportOptions struct {
	output  string
	mapping string
	format  string
	since   string
}

func newExportCmd(g *globals) *cobra.Command {
	o := &exportOptions{}
	cmd := &cobra.Command{
		Use:   "export --job ID -o OUTPUT [-m MAPPING] [--format F] [--since TIME]",
		Short: "Write a job out as GeoPackage, GeoJSON, Shapefile, KML, XLSX or CSV",
		Long: `Read a job (two list calls) and write it out.

Without -m the layers are nodes, connections and sections, in the layout of
Katapult's "Node Attributes" export: latitude, longitude, one column per
attribute (attribute::field for object values, instances joined with ","),
then the ids. The format comes from OUTPUT's extension (.gpkg .geojson .shp
.zip .kml .xlsx .csv) or --format; csv and shp write one file per layer into
the folder OUTPUT.

With -m the mapping runs in reverse: OUTPUT is a folder and each set is
written to its source's file, sheet and columns, ready to import again.

--since TIME exports only the nodes updated after TIME (RFC 3339, a date, or
a duration back from now such as 36h).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runExport(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&g.job, "job", "", "job id (default: the mapping's job: block)")
	f.StringVarP(&o.output, "output", "o", "", "output file, or folder for csv, shp and exports with -m")
	f.StringVarP(&o.mapping, "mapping", "m", "", "write the mapping's sources back (reverse of import)")
	f.StringVar(&o.format, "format", "", "gpkg, geojson, shp, kml, xlsx or csv (default: from the output's extension)")
	f.StringVar(&o.since, "since", "", "only nodes updated after this time")
	return cmd
}

func runExport(cmd *cobra.Command, g *globals, o *exportOptions) error {
	start := time.Now()
	var (
		format exporter.Format
		m      *mapping.Mapping
		err    error
	)
	switch {
	case o.output == "":
		return usageErr(errors.New("-o OUTPUT is required"))
	case o.mapping != "" && o.format != "":
		return usageErr(errors.New("--format cannot be used with -m: each set is written in its source's format"))
	case o.mapping != "":
		if m, err = mapping.Load(o.mapping); err != nil {
			return usageErr(err)
		}
		if fi, err := os.Stat(o.output); err == nil && !fi.IsDir() {
			return usageErr(fmt.Errorf("-o %s: with -m the output is a folder (the sources are written inside it)", o.output))
		}
	case o.format != "":
		if format, err = exporter.ParseFormat(o.format); err != nil {
			return usageErr(err)
		}
	default:
		if format, err = exporter.DetectFormat(o.output); err != nil {
			return usageErr(err)
		}
	}
	if g.job == "" && m == nil {
		return usageErr(errors.New("--job is required (or -m with a mapping that has a job: block)"))
	}
	var since time.Time
	if o.since != "" {
		if since, err = exporter.ParseSince(o.since, time.Now()); err != nil {
			return usageErr(err)
		}
	}

	ctx := cmd.Context()
	c, done, err := g.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	jobID := g.job
	if jobID == "" {
		j, err := importer.ResolveJob(ctx, c, m, "", false)
		if err != nil {
			return err
		}
		if j.ID == "" {
			return fmt.Errorf("no active job is named %q: pass --job ID", j.Name)
		}
		jobID = j.ID
	}
	job, err := exporter.Fetch(ctx, c, jobID, since)
	if err != nil {
		return err
	}

	sum := exportSummary{Event: "summary", Job: jobID, Layers: map[string]int{}}
	if m == nil {
		err = g.exportPlain(job, o.output, format, !since.IsZero(), &sum)
	} else {
		err = g.exportMapping(job, m, o.output, &sum)
	}
	if err != nil {
		return err
	}
	st := c.Stats()
	sum.Calls, sum.Tokens, sum.Seconds = st.Calls, st.Tokens, time.Since(start).Seconds()
	return g.printExportSummary(sum)
}

// exportPlain writes the job's nodes, connections and sections layers.
func (g *globals) exportPlain(job *exporter.Job, output string, format exporter.Format, nodesOnly bool, sum *exportSummary) error {
	layers := exporter.Build(job, exporter.BuildOptions{WKT: format.Tabular(), NodesOnly: nodesOnly})
	layers, counts := exporter.Tally(layers)
	layers, finish := g.exportProgress(layers)
	warns, err := exporter.Write(output, format, layers)
	finish()
	g.exportWarnings(sum, warns)
	if err != nil {
		return fmt.Errorf("writing %s: %w", output, err)
	}
	sum.Format, sum.Files = string(format), []string{output}
	for i, l := range layers {
		sum.Layers[l.Name] = counts[i]
	}
	return nil
}

// exportMapping runs the mapping in reverse and writes each source file
// inside the folder output.
func (g *globals) exportMapping(job *exporter.Job, m *mapping.Mapping, output string, sum *exportSummary) error {
	files, probs, err := exporter.Reverse(m, job)
	if err != nil {
		return err
	}
	for _, p := range probs {
		g.exportWarnings(sum, []string{p.Error()})
	}
	var all []*exporter.Layer
	for _, f := range files {
		all = append(all, f.Layers...)
	}
	all, counts := exporter.Tally(all)
	all, finish := g.exportProgress(all)
	defer finish()
	i := 0
	for _, f := range files {
		layers := all[i : i+len(f.Layers)]
		i += len(f.Layers)
		path := filepath.Join(output, f.Path)
		warns, err := exporter.WriteFile(path, f.Format, layers, f.Delim)
		g.exportWarnings(sum, warns)
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		sum.Files = append(sum.Files, path)
	}
	for i, l := range all {
		sum.Layers[l.Name] += counts[i]
	}
	return nil
}

// exportWarnings prints warnings (values changed to fit a format, mapping
// attributes that cannot be inverted) and keeps them for the summary.
func (g *globals) exportWarnings(s *exportSummary, warns []string) {
	for _, w := range warns {
		s.Warnings = append(s.Warnings, w)
		if !g.json {
			fmt.Fprintln(g.io.errOut, "warning:", w)
		}
	}
}

// exportSummary is the final report (the --json summary object).
type exportSummary struct {
	Event    string         `json:"event"`
	Job      string         `json:"job"`
	Format   string         `json:"format,omitempty"`
	Files    []string       `json:"files"`
	Layers   map[string]int `json:"layers"`
	Warnings []string       `json:"warnings,omitempty"`
	Calls    int64          `json:"calls"`
	Tokens   int64          `json:"tokens"`
	Seconds  float64        `json:"seconds"`
}

func (g *globals) printExportSummary(s exportSummary) error {
	if g.json {
		return json.NewEncoder(g.io.out).Encode(s)
	}
	names := make([]string, 0, len(s.Layers))
	for n := range s.Layers {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, s.Layers[n])
	}
	fmt.Fprintf(g.io.errOut, "Exported job %s: %s → %s (%d API calls, %d tokens, %.1fs)\n",
		s.Job, strings.Join(parts, ", "), strings.Join(s.Files, ", "), s.Calls, s.Tokens, s.Seconds)
	return nil
}

// progressThreshold is the feature count from which a terminal gets a
// progress bar; smaller exports finish before one would be useful.
const progressThreshold = 5000

// exportProgress draws a bar on a terminal while the layers are written.
func (g *globals) exportProgress(layers []*exporter.Layer) ([]*exporter.Layer, func()) {
	total := 0
	for _, l := range layers {
		total += l.Len
	}
	if !g.io.stderrTTY || g.json || total < progressThreshold {
		return layers, func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(g.io.errOut),
		progressbar.OptionSetDescription("exporting"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("features"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	counted, _ := exporter.Counted(layers, barAdder{bar})
	return counted, func() { _ = bar.Finish() }
}

type barAdder struct{ bar *progressbar.ProgressBar }

func (b barAdder) Add(n int) { _ = b.bar.Add(n) }
