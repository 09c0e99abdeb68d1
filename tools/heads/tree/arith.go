package tree

import (
	"errors"
	"strconv"
	"strings"
)

// arith evaluates the shell arithmetic Heads' Makefile uses to size make
// -j ($(( a / b )), $(( a < b ? a : b )), $(( (a * 3) / 2 ))): integers,
// + - * / %, comparisons, ?: and parentheses.
func arith(expr string) (int64, error) {
	p := &arithParser{s: strings.TrimSpace(expr)}
	v, err := p.ternary()
	if err != nil {
		return 0, err
	}
	if p.skip(); p.i != len(p.s) {
		return 0, errors.New("unexpected " + strconv.Quote(p.s[p.i:]))
	}
	return v, nil
}

type arithParser struct {
	s string
	i int
}

func (p *arithParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *arithParser) eat(op string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], op) {
		p.i += len(op)
		return true
	}
	return false
}

func (p *arithParser) ternary() (int64, error) {
	c, err := p.compare()
	if err != nil || !p.eat("?") {
		return c, err
	}
	a, err := p.ternary()
	if err != nil {
		return 0, err
	}
	if !p.eat(":") {
		return 0, errors.New("missing ':'")
	}
	b, err := p.ternary()
	if err != nil {
		return 0, err
	}
	if c != 0 {
		return a, nil
	}
	return b, nil
}

func (p *arithParser) compare() (int64, error) {
	a, err := p.sum()
	if err != nil {
		return 0, err
	}
	for _, op := range []string{"<=", ">=", "==", "!=", "<", ">"} {
		if p.eat(op) {
			b, err := p.sum()
			if err != nil {
				return 0, err
			}
			r := map[string]bool{"<=": a <= b, ">=": a >= b, "==": a == b, "!=": a != b, "<": a < b, ">": a > b}[op]
			if r {
				return 1, nil
			}
			return 0, nil
		}
	}
	return a, nil
}

func (p *arithParser) sum() (int64, error) {
	a, err := p.product()
	for err == nil {
		switch {
		case p.eat("+"):
			var b int64
			b, err = p.product()
			a += b
		case p.eat("-"):
			var b int64
			b, err = p.product()
			a -= b
		default:
			return a, nil
		}
	}
	return 0, err
}

func (p *arithParser) product() (int64, error) {
	a, err := p.unary()
	for err == nil {
		var op string
		switch {
		case p.eat("*"):
			op = "*"
		case p.eat("/"):
			op = "/"
		case p.eat("%"):
			op = "%"
		default:
			return a, nil
		}
		var b int64
		if b, err = p.unary(); err != nil {
			break
		}
		switch {
		case op == "*":
			a *= b
		case b == 0:
			return 0, errors.New("division by zero")
		case op == "/":
			a /= b
		default:
			a %= b
		}
	}
	return 0, err
}

func (p *arithParser) unary() (int64, error) {
	if p.eat("-") {
		v, err := p.unary()
		return -v, err
	}
	if p.eat("(") {
		v, err := p.ternary()
		if err != nil {
			return 0, err
		}
		if !p.eat(")") {
			return 0, errors.New("missing ')'")
		}
		return v, nil
	}
	p.skip()
	j := p.i
	for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	if j == p.i {
		return 0, errors.New("number expected at " + strconv.Quote(p.s[p.i:]))
	}
	v, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
	p.i = j
	return v, err
}
