package mapping

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
)

// The id scheme (PRODUCT.md section 3). It is a compatibility promise:
// changing anything here orphans every entity imported before, so the
// golden tests in ids_test.go pin it.
//
//	fingerprint = "k" + b32(sha256("kpbulk/v1/ns\x00" + namespace))[:7] + "_"
//	entity id   = fingerprint + kind letter (n, c, s)
//	              + b32(sha256("kpbulk/v1/entity\x00" + ns \x00 kind \x00 set \x00 key))[:24]
//	instance id = fingerprint + "i"
//	              + b32(sha256("kpbulk/v1/instance\x00" + ns \x00 entity id \x00 attr \x00 index))[:24]
//
// b32 is RFC 4648 base32 in lower case without padding, so ids are
// 34 characters of [a-z2-7_], within the API's [A-Za-z0-9_-]{20,256}. 120
// bits of hash make collisions within a job practically impossible.

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

const (
	fingerprintLen = 1 + 7 + 1
	idLen          = fingerprintLen + 1 + 24
)

// hash24 appends the first 24 base32 characters (15 bytes) of
// sha256(parts joined by NUL) to dst.
func hash24(dst []byte, parts ...string) []byte {
	var stack [512]byte
	buf := stack[:0]
	for i, p := range parts {
		if i > 0 {
			buf = append(buf, 0)
		}
		buf = append(buf, p...)
	}
	sum := sha256.Sum256(buf)
	var enc [24]byte
	b32.Encode(enc[:], sum[:15])
	return append(dst, enc[:]...)
}

// Fingerprint is the prefix every id of the namespace begins with.
func Fingerprint(namespace string) string {
	var b [1 + 24]byte
	h := hash24(append(b[:0], 'k'), "kpbulk/v1/ns", namespace)
	return string(append(h[:8], '_'))
}

func kindLetter(k Kind) string {
	switch k {
	case Node:
		return "n"
	case Connection:
		return "c"
	case Section:
		return "s"
	}
	return "x"
}

// EntityID is the deterministic id of the entity with natural key key in set
// of the given kind.
func EntityID(namespace string, kind Kind, set, key string) string {
	return entityID(Fingerprint(namespace), namespace, kind, set, key)
}

// entityID is EntityID with the fingerprint computed once per build.
func entityID(fingerprint, namespace string, kind Kind, set, key string) string {
	var b [idLen]byte
	id := append(append(b[:0], fingerprint...), kindLetter(kind)...)
	return string(hash24(id, "kpbulk/v1/entity", namespace, string(kind), set, key))
}

// InstanceID is the deterministic id of instance index (0-based) of
// attribute attr on the entity entityID.
func InstanceID(namespace, entityID, attr string, index int) string {
	var b [idLen]byte
	id := append(append(b[:0], Fingerprint(namespace)...), 'i')
	return string(hash24(id, "kpbulk/v1/instance", namespace, entityID, attr, strconv.Itoa(index)))
}

// Owns reports whether id was made by kpbulk for namespace (an entity or an
// attribute instance id).
func Owns(namespace, id string) bool {
	return len(id) == idLen && strings.HasPrefix(id, Fingerprint(namespace))
}

// ValidID reports whether id satisfies the API's id rules: 20 to 256 of
// [A-Za-z0-9_-].
func ValidID(id string) bool {
	if len(id) < 20 || len(id) > 256 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
