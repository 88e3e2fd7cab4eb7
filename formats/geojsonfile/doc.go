// Package geojsonfile reads GeoJSON sources as rows and writes GeoJSON
// FeatureCollections feature by feature.
//
// Open streams the file: the top-level object is walked with the JSON
// tokenizer and each member of "features" is decoded on its own, so memory
// holds one feature whatever the file's size. A cheap first pass over the
// file collects the columns — the union of the features' property names in
// first-seen order — and the legacy "crs" member wherever it is; the
// second pass yields the rows. A top-level Feature or bare geometry reads
// as one feature.
//
// Values: strings as they are, numbers as written in the file, booleans
// true/false, null as empty, objects and arrays as compact JSON. When
// features carry an "id" member and no property is called id, the id is
// an extra last column "id".
//
// Geometry (RFC 7946 longitude, latitude order; a third coordinate is
// dropped): Point, LineString, MultiLineString, and a MultiPoint of one
// point (read as a Point). Polygon, MultiPolygon, GeometryCollection and
// multi-point poles are refused with an error naming the feature. A null
// geometry gives a nil Row.Geom. The legacy crs member is honoured:
// EPSG:4326 and CRS84 pass through, other CRSs of package crs are
// reprojected, unknown ones are an error. Without a crs, positions must be
// longitude/latitude.
//
// Problems confined to one feature are non-fatal *rows.Errors naming the
// feature number (from 1); a malformed document, nesting deeper than 64
// levels in skipped members (or 10,000 anywhere) and a missing or wrong
// top-level type are fatal.
package geojsonfile
