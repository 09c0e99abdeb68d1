package reprocheck

import (
	"strings"
	"testing"
)

func TestPlan(t *testing.T) {
	full := Host{Root: true, Unshare: "/usr/bin/unshare", FakeTimeLib: "/usr/lib/x/faketime/libfaketime.so.1", Disorderfs: "/usr/bin/disorderfs"}
	tests := []struct {
		name      string
		vary      []string
		host      Host
		check     func(first, second Condition) string
		notVaried []string
		wantErr   string
	}{
		{name: "all", vary: []string{"all"}, host: full, check: func(f, s Condition) string {
			switch {
			case f.Checkout == s.Checkout || f.OutputBase == s.OutputBase || f.Home == s.Home:
				return "paths not varied"
			case f.Umask == s.Umask || f.Env["TZ"] == s.Env["TZ"] || f.Env["LC_ALL"] == s.Env["LC_ALL"]:
				return "umask, timezone or locale not varied"
			case s.Hostname == "" || s.CPUs != 1 || !s.ReversePath || f.ReversePath || f.CPUs != 0:
				return "hostname, cpus or PATH order not varied"
			case f.UID != 0 || s.UID == 0 || s.Env["USER"] == "" || f.FakeTime != "" || s.FakeTime == "" || f.ReverseDirs || !s.ReverseDirs:
				return "user, clock or file order not varied"
			case f.Mounts() || !s.Mounts():
				return "only the second build needs mounts"
			}
			return ""
		}},
		{name: "all, bare host", vary: []string{"all"}, host: Host{},
			notVaried: []string{"hostname: needs root", "user: needs unshare", "clock: needs root", "file_order: needs root"},
			check: func(f, s Condition) string {
				if s.Hostname != "" || s.UID != 0 || s.Mounts() || s.Env["TZ"] == f.Env["TZ"] {
					return "host-dependent variations applied or others skipped"
				}
				return ""
			}},
		{name: "clock without libfaketime", vary: []string{"clock", "user"}, host: Host{Root: true, Unshare: "/usr/bin/unshare"},
			notVaried: []string{"clock: needs libfaketime (Debian package faketime)"},
			check: func(f, s Condition) string {
				if s.UID != 1000 || s.Mounts() {
					return "user not varied or clock applied"
				}
				return ""
			}},
		{name: "file order only", vary: []string{"file_order"}, host: full, check: func(f, s Condition) string {
			if !s.ReverseDirs || s.FakeTime != "" || f.Checkout != s.Checkout || s.UID != 0 {
				return "file order only"
			}
			return ""
		}},
		{name: "umask", vary: []string{"umask"}, host: full, check: func(f, s Condition) string {
			if s.Umask != 0o077 || f.Umask != 0o022 {
				return "umask"
			}
			// Nothing else: same checkout and output base (cleaned between).
			if f.Checkout != s.Checkout || f.OutputBase != s.OutputBase || f.Env["TZ"] != s.Env["TZ"] || s.Hostname != "" {
				return "more than the umask varied"
			}
			return ""
		}},
		{name: "path and timezone", vary: []string{"path", " timezone", ""}, host: full, check: func(f, s Condition) string {
			if f.Checkout == s.Checkout || f.Env["TZ"] == s.Env["TZ"] || f.OutputBase != s.OutputBase {
				return "path and timezone only"
			}
			return ""
		}},
		{name: "unknown", vary: []string{"weather"}, wantErr: `unknown variation "weather"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, s, nv, err := Plan(tc.vary, tc.host)
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
			if len(nv) != len(tc.notVaried) {
				t.Errorf("not varied = %q, want %q", nv, tc.notVaried)
			} else {
				for i := range nv {
					if !strings.HasPrefix(nv[i], tc.notVaried[i]) {
						t.Errorf("not varied[%d] = %q, want it to start with %q", i, nv[i], tc.notVaried[i])
					}
				}
			}
			// The first build's environment is never changed by the plan
			// of the second (separate maps).
			if f.Env["TZ"] != "UTC" || f.Env["LC_ALL"] != "C" {
				t.Errorf("first build's environment changed: %v", f.Env)
			}
		})
	}
}
