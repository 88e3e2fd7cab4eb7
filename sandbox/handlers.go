package sandbox

// What the route handlers share: taking the lock, finding what the URL
// names, and the rules for a write to a caller-chosen id.

// viewJob runs f on the job the URL names, holding s.mu for reading.
// What f returns outlives the lock, so it must be encoded already or be
// copy-on-write (nodes, connections, photos).
func viewJob[T any](c *call, f func(j *job) (T, *apiError)) (T, *apiError) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	return inJob(c, f)
}

// updateJob runs f on the job the URL names, holding s.mu for writing.
func updateJob[T any](c *call, f func(j *job) (T, *apiError)) (T, *apiError) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return inJob(c, f)
}

func inJob[T any](c *call, f func(j *job) (T, *apiError)) (T, *apiError) {
	j, e := c.s.jobLocked(c.arg(0))
	if e != nil {
		var none T
		return none, e
	}
	return f(j)
}

// inPhoto narrows f to the photo the URL names after the job.
func inPhoto(c *call, f func(j *job, p *photo) (any, *apiError)) func(*job) (any, *apiError) {
	return inChild(c, "Photo", func(j *job) map[string]*photo { return j.photos }, f)
}

// inConn narrows f to the connection the URL names after the job.
func inConn(c *call, f func(j *job, cn *conn) (any, *apiError)) func(*job) (any, *apiError) {
	return inChild(c, "Connection", func(j *job) map[string]*conn { return j.conns }, f)
}

func inChild[V comparable](c *call, what string, items func(*job) map[string]V, f func(*job, V) (any, *apiError)) func(*job) (any, *apiError) {
	return func(j *job) (any, *apiError) {
		v, e := find(items(j), what, c.arg(1))
		if e != nil {
			return nil, e
		}
		return f(j, v)
	}
}

// connSnapshot finds the connection the URL names. Connections are
// copy-on-write, so it stays valid after the lock is released.
func connSnapshot(c *call) (*conn, *apiError) {
	return viewJob(c, func(j *job) (*conn, *apiError) { return find(j.conns, "Connection", c.arg(1)) })
}

// errNoSuch is the 404 for a resource the URL names that does not exist
// (decision 3).
func errNoSuch(what, id string) *apiError {
	return errNotFound(what + " " + quoteShort(id) + " not found")
}

// find looks up a resource the URL names; a miss is errNoSuch.
func find[V comparable](items map[string]V, what, id string) (V, *apiError) {
	v := items[id]
	var none V
	if v == none {
		return none, errNoSuch(what, id)
	}
	return v, nil
}

// findFlat is find for flat records, which as maps cannot be compared.
func findFlat(items map[string]flat, what, id string) (flat, *apiError) {
	if rec := items[id]; rec != nil {
		return rec, nil
	}
	return nil, errNoSuch(what, id)
}

// vetNew checks a write to a caller-chosen id (POST .../{id}) whose lookup
// missed with gone (nil: the record exists, nothing to check). Such a
// write creates the record, so onlyIfExists answers gone, the id must be
// free in the job (decision 5) and it must not lack the plain create's
// required fields (missing, decision 4).
func (c *call) vetNew(j *job, id string, gone, missing *apiError) *apiError {
	if gone == nil {
		return nil
	}
	if c.onlyIfExists() {
		return gone
	}
	if e := checkNewID(j, id); e != nil {
		return e
	}
	return missing
}

// required is a create's error for lacking field, nil when it has it.
// cmp.Or of several gives the first field missing.
func required(field string, has bool) *apiError {
	if has {
		return nil
	}
	return errMissing(field)
}

// checkNewID checks that id may name a new resource in j.
func checkNewID(j *job, id string) *apiError {
	if !validID(id) {
		return errID(id)
	}
	if r, taken := j.index[id]; taken {
		return &apiError{400, "invalid_id", "Id " + quoteShort(id) + " is already used by a " + kindNames[r.kind] + " in this job"}
	}
	return nil
}
