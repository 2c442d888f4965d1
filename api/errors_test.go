package api

import (
	"net/http"
	"testing"
)

// traits is a FailureClass with its traits spelled out.
type traits struct {
	name                         string
	login, refused, later, acted bool
}

func (t traits) String() string     { return t.name }
func (t traits) LoginNeeded() bool  { return t.login }
func (t traits) Refused() bool      { return t.refused }
func (t traits) RetryLater() bool   { return t.later }
func (t traits) MayHaveActed() bool { return t.acted }

func TestCodeForClass(t *testing.T) {
	for _, tc := range []struct {
		c    traits
		want Code
	}{
		{traits{}, CodeInternal},
		{traits{login: true}, CodeLoginNeeded},
		{traits{refused: true}, CodeRejected},
		{traits{later: true}, CodeTransient},
		{traits{acted: true}, CodeUnconfirmed},
		// A call that may have taken effect is never reported as safe to repeat.
		{traits{acted: true, later: true}, CodeUnconfirmed},
	} {
		if got := CodeForClass(tc.c); got != tc.want {
			t.Errorf("CodeForClass(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestCodesAreDistinctAndComplete(t *testing.T) {
	seen := map[Code]bool{}
	for _, c := range Codes() {
		if c == "" || seen[c] {
			t.Errorf("code %q is empty or listed twice", c)
		}
		seen[c] = true
	}
	// Every code CodeForClass can return is on the list.
	for _, c := range []traits{{}, {login: true}, {refused: true}, {later: true}, {acted: true}} {
		if !seen[CodeForClass(c)] {
			t.Errorf("CodeForClass(%+v) = %q is not in Codes()", c, CodeForClass(c))
		}
	}
	for name, c := range classOwn {
		if !seen[c] {
			t.Errorf("classOwn gives class %q the code %q, which is not in Codes()", name, c)
		}
	}
}

// TestCodesTable: every wire code answers an error status of its own row,
// and a code this build does not know (from a newer daemon) answers 500.
func TestCodesTable(t *testing.T) {
	for _, r := range codes {
		if r.status < 400 || r.status > 599 || r.code.HTTPStatus() != r.status {
			t.Errorf("wire code %q: status %d from its row %d, want an error status of its own row", r.code, r.code.HTTPStatus(), r.status)
		}
	}
	if Code("from_a_newer_daemon").HTTPStatus() != http.StatusInternalServerError {
		t.Error("an unknown code must answer 500")
	}
}

// TestClassOwnCodeWinsButNeverOverMayHaveActed: a class with its own wire
// code gets it over the one its traits choose, except that a call that may
// have taken effect stays unconfirmed.
func TestClassOwnCodeWinsButNeverOverMayHaveActed(t *testing.T) {
	classOwn["test-own"] = CodeConflict
	t.Cleanup(func() { delete(classOwn, "test-own") })
	if got := CodeForClass(traits{name: "test-own", refused: true}); got != CodeConflict {
		t.Errorf("own code: got %q, want conflict", got)
	}
	if got := CodeForClass(traits{name: "test-own", acted: true}); got != CodeUnconfirmed {
		t.Errorf("may have acted: got %q, want unconfirmed", got)
	}
}
