// Package state is kpbulk's state file: an SQLite database (pure-Go driver)
// holding one plan and the outcome of each of its operations, so that
// `apply` executes exactly what `plan` showed and `resume` sends only what is
// not confirmed done.
//
// Crash safety follows "record intent, then outcome": the plan is written in
// one transaction into a temporary file that is renamed into place, and each
// outcome is one autocommitted UPDATE in WAL mode, so a `kill -9` at any
// instant leaves either the old or the new row, never a torn file. Operations left pending after a crash are simply sent again: every
// write is an upsert at a deterministic id.
//
// The file holds no API key and no base URL (URLs carry the key). Users may
// open it with sqlite3; the tables are:
//
//	meta(key, value)          format_version, job_id, namespace, mapping, fingerprint, ...
//	sets(name, kind, creates, updates, deletes, unchanged)
//	ops(seq, phase, set_name, kind, action, entity_id, parent_id, body, summary,
//	    source_file, source_sheet, source_row, status, http_status, message, updated_at)
//	runs(id, command, started_at, finished_at, summary)
package state

import (
	"database/sql"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
)

// FormatVersion is the state file schema version; Open refuses other values.
const FormatVersion = 1

// Status is an operation's outcome.
type Status string

const (
	Pending Status = "pending" // not yet confirmed (never sent, or in flight at a crash)
	Done    Status = "done"
	Failed  Status = "failed" // rejected by the API (4xx) or gave up after retries
)

// Op is one API write of a plan.
type Op struct {
	Seq      int64  // execution order within the plan (1-based)
	Phase    int    // dependency phase: ops of a phase run after every op of earlier phases
	Set      string // entity set name from the mapping (or "(prune)")
	Kind     string // node | connection | section | photo
	Action   string // create | update | delete | upload
	EntityID string
	ParentID string // connection id of a section; entity id of a photo's target
	Body     []byte // JSON request body (or the photo's parameters)
	Summary  string // one human-readable line describing the change
	File     string // source location of the row the op came from
	Sheet    string
	Row      int

	Status     Status
	HTTPStatus int
	Message    string
	UpdatedAt  time.Time
}

// Meta describes the plan and what it was computed from.
type Meta struct {
	JobID       string
	JobName     string
	Namespace   string
	Mapping     string // mapping file path
	Fingerprint string // of the live job the plan was diffed against
	CreatedAt   time.Time
	Tokens      int64 // planned write tokens
	Gets        int   // list calls the plan needed
	Prune       bool
}

// SetCount is a per-set line of the plan.
type SetCount struct {
	Name      string
	Kind      string
	Creates   int
	Updates   int
	Deletes   int
	Unchanged int
}

// File is an open state file. Its methods are safe for concurrent use.
type File struct {
	db   *sql.DB
	path string
}

const schema = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sets (
	name TEXT NOT NULL, kind TEXT NOT NULL,
	creates INTEGER NOT NULL, updates INTEGER NOT NULL, deletes INTEGER NOT NULL, unchanged INTEGER NOT NULL,
	PRIMARY KEY (name, kind));
CREATE TABLE ops (
	seq INTEGER PRIMARY KEY,
	phase INTEGER NOT NULL,
	set_name TEXT NOT NULL,
	kind TEXT NOT NULL,
	action TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	parent_id TEXT NOT NULL DEFAULT '',
	body TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '',
	source_file TEXT NOT NULL DEFAULT '',
	source_sheet TEXT NOT NULL DEFAULT '',
	source_row INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','failed')),
	http_status INTEGER NOT NULL DEFAULT 0,
	message TEXT NOT NULL DEFAULT '',
	updated_at TEXT NOT NULL DEFAULT '');
CREATE INDEX ops_status ON ops (status, phase, seq);
CREATE TABLE runs (
	id INTEGER PRIMARY KEY,
	command TEXT NOT NULL,
	started_at TEXT NOT NULL,
	finished_at TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL DEFAULT '');
`

// dsn opens path with the given journal mode. The plan is written with
// synchronous=FULL before it is renamed into place; outcomes are recorded in
// WAL mode with synchronous=NORMAL, which survives any process crash and
// loses at most the last outcomes on power loss — harmless, since an op not
// marked done is only sent again as the same upsert.
func dsn(path, journal, sync string) string {
	return "file:" + filepath.ToSlash(path) +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(" + journal + ")&_pragma=synchronous(" + sync + ")"
}

// Create writes a new state file at path holding the plan (ops in
// execution order; seq numbers follow it), replacing any file there. The plan becomes visible all at once (temp file + rename), so
// an interrupted Create leaves the previous file or nothing.
func Create(path string, meta Meta, sets []SetCount, ops iter.Seq[Op]) (*File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	tmp := path + ".tmp"
	removeDB(tmp)
	if err := write(tmp, meta, sets, ops); err != nil {
		removeDB(tmp)
		return nil, err
	}
	removeDB(path) // stale -wal/-shm of an old file must not be replayed onto the new one
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	return Open(path)
}

func removeDB(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		_ = os.Remove(path + suffix)
	}
}

func write(path string, meta Meta, sets []SetCount, ops iter.Seq[Op]) (err error) {
	db, err := sql.Open("sqlite", dsn(path, "DELETE", "FULL"))
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("state: %w", cerr)
		}
	}()
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	if _, err := tx.Exec(schema); err != nil {
		return fmt.Errorf("state: create schema: %w", err)
	}
	kv := map[string]string{
		"format_version": strconv.Itoa(FormatVersion),
		"job_id":         meta.JobID,
		"job_name":       meta.JobName,
		"namespace":      meta.Namespace,
		"mapping":        meta.Mapping,
		"fingerprint":    meta.Fingerprint,
		"created_at":     meta.CreatedAt.UTC().Format(time.RFC3339Nano),
		"tokens":         strconv.FormatInt(meta.Tokens, 10),
		"gets":           strconv.Itoa(meta.Gets),
		"prune":          strconv.FormatBool(meta.Prune),
	}
	for k, v := range kv {
		if _, err := tx.Exec(`INSERT INTO meta(key, value) VALUES (?, ?)`, k, v); err != nil {
			return fmt.Errorf("state: %w", err)
		}
	}
	for _, s := range sets {
		if _, err := tx.Exec(`INSERT INTO sets VALUES (?, ?, ?, ?, ?, ?)`,
			s.Name, s.Kind, s.Creates, s.Updates, s.Deletes, s.Unchanged); err != nil {
			return fmt.Errorf("state: set %q: %w", s.Name, err)
		}
	}
	stmt, err := tx.Prepare(`INSERT INTO ops (seq, phase, set_name, kind, action, entity_id, parent_id, body, summary,
		source_file, source_sheet, source_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer stmt.Close()
	seq := int64(0)
	if ops != nil {
		for op := range ops {
			seq++
			if _, err := stmt.Exec(seq, op.Phase, op.Set, op.Kind, op.Action, op.EntityID, op.ParentID,
				string(op.Body), op.Summary, op.File, op.Sheet, op.Row); err != nil {
				return fmt.Errorf("state: op %d: %w", seq, err)
			}
		}
	}
	return tx.Commit()
}

// Open opens an existing state file.
func Open(path string) (*File, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(path, "WAL", "NORMAL"))
	if err != nil {
		return nil, fmt.Errorf("state: %s: %w", path, err)
	}
	// One connection serialises writers and keeps pragmas on the one
	// connection that exists.
	db.SetMaxOpenConns(1)
	f := &File{db: db, path: path}
	var v string
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'format_version'`).Scan(&v); err != nil {
		db.Close()
		return nil, fmt.Errorf("state: %s is not a kpbulk state file: %w", path, err)
	}
	if v != strconv.Itoa(FormatVersion) {
		db.Close()
		return nil, fmt.Errorf("state: %s has format version %s, this kpbulk reads %d: run plan again", path, v, FormatVersion)
	}
	return f, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Close closes the file.
func (f *File) Close() error { return f.db.Close() }

// Meta reads the plan's description.
func (f *File) Meta() (Meta, error) {
	rows, err := f.db.Query(`SELECT key, value FROM meta`)
	if err != nil {
		return Meta{}, fmt.Errorf("state: %w", err)
	}
	defer rows.Close()
	var m Meta
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return Meta{}, fmt.Errorf("state: %w", err)
		}
		switch k {
		case "job_id":
			m.JobID = v
		case "job_name":
			m.JobName = v
		case "namespace":
			m.Namespace = v
		case "mapping":
			m.Mapping = v
		case "fingerprint":
			m.Fingerprint = v
		case "created_at":
			m.CreatedAt, _ = time.Parse(time.RFC3339Nano, v)
		case "tokens":
			m.Tokens, _ = strconv.ParseInt(v, 10, 64)
		case "gets":
			m.Gets, _ = strconv.Atoi(v)
		case "prune":
			m.Prune = v == "true"
		}
	}
	return m, rows.Err()
}

// Sets reads the per-set plan counts.
func (f *File) Sets() ([]SetCount, error) {
	rows, err := f.db.Query(`SELECT name, kind, creates, updates, deletes, unchanged FROM sets ORDER BY rowid`)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	defer rows.Close()
	var out []SetCount
	for rows.Next() {
		var s SetCount
		if err := rows.Scan(&s.Name, &s.Kind, &s.Creates, &s.Updates, &s.Deletes, &s.Unchanged); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Unfinished returns the ops not confirmed done (pending and failed), in
// execution order.
func (f *File) Unfinished() ([]Op, error) {
	return f.query(`WHERE status <> 'done' ORDER BY phase, seq`)
}

// Ops returns ops with the given status ("" for all), in execution order.
func (f *File) Ops(status Status) ([]Op, error) {
	if status == "" {
		return f.query(`ORDER BY phase, seq`)
	}
	return f.query(`WHERE status = ? ORDER BY phase, seq`, string(status))
}

func (f *File) query(where string, args ...any) ([]Op, error) {
	rows, err := f.db.Query(`SELECT seq, phase, set_name, kind, action, entity_id, parent_id, body, summary,
		source_file, source_sheet, source_row, status, http_status, message, updated_at FROM ops `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	defer rows.Close()
	var out []Op
	for rows.Next() {
		var op Op
		var body, status, at string
		if err := rows.Scan(&op.Seq, &op.Phase, &op.Set, &op.Kind, &op.Action, &op.EntityID, &op.ParentID, &body,
			&op.Summary, &op.File, &op.Sheet, &op.Row, &status, &op.HTTPStatus, &op.Message, &at); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		op.Body = []byte(body)
		op.Status = Status(status)
		op.UpdatedAt, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, op)
	}
	return out, rows.Err()
}

// Record stores an op's outcome. message must not contain secrets; the
// caller passes API messages, which never echo the key.
func (f *File) Record(seq int64, status Status, httpStatus int, message string) error {
	if status != Pending && status != Done && status != Failed {
		return fmt.Errorf("state: bad status %q", status)
	}
	res, err := f.db.Exec(`UPDATE ops SET status = ?, http_status = ?, message = ?, updated_at = ? WHERE seq = ?`,
		string(status), httpStatus, message, time.Now().UTC().Format(time.RFC3339Nano), seq)
	if err != nil {
		return fmt.Errorf("state: record op %d: %w", seq, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("state: record op %d: no such op", seq)
	}
	return nil
}

// Progress counts ops by set and status.
type Progress struct {
	Set, Kind             string
	Pending, Done, Failed int
}

// Progress summarises the ops per set, in plan order.
func (f *File) Progress() ([]Progress, error) {
	rows, err := f.db.Query(`SELECT set_name, kind,
		SUM(status = 'pending'), SUM(status = 'done'), SUM(status = 'failed'), MIN(seq)
		FROM ops GROUP BY set_name, kind ORDER BY MIN(seq)`)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	defer rows.Close()
	var out []Progress
	for rows.Next() {
		var p Progress
		var first int64
		if err := rows.Scan(&p.Set, &p.Kind, &p.Pending, &p.Done, &p.Failed, &first); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// StartRun records the start of an apply/resume and returns its id.
func (f *File) StartRun(command string) (int64, error) {
	res, err := f.db.Exec(`INSERT INTO runs (command, started_at) VALUES (?, ?)`,
		command, time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return 0, fmt.Errorf("state: %w", err)
	}
	return res.LastInsertId()
}

// FinishRun stores a run's summary (JSON).
func (f *File) FinishRun(id int64, summary []byte) error {
	_, err := f.db.Exec(`UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?`,
		time.Now().UTC().Format(time.RFC3339Nano), string(summary), id)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// Run is one apply/resume recorded in the file.
type Run struct {
	ID                  int64
	Command             string
	StartedAt, Finished string
	Summary             string
}

// Runs lists the recorded runs, oldest first.
func (f *File) Runs() ([]Run, error) {
	rows, err := f.db.Query(`SELECT id, command, started_at, finished_at, summary FROM runs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		if err := rows.Scan(&r.ID, &r.Command, &r.StartedAt, &r.Finished, &r.Summary); err != nil {
			return nil, fmt.Errorf("state: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
