package initrd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ConfigVar is one `export KEY="VALUE"` line of Heads' /etc/config.
type ConfigVar struct{ Key, Value string }

// ErrBadConfig marks malformed board configuration lines.
var ErrBadConfig = errors.New("malformed export line; expected 'export CONFIG_NAME=value'")

// maxConfigErrors bounds the malformed lines one error reports.
const maxConfigErrors = 3

// ParseBoardConfig extracts the variables a Heads board configuration
// (Make syntax) exports to /etc/config, in file order: only lines of the
// form
//
//	export CONFIG_NAME <op> value
//
// where <op> is =, := or ?=, optionally surrounded by blanks. The value is
// the rest of the line with surrounding whitespace trimmed, then one
// trailing and then one leading `"` removed if present (as Heads' old
// shell did with ${v%\"} and ${v#\"}). Other lines are ignored, except
// that a line whose first word is `export` but does not have that form is
// an error: "name:line: malformed export line; expected ...: text", up to
// three such lines in one error (wrapping ErrBadConfig).
func ParseBoardConfig(name string, data []byte) ([]ConfigVar, error) {
	var vars []ConfigVar
	var bad []string
	for i, line := range bytes.Split(data, []byte("\n")) {
		v, isExport, ok := parseExportLine(string(line))
		switch {
		case ok:
			vars = append(vars, v)
		case isExport:
			if len(bad) < maxConfigErrors {
				bad = append(bad, fmt.Sprintf("%s:%d: %s: %s", name, i+1, ErrBadConfig, line))
			}
		}
	}
	if len(bad) > 0 {
		return nil, &configError{bad}
	}
	return vars, nil
}

type configError struct{ lines []string }

func (e *configError) Error() string { return strings.Join(e.lines, "\n") }
func (e *configError) Unwrap() error { return ErrBadConfig }

// isConfigSpace is [[:space:]] in the C locale.
func isConfigSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// parseExportLine reports whether line's first word is export (isExport)
// and, if it is a well-formed CONFIG_ export, the variable (ok).
func parseExportLine(line string) (v ConfigVar, isExport, ok bool) {
	i := 0
	for i < len(line) && isConfigSpace(line[i]) {
		i++
	}
	if !strings.HasPrefix(line[i:], "export") {
		return v, false, false
	}
	i += len("export")
	if i < len(line) && !isConfigSpace(line[i]) {
		return v, false, false // e.g. "exporter = x"
	}
	j := i
	for j < len(line) && isConfigSpace(line[j]) {
		j++
	}
	if j == i || !strings.HasPrefix(line[j:], "CONFIG_") {
		return v, true, false
	}
	k := j + len("CONFIG_")
	for k < len(line) && isNameByte(line[k]) {
		k++
	}
	if k == j+len("CONFIG_") {
		return v, true, false
	}
	key := line[j:k]
	for k < len(line) && isConfigSpace(line[k]) {
		k++
	}
	if k < len(line) && (line[k] == ':' || line[k] == '?') {
		k++
	}
	if k >= len(line) || line[k] != '=' {
		return v, true, false
	}
	val := line[k+1:]
	for val != "" && isConfigSpace(val[0]) {
		val = val[1:]
	}
	for val != "" && isConfigSpace(val[len(val)-1]) {
		val = val[:len(val)-1]
	}
	val = strings.TrimSuffix(val, `"`)
	val = strings.TrimPrefix(val, `"`)
	return ConfigVar{key, val}, true, true
}

// EtcConfig renders vars as Heads' /etc/config: one `export KEY="VALUE"`
// line each, in order, with no quoting or escaping (as Heads' printf).
func EtcConfig(vars []ConfigVar) []byte {
	var b bytes.Buffer
	for _, v := range vars {
		fmt.Fprintf(&b, "export %s=\"%s\"\n", v.Key, v.Value)
	}
	return b.Bytes()
}
