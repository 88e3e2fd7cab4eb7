package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/kpbulk/kpbulk/katapult"
)

// Fingerprint digests the live job's content (ids, coordinates, node ends,
// attributes, sections, photos; not timestamps), so apply can tell whether
// the job changed since the plan was made.
func Fingerprint(live Live) string {
	type node struct {
		ID         string
		Lat, Lon   float64
		Attributes katapult.Attributes
		Photos     map[string]any
	}
	type conn struct {
		ID, N1, N2  string
		Attributes  katapult.Attributes
		Breakpoints [][2]float64
		Sections    map[string]katapult.Section
	}
	nodes := make([]node, len(live.Nodes))
	for i, n := range live.Nodes {
		nodes[i] = node{n.ID, n.Latitude, n.Longitude, n.Attributes, n.Photos}
	}
	slices.SortFunc(nodes, func(a, b node) int { return strings.Compare(a.ID, b.ID) })
	conns := make([]conn, len(live.Connections))
	for i, c := range live.Connections {
		conns[i] = conn{c.ID, c.NodeID1, c.NodeID2, c.Attributes, c.Breakpoints, c.Sections}
	}
	slices.SortFunc(conns, func(a, b conn) int { return strings.Compare(a.ID, b.ID) })
	h := sha256.New()
	enc := json.NewEncoder(h) // maps encode with sorted keys: deterministic
	_ = enc.Encode(nodes)
	_ = enc.Encode(conns)
	return hex.EncodeToString(h.Sum(nil))
}
