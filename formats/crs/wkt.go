package crs

import (
	"fmt"
	"strconv"
	"strings"
)

// node is one WKT element: KEYWORD[arg, arg, ...]. Arguments are quoted
// strings, numbers or bare words (held in vals as text) and nested nodes.
type node struct {
	key  string
	vals []string // quoted strings and numbers, in order, without the nodes
	kids []*node
}

// maxWKTDepth bounds nesting so hostile input cannot exhaust the stack.
const maxWKTDepth = 32

// parseWKT parses WKT1 text (ESRI or OGC flavour).
func parseWKT(s string) (*node, error) {
	p := &wktParser{s: s}
	p.skipSpace()
	n, err := p.node(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, p.errorf("unexpected text after the end")
	}
	return n, nil
}

type wktParser struct {
	s string
	i int
}

func (p *wktParser) errorf(format string, a ...any) error {
	return fmt.Errorf("WKT: at offset %d: %s", p.i, fmt.Sprintf(format, a...))
}

func (p *wktParser) skipSpace() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *wktParser) word() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c == '.' || c == '-' || c == '+' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *wktParser) node(depth int) (*node, error) {
	if depth > maxWKTDepth {
		return nil, p.errorf("nested too deeply")
	}
	key := p.word()
	if key == "" {
		return nil, p.errorf("expected a keyword")
	}
	p.skipSpace()
	if p.i >= len(p.s) || (p.s[p.i] != '[' && p.s[p.i] != '(') {
		return nil, p.errorf("expected [ after %s", key)
	}
	closer := byte(']')
	if p.s[p.i] == '(' {
		closer = ')'
	}
	p.i++
	n := &node{key: strings.ToUpper(key)}
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unterminated %s", key)
		}
		switch c := p.s[p.i]; {
		case c == '"':
			end := strings.IndexByte(p.s[p.i+1:], '"')
			if end < 0 {
				return nil, p.errorf("unterminated string")
			}
			n.vals = append(n.vals, p.s[p.i+1:p.i+1+end])
			p.i += end + 2
		case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
			n.vals = append(n.vals, p.word())
		default:
			save := p.i
			w := p.word()
			if w == "" {
				return nil, p.errorf("unexpected %q", c)
			}
			p.skipSpace()
			if p.i < len(p.s) && (p.s[p.i] == '[' || p.s[p.i] == '(') {
				p.i = save
				kid, err := p.node(depth + 1)
				if err != nil {
					return nil, err
				}
				n.kids = append(n.kids, kid)
			} else {
				n.vals = append(n.vals, w) // bare word such as AXIS direction NORTH
			}
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unterminated %s", key)
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.s[p.i] == closer {
			p.i++
			return n, nil
		}
		return nil, p.errorf("expected , or %c in %s", closer, key)
	}
}

// kid returns the first child with the given keyword (upper case).
func (n *node) kid(key string) *node {
	for _, k := range n.kids {
		if k.key == key {
			return k
		}
	}
	return nil
}

// name returns the first quoted value, conventionally the element's name.
func (n *node) name() string {
	if n == nil || len(n.vals) == 0 {
		return ""
	}
	return n.vals[0]
}

// num returns the i-th value as a number.
func (n *node) num(i int) (float64, error) {
	if n == nil || i >= len(n.vals) {
		return 0, fmt.Errorf("WKT: %s needs %d values", n.key, i+1)
	}
	v, err := strconv.ParseFloat(n.vals[i], 64)
	if err != nil {
		return 0, fmt.Errorf("WKT: %s: bad number %q", n.key, n.vals[i])
	}
	return v, nil
}

// authority returns "EPSG:NNNN" from an AUTHORITY child, or "".
func (n *node) authority() string {
	a := n.kid("AUTHORITY")
	if a == nil || len(a.vals) < 2 {
		return ""
	}
	return strings.ToUpper(a.vals[0]) + ":" + a.vals[1]
}
