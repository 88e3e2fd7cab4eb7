package main

import (
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/crs"
	"github.com/kpbulk/kpbulk/formats/geojsonfile"
	"github.com/kpbulk/kpbulk/formats/shapefile"
)

// Geometry sources: the same survey rows as the tabular formats, as point
// features. "shp-sp" is the Shapefile in Washington North State Plane
// (EPSG:2285, US feet), so its read includes reprojection; ogr2ogr then
// reprojects too (-t_srs EPSG:4326). ogr2ogr writes the geometry as X/Y
// columns so both sides decode it.
func init() {
	asXY := []string{"-lco", "GEOMETRY=AS_XY"}
	formats = append(formats,
		format{name: "geojson", ext: ".geojson", generate: generateGeoJSON, open: openWith(geojsonfile.Open), ogr: asXY},
		format{name: "shp", ext: ".shp", generate: func(p string, n, cols int) error { return generateShp(p, n, cols, nil) }, open: openWith(shapefile.Open), ogr: asXY},
		format{name: "shp-sp", ext: ".shp", generate: func(p string, n, cols int) error {
			c, err := crs.Parse("EPSG:2285")
			if err != nil {
				return err
			}
			return generateShp(p, n, cols, c)
		}, open: openWith(shapefile.Open), ogr: append([]string{"-t_srs", "EPSG:4326"}, asXY...)},
	)
}

// geoRow is a survey row with its point; Latitude/Longitude stay columns.
func geoRow(rng *rand.Rand, i, cols int) (geom.T, []any) {
	v := surveyRow(rng, i, cols)
	lat, lon := v[1].(float64), v[2].(float64)
	return geom.NewPointFlat(geom.XY, []float64{lon, lat}), v
}

func generateGeoJSON(path string, n, cols int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := geojsonfile.NewWriter(f, header(cols))
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		g, v := geoRow(rng, i, cols)
		if err := w.Write(g, v); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}

func generateShp(path string, n, cols int, c *crs.CRS) error {
	rng := rand.New(rand.NewPCG(1, 2))
	_, sample := geoRow(rng, 0, cols)
	fields := make([]shapefile.Field, cols)
	for i, name := range header(cols) {
		f := shapefile.Field{Name: name, Type: 'C', Length: 60}
		switch sample[i].(type) {
		case float64:
			f = shapefile.Field{Name: name, Type: 'N', Length: 19, Decimals: 11}
		case int:
			f = shapefile.Field{Name: name, Type: 'N', Length: 12}
		case bool:
			f.Type = 'L'
		case time.Time:
			f.Type = 'D'
		}
		fields[i] = f
	}
	var opts []shapefile.Option
	if c != nil {
		opts = append(opts, shapefile.WithPRJ(c.ESRIWKT()))
	}
	w, err := shapefile.Create(strings.TrimSuffix(path, ".shp"), shapefile.Point, fields, opts...)
	if err != nil {
		return err
	}
	rng = rand.New(rand.NewPCG(1, 2))
	for i := range n {
		g, v := geoRow(rng, i, cols)
		if c != nil {
			p := g.(*geom.Point)
			x, y, err := c.FromWGS84(p.X(), p.Y())
			if err != nil {
				return err
			}
			g = geom.NewPointFlat(geom.XY, []float64{x, y})
		}
		if err := w.Write(g, v); err != nil {
			return err
		}
	}
	return w.Close()
}
