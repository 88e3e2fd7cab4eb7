package sandbox

import (
	"encoding/json"
	"slices"
)

// Photo elements, calibration anchors and traces: flat records whose
// attributes sit at the root beside their own fields.

var (
	elementFields = []string{"id", "element_type", "pixel_selection", "manual_height", "parent_id", "trace_id"}
	traceFields   = []string{"id", "_trace_type", "items"}
)

// mergeAttributes puts a flat attribute patch at the record's root,
// refusing names that would overwrite the record's own fields.
func mergeAttributes(rec flat, patch flat, reserved []string) *apiError {
	for k := range patch {
		if slices.Contains(reserved, k) {
			return errField("attributes: " + quoteShort(k) + " is a field of the record, not an attribute")
		}
	}
	applyFlat(rec, patch)
	return nil
}

func pixelSelection(b body) (json.RawMessage, *apiError) {
	ps, ok, e := b.object("pixel_selection")
	if e != nil || !ok {
		return nil, e
	}
	for _, k := range []string{"percentX", "percentY"} {
		var v float64
		if raw, ok := ps[k]; !ok || json.Unmarshal(raw, &v) != nil {
			return nil, errField("pixel_selection." + k + " must be a number")
		}
	}
	return b["pixel_selection"], nil
}

func photoItemLocked(c *call) (*job, *photo, *apiError) {
	j, e := c.s.jobLocked(c.arg(0))
	if e != nil {
		return nil, nil, e
	}
	p, e := photoLocked(j, c.arg(1))
	return j, p, e
}

func listFlat(items map[string]flat) []rawJSON {
	out := make([]rawJSON, 0, len(items))
	for _, id := range sortedKeys(items) {
		out = append(out, appendFlat(nil, id, items[id]))
	}
	return out
}

// Elements.

func hListElements(c *call) (any, *apiError) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	_, p, e := photoItemLocked(c)
	if e != nil {
		return nil, e
	}
	return listFlat(p.elements), nil
}

func hGetElement(c *call) (any, *apiError) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	_, p, e := photoItemLocked(c)
	if e != nil {
		return nil, e
	}
	el := p.elements[c.arg(2)]
	if el == nil {
		return nil, errNotFound("Photo element " + quoteShort(c.arg(2)) + " not found")
	}
	return rawJSON(appendFlat(nil, c.arg(2), el)), nil
}

func hCreateElement(c *call) (any, *apiError) { return writeElement(c, true) }
func hUpsertElement(c *call) (any, *apiError) { return writeElement(c, false) }

func writeElement(c *call, create bool) (any, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	etype, hasType, e := b.str("element_type")
	if e != nil {
		return nil, e
	}
	ps, e := pixelSelection(b)
	if e != nil {
		return nil, e
	}
	mh, hasMH, e := b.str("manual_height")
	if e != nil {
		return nil, e
	}
	parent, hasParent, e := b.str("parent_id")
	if e != nil {
		return nil, e
	}
	trace, hasTrace, e := b.str("trace_id")
	if e != nil {
		return nil, e
	}
	attrs, e := b.flatPatch("attributes")
	if e != nil {
		return nil, e
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	j, p, e := photoItemLocked(c)
	if e != nil {
		return nil, e
	}
	var id string
	var cur flat
	if create {
		id = c.s.ids.next(c.now)
	} else {
		id = c.arg(2)
		cur = p.elements[id]
	}
	if cur == nil {
		if !create && c.onlyIfExists() {
			return nil, errNotFound("Photo element " + quoteShort(id) + " not found")
		}
		if !create {
			if e := checkNewID(j, id); e != nil {
				return nil, e
			}
		}
		if !hasType {
			return nil, errMissing("element_type")
		}
	} else if hasType && string(cur["element_type"]) != string(appendString(nil, etype)) {
		return nil, errField("element_type can only be set when the element is created")
	}
	rec := cloneFlat(cur)
	if cur == nil {
		rec["element_type"] = appendString(nil, etype)
	}
	if hasParent {
		if parent == id || p.elements[parent] == nil {
			return nil, errField("parent_id: element " + quoteShort(parent) + " does not exist on this photo")
		}
		rec["parent_id"] = appendString(nil, parent)
	} else if raw, ok := b["parent_id"]; ok && isNull(raw) {
		delete(rec, "parent_id")
	}
	if hasTrace {
		if j.traces[trace] == nil {
			return nil, errField("trace_id: trace " + quoteShort(trace) + " does not exist in this job")
		}
		rec["trace_id"] = appendString(nil, trace)
	}
	if ps != nil {
		if _, nested := rec["parent_id"]; nested {
			return nil, errRequest("pixel_selection may only be set on top-level (un-nested) elements")
		}
		rec["pixel_selection"] = ps
	}
	if hasMH {
		rec["manual_height"] = appendString(nil, mh)
	}
	if e := mergeAttributes(rec, attrs, elementFields); e != nil {
		return nil, e
	}
	np := p.clone()
	np.elements[id] = rec
	j.photos[p.id] = np
	j.index[id] = ref{kind: kElement, parent: p.id}
	c.s.touch(j, c.now, kPhoto, p.id)
	return rawJSON(appendFlat(nil, id, rec)), nil
}

func hDeleteElement(c *call) (any, *apiError) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	j, p, e := photoItemLocked(c)
	if e != nil {
		return nil, e
	}
	id := c.arg(2)
	if p.elements[id] == nil {
		return nil, errNotFound("Photo element " + quoteShort(id) + " not found")
	}
	np := p.clone()
	delete(np.elements, id)
	// Children of a deleted element are de-nested, not deleted.
	pid := appendString(nil, id)
	for cid, el := range np.elements {
		if string(el["parent_id"]) == string(pid) {
			ne := cloneFlat(el)
			delete(ne, "parent_id")
			np.elements[cid] = ne
		}
	}
	j.photos[p.id] = np
	delete(j.index, id)
	c.s.touch(j, c.now, kPhoto, p.id)
	return idData{id}, nil
}

// Calibration anchors.

func hListAnchors(c *call) (any, *apiError) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	_, p, e := photoItemLocked(c)
	if e != nil {
		return nil, e
	}
	return listFlat(p.anchors), nil
}

func hGetAnchor(c *call) (any, *apiError) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	_, p, e := photoItemLocked(c)
	if e != nil {
		return nil, e
	}
	a := p.anchors[c.arg(2)]
	if a == nil {
		return nil, errNotFound("Calibration anchor " + quoteShort(c.arg(2)) + " not found")
	}
	return rawJSON(appendFlat(nil, c.arg(2), a)), nil
}

func hCreateAnchor(c *call) (any, *apiError) { return writeAnchor(c, true) }
func hUpsertAnchor(c *call) (any, *apiError) { return writeAnchor(c, false) }

func writeAnchor(c *call, create bool) (any, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	ps, e := pixelSelection(b)
	if e != nil {
		return nil, e
	}
	h, hasH, e := b.float("height")
	if e != nil {
		return nil, e
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	j, p, e := photoItemLocked(c)
	if e != nil {
		return nil, e
	}
	var id string
	var cur flat
	if create {
		id = c.s.ids.next(c.now)
	} else {
		id = c.arg(2)
		cur = p.anchors[id]
	}
	if cur == nil {
		if !create && c.onlyIfExists() {
			return nil, errNotFound("Calibration anchor " + quoteShort(id) + " not found")
		}
		if !create {
			if e := checkNewID(j, id); e != nil {
				return nil, e
			}
		}
		if ps == nil {
			return nil, errMissing("pixel_selection")
		}
		if !hasH {
			return nil, errMissing("height")
		}
	}
	rec := cloneFlat(cur)
	if ps != nil {
		rec["pixel_selection"] = ps
	}
	if hasH {
		rec["height"] = appendFloat(nil, h)
	}
	np := p.clone()
	np.anchors[id] = rec
	delete(np.rec, "stick_align") // changing anchors un-calibrates the photo
	j.photos[p.id] = np
	j.index[id] = ref{kind: kAnchor, parent: p.id}
	c.s.touch(j, c.now, kPhoto, p.id)
	return rawJSON(appendFlat(nil, id, rec)), nil
}

func hDeleteAnchor(c *call) (any, *apiError) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	j, p, e := photoItemLocked(c)
	if e != nil {
		return nil, e
	}
	id := c.arg(2)
	if p.anchors[id] == nil {
		return nil, errNotFound("Calibration anchor " + quoteShort(id) + " not found")
	}
	np := p.clone()
	delete(np.anchors, id)
	delete(np.rec, "stick_align")
	j.photos[p.id] = np
	delete(j.index, id)
	c.s.touch(j, c.now, kPhoto, p.id)
	return idData{id}, nil
}

// Traces.

func hListTraces(c *call) (any, *apiError) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	j, e := c.s.jobLocked(c.arg(0))
	if e != nil {
		return nil, e
	}
	return listFlat(j.traces), nil
}

func hGetTrace(c *call) (any, *apiError) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	j, e := c.s.jobLocked(c.arg(0))
	if e != nil {
		return nil, e
	}
	t := j.traces[c.arg(1)]
	if t == nil {
		return nil, errNotFound("Trace " + quoteShort(c.arg(1)) + " not found")
	}
	return rawJSON(appendFlat(nil, c.arg(1), t)), nil
}

func hCreateTrace(c *call) (any, *apiError) { return writeTrace(c, true) }
func hUpsertTrace(c *call) (any, *apiError) { return writeTrace(c, false) }

func writeTrace(c *call, create bool) (any, *apiError) {
	b, e := readBody(c)
	if e != nil {
		return nil, e
	}
	tt, hasType, e := b.str("trace_type")
	if e != nil {
		return nil, e
	}
	attrs, e := b.flatPatch("attributes")
	if e != nil {
		return nil, e
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	j, e := c.s.jobLocked(c.arg(0))
	if e != nil {
		return nil, e
	}
	var id string
	var cur flat
	if create {
		id = c.s.ids.next(c.now)
	} else {
		id = c.arg(1)
		cur = j.traces[id]
	}
	if cur == nil {
		if !create && c.onlyIfExists() {
			return nil, errNotFound("Trace " + quoteShort(id) + " not found")
		}
		if !create {
			if e := checkNewID(j, id); e != nil {
				return nil, e
			}
		}
		if !hasType {
			return nil, errMissing("trace_type")
		}
	}
	rec := cloneFlat(cur)
	if hasType {
		rec["_trace_type"] = appendString(nil, tt)
	}
	if e := mergeAttributes(rec, attrs, traceFields); e != nil {
		return nil, e
	}
	j.traces[id] = rec
	j.index[id] = ref{kind: kTrace}
	c.s.touch(j, c.now, kTrace, id)
	return rawJSON(appendFlat(nil, id, rec)), nil
}

func hDeleteTrace(c *call) (any, *apiError) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	j, e := c.s.jobLocked(c.arg(0))
	if e != nil {
		return nil, e
	}
	id := c.arg(1)
	if j.traces[id] == nil {
		return nil, errNotFound("Trace " + quoteShort(id) + " not found")
	}
	delete(j.traces, id)
	delete(j.index, id)
	// Elements on the trace leave it.
	tid := appendString(nil, id)
	for pid, p := range j.photos {
		var np *photo
		for eid, el := range p.elements {
			if string(el["trace_id"]) == string(tid) {
				if np == nil {
					np = p.clone()
				}
				ne := cloneFlat(el)
				delete(ne, "trace_id")
				np.elements[eid] = ne
			}
		}
		if np != nil {
			j.photos[pid] = np
			c.s.markDirty(j.id, kPhoto, pid)
		}
	}
	c.s.touch(j, c.now, kTrace, id)
	return idData{id}, nil
}
