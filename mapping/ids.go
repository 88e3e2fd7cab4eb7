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

func hash32(parts ...string) string {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	return b32.EncodeToString(h.Sum(nil))
}

// Fingerprint is the prefix every id of the namespace begins with.
func Fingerprint(namespace string) string {
	return "k" + hash32("kpbulk/v1/ns", namespace)[:7] + "_"
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
	return Fingerprint(namespace) + kindLetter(kind) +
		hash32("kpbulk/v1/entity", namespace, string(kind), set, key)[:24]
}

// InstanceID is the deterministic id of instance index (0-based) of
// attribute attr on the entity entityID.
func InstanceID(namespace, entityID, attr string, index int) string {
	return Fingerprint(namespace) + "i" +
		hash32("kpbulk/v1/instance", namespace, entityID, attr, strconv.Itoa(index))[:24]
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
