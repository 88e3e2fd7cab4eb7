package shapefile

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/twpayne/go-geom"
)

// Shape types of the ESRI Shapefile Technical Description (1998).
const (
	shapeNull        = 0
	shapePoint       = 1
	shapePolyLine    = 3
	shapePolygon     = 5
	shapeMultiPoint  = 8
	shapePointZ      = 11
	shapePolyLineZ   = 13
	shapePolygonZ    = 15
	shapeMultiPointZ = 18
	shapePointM      = 21
	shapePolyLineM   = 23
	shapePolygonM    = 25
	shapeMultiPointM = 28
	shapeMultiPatch  = 31
)

var shapeNames = map[int]string{
	shapeNull: "Null", shapePoint: "Point", shapePolyLine: "PolyLine", shapePolygon: "Polygon",
	shapeMultiPoint: "MultiPoint", shapePointZ: "PointZ", shapePolyLineZ: "PolyLineZ",
	shapePolygonZ: "PolygonZ", shapeMultiPointZ: "MultiPointZ", shapePointM: "PointM",
	shapePolyLineM: "PolyLineM", shapePolygonM: "PolygonM", shapeMultiPointM: "MultiPointM",
	shapeMultiPatch: "MultiPatch",
}

func shapeName(t int) string {
	if n, ok := shapeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("unknown type %d", t)
}

// header is the 100-byte main file header shared by .shp and .shx.
type header struct {
	fileLen   int64 // bytes
	shapeType int
	bbox      [4]float64 // xmin, ymin, xmax, ymax
}

func parseHeader(b []byte) (header, error) {
	if len(b) < 100 {
		return header{}, fmt.Errorf("header truncated (%d of 100 bytes)", len(b))
	}
	if code := binary.BigEndian.Uint32(b[0:4]); code != 9994 {
		return header{}, fmt.Errorf("not a shapefile (file code %d, want 9994)", code)
	}
	if v := binary.LittleEndian.Uint32(b[28:32]); v != 1000 {
		return header{}, fmt.Errorf("bad header: version %d, want 1000", v)
	}
	h := header{
		fileLen:   int64(binary.BigEndian.Uint32(b[24:28])) * 2,
		shapeType: int(int32(binary.LittleEndian.Uint32(b[32:36]))),
	}
	for i := range h.bbox {
		h.bbox[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[36+8*i:]))
	}
	if _, ok := shapeNames[h.shapeType]; !ok {
		return h, fmt.Errorf("bad header: unknown shape type %d", h.shapeType)
	}
	return h, nil
}

// Geometry decoding. Record content is little-endian: a shape type, then
// the type's fields. Every length is checked against the content so a
// corrupt record gives an error, never a panic.

type shapeDecoder struct {
	b   []byte
	typ int
}

func le32(b []byte) int      { return int(int32(binary.LittleEndian.Uint32(b))) }
func lef64(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) }

// decodeShape parses one record's content. Z values are kept (XYZ); M
// values are dropped. A MultiPoint of one point becomes a Point; a PolyLine
// of one part a LineString.
func decodeShape(b []byte) (geom.T, int, error) {
	if len(b) < 4 {
		return nil, 0, fmt.Errorf("record content of %d bytes has no shape type", len(b))
	}
	typ := le32(b)
	switch typ {
	case shapeNull:
		return nil, typ, nil
	case shapePoint, shapePointM:
		if len(b) < 20 {
			return nil, typ, fmt.Errorf("%s record is %d bytes, want 20", shapeName(typ), len(b))
		}
		return geom.NewPointFlat(geom.XY, []float64{lef64(b[4:]), lef64(b[12:])}), typ, nil
	case shapePointZ:
		if len(b) < 28 {
			return nil, typ, fmt.Errorf("PointZ record is %d bytes, want 28 or more", len(b))
		}
		return geom.NewPointFlat(geom.XYZ, []float64{lef64(b[4:]), lef64(b[12:]), lef64(b[20:])}), typ, nil
	case shapeMultiPoint, shapeMultiPointZ, shapeMultiPointM:
		return decodeMulti(b, typ, false)
	case shapePolyLine, shapePolyLineZ, shapePolyLineM:
		return decodeMulti(b, typ, true)
	}
	return nil, typ, fmt.Errorf("%s shapes are not supported (kpbulk reads points and lines)", shapeName(typ))
}

// decodeMulti reads MultiPoint (parts=false) and PolyLine records.
func decodeMulti(b []byte, typ int, parts bool) (geom.T, int, error) {
	const box = 4 + 32
	fixed := box + 4
	if parts {
		fixed += 4
	}
	if len(b) < fixed {
		return nil, typ, fmt.Errorf("%s record is %d bytes, too short for its header", shapeName(typ), len(b))
	}
	numParts, numPoints := 1, 0
	if parts {
		numParts, numPoints = le32(b[box:]), le32(b[box+4:])
	} else {
		numPoints = le32(b[box:])
	}
	// Bound counts by the content so a hostile count cannot allocate.
	if numParts < 0 || numPoints < 0 || numParts > len(b)/4 || numPoints > len(b)/16 {
		return nil, typ, fmt.Errorf("%s record claims %d parts and %d points in %d bytes", shapeName(typ), numParts, numPoints, len(b))
	}
	var starts []int
	off := fixed
	if parts {
		if numParts == 0 && numPoints > 0 {
			return nil, typ, fmt.Errorf("%s record has %d points in no parts", shapeName(typ), numPoints)
		}
		starts = make([]int, numParts)
		if len(b) < off+4*numParts {
			return nil, typ, fmt.Errorf("%s record is too short for its %d parts", shapeName(typ), numParts)
		}
		for i := range starts {
			starts[i] = le32(b[off+4*i:])
			if i == 0 && starts[i] != 0 || i > 0 && starts[i] <= starts[i-1] || starts[i] >= numPoints {
				return nil, typ, fmt.Errorf("%s record has a bad part index %d (part %d of %d, %d points)", shapeName(typ), starts[i], i+1, numParts, numPoints)
			}
		}
		off += 4 * numParts
	}
	if len(b) < off+16*numPoints {
		return nil, typ, fmt.Errorf("%s record is %d bytes, too short for %d points", shapeName(typ), len(b), numPoints)
	}
	hasZ := typ == shapeMultiPointZ || typ == shapePolyLineZ
	zoff := off + 16*numPoints + 16
	if hasZ && len(b) < zoff+8*numPoints {
		return nil, typ, fmt.Errorf("%s record is too short for its Z values", shapeName(typ))
	}
	layout, stride := geom.XY, 2
	if hasZ {
		layout, stride = geom.XYZ, 3
	}
	flat := make([]float64, 0, stride*numPoints)
	for i := range numPoints {
		p := off + 16*i
		flat = append(flat, lef64(b[p:]), lef64(b[p+8:]))
		if hasZ {
			flat = append(flat, lef64(b[zoff+8*i:]))
		}
	}
	if !parts {
		if numPoints == 1 {
			return geom.NewPointFlat(layout, flat), typ, nil
		}
		if numPoints == 0 {
			return nil, typ, nil
		}
		return geom.NewMultiPointFlat(layout, flat), typ, nil
	}
	if numPoints == 0 {
		return nil, typ, nil
	}
	if numParts == 1 {
		return geom.NewLineStringFlat(layout, flat), typ, nil
	}
	ends := make([]int, numParts)
	for i := range ends {
		if i+1 < numParts {
			ends[i] = starts[i+1] * stride
		} else {
			ends[i] = numPoints * stride
		}
	}
	return geom.NewMultiLineStringFlat(layout, flat, ends), typ, nil
}
