// Package exporter writes a Katapult job out as files: GeoPackage, GeoJSON,
// Shapefile, KML, XLSX and CSV (PRODUCT.md section 6).
//
// Data flows one way: Fetch reads the job with two streamed list calls
// (nodes; connections with their sections), converting each element to the
// Job's compact form as it arrives (attributes as one sorted slice per
// entity, repeated names and values shared), then either Build lays it out
// the way Katapult's own "Node Attributes" export does (layers nodes,
// connections, sections) or Reverse runs a mapping backwards into the
// files, sheets and columns the mapping reads; Write and WriteFile hand the
// layers to one writer per format.
//
//	job, err := exporter.Fetch(ctx, client, jobID, time.Time{})
//	warnings, err := exporter.Write("job.gpkg", exporter.GPKG, exporter.Build(job, exporter.BuildOptions{}))
//
// Layer is the format-neutral model between the two halves: typed columns,
// a geometry kind and a lazy sequence of features generated from the job's
// lists, so a writer holds one feature (plus its own encoder state) on top
// of the job.
package exporter
