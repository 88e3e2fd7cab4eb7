package state

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func testOps() []Op {
	return []Op{
		{Phase: 0, Set: "poles", Kind: "node", Action: "create", EntityID: "n1", Body: []byte(`{"latitude":1}`), File: "s.xlsx", Sheet: "Poles", Row: 2},
		{Phase: 0, Set: "poles", Kind: "node", Action: "update", EntityID: "n2", Body: []byte(`{}`), File: "s.xlsx", Sheet: "Poles", Row: 3},
		{Phase: 1, Set: "spans", Kind: "connection", Action: "create", EntityID: "c1", File: "s.xlsx", Sheet: "Spans", Row: 2},
	}
}

func TestCreateRecordReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "job-ns.db")
	meta := Meta{JobID: "J1", Namespace: "ns", Mapping: "m.yaml", Fingerprint: "fp", CreatedAt: time.Unix(1700000000, 0), Tokens: 30, Gets: 2, Prune: true}
	f, err := Create(path, meta, []SetCount{{Name: "poles", Kind: "node", Creates: 1, Updates: 1}, {Name: "spans", Kind: "connection", Creates: 1, Unchanged: 4}}, slices.Values(testOps()))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Record(1, Done, 200, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.Record(3, Failed, 400, "invalid_field: node_id_1"); err != nil {
		t.Fatal(err)
	}
	if err := f.Record(99, Done, 200, ""); err == nil {
		t.Error("Record of a missing op succeeded")
	}
	if err := f.Record(2, "bogus", 0, ""); err == nil {
		t.Error("Record with a bad status succeeded")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	f, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := f.Meta()
	if err != nil {
		t.Fatal(err)
	}
	if got.JobID != "J1" || got.Namespace != "ns" || got.Fingerprint != "fp" || got.Tokens != 30 || got.Gets != 2 || !got.Prune || !got.CreatedAt.Equal(meta.CreatedAt) {
		t.Errorf("Meta = %+v, want %+v", got, meta)
	}
	un, err := f.Unfinished()
	if err != nil {
		t.Fatal(err)
	}
	if len(un) != 2 || un[0].Seq != 2 || un[1].Seq != 3 {
		t.Fatalf("Unfinished = %+v, want seqs 2, 3", un)
	}
	if un[1].Status != Failed || un[1].HTTPStatus != 400 || un[1].Message != "invalid_field: node_id_1" || un[1].Sheet != "Spans" || un[1].Row != 2 {
		t.Errorf("failed op = %+v", un[1])
	}
	if string(un[0].Body) != "{}" || un[0].File != "s.xlsx" {
		t.Errorf("op 2 = %+v", un[0])
	}
	prog, err := f.Progress()
	if err != nil {
		t.Fatal(err)
	}
	want := []Progress{{Set: "poles", Kind: "node", Pending: 1, Done: 1}, {Set: "spans", Kind: "connection", Failed: 1}}
	if len(prog) != 2 || prog[0] != want[0] || prog[1] != want[1] {
		t.Errorf("Progress = %+v, want %+v", prog, want)
	}
	sets, err := f.Sets()
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 || sets[1].Unchanged != 4 || sets[0].Updates != 1 {
		t.Errorf("Sets = %+v", sets)
	}
}

func TestCreateReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	f, err := Create(path, Meta{JobID: "old"}, nil, slices.Values(testOps()))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	f, err = Create(path, Meta{JobID: "new"}, nil, slices.Values(testOps()[:1]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, _ := f.Meta()
	ops, _ := f.Ops("")
	if m.JobID != "new" || len(ops) != 1 {
		t.Errorf("after replace: job %q, %d ops; want new, 1", m.JobID, len(ops))
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temp file left behind: %v", err)
	}
}

func TestOpenRejects(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("Open of a missing file succeeded")
	}
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE x (y)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(other); err == nil || !strings.Contains(err.Error(), "not a kpbulk state file") {
		t.Errorf("Open of a foreign db: %v", err)
	}

	path := filepath.Join(dir, "v.db")
	f, err := Create(path, Meta{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE meta SET value = '99' WHERE key = 'format_version'`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "format version 99") {
		t.Errorf("Open of a future version: %v", err)
	}
}

func TestRuns(t *testing.T) {
	f, err := Create(filepath.Join(t.TempDir(), "s.db"), Meta{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	id, err := f.StartRun("apply")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.FinishRun(id, []byte(`{"created":1}`)); err != nil {
		t.Fatal(err)
	}
	runs, err := f.Runs()
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Command != "apply" || runs[0].Summary != `{"created":1}` || runs[0].Finished == "" {
		t.Errorf("Runs = %+v", runs)
	}
}
