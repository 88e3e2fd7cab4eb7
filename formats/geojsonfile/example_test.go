package geojsonfile_test

import (
	"os"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/geojsonfile"
)

func ExampleNewWriter() {
	w, err := geojsonfile.NewWriter(os.Stdout, []string{"scid", "height", "guyed"}, geojsonfile.WithName("nodes"))
	if err != nil {
		panic(err)
	}
	w.Write(geom.NewPointFlat(geom.XY, []float64{-76.61, 39.29}), []any{"001", 40.5, true})
	w.Write(geom.NewLineStringFlat(geom.XY, []float64{-76.61, 39.29, -76.62, 39.3}), []any{"span", nil, false})
	w.Close()
	// Output:
	// {"type":"FeatureCollection","name":"nodes","features":[
	// {"type":"Feature","properties":{"scid":"001","height":40.5,"guyed":true},"geometry":{"type":"Point","coordinates":[-76.61,39.29]}},
	// {"type":"Feature","properties":{"scid":"span","height":null,"guyed":false},"geometry":{"type":"LineString","coordinates":[[-76.61,39.29],[-76.62,39.3]]}}
	// ]}
}
