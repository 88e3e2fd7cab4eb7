package sandbox

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver
)

// Persistence is write-behind: the state lives in memory and every write
// marks what it touched dirty; a flusher writes the dirty records to
// SQLite in one transaction every flushInterval, and Close flushes the
// rest. A clean shutdown loses nothing; a crash (kill -9, power loss) may
// lose the writes of the last flushInterval. The database is opened in
// exclusive locking mode so two sandboxes cannot share one file.
const flushInterval = 100 * time.Millisecond

// dkey names a dirty record: a job (kind 0) or a node, connection (with
// its sections), photo (with its elements and anchors) or trace.
type dkey struct {
	job  string
	kind kind
	id   string
}

type store struct {
	db    *sql.DB
	stopc chan struct{}
	done  chan struct{}

	mu  sync.Mutex // serialises flushes
	err error      // first flush error, reported by Close
}

const schema = `
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
	job  TEXT NOT NULL,
	kind INTEGER NOT NULL,
	id   TEXT NOT NULL,
	body BLOB NOT NULL,
	PRIMARY KEY (job, kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (k TEXT PRIMARY KEY, v BLOB NOT NULL);
`

func openStore(path string) (*store, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(2000)&_pragma=locking_mode(EXCLUSIVE)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sandbox: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	// A write takes the exclusive lock now, so a second sandbox on the same
	// file fails here rather than later.
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sandbox: open %s (is another sandbox using it?): %w", path, err)
	}
	return &store{db: db, stopc: make(chan struct{}), done: make(chan struct{})}, nil
}

func (st *store) close() { st.db.Close() }

func (st *store) startFlusher(s *Server) {
	go func() {
		defer close(st.done)
		t := time.NewTicker(flushInterval)
		defer t.Stop()
		for {
			select {
			case <-st.stopc:
				return
			case <-t.C:
				st.flush(s)
			}
		}
	}()
}

// stop ends the flusher, flushes what is left and closes the database.
func (st *store) stop(s *Server) error {
	close(st.stopc)
	<-st.done
	st.flush(s)
	err := st.db.Close()
	st.mu.Lock()
	defer st.mu.Unlock()
	return errors.Join(st.err, err)
}

// markDirty queues a record for the next flush. The caller holds s.mu.
func (s *Server) markDirty(jobID string, k kind, id string) {
	if s.store == nil {
		return
	}
	s.dirty[dkey{jobID, k, id}] = struct{}{}
}

// Record shapes in the database.
type (
	jobRec struct {
		Data    flat  `json:"data"`
		Updated int64 `json:"updated"`
	}
	pointRec struct {
		Lat      float64         `json:"lat"`
		Lon      float64         `json:"lon"`
		Attrs    json.RawMessage `json:"attrs,omitempty"`
		Photos   json.RawMessage `json:"photos,omitempty"`
		Extra    json.RawMessage `json:"extra,omitempty"`
		Updated  int64           `json:"updated,omitempty"`
		Midpoint bool            `json:"midpoint,omitempty"`
	}
	connRec struct {
		N1          string              `json:"n1"`
		N2          string              `json:"n2"`
		Attrs       json.RawMessage     `json:"attrs,omitempty"`
		Extra       json.RawMessage     `json:"extra,omitempty"`
		Breakpoints [][2]float64        `json:"bp,omitempty"`
		Sections    map[string]pointRec `json:"sections,omitempty"`
	}
	photoRec struct {
		Rec      flat            `json:"rec"`
		Elements map[string]flat `json:"elements,omitempty"`
		Anchors  map[string]flat `json:"anchors,omitempty"`
	}
)

func toPointRec(p *point) pointRec {
	return pointRec{p.lat, p.lon, p.attrs, p.photos, p.extra, p.updated, p.midpoint}
}

func fromPointRec(id string, r pointRec) *point {
	return &point{id: id, lat: r.Lat, lon: r.Lon, attrs: nilIfEmpty(r.Attrs), photos: nilIfEmpty(r.Photos),
		extra: nilIfEmpty(r.Extra), updated: r.Updated, midpoint: r.Midpoint}
}

func nilIfEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || isNull(raw) {
		return nil
	}
	return raw
}

// pending is one record of a flush: its key and its snapshot (nil when
// deleted). Snapshots of copy-on-write values are the values themselves.
type pending struct {
	k dkey
	v any
}

func (st *store) flush(s *Server) {
	st.mu.Lock()
	defer st.mu.Unlock()
	s.mu.Lock()
	batch := make([]pending, 0, len(s.dirty))
	for k := range s.dirty {
		p := pending{k: k}
		if j := s.jobs[k.job]; j != nil {
			switch k.kind {
			case 0:
				p.v = jobRec{Data: cloneFlat(j.data), Updated: j.updated}
			case kNode:
				if n := j.nodes[k.id]; n != nil {
					p.v = n
				}
			case kConn:
				if c := j.conns[k.id]; c != nil {
					p.v = c
				}
			case kPhoto:
				if ph := j.photos[k.id]; ph != nil {
					p.v = ph
				}
			case kTrace:
				if t := j.traces[k.id]; t != nil {
					p.v = t
				}
			}
		}
		batch = append(batch, p)
	}
	s.dirty = map[dkey]struct{}{}
	s.mu.Unlock()

	bucket, _ := json.Marshal(s.limits.state())
	if err := st.write(batch, bucket); err != nil {
		// Keep the records dirty so the next flush tries again.
		s.mu.Lock()
		for _, p := range batch {
			if _, ok := s.dirty[p.k]; !ok {
				s.dirty[p.k] = struct{}{}
			}
		}
		s.mu.Unlock()
		if st.err == nil {
			st.err = fmt.Errorf("sandbox: saving state: %w", err)
		}
	}
}

func encodeRecord(v any) ([]byte, error) {
	switch x := v.(type) {
	case *point:
		return json.Marshal(toPointRec(x))
	case *conn:
		r := connRec{N1: x.n1, N2: x.n2, Attrs: x.attrs, Extra: x.extra, Breakpoints: x.breakpoints}
		if len(x.sections) > 0 {
			r.Sections = make(map[string]pointRec, len(x.sections))
			for id, sec := range x.sections {
				r.Sections[id] = toPointRec(sec)
			}
		}
		return json.Marshal(r)
	case *photo:
		return json.Marshal(photoRec{x.rec, x.elements, x.anchors})
	default:
		return json.Marshal(x)
	}
}

func (st *store) write(batch []pending, bucket []byte) error {
	tx, err := st.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	putEnt, err := tx.Prepare(`INSERT OR REPLACE INTO entities (job, kind, id, body) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	delEnt, err := tx.Prepare(`DELETE FROM entities WHERE job = ? AND kind = ? AND id = ?`)
	if err != nil {
		return err
	}
	for _, p := range batch {
		if p.k.kind == 0 {
			if p.v == nil {
				if _, err := tx.Exec(`DELETE FROM jobs WHERE id = ?`, p.k.id); err != nil {
					return err
				}
				continue
			}
			b, err := json.Marshal(p.v)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT OR REPLACE INTO jobs (id, body) VALUES (?, ?)`, p.k.id, b); err != nil {
				return err
			}
			continue
		}
		if p.v == nil {
			if _, err := delEnt.Exec(p.k.job, int(p.k.kind), p.k.id); err != nil {
				return err
			}
			continue
		}
		b, err := encodeRecord(p.v)
		if err != nil {
			return err
		}
		if _, err := putEnt.Exec(p.k.job, int(p.k.kind), p.k.id, b); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(`INSERT OR REPLACE INTO settings (k, v) VALUES ('bucket', ?)`, bucket); err != nil {
		return err
	}
	return tx.Commit()
}

// loadFromStore reads the saved state into memory.
func (s *Server) loadFromStore() error {
	db := s.store.db
	rows, err := db.Query(`SELECT id, body FROM jobs`)
	if err != nil {
		return fmt.Errorf("sandbox: reading jobs: %w", err)
	}
	for rows.Next() {
		var id string
		var b []byte
		var r jobRec
		if err := rows.Scan(&id, &b); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal(b, &r); err != nil {
			rows.Close()
			return fmt.Errorf("sandbox: job %s in the database is corrupt: %w", id, err)
		}
		j := newJob(id)
		if r.Data != nil {
			j.data = r.Data
		}
		j.updated = r.Updated
		s.jobs[id] = j
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = db.Query(`SELECT job, kind, id, body FROM entities`)
	if err != nil {
		return fmt.Errorf("sandbox: reading entities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var jobID, id string
		var k int
		var b []byte
		if err := rows.Scan(&jobID, &k, &id, &b); err != nil {
			return err
		}
		j := s.jobs[jobID]
		if j == nil {
			continue // an orphan of a job that is gone
		}
		if err := j.restore(kind(k), id, b); err != nil {
			return fmt.Errorf("sandbox: %s %s of job %s in the database is corrupt: %w", kindNames[kind(k)], id, jobID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}

	var bucket []byte
	switch err := db.QueryRow(`SELECT v FROM settings WHERE k = 'bucket'`).Scan(&bucket); {
	case err == nil:
		var b bucketState
		if json.Unmarshal(bucket, &b) == nil {
			s.limits.restore(b)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return nil
}

// restore puts one saved record back into the job.
func (j *job) restore(k kind, id string, b []byte) error {
	switch k {
	case kNode:
		var r pointRec
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		j.nodes[id] = fromPointRec(id, r)
		j.index[id] = ref{kind: kNode}
	case kConn:
		var r connRec
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		c := &conn{id: id, n1: r.N1, n2: r.N2, attrs: nilIfEmpty(r.Attrs), extra: nilIfEmpty(r.Extra),
			breakpoints: r.Breakpoints, sections: make(map[string]*point, len(r.Sections))}
		for sid, sr := range r.Sections {
			c.sections[sid] = fromPointRec(sid, sr)
			j.index[sid] = ref{kind: kSection, parent: id}
		}
		j.conns[id] = c
		j.index[id] = ref{kind: kConn}
	case kPhoto:
		var r photoRec
		if err := json.Unmarshal(b, &r); err != nil {
			return err
		}
		p := &photo{id: id, rec: r.Rec, elements: r.Elements, anchors: r.Anchors}
		if p.rec == nil {
			p.rec = flat{}
		}
		if p.elements == nil {
			p.elements = map[string]flat{}
		}
		if p.anchors == nil {
			p.anchors = map[string]flat{}
		}
		for eid := range p.elements {
			j.index[eid] = ref{kind: kElement, parent: id}
		}
		for aid := range p.anchors {
			j.index[aid] = ref{kind: kAnchor, parent: id}
		}
		j.photos[id] = p
		j.index[id] = ref{kind: kPhoto}
	case kTrace:
		var t flat
		if err := json.Unmarshal(b, &t); err != nil {
			return err
		}
		j.traces[id] = t
		j.index[id] = ref{kind: kTrace}
	default:
		return fmt.Errorf("unknown record kind %d", k)
	}
	return nil
}
