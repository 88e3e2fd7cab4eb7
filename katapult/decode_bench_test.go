package katapult_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/katapult"
)

// BenchmarkDecodeNodes measures decoding a node list like ListNodes
// receives (10,000 nodes with a dozen attributes each).
func BenchmarkDecodeNodes(b *testing.B) {
	data := nodeListJSON(10000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		var nodes []katapult.Node
		if err := json.Unmarshal(data, &nodes); err != nil {
			b.Fatal(err)
		}
		if len(nodes) != 10000 {
			b.Fatal(len(nodes))
		}
	}
}

// BenchmarkDecodeNodesGeneric is the baseline: the same list into
// []map[string]any with encoding/json.
func BenchmarkDecodeNodesGeneric(b *testing.B) {
	data := nodeListJSON(10000)
	b.SetBytes(int64(len(data)))
	for range b.N {
		var nodes []map[string]any
		if err := json.Unmarshal(data, &nodes); err != nil {
			b.Fatal(err)
		}
	}
}

func nodeListJSON(n int) []byte {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range n {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":"node-%08d-xxxxxxxxxx","latitude":%f,"longitude":"%f","last_updated":"2026-01-01T00:00:00Z","_created":{"uid":"u","timestamp":1},"attributes":{`, i, 29+float64(i)/1e5, -98-float64(i)/1e5)
		for a := range 12 {
			if a > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `"attr_%d":{"-Oinstance%d":"value %d"}`, a, a, i)
		}
		sb.WriteString(`},"photos":{"p1":{"association":true}}}`)
	}
	sb.WriteString("]")
	return []byte(sb.String())
}
