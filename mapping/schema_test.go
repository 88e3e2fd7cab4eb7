package mapping

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(Schema, &s); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	return s
}

// TestSchemaKeysMatchParser walks every object of the schema and checks its
// properties are exactly the keys the parser accepts there, and that every
// parser key list is covered.
func TestSchemaKeysMatchParser(t *testing.T) {
	s := loadSchema(t)
	defs := s["definitions"].(map[string]any)
	parserKeys := map[string][]string{
		"#":             topKeys,
		"job":           jobKeys,
		"nodeSet":       setKeys[Node],
		"connectionSet": setKeys[Connection],
		"sectionSet":    setKeys[Section],
		"valueObject":   valueKeys,
		"fieldsObject":  {"fields"},
		"match":         matchKeys,
		"ref":           refKeys,
		"endpoints":     endpointKeys,
	}
	objects := map[string]map[string]any{"#": s}
	for name, d := range defs {
		if dm := d.(map[string]any); dm["properties"] != nil {
			objects[name] = dm
		}
	}
	for name, obj := range objects {
		want, ok := parserKeys[name]
		if !ok {
			t.Errorf("schema object %q has no parser counterpart", name)
			continue
		}
		if obj["additionalProperties"] != false {
			t.Errorf("schema object %q allows unknown keys; the parser does not", name)
		}
		got := sortedKeys(obj["properties"].(map[string]any))
		w := slices.Clone(want)
		sort.Strings(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s: schema keys %v, parser keys %v", name, got, w)
		}
	}
	for name := range parserKeys {
		if objects[name] == nil {
			t.Errorf("parser object %q is missing from the schema", name)
		}
	}
	// An attribute in the object form takes the value keys or fields.
	union := append(slices.Clone(valueKeys), "fields")
	sort.Strings(union)
	ak := slices.Clone(attributeKeys)
	sort.Strings(ak)
	if !slices.Equal(union, ak) {
		t.Errorf("attribute keys %v, schema valueObject+fieldsObject %v", ak, union)
	}
	// Enumerations agree with the parser's constants.
	vo := defs["valueObject"].(map[string]any)["properties"].(map[string]any)
	enum := func(k string) string { return fmt.Sprint(vo[k].(map[string]any)["enum"]) }
	if got := enum("type"); got != fmt.Sprint([]any{string(String), string(Number), string(Integer), string(Boolean)}) {
		t.Errorf("type enum %s", got)
	}
	if got := enum("unit"); got != fmt.Sprint([]any{string(Feet), string(Metres), string(Inches), string(FeetInches)}) {
		t.Errorf("unit enum %s", got)
	}
	if got := enum("empty"); got != fmt.Sprint([]any{string(EmptySkip), string(EmptyWrite)}) {
		t.Errorf("empty enum %s", got)
	}
}

// TestSchemaValidatesMappings checks mappings against the schema with a small
// validator of the keywords schema.json uses: the PRODUCT.md example passes,
// and mistakes the parser rejects are rejected by the schema too.
func TestSchemaValidatesMappings(t *testing.T) {
	s := loadSchema(t)
	check := func(doc string) error {
		var v any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		return validate(s, s, v, "")
	}
	if err := check(productExample(t)); err != nil {
		t.Errorf("PRODUCT.md example: %v", err)
	}
	if err := check(minimal + "    attributes:\n      bb: {fields: {a: \"{A}\", b: {value: \"{B}\", type: integer}}}\n      n: 3\n      t: {value: \"{T}\", unit: ft-in, default: \"0\"}\n"); err != nil {
		t.Errorf("fields mapping: %v", err)
	}
	for _, bad := range []string{
		strings.Replace(minimal, "key:", "kye:", 1),
		strings.Replace(minimal, "version: 1", "version: 2", 1),
		strings.Replace(minimal, "namespace: t", "", 1),
		minimal + "    attributes:\n      h: {value: \"{H}\", unit: yd}\n",
		minimal + "    attributes:\n      h: {value: \"{H}\", typ: number}\n",
		minimal + "    attributes:\n      h: [1]\n",
		minimal + "connections:\n  - name: f\n    source: f.geojson\n    key: \"{A}\"\n    endpoints: {set: poles}\n",
		strings.Replace(minimal, "p.csv", "p.dbf", 1),
	} {
		if err := check(bad); err == nil {
			t.Errorf("schema accepts:\n%s", bad)
		}
		if _, err := Parse("m.yaml", []byte(bad)); err == nil {
			t.Errorf("parser accepts what the schema rejects:\n%s", bad)
		}
	}
}

// validate implements the draft-07 keywords schema.json uses.
func validate(root, sch map[string]any, v any, at string) error {
	if ref, ok := sch["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/definitions/")
		return validate(root, root["definitions"].(map[string]any)[name].(map[string]any), v, at)
	}
	if c, ok := sch["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		return fmt.Errorf("%s: %v is not %v", at, v, c)
	}
	if e, ok := sch["enum"].([]any); ok && !slices.ContainsFunc(e, func(x any) bool { return x == v }) {
		return fmt.Errorf("%s: %v not in %v", at, v, e)
	}
	if one, ok := sch["oneOf"].([]any); ok {
		n := 0
		for _, o := range one {
			if validate(root, o.(map[string]any), v, at) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: %d of oneOf match", at, n)
		}
	}
	if ty, ok := sch["type"]; ok {
		types := []any{ty}
		if l, ok := ty.([]any); ok {
			types = l
		}
		if !slices.ContainsFunc(types, func(x any) bool { return typeOf(v, x.(string)) }) {
			return fmt.Errorf("%s: %T is not %v", at, v, ty)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := sch["properties"].(map[string]any)
		for _, r := range asSlice(sch["required"]) {
			if _, ok := x[r.(string)]; !ok {
				return fmt.Errorf("%s: missing %s", at, r)
			}
		}
		if n, ok := sch["minProperties"].(float64); ok && len(x) < int(n) {
			return fmt.Errorf("%s: too few properties", at)
		}
		for k, val := range x {
			if p, ok := props[k]; ok {
				if err := validate(root, p.(map[string]any), val, at+"/"+k); err != nil {
					return err
				}
				continue
			}
			switch ap := sch["additionalProperties"].(type) {
			case bool:
				if !ap {
					return fmt.Errorf("%s: unknown key %s", at, k)
				}
			case map[string]any:
				if err := validate(root, ap, val, at+"/"+k); err != nil {
					return err
				}
			}
		}
	case []any:
		if items, ok := sch["items"].(map[string]any); ok {
			for i, it := range x {
				if err := validate(root, items, it, fmt.Sprintf("%s/%d", at, i)); err != nil {
					return err
				}
			}
		}
	case string:
		if p, ok := sch["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			return fmt.Errorf("%s: %q does not match %s", at, x, p)
		}
		if n, ok := sch["minLength"].(float64); ok && len(x) < int(n) {
			return fmt.Errorf("%s: too short", at)
		}
	}
	if n, ok := sch["exclusiveMinimum"].(float64); ok && toFloat(v) <= n {
		return fmt.Errorf("%s: %v <= %v", at, v, n)
	}
	return nil
}

func asSlice(x any) []any { s, _ := x.([]any); return s }

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func typeOf(v any, ty string) bool {
	switch ty {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		_, ok := v.(int)
		return ok
	case "number":
		switch v.(type) {
		case int, float64:
			return true
		}
	}
	return false
}
