package mapping

import (
	"strings"
	"testing"
)

// The id function is a compatibility promise (PRODUCT.md section 3): these
// values were computed once and written here by hand; if this test fails,
// every entity imported before the change would be orphaned. Cases 1 and 6
// were also recomputed with Python's hashlib/base64 from the scheme in
// ids.go's comment.
func TestIDsGolden(t *testing.T) {
	cases := []struct{ got, want string }{
		{Fingerprint("acme-make-ready-2026"), "kr74noc2_"},
		{EntityID("acme-make-ready-2026", Node, "poles", "P-1"), "kr74noc2_nd2ahbqdpjj2wj2pqzguuts5m"},
		{EntityID("acme-make-ready-2026", Connection, "spans", "P-1->P-2"), "kr74noc2_c4ah26vd2b33aakxixu5jj4ep"},
		{EntityID("acme-make-ready-2026", Section, "midspans", "P-1->P-2#1"), "kr74noc2_slhd5ofjrsqtops5q7xenf6ub"},
		{EntityID("ns", Node, "poles", ""), "ko56ambs_n76nomn4h7xx32taypxubh5z4"},
		{InstanceID("acme-make-ready-2026", EntityID("acme-make-ready-2026", Node, "poles", "P-1"), "pole_tag", 0), "kr74noc2_ijix4ftqjo574nqlrurbqvmki"},
		{InstanceID("acme-make-ready-2026", EntityID("acme-make-ready-2026", Node, "poles", "P-1"), "pole_tag", 1), "kr74noc2_inu7vmqc4j725rorni554qgpz"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: got %q, want %q", i, c.got, c.want)
		}
	}
}

func TestIDsRules(t *testing.T) {
	ns := "acme"
	seen := map[string]bool{}
	for _, k := range []Kind{Node, Connection, Section} {
		for _, key := range []string{"", "P-1", "P-1->P-2", "ü ñ 東京", strings.Repeat("x", 5000)} {
			id := EntityID(ns, k, "set", key)
			if !ValidID(id) {
				t.Errorf("EntityID(%q) = %q breaks the API's id rules", key, id)
			}
			if !Owns(ns, id) || Owns("acme2", id) {
				t.Errorf("Owns wrong for %q", id)
			}
			if seen[id] {
				t.Errorf("collision: %q", id)
			}
			seen[id] = true
			inst := InstanceID(ns, id, "note", 0)
			if !ValidID(inst) || !Owns(ns, inst) || inst == id {
				t.Errorf("InstanceID = %q", inst)
			}
		}
	}
	// Ids separate their inputs: moving text between set and key changes the id.
	if EntityID(ns, Node, "ab", "c") == EntityID(ns, Node, "a", "bc") {
		t.Error("set/key boundary is ambiguous")
	}
	if EntityID(ns, Node, "poles", "1") == EntityID(ns, Section, "poles", "1") {
		t.Error("kind does not change the id")
	}
	if Owns(ns, "-NxAbCdEfGhIjKlMnOpQ") || Owns(ns, Fingerprint(ns)) {
		t.Error("Owns accepts a foreign or partial id")
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"abcdefghij0123456789":     true,
		"abcdefghij012345678":      false, // 19
		strings.Repeat("a", 256):   true,
		strings.Repeat("a", 257):   false,
		"abcdefghij012345678.":     false,
		"-Nabcdefghij_123456789-x": true,
	} {
		if ValidID(id) != want {
			t.Errorf("ValidID(%q) = %v", id, !want)
		}
	}
}
