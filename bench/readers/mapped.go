package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	kpformats "github.com/kpbulk/kpbulk/formats"
	"github.com/kpbulk/kpbulk/mapping"
)

// benchMapping maps every column of a generated source (see header) to a
// node: the key, typed values (number, boolean, integer, a feet-inches
// unit) and text, by column position ({#N}) so one mapping serves every
// format, Shapefile's truncated field names included. Geometry sources
// take the location from their points; tabular ones from columns 2 and 3.
func benchMapping(src string, geometry bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nnamespace: bench\nnodes:\n  - name: poles\n    source: %q\n    key: \"{#1}\"\n", filepath.Base(src))
	if !geometry {
		b.WriteString("    latitude: \"{#2}\"\n    longitude: \"{#3}\"\n")
	}
	b.WriteString(`    attributes:
      node_type: pole
      pole_tag: "{#1}"
      pole_height: {value: "{#4}", type: number}
      owner: "{#5}"
      grounded: {value: "{#6}", type: boolean}
      survey_date: "{#7}"
      length: {value: "{#8}", unit: ft-in}
      pole_class: "{#9}"
      tag: {value: "{#10}", type: integer}
      note: "{#11}"
`)
	for i := 12; i <= cols; i++ {
		fmt.Fprintf(&b, "      extra_%d: \"{#%d}\"\n", i, i)
	}
	return b.String()
}

// mapSource builds the entities of src with benchMapping and returns how
// many there are; any problem is an error (the generated data is clean).
func mapSource(f format, src string) (int, error) {
	geometry := f.ext == ".geojson" || f.ext == ".shp"
	m, err := mapping.Parse(filepath.Join(filepath.Dir(src), "bench.yaml"), []byte(benchMapping(src, geometry)))
	if err != nil {
		return 0, err
	}
	res, err := m.Build(context.Background(), kpformats.Open)
	if err != nil {
		return 0, err
	}
	if !res.OK() {
		return 0, fmt.Errorf("%d problems, the first: %v", len(res.Problems), res.Problems[0])
	}
	return res.Entities(), nil
}
