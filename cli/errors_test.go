package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/meta"
)

// TestEveryClassAndCodeHasAnExitCode walks every error class of package
// meta and every wire code: each reaches a defined, ranked exit code. A
// class or code added without its mapping fails here.
func TestEveryClassAndCodeHasAnExitCode(t *testing.T) {
	codes := map[api.Code]bool{}
	for _, c := range api.Codes() {
		codes[c] = true
		n, ok := wireExit[c]
		if !ok {
			t.Errorf("wire code %q has no exit code in wireExit", c)
			continue
		}
		if severityRank(n) == len(severity) {
			t.Errorf("exit code %d (of %q) has no rank in severity", n, c)
		}
	}
	for c := range wireExit {
		if !codes[c] {
			t.Errorf("wireExit maps %q, which api.Codes() does not list", c)
		}
	}
	// What each class of Meta failure means to the person at the terminal.
	want := map[string]int{
		"other": ExitFailure, "transient": ExitTransient, "rate-limited": ExitTransient, "login-needed": ExitLogin,
		"permanent": ExitRejected, "quota": ExitRejected, "not-ready": ExitTransient, "recreate": ExitTransient,
		"unconfirmed": ExitUnconfirmed,
	}
	for _, c := range meta.Classes() {
		code := api.CodeForClass(c)
		if !codes[code] {
			t.Errorf("class %v maps to %q, not a wire code", c, code)
		}
		w, ok := want[c.String()]
		if !ok {
			t.Errorf("class %v: no expected exit code here; decide what it means and add it", c)
			continue
		}
		if got := exitForCode(code); got != w {
			t.Errorf("class %v → %q → exit %d, want %d", c, code, got, w)
		}
	}
}

func TestSeverityIsExplicit(t *testing.T) {
	seen := map[int]bool{}
	for _, n := range severity {
		if seen[n] {
			t.Errorf("exit code %d ranked twice", n)
		}
		seen[n] = true
	}
	for _, tc := range []struct{ a, b, want int }{
		{ExitOK, ExitFailure, ExitFailure},
		{ExitUnconfirmed, ExitTransient, ExitUnconfirmed},
		{ExitRejected, ExitTransient, ExitTransient},
		{ExitLogin, ExitRejected, ExitRejected},
		{ExitUsage, ExitFailure, ExitUsage},
		{ExitTransient, 42, 42}, // unranked: never hidden
	} {
		if got := worse(tc.a, tc.b); got != tc.want {
			t.Errorf("worse(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := worse(tc.b, tc.a); got != tc.want {
			t.Errorf("worse(%d, %d) = %d, want %d", tc.b, tc.a, got, tc.want)
		}
	}
	if exitForCode("from_a_newer_daemon") != ExitFailure {
		t.Error("an unknown wire code must exit 1")
	}
}

// TestErrorTextPutsAdviceOnItsOwnLine: a refusal listing problems one a
// line ends with its advice on a line of its own, also when wrapped.
func TestErrorTextPutsAdviceOnItsOwnLine(t *testing.T) {
	e := &api.Error{Code: api.CodeRejected, Message: "publish refused: 2 problem(s):\n  - caption: 31 hashtags\n  - cover: not a JPEG",
		Hint: "fix them and publish again"}
	for _, err := range []error{e, fmt.Errorf("item 3: %w", e)} {
		got := errorText(err)
		if !strings.HasSuffix(got, "  - cover: not a JPEG\nfix them and publish again") {
			t.Errorf("%q", got)
		}
	}
	one := &api.Error{Code: api.CodeRejected, Message: "one problem", Hint: "fix it"}
	if got := errorText(one); got != "one problem; fix it" {
		t.Errorf("a one-line refusal keeps its form: %q", got)
	}
}
