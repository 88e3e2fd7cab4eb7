// Package reproject brings the geometries the readers decode to WGS84, the
// one step the GeoJSON and Shapefile readers share after decoding.
package reproject

import (
	"github.com/twpayne/go-geom"

	"github.com/kpbulk/kpbulk/formats/crs"
)

// ToWGS84 converts g's coordinates to WGS84 longitude/latitude in place.
// With a nil c they must be longitude/latitude already; the first that is
// not is reported through notLonLat, which words the error for its format.
func ToWGS84(g geom.T, c *crs.CRS, notLonLat func(x, y float64) error) error {
	flat, stride := g.FlatCoords(), g.Stride()
	for i := 0; i+1 < len(flat); i += stride {
		x, y := flat[i], flat[i+1]
		if c == nil {
			if !(x >= -180 && x <= 180 && y >= -90 && y <= 90) {
				return notLonLat(x, y)
			}
			continue
		}
		lon, lat, err := c.ToWGS84(x, y)
		if err != nil {
			return err
		}
		flat[i], flat[i+1] = lon, lat
	}
	return nil
}
