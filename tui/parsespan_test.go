package tui

import "testing"

// TestParseSpan covers the from–to pair the text and audio forms share:
// an open end, an end that must come after the start, and each field's
// own error naming that field.
func TestParseSpan(t *testing.T) {
	cases := []struct {
		from, to     string
		wantA, wantB float64
		wantErr      string
	}{
		{"1", "", 1, 0, ""},
		{"", "", 0, 0, ""},
		{"1", "2.5", 1, 2.5, ""},
		{"2", "2", 0, 0, "end: 2s is not after start 2s"},
		{"3", "1", 0, 0, "end: 1s is not after start 3s"},
		{"x", "1", 0, 0, `start: "x" is not a number of seconds`},
		{"1", "-1", 0, 0, `end: "-1" is not a number of seconds`},
	}
	for _, c := range cases {
		a, b, err := parseSpan("start", c.from, "end", c.to)
		if c.wantErr != "" {
			if err == nil || err.Error() != c.wantErr {
				t.Errorf("parseSpan(%q, %q) error = %v, want %q", c.from, c.to, err, c.wantErr)
			}
			continue
		}
		if err != nil || a != c.wantA || b != c.wantB {
			t.Errorf("parseSpan(%q, %q) = %g, %g, %v; want %g, %g", c.from, c.to, a, b, err, c.wantA, c.wantB)
		}
	}
}
