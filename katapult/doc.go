// Package katapult is a typed Go client for the Katapult Pro REST API v3.
//
// The wire types in types.go are shared by kpbulk's importer and exporter.
// The client, its typed errors and its pacing are described in client.go.
package katapult
