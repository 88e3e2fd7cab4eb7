// Package testdatagen writes the generated files of the repository's
// top-level testdata folder. Tests in several packages read those files in
// place, so a fixture exists once; its binary files are rebuilt from here
// rather than edited by hand:
//
//	go generate ./internal/testdatagen
package testdatagen

//go:generate go test -run TestGeneratedFilesUpToDate -update .

import (
	"path/filepath"

	"github.com/twpayne/go-geom"
	"github.com/xuri/excelize/v2"

	"github.com/kpbulk/kpbulk/formats/shapefile"
	"github.com/kpbulk/kpbulk/internal/genxlsx"
)

// ProductExamplePoles are the Poles rows of testdata/product-example's
// survey.xlsx: cells of Pole Tag, Latitude, Longitude, Seq, Height (ft),
// Class and Notes. Class mixes text and a number, and P-3's note spans two
// lines, as a hand-kept sheet would.
var ProductExamplePoles = [][]any{
	{"P-1", 29.4241, -98.4936, 1, 45, "1", ""},
	{"P-2", 29.4245, -98.4930, 2, 40.5, "H1", "leaning"},
	{"P-3", 29.4250, -98.4925, 3, 35, 2, "line 1\nline 2"},
}

// WriteProductExample writes the sources of PRODUCT.md section 2's example
// mapping into dir: survey.xlsx with ProductExamplePoles, and the
// fiber_routes shapefile. The mapping itself is hand-copied from the spec.
func WriteProductExample(dir string) error {
	if err := WriteProductSurvey(dir, ProductExamplePoles); err != nil {
		return err
	}
	return writeFiberRoutes(dir)
}

// WriteProductSurvey writes dir/survey.xlsx with sheets Poles (the given
// rows under the example's header), Spans and Midspans. Tests that need
// other poles call it over a copy of testdata/product-example.
func WriteProductSurvey(dir string, poles [][]any) error {
	f, err := genxlsx.New("kpbulk testdatagen", "PRODUCT.md example survey")
	if err != nil {
		return err
	}
	defer f.Close()
	sheets := []struct {
		name string
		rows [][]any
	}{
		{"Poles", append([][]any{{"Pole Tag", "Latitude", "Longitude", "Seq", "Height (ft)", "Class", "Notes"}}, poles...)},
		{"Spans", [][]any{{"From", "To"}, {"P-1", "P-2"}, {"P-2", "P-3"}}},
		{"Midspans", [][]any{{"From", "To", "Seq", "Lat", "Lon", "Remarks"}, {"P-1", "P-2", 1, 29.4243, -98.4933, "tree"}, {"P-2", "P-3", 1, 29.4247, -98.4928, ""}}},
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		for r, row := range sh.rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(sh.name, cell, &row); err != nil {
				return err
			}
		}
	}
	return genxlsx.Save(f, filepath.Join(dir, "survey.xlsx"))
}

// writeFiberRoutes writes dir/fiber_routes.shp (and its .shx .dbf .prj
// .cpg): route R-7, whose ends lie within the mapping's 3 m snap of P-1 and
// P-3.
func writeFiberRoutes(dir string) error {
	w, err := shapefile.Create(filepath.Join(dir, "fiber_routes"), shapefile.PolyLine,
		[]shapefile.Field{{Name: "ROUTE_ID", Type: 'C', Length: 20}, {Name: "OWNER", Type: 'C', Length: 40}})
	if err != nil {
		return err
	}
	line := geom.NewLineStringFlat(geom.XY, []float64{-98.49361, 29.42411, -98.4928, 29.4248, -98.49251, 29.42499})
	if err := w.Write(line, []any{"R-7", "ACME Fiber"}); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
