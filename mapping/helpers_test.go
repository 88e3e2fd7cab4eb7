package mapping

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/rows"
)

// sliceReader is an in-memory rows.Reader: header, then data rows numbered
// from 2 like CSV (or from 1 when geometries are given, like GeoJSON).
type sliceReader struct {
	cols  []string
	rows  []rows.Row
	i     int
	notes []string
}

func (r *sliceReader) Columns() []string { return r.cols }
func (r *sliceReader) Close() error      { return nil }
func (r *sliceReader) Notes() []string   { return r.notes }
func (r *sliceReader) Next() (rows.Row, error) {
	if r.i >= len(r.rows) {
		return rows.Row{}, io.EOF
	}
	r.i++
	return r.rows[r.i-1], nil
}

// table builds a tabular source from lines of "|"-separated cells; the first
// line is the header.
func table(lines ...string) *sliceReader {
	r := &sliceReader{cols: strings.Split(lines[0], "|")}
	for i, l := range lines[1:] {
		r.rows = append(r.rows, rows.Row{Num: i + 2, Values: strings.Split(l, "|")})
	}
	return r
}

// features builds a geometry source.
func features(cols []string, gs []geom.T, vals ...[]string) *sliceReader {
	r := &sliceReader{cols: cols}
	for i, g := range gs {
		r.rows = append(r.rows, rows.Row{Num: i + 1, Values: vals[i], Geom: g})
	}
	return r
}

// sources is an Opener over in-memory readers keyed by source path (as
// written in the mapping).
type sources map[string]*sliceReader

func (s sources) open(dir string) Opener {
	return func(path string, opts rows.Options) (rows.Reader, error) {
		rel, _ := filepath.Rel(dir, path)
		r, ok := s[rel]
		if !ok {
			return nil, &rows.Error{File: opts.DisplayName, Msg: "no such file", Fatal: true}
		}
		r.i = 0
		return r, nil
	}
}

// parse writes the mapping text into a temp dir and loads it.
func parse(t *testing.T, yaml string) *Mapping {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

// loadErr loads a mapping expected to be invalid and returns its problems'
// text.
func loadErr(t *testing.T, yaml string) string {
	t.Helper()
	_, err := Parse("m.yaml", []byte(yaml))
	if err == nil {
		t.Fatalf("Parse accepted:\n%s", yaml)
	}
	if _, ok := err.(*LoadError); !ok {
		t.Fatalf("error is %T, want *LoadError: %v", err, err)
	}
	return err.Error()
}

func build(t *testing.T, m *Mapping, src sources) *Result {
	t.Helper()
	res, err := m.Build(context.Background(), src.open(m.Dir))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return res
}

func problems(res *Result) string {
	var s []string
	for _, p := range res.Problems {
		s = append(s, p.String())
	}
	return strings.Join(s, "\n")
}
