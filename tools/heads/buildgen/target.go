package buildgen

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Target is one generated rule: a kind, a name and attributes whose
// values are string, int, bool, []string or map[string]string. Args are
// positional list arguments (exports_files).
type Target struct {
	Kind     string
	Name     string
	Attrs    map[string]any
	Args     [][]string
	Comments []string // "# ..." lines before the rule
}

// NewTarget returns a target with no attributes.
func NewTarget(kind, name string) *Target {
	return &Target{Kind: kind, Name: name, Attrs: map[string]any{}}
}

// SetAttr sets an attribute.
func (t *Target) SetAttr(k string, v any) { t.Attrs[k] = v }

// Attr returns an attribute (nil if unset).
func (t *Target) Attr(k string) any { return t.Attrs[k] }

// AttrNames returns the attribute names in the order Render writes them:
// name first, then sorted, as buildifier orders them.
func (t *Target) AttrNames() []string {
	var n []string
	for k := range t.Attrs {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Render writes a BUILD file: a load of the kinds used from defs, then
// the targets, formatted as buildifier formats them.
func Render(header []string, defs string, targets []*Target) []byte {
	var b bytes.Buffer
	for _, h := range header {
		b.WriteString(h + "\n")
	}
	kinds := map[string]bool{}
	for _, t := range targets {
		if t.Kind != "exports_files" && t.Kind != "filegroup" {
			kinds[t.Kind] = true
		}
	}
	if len(kinds) > 0 {
		var ks []string
		for k := range kinds {
			ks = append(ks, quote(k))
		}
		sort.Strings(ks)
		fmt.Fprintf(&b, "load(%s, %s)\n", quote(defs), strings.Join(ks, ", "))
	}
	for _, t := range targets {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		for _, c := range t.Comments {
			b.WriteString(c + "\n")
		}
		fmt.Fprintf(&b, "%s(", t.Kind)
		if len(t.Args) > 0 {
			for i, a := range t.Args {
				if i > 0 {
					b.WriteString(", ")
				}
				writeList(&b, a, "")
			}
			b.WriteString(")\n")
			continue
		}
		b.WriteString("\n")
		if t.Name != "" {
			fmt.Fprintf(&b, "    name = %s,\n", quote(t.Name))
		}
		for _, k := range t.AttrNames() {
			fmt.Fprintf(&b, "    %s = ", k)
			switch v := t.Attrs[k].(type) {
			case string:
				b.WriteString(quote(v))
			case int:
				b.WriteString(strconv.Itoa(v))
			case bool:
				if v {
					b.WriteString("True")
				} else {
					b.WriteString("False")
				}
			case []string:
				writeList(&b, v, "    ")
			case map[string]string:
				writeDict(&b, v)
			default:
				panic(fmt.Sprintf("buildgen: attribute %s has type %T", k, v))
			}
			b.WriteString(",\n")
		}
		b.WriteString(")\n")
	}
	return b.Bytes()
}

// writeList writes a list on one line when it has one element, else one
// element per line (buildifier's style).
func writeList(b *bytes.Buffer, l []string, indent string) {
	if len(l) == 1 {
		fmt.Fprintf(b, "[%s]", quote(l[0]))
		return
	}
	b.WriteString("[\n")
	for _, s := range l {
		fmt.Fprintf(b, "%s    %s,\n", indent, quote(s))
	}
	b.WriteString(indent + "]")
}

func writeDict(b *bytes.Buffer, m map[string]string) {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	b.WriteString("{\n")
	for _, k := range ks {
		fmt.Fprintf(b, "        %s: %s,\n", quote(k), quote(m[k]))
	}
	b.WriteString("    }")
}

// quote writes a Starlark string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\%03o`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
