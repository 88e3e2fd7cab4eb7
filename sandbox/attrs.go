package sandbox

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// attrPatch is the attribute part of a node, connection or section write:
// remove_attributes, then attributes, then add_attributes.
type attrPatch struct {
	remove []string
	set    map[string]json.RawMessage // name → null or {instance: value|null}
	add    map[string]json.RawMessage
}

func (p *attrPatch) empty() bool { return len(p.remove) == 0 && p.set == nil && len(p.add) == 0 }

// parseAttrPatch validates the three attribute fields of a body.
func parseAttrPatch(b body) (*attrPatch, *apiError) {
	p := &attrPatch{}
	if b.has("remove_attributes") {
		if err := json.Unmarshal(b["remove_attributes"], &p.remove); err != nil {
			return nil, errField("remove_attributes must be a list of attribute names")
		}
	}
	set, _, e := b.object("attributes")
	if e != nil {
		return nil, errField("attributes must be an entity attribute list (an object of attribute name to {instance id: value})")
	}
	for name, raw := range set {
		if name == "" {
			return nil, errField("attributes must not have an empty attribute name")
		}
		if isNull(raw) {
			continue
		}
		var inst map[string]json.RawMessage
		if err := json.Unmarshal(raw, &inst); err != nil || inst == nil {
			return nil, errField("attributes." + name + " must be an object of instance id to value, or null")
		}
		for id := range inst {
			if !validInstanceID(id) {
				return nil, errField("attributes." + name + ": invalid instance id " + quoteShort(id) + " (use a-z, A-Z, 0-9, '-' and '_')")
			}
		}
	}
	p.set = set
	add, _, e := b.object("add_attributes")
	if e != nil {
		return nil, errField("add_attributes must be a flat map of attribute name to value")
	}
	for name := range add {
		if name == "" {
			return nil, errField("add_attributes must not have an empty attribute name")
		}
	}
	p.add = add
	return p, nil
}

// apply returns cur (an encoded entity attribute list, or nil) with the
// patch applied, encoded. An attribute left without instances disappears.
func (p *attrPatch) apply(cur json.RawMessage, ids *idGen, now time.Time) json.RawMessage {
	if p.empty() {
		return cur
	}
	attrs := decodeAttrs(cur)
	for _, name := range p.remove {
		delete(attrs, name)
	}
	for name, raw := range p.set {
		if isNull(raw) {
			delete(attrs, name)
			continue
		}
		var inst map[string]json.RawMessage
		_ = json.Unmarshal(raw, &inst) // validated by parseAttrPatch
		m := attrs[name]
		if m == nil {
			m = map[string]json.RawMessage{}
			attrs[name] = m
		}
		for id, v := range inst {
			if isNull(v) {
				delete(m, id)
			} else {
				m[id] = v
			}
		}
		if len(m) == 0 {
			delete(attrs, name)
		}
	}
	// In name order, so a seeded sandbox hands out the same instance ids
	// to the same attributes on every run.
	for _, name := range slices.Sorted(maps.Keys(p.add)) {
		v := p.add[name]
		if isNull(v) {
			continue
		}
		m := attrs[name]
		if m == nil {
			m = map[string]json.RawMessage{}
			attrs[name] = m
		}
		m[ids.next(now)] = v
	}
	return encodeAttrs(attrs)
}

func decodeAttrs(raw json.RawMessage) map[string]map[string]json.RawMessage {
	attrs := map[string]map[string]json.RawMessage{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &attrs)
	}
	return attrs
}

// encodeAttrs encodes with sorted keys (encoding/json sorts map keys), so
// equal lists encode equally; an empty list is nil.
func encodeAttrs(attrs map[string]map[string]json.RawMessage) json.RawMessage {
	for name, m := range attrs {
		if len(m) == 0 {
			delete(attrs, name)
		}
	}
	if len(attrs) == 0 {
		return nil
	}
	b, _ := json.Marshal(attrs)
	return b
}
