package state

import (
	"path/filepath"
	"slices"
	"testing"
)

// BenchmarkRecord measures recording one outcome (one WAL transaction).
func BenchmarkRecord(b *testing.B) {
	ops := make([]Op, b.N)
	f, err := Create(filepath.Join(b.TempDir(), "s.db"), Meta{}, nil, slices.Values(ops))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ResetTimer()
	for i := range b.N {
		if err := f.Record(int64(i+1), Done, 200, ""); err != nil {
			b.Fatal(err)
		}
	}
}
