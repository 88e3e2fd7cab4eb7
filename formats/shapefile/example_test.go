package shapefile_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/rows"
	"github.com/kpbulk/kpbulk/formats/shapefile"
)

func ExampleCreate() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	base := filepath.Join(dir, "poles")
	w, err := shapefile.Create(base, shapefile.Point, []shapefile.Field{
		{Name: "pole_tag", Type: 'C', Length: 12},
		{Name: "pole_height_ft", Type: 'N', Length: 6, Decimals: 1},
	})
	if err != nil {
		panic(err)
	}
	w.Write(geom.NewPointFlat(geom.XY, []float64{-76.61, 39.29}), []any{"P-1", 40.0})
	w.Write(nil, []any{"P-2", nil}) // no location yet: a null shape
	if err := w.Close(); err != nil {
		panic(err)
	}
	fmt.Println("DBF names:", w.FieldNames())

	r, err := shapefile.Open(base+".shp", rows.Options{})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		fmt.Println(row.Num, row.Values, row.Geom != nil)
	}
	// Output:
	// DBF names: [pole_tag pole_heigh]
	// 1 [P-1 40.0] true
	// 2 [P-2 ] false
}
