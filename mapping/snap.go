package mapping

import (
	"math"
	"sort"
)

// snapIndex finds the nodes within a distance of a point, for joining line
// ends to nodes. Nodes sit in a grid of cells at least snap metres wide, so
// a query looks at 3×3 cells instead of every node.
type snapIndex struct {
	snap       float64 // metres
	dLat, dLon float64 // cell size in degrees
	cells      map[[2]int64][]*Entity
}

type snapKey struct {
	set  string
	snap float64
}

type snapHit struct {
	e *Entity
	d float64 // metres
}

const earthRadius = 6371008.8 // mean radius, metres

func newSnapIndex(es []*Entity, snap float64) *snapIndex {
	maxLat := 0.0
	for _, e := range es {
		if e.Location != nil {
			maxLat = math.Max(maxLat, math.Abs(e.Location.Lat))
		}
	}
	// A degree of longitude is shortest at the highest latitude: size the
	// cells there so they are at least snap metres wide everywhere.
	mPerDeg := earthRadius * math.Pi / 180
	cosMax := math.Max(math.Cos(math.Min(maxLat+1, 89.9)*math.Pi/180), 1e-3)
	idx := &snapIndex{
		snap:  snap,
		dLat:  snap / mPerDeg * 1.01,
		dLon:  snap / (mPerDeg * cosMax) * 1.01,
		cells: map[[2]int64][]*Entity{},
	}
	for _, e := range es {
		if e.Location != nil && e.ID != "" {
			c := idx.cell(e.Location.Lat, e.Location.Lon)
			idx.cells[c] = append(idx.cells[c], e)
		}
	}
	return idx
}

func (idx *snapIndex) cell(lat, lon float64) [2]int64 {
	return [2]int64{int64(math.Floor(lat / idx.dLat)), int64(math.Floor(lon / idx.dLon))}
}

// near returns the nodes within snap metres of (lat, lon), nearest first.
func (idx *snapIndex) near(lat, lon float64) []snapHit {
	c := idx.cell(lat, lon)
	var hits []snapHit
	for i := int64(-1); i <= 1; i++ {
		for j := int64(-1); j <= 1; j++ {
			for _, e := range idx.cells[[2]int64{c[0] + i, c[1] + j}] {
				if d := haversine(lat, lon, e.Location.Lat, e.Location.Lon); d <= idx.snap {
					hits = append(hits, snapHit{e, d})
				}
			}
		}
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a].d < hits[b].d })
	return hits
}

// haversine is the great-circle distance in metres.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(a)))
}
