#!/bin/sh
# Regenerates ogr_*.txt with GDAL's ogr2ogr (Debian gdal-bin 3.6): the first
# and last vertex of every record reprojected to WGS84, one line per record:
# NUM FIRST_LON FIRST_LAT LAST_LON LAST_LAT.
set -eu
rd=../../../../shared/realdata/shapefile_projected
dump() {
	ogr2ogr -f GeoJSON -t_srs EPSG:4326 -lco COORDINATE_PRECISION=11 /vsistdout/ "$1" | python3 -c '
import json, sys
for i, f in enumerate(json.load(sys.stdin)["features"], 1):
    g = f["geometry"]; c = g["coordinates"]
    pts = [c] if g["type"] == "Point" else c if g["type"] == "LineString" else [p for part in c for p in part]
    print(i, *pts[0][:2], *pts[-1][:2])'
}
{ echo "# ogr2ogr -f GeoJSON -t_srs EPSG:4326 -lco COORDINATE_PRECISION=11 stateplane.shp"; dump $rd/stateplane.shp; } >ogr_stateplane.txt
{ echo "# ogr2ogr -f GeoJSON -t_srs EPSG:4326 -lco COORDINATE_PRECISION=11 /vsizip/train_stations.zip"; dump /vsizip/$rd/train_stations.zip; } >ogr_train_stations.txt
