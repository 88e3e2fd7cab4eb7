package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The sandbox's one user and company.
const (
	sandboxUser    = "sandbox-user-0000000000"
	sandboxCompany = "sandbox-company"
)

func hWelcome(*call) (any, *apiError) { return welcome("Welcome to the Katapult Pro API V3"), nil }

// jobLocked finds a job. The caller holds s.mu.
func (s *Server) jobLocked(id string) (*job, *apiError) {
	return find(s.jobs, "Job", id)
}

// touch records a write in j at now: the job's last_updated moves, and the
// job and the named resource are queued for the database.
func (s *Server) touch(j *job, now time.Time, k kind, id string) {
	if ms := now.UnixMilli(); ms > j.updated {
		j.updated = ms
	}
	s.markDirty(j.id, 0, j.id)
	if k != 0 {
		s.markDirty(j.id, k, id)
	}
}

// parseTimeParam reads an ISO-8601 query time (RFC 3339 or a bare date).
func parseTimeParam(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// listParams reads last_updated and limit, shared by the job and node
// lists. Zero values mean absent.
func listParams(c *call) (after int64, hasAfter bool, limit int, e *apiError) {
	if v := c.q.Get("last_updated"); v != "" || c.q.Has("last_updated") {
		t, ok := parseTimeParam(v)
		if !ok {
			return 0, false, 0, errRequest("last_updated must be an ISO-8601 date/time, got " + quoteShort(v))
		}
		// Records keep milliseconds, so "strictly after t" is "> t's
		// millisecond" even when t has finer precision.
		after, hasAfter = t.UnixMilli(), true
	}
	if c.q.Has("limit") {
		v := c.q.Get("limit")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, false, 0, errRequest("limit must be a positive integer, got " + quoteShort(v))
		}
		limit = n
	}
	return after, hasAfter, limit, nil
}

// byNewest is the job and node lists' order: most recently updated first,
// ties by id.
func byNewest(aUpdated int64, aID string, bUpdated int64, bID string) int {
	if c := cmp.Compare(bUpdated, aUpdated); c != 0 {
		return c
	}
	return strings.Compare(aID, bID)
}

func (j *job) str(field string) string {
	var v string
	_ = json.Unmarshal(j.data[field], &v)
	return v
}

func (j *job) status() string {
	if s := j.str("status"); s != "" {
		return s
	}
	return "active"
}

func (j *job) flatField(field string) flat {
	m := flat{}
	if raw, ok := j.data[field]; ok {
		_ = json.Unmarshal(raw, &m)
	}
	return m
}

// jobEntry is a job list entry.
func (j *job) entry(light bool) rawJSON {
	b := []byte(`{"id":`)
	b = appendString(b, j.id)
	if raw, ok := j.data["name"]; ok {
		b = append(b, `,"name":`...)
		b = append(b, raw...)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, j.status())
	if !light {
		b = append(b, `,"metadata":`...)
		if raw, ok := j.data["metadata"]; ok {
			b = append(b, raw...)
		} else {
			b = append(b, "{}"...)
		}
	}
	if j.updated > 0 {
		b = append(b, `,"last_updated":`...)
		b = appendString(b, isoTime(j.updated))
	}
	return append(b, '}')
}

func hListJobs(c *call) (any, *apiError) {
	after, hasAfter, limit, e := listParams(c)
	if e != nil {
		return nil, e
	}
	light := c.q.Get("list") == "true"
	archived := c.q.Get("includeArchived") == "true"
	var filters [][2]string
	if f := c.q.Get("metadataFilter"); f != "" && !light {
		for _, part := range strings.Split(f, ",") {
			k, v, ok := strings.Cut(part, ":")
			if !ok || k == "" {
				return nil, errField("metadataFilter must be attribute:value pairs separated by commas, got " + quoteShort(f))
			}
			filters = append(filters, [2]string{k, v})
		}
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	var js []*job
	for _, j := range c.s.jobs {
		if !archived && j.status() == "archived" || hasAfter && j.updated <= after {
			continue
		}
		if !matchMetadata(j.flatField("metadata"), filters) {
			continue
		}
		js = append(js, j)
	}
	slices.SortFunc(js, func(a, b *job) int { return byNewest(a.updated, a.id, b.updated, b.id) })
	if limit > 0 && len(js) > limit {
		js = js[:limit]
	}
	out := make([]rawJSON, len(js))
	for i, j := range js {
		out[i] = j.entry(light)
	}
	return out, nil
}

// matchMetadata compares metadata values as text: strings as they are,
// other JSON values in their JSON form.
func matchMetadata(md flat, filters [][2]string) bool {
	for _, f := range filters {
		raw, ok := md[f[0]]
		if !ok {
			return false
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw)
		}
		if s != f[1] {
			return false
		}
	}
	return true
}

// jobPaths are the data paths GET /jobs/{id} may return.
var jobPaths = []string{"name", "job_creator", "job_owner", "project_folder", "project_id", "status", "done", "map_styles", "metadata", "sharing"}

// jobData encodes the job's id and the requested paths (all of them when
// paths is nil).
func (j *job) jobData(paths []string) rawJSON {
	if paths == nil {
		paths = jobPaths
	}
	b := []byte(`{"id":`)
	b = appendString(b, j.id)
	for _, p := range paths {
		var raw []byte
		if p == "status" {
			raw = appendString(nil, j.status())
		} else if v, ok := j.data[p]; ok {
			raw = v
		} else {
			continue
		}
		b = append(b, ',')
		b = appendString(b, p)
		b = append(b, ':')
		b = append(b, raw...)
	}
	return append(b, '}')
}

func hGetJob(c *call) (any, *apiError) {
	paths := []string{}
	if v := c.q.Get("paths"); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if !slices.Contains(jobPaths, p) {
				return nil, errField(fmt.Sprintf("paths: %s is not one of %s", quoteShort(p), strings.Join(jobPaths, ", ")))
			}
			paths = append(paths, p)
		}
	}
	return viewJob(c, func(j *job) (any, *apiError) { return j.jobData(paths), nil })
}

// jobWrite validates the fields of a job create or update.
type jobWrite struct {
	set      map[string]json.RawMessage // name, job_creator, map_styles
	metadata flat
	sharing  flat
}

func parseJobWrite(c *call, create bool) (*jobWrite, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	w := &jobWrite{set: map[string]json.RawMessage{}}
	for _, f := range [][2]string{{"name", "name"}, {"model", "job_creator"}, {"map_styles", "map_styles"}} {
		v, ok, e := b.str(f[0])
		if e != nil {
			return nil, e
		}
		if !ok {
			if create && f[0] != "map_styles" {
				return nil, errMissing(f[0])
			}
			continue
		}
		if f[0] == "name" && strings.TrimSpace(v) == "" {
			return nil, errField("name must not be empty")
		}
		w.set[f[1]] = appendString(nil, v)
	}
	if w.metadata, e = b.flatPatch("metadata"); e != nil {
		return nil, e
	}
	if w.sharing, e = b.flatPatch("sharing"); e != nil {
		return nil, e
	}
	for company, raw := range w.sharing {
		var perm string
		if isNull(raw) {
			continue
		}
		if json.Unmarshal(raw, &perm) != nil || perm != "read" && perm != "write" {
			return nil, errField("sharing." + company + " must be \"read\" or \"write\"")
		}
	}
	return w, nil
}

func (w *jobWrite) apply(j *job) {
	for k, v := range w.set {
		j.data[k] = v
	}
	if w.metadata != nil {
		md := j.flatField("metadata")
		applyFlat(md, w.metadata)
		j.data["metadata"], _ = json.Marshal(md)
	}
	sh := j.flatField("sharing")
	applyFlat(sh, w.sharing)
	sh[sandboxCompany] = json.RawMessage(`"write"`) // the owner company is always there
	j.data["sharing"], _ = json.Marshal(sh)
}

func hCreateJob(c *call) (any, *apiError) {
	w, e := parseJobWrite(c, true)
	if e != nil {
		return nil, e
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	j := newJob(c.s.ids.next(c.now))
	j.data["job_owner"] = appendString(nil, sandboxCompany)
	j.data["status"] = appendString(nil, "active")
	j.data["date_created"] = strconv.AppendInt(nil, c.now.UnixMilli(), 10)
	if _, ok := w.set["map_styles"]; !ok {
		j.data["map_styles"] = appendString(nil, "default")
	}
	if w.metadata == nil {
		w.metadata = flat{}
	}
	w.apply(j)
	c.s.jobs[j.id] = j
	c.s.touch(j, c.now, 0, "")
	return j.jobData(nil), nil
}

func hUpdateJob(c *call) (any, *apiError) {
	w, e := parseJobWrite(c, false)
	if e != nil {
		return nil, e
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		w.apply(j)
		c.s.touch(j, c.now, 0, "")
		return j.jobData(nil), nil
	})
}

type jobStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func hGetJobStatus(c *call) (any, *apiError) {
	return viewJob(c, func(j *job) (any, *apiError) { return jobStatus{j.id, j.status()}, nil })
}

func hSetJobStatus(c *call) (any, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	st, ok, e := b.str("status")
	if e != nil {
		return nil, e
	}
	if !ok {
		return nil, errMissing("status")
	}
	if st != "active" && st != "archived" {
		return nil, errField(`status must be "active" or "archived", got ` + quoteShort(st))
	}
	return updateJob(c, func(j *job) (any, *apiError) {
		j.data["status"] = appendString(nil, st)
		c.s.touch(j, c.now, 0, "")
		return jobStatus{j.id, st}, nil
	})
}

// Users: the sandbox has one user, an admin of its one company.

type user struct {
	UID          string         `json:"uid"`
	Email        string         `json:"email"`
	Name         map[string]any `json:"name"`
	LastActive   *int64         `json:"last_active"`
	CreationDate *int64         `json:"creation_date"`
	Metadata     map[string]any `json:"metadata,omitempty"`
}

func theUser() user {
	return user{UID: sandboxUser, Email: "sandbox@example.invalid",
		Name: map[string]any{"first": "Sandbox", "last": "User"}}
}

func hListUsers(*call) (any, *apiError) { return []user{theUser()}, nil }

func hWhoAmI(*call) (any, *apiError) {
	return map[string]any{"uid": sandboxUser, "email": "sandbox@example.invalid",
		"user_group": sandboxCompany, "root_company": sandboxCompany}, nil
}

func hGetUser(c *call) (any, *apiError) {
	if c.arg(0) != sandboxUser {
		return nil, errNotFound("User " + quoteShort(c.arg(0)) + " not found")
	}
	u := theUser()
	u.Metadata = map[string]any{}
	return u, nil
}
