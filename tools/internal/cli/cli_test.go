package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
)

func testProgram(ran *string) *Program {
	cmd := func(name string) func(fs *flag.FlagSet, args []string, stdout io.Writer) error {
		return func(fs *flag.FlagSet, args []string, stdout io.Writer) error {
			out := fs.String("out", "", "output")
			pos, err := ParseInterspersed(fs, args)
			if err != nil {
				return err
			}
			if err := Required(fs, "out"); err != nil {
				return err
			}
			if len(pos) > 0 && pos[0] == "fail" {
				return errors.New("it failed")
			}
			*ran = fmt.Sprintf("%s out=%s pos=%v", name, *out, pos)
			return nil
		}
	}
	return &Program{
		Name: "tool",
		Commands: []Command{
			{Name: "cbfs", Args: "--out O", Summary: "one word", Run: cmd("cbfs")},
			{Name: "cbfs add", Args: "--out O FILE", Summary: "two words", Run: cmd("cbfs add")},
			{Name: "list", Args: "--out O", Summary: "list", Run: cmd("list")},
		},
		Footer: "footer text",
	}
}

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		wantRan  string
		wantExit int
		wantErr  string // substring of stdout+stderr+error
	}{
		{[]string{"cbfs", "add", "--out", "o", "f"}, "cbfs add out=o pos=[f]", 0, ""},
		{[]string{"cbfs", "add", "f", "--out=o"}, "cbfs add out=o pos=[f]", 0, ""},
		{[]string{"cbfs", "--out", "o"}, "cbfs out=o pos=[]", 0, ""},
		{[]string{"list", "--out", "o", "--", "--out"}, "list out=o pos=[--out]", 0, ""},
		{[]string{"list", "--out", "o", "fail"}, "", 1, "it failed"},
		{[]string{"list"}, "", 2, "--out is required"},
		{[]string{"list", "--bogus"}, "", 2, "flag provided but not defined"},
		{[]string{"frob"}, "", 2, `unknown command "frob"`},
		{nil, "", 2, "no command"},
		{[]string{"help"}, "", 0, "footer text"},
		{[]string{"list", "-h"}, "", 0, "usage: tool list --out O"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var ran string
			var stdout, stderr bytes.Buffer
			err := testProgram(&ran).Run(tc.args, &stdout, &stderr)
			if got := ExitCode(err); got != tc.wantExit {
				t.Errorf("exit %d (err %v), want %d", got, err, tc.wantExit)
			}
			if ran != tc.wantRan {
				t.Errorf("ran %q, want %q", ran, tc.wantRan)
			}
			all := stdout.String() + stderr.String()
			if err != nil {
				all += err.Error()
			}
			if !strings.Contains(all, tc.wantErr) {
				t.Errorf("output %q lacks %q", all, tc.wantErr)
			}
		})
	}
}

func TestUsageListsCommands(t *testing.T) {
	var ran string
	var b bytes.Buffer
	testProgram(&ran).Usage(&b)
	for _, want := range []string{"usage: tool COMMAND", "cbfs add --out O FILE", "two words", "footer text"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, b.String())
		}
	}
}
