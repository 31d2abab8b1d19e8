package llm

import (
	"encoding/json"
	"strconv"
)

// scanner walks one JSON document in place, pulling out only the fields a
// format needs and skipping the rest without decoding it: no allocation, no
// reflection. Strings come back raw (the bytes between the quotes, escapes
// not undone); unquote undoes them when a caller keeps one. Any syntax
// error sets bad and makes every later call return a zero value, so a
// malformed event ends its scan without a panic or a loop.
type scanner struct {
	s   string
	i   int
	bad bool
}

func (p *scanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *scanner) peek() byte {
	p.ws()
	if p.bad || p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

// open consumes c ('{' or '['); false (without an error) when the value is
// something else, which is then skipped.
func (p *scanner) open(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	p.skip()
	return false
}

// key moves to the next member of an object opened with open('{'): it
// returns the member's raw key with the cursor on its value, or false at the
// closing brace (consumed). first is true for the first call on the object.
func (p *scanner) key(first bool) (string, bool) {
	c := p.peek()
	if c == '}' {
		p.i++
		return "", false
	}
	if !first {
		if c != ',' {
			p.bad = true
			return "", false
		}
		p.i++
		p.ws()
	}
	k, ok := p.rawString()
	if !ok || p.peek() != ':' {
		p.bad = true
		return "", false
	}
	p.i++
	return k, true
}

// members calls fn with each member's raw key of the object value at the
// cursor, the cursor on the member's value; fn must consume that value (read
// it or skip it). Any other value is skipped. fn does not escape, so the
// closure costs no allocation.
func (p *scanner) members(fn func(key string)) {
	if !p.open('{') {
		return
	}
	for first := true; ; first = false {
		k, ok := p.key(first)
		if !ok {
			return
		}
		fn(k)
	}
}

// elem moves to the next element of an array opened with open('['); false
// at the closing bracket (consumed).
func (p *scanner) elem(first bool) bool {
	c := p.peek()
	if c == ']' {
		p.i++
		return false
	}
	if c == 0 {
		p.bad = true
		return false
	}
	if !first {
		if c != ',' {
			p.bad = true
			return false
		}
		p.i++
	}
	return true
}

// rawString consumes a string and returns its raw content.
func (p *scanner) rawString() (string, bool) {
	if p.peek() != '"' {
		return "", false
	}
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		switch p.s[j] {
		case '\\':
			j++
		case '"':
			p.i = j + 1
			return p.s[start:j], true
		}
	}
	p.bad = true
	return "", false
}

// str returns a string value raw; any other value (null included) is
// skipped and gives "", false.
func (p *scanner) str() (string, bool) {
	if p.peek() == '"' {
		return p.rawString()
	}
	p.skip()
	return "", false
}

// int returns a number value as an integer (fractions cut); any other
// value is skipped and gives 0, false.
func (p *scanner) int() (int64, bool) {
	c := p.peek()
	if c != '-' && (c < '0' || c > '9') {
		p.skip()
		return 0, false
	}
	start := p.i
	p.skipScalar()
	tok := p.s[start:p.i]
	if n, err := strconv.ParseInt(tok, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(tok, 64)
	if err != nil {
		p.bad = true
		return 0, false
	}
	return int64(f), true
}

// intInto stores a number value in *dst; any other value is skipped and
// leaves *dst alone.
func (p *scanner) intInto(dst *int64) {
	if n, ok := p.int(); ok {
		*dst = n
	}
}

// skipScalar consumes a number, true, false or null.
func (p *scanner) skipScalar() {
	start := p.i
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if p.i == start {
				p.bad = true
			}
			return
		case '"', '{', '[', ':':
			p.bad = true
			return
		}
		p.i++
	}
	if p.i == start {
		p.bad = true
	}
}

// skip consumes one value of any kind.
func (p *scanner) skip() {
	switch p.peek() {
	case 0:
		p.bad = true
	case '"':
		p.rawString()
	case '{', '[':
		depth := 0
		for p.i < len(p.s) {
			switch p.s[p.i] {
			case '"':
				if _, ok := p.rawString(); !ok {
					return
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					p.i++
					return
				}
			}
			p.i++
		}
		p.bad = true
	default:
		p.skipScalar()
	}
}

// unquote undoes JSON escapes in a raw string (allocates only when there is one).
func unquote(raw string) string {
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' {
			var s string
			if json.Unmarshal([]byte(`"`+raw+`"`), &s) == nil {
				return s
			}
			return raw
		}
	}
	return raw
}
