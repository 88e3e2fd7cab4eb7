// Package shapefile reads and writes ESRI Shapefiles.
//
// Reading (Open) streams a .shp with its .shx, .dbf, .prj and .cpg (or a
// .zip holding them in any folder; GeoServer's .cst counts as a .cpg) as
// rows.Rows: DBF fields are the columns, the shape is Row.Geom in WGS84
// longitude/latitude, records count from 1.
//
//   - Shapes: Point, MultiPoint and PolyLine with their Z and M variants.
//     Z is kept, M dropped. A MultiPoint of one point is a Point; a PolyLine
//     of one part a LineString, of several a MultiLineString. Null shapes
//     give a nil Geom (and the record is skipped when its attributes are
//     all empty too). Polygon, PolygonZ/M and MultiPatch files are refused
//     at Open: kpbulk imports poles and spans, and an area is neither.
//   - DBF: C text (trailing blanks trimmed), N and F numbers as written
//     (trimmed; blank or '*' is empty), L as true/false, D as YYYY-MM-DD,
//     FoxPro I and O as numbers. Memo (M) fields are reported in Notes and
//     read as empty. Deleted records are skipped.
//   - Codepage: the encoding option, else .cpg/.cst, else the DBF language
//     driver id (0x57 "ANSI" is Windows-1252); with none declared, values
//     that are valid UTF-8 are kept and others decoded as Windows-1252.
//   - CRS: the crs option, else the .prj (see package crs); coordinates are
//     reprojected to WGS84. With neither, coordinates must be
//     longitude/latitude, else Open (bbox) or the row fails.
//   - Missing .shx: the .shp is read in sequence. Missing .dbf: geometry
//     only, no columns, with a note. Corrupt files (bad header, a record
//     past the end, .shx offsets that disagree with the .shp, a truncated
//     .dbf, record counts that differ) give a *rows.Error, never a panic;
//     bytes after the last record are ignored with a note.
//
// Writing (Create) produces .shp .shx .dbf, a WGS84 .prj (or WithPRJ) and a
// UTF-8 .cpg. Field names are cut to DBF's 10 bytes by TruncateNames; when
// any name changed, <base>.fieldnames.csv lists short,full pairs. Values
// longer than a field (254 bytes at most) are cut and reported by
// Warnings. WriteZip bundles sets into one .zip.
package shapefile
