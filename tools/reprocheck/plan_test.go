package reprocheck

import (
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		vary      []string
		check     func(first, second Condition) string
		notVaried int
		wantErr   string
	}{
		{vary: []string{"all"}, notVaried: 3, check: func(f, s Condition) string {
			switch {
			case f.Checkout == s.Checkout || f.OutputBase == s.OutputBase || f.Home == s.Home:
				return "paths not varied"
			case f.Umask == s.Umask || f.Env["TZ"] == s.Env["TZ"] || f.Env["LC_ALL"] == s.Env["LC_ALL"]:
				return "umask, timezone or locale not varied"
			case s.Hostname == "" || s.CPUs != 1 || !s.ReversePath || f.ReversePath || f.CPUs != 0:
				return "hostname, cpus or PATH order not varied"
			}
			return ""
		}},
		{vary: []string{"umask"}, check: func(f, s Condition) string {
			if s.Umask != 0o077 || f.Umask != 0o022 {
				return "umask"
			}
			// Nothing else: same checkout and output base (cleaned between).
			if f.Checkout != s.Checkout || f.OutputBase != s.OutputBase || f.Env["TZ"] != s.Env["TZ"] || s.Hostname != "" {
				return "more than the umask varied"
			}
			return ""
		}},
		{vary: []string{"path", " timezone", ""}, check: func(f, s Condition) string {
			if f.Checkout == s.Checkout || f.Env["TZ"] == s.Env["TZ"] || f.OutputBase != s.OutputBase {
				return "path and timezone only"
			}
			return ""
		}},
		{vary: []string{"clock"}, notVaried: 1, check: func(f, s Condition) string { return "" }},
		{vary: []string{"weather"}, wantErr: `unknown variation "weather"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.vary, ","), func(t *testing.T) {
			f, s, nv, err := Plan(tc.vary)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if msg := tc.check(f, s); msg != "" {
				t.Errorf("%s: first %s; second %s", msg, f.Describe(), s.Describe())
			}
			if len(nv) != tc.notVaried {
				t.Errorf("not varied = %q, want %d entries", nv, tc.notVaried)
			}
			// The first build's environment is never changed by the plan
			// of the second (separate maps).
			if f.Env["TZ"] != "UTC" || f.Env["LC_ALL"] != "C" {
				t.Errorf("first build's environment changed: %v", f.Env)
			}
		})
	}
}
