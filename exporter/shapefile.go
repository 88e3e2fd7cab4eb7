package exporter

import "errors"

// errNoShapefile stands until the shapefile writer (formats/shapefile) lands.
var errNoShapefile = errors.New("shapefile export is not available yet")

func writeShapefile(path string, l *Layer) error { return errNoShapefile }

func writeShapefileZip(path string, layers []*Layer) error { return errNoShapefile }
