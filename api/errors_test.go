package api

import "testing"

// traits is a FailureClass with its traits spelled out.
type traits struct{ login, refused, later, acted bool }

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
}
