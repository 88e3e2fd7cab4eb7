package katapult_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kpbulk/kpbulk/katapult"
)

func TestTolerantDecoding(t *testing.T) {
	var n katapult.Node
	in := `{"id":"n1","latitude":"29.29","longitude":-98.4,"attributes":{"scid":{"a":"001"},"list":["x",null,"z"],"bare":7},"_created":{"uid":"u"},"last_updated":"2026-01-01T00:00:00Z"}`
	if err := json.Unmarshal([]byte(in), &n); err != nil {
		t.Fatal(err)
	}
	if n.Latitude != 29.29 || n.Longitude != -98.4 {
		t.Errorf("coordinates = %v, %v", n.Latitude, n.Longitude)
	}
	if !reflect.DeepEqual(n.Attributes["list"], map[string]any{"0": "x", "2": "z"}) {
		t.Errorf("Firebase array attribute = %v", n.Attributes["list"])
	}
	if !reflect.DeepEqual(n.Attributes["bare"], map[string]any{"": 7.0}) {
		t.Errorf("bare attribute = %v", n.Attributes["bare"])
	}
	if string(n.Extra["_created"]) != `{"uid":"u"}` || len(n.Extra) != 1 {
		t.Errorf("Extra = %v", n.Extra)
	}
	out, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	json.Unmarshal(out, &back)
	if back["_created"] == nil || back["latitude"] != 29.29 {
		t.Errorf("re-encoded node lost data: %s", out)
	}

	var a katapult.CalibrationAnchor
	if err := json.Unmarshal([]byte(`{"id":"a","height":"16.5","pixel_selection":[{"percentX":49.5,"percentY":"29.0"}],"_routine_instance_id":"r"}`), &a); err != nil {
		t.Fatal(err)
	}
	if a.Height != 16.5 || len(a.PixelSelection) != 1 || a.PixelSelection[0].PercentY != 29 || a.Extra["_routine_instance_id"] == nil {
		t.Errorf("anchor = %+v", a)
	}
	var e katapult.PhotoElement
	if err := json.Unmarshal([]byte(`{"id":"e","pixel_selection":{"percentX":0.1,"percentY":0.2},"manual_height":456}`), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.PixelSelection) != 1 || e.PixelSelection[0].PercentX != 0.1 || e.ManualHeight != "456" {
		t.Errorf("element = %+v", e)
	}
	var m katapult.Meta
	if err := json.Unmarshal([]byte(`{"token_count":"9999999999","last_refill_time":1718450000000}`), &m); err != nil || m.TokenCount != 9999999999 {
		t.Errorf("meta = %+v, %v", m, err)
	}
}

func TestDecodingErrorsNameTheField(t *testing.T) {
	var n katapult.Node
	err := json.Unmarshal([]byte(`{"id":"n1","latitude":"north"}`), &n)
	if err == nil || !strings.Contains(err.Error(), "latitude") || !strings.Contains(err.Error(), "north") {
		t.Errorf("err = %v, want one naming latitude and the value", err)
	}
	var c katapult.Connection
	if err := json.Unmarshal([]byte(`{"id":"c","sections":{"s":{"latitude":{}}}}`), &c); err == nil {
		t.Error("an object latitude in a section decoded without error")
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub))
}

// realJob reads the Katapult job JSON export from the shared realdata.
func realJob(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "realdata", "poles_katapult", "ryantest123_1.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skip("realdata not present: " + p)
	}
	var job map[string]json.RawMessage
	if err := json.Unmarshal(b, &job); err != nil {
		t.Fatal(err)
	}
	return job
}

// TestRealJobRoundTrip decodes every node, connection and section of a
// real Katapult job and checks that encoding them again loses nothing.
func TestRealJobRoundTrip(t *testing.T) {
	job := realJob(t)
	check := func(kind string, raw json.RawMessage, v any) {
		t.Helper()
		var items map[string]json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			t.Fatal(err)
		}
		for id, item := range items {
			ptr := reflect.New(reflect.TypeOf(v)).Interface()
			if err := json.Unmarshal(item, ptr); err != nil {
				t.Fatalf("%s %s: %v", kind, id, err)
			}
			out, err := json.Marshal(reflect.ValueOf(ptr).Elem().Interface())
			if err != nil {
				t.Fatal(err)
			}
			var want, got any
			json.Unmarshal(item, &want)
			json.Unmarshal(out, &got)
			// The export keys items by id and has no id member; decoded
			// items gain one (sections from their map key).
			g := got.(map[string]any)
			delete(g, "id")
			if secs, ok := g["sections"].(map[string]any); ok {
				for _, s := range secs {
					delete(s.(map[string]any), "id")
				}
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("%s %s changed on a round trip:\n in: %.300s\nout: %.300s", kind, id, item, out)
			}
		}
		if len(items) == 0 {
			t.Errorf("no %ss in the real job", kind)
		}
	}
	check("node", job["nodes"], katapult.Node{})
	check("connection", job["connections"], katapult.Connection{})

	// Calibration anchors store height as text and pixel_selection as a list.
	var photos map[string]struct {
		PhotofirstData struct {
			AnchorCalibration map[string]katapult.CalibrationAnchor `json:"anchor_calibration"`
		} `json:"photofirst_data"`
	}
	if err := json.Unmarshal(job["photos"], &photos); err != nil {
		t.Fatal(err)
	}
	anchors := 0
	for _, p := range photos {
		for id, a := range p.PhotofirstData.AnchorCalibration {
			anchors++
			if a.Height <= 0 || len(a.PixelSelection) == 0 {
				t.Errorf("anchor %s = %+v", id, a)
			}
		}
	}
	if anchors == 0 {
		t.Error("no calibration anchors decoded from the real job")
	}
}
