package tree

import (
	"fmt"
	"strings"
)

// EtcConfig is the initrd's /etc/config for the board, byte for byte as
// Heads' Makefile writes it ($(initrd_tools_dir)/etc/config): the exported
// CONFIG_* variables as bash's `export -p` prints them (sorted by name,
// value in double quotes with \, $ and ` escaped) with every `\"` removed
// by its sed, then GIT_HASH, GIT_STATUS, CONFIG_BOARD and
// CONFIG_BRAND_NAME as its echo lines print them.
func (b *Board) EtcConfig() string {
	var s strings.Builder
	for _, v := range b.Exports {
		if strings.IndexFunc(v.Value, isControl) >= 0 {
			s.WriteString("export " + v.Name + "=" + ansiC(v.Value) + "\n")
			continue
		}
		s.WriteString("export " + v.Name + "=\"" + exportValue(v.Value) + "\"\n")
	}
	s.WriteString("export GIT_HASH='" + b.GitHash + "'\n")
	s.WriteString("export GIT_STATUS=" + b.GitStatus + "\n")
	s.WriteString("export CONFIG_BOARD=" + b.Name + "\n")
	s.WriteString("export CONFIG_BRAND_NAME=" + b.BrandName + "\n")
	return s.String()
}

// exportValue is bash's double-quoted form of v in `declare -x` output
// after Heads' `sed -e 's/\\\"//g'`: a `"` became `\"` and is removed.
func exportValue(v string) string {
	var s strings.Builder
	for _, c := range v {
		switch c {
		case '"':
		case '\\', '$', '`':
			s.WriteByte('\\')
			s.WriteRune(c)
		default:
			s.WriteRune(c)
		}
	}
	return s.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// ansiC is bash's $'...' form, which `export -p` prints for a value with
// control characters (Heads' sed leaves it alone: it has no \").
// Non-ASCII bytes are taken as printable (a UTF-8 locale).
func ansiC(v string) string {
	var s strings.Builder
	s.WriteString("$'")
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\a':
			s.WriteString(`\a`)
		case '\b':
			s.WriteString(`\b`)
		case 0x1b:
			s.WriteString(`\E`)
		case '\f':
			s.WriteString(`\f`)
		case '\n':
			s.WriteString(`\n`)
		case '\r':
			s.WriteString(`\r`)
		case '\t':
			s.WriteString(`\t`)
		case '\v':
			s.WriteString(`\v`)
		case '\\':
			s.WriteString(`\\`)
		case '\'':
			s.WriteString(`\'`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(&s, "\\%03o", c)
			} else {
				s.WriteByte(c)
			}
		}
	}
	s.WriteString("'")
	return s.String()
}
