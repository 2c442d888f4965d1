package inert

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextAndLine(t *testing.T) {
	for _, tc := range []struct{ in, text, line string }{
		{"plain text ✨ #tag @fan", "plain text ✨ #tag @fan", "plain text ✨ #tag @fan"},
		{"", "", ""},
		// The hostile comment of issue 17: retitle, clear, colour, fake prompt.
		{"nice\x1b]0;PWNED\a\x1b[2J\x1b[1;31mimpress: session expired",
			"nice^[]0;PWNED^G^[[2J^[[1;31mimpress: session expired",
			"nice^[]0;PWNED^G^[[2J^[[1;31mimpress: session expired"},
		{"two\nlines\tand tab", "two\nlines\tand tab", "two^Jlines^Iand tab"},
		{"cr\roverwrite", "cr^Moverwrite", "cr^Moverwrite"},
		{"nul\x00del\x7f", "nul^@del^?", "nul^@del^?"},
		{"c1 csi \u009b31m", "c1 csi <U+009B>31m", "c1 csi <U+009B>31m"},
		{"raw byte \x9b31m", "raw byte <0x9B>31m", "raw byte <0x9B>31m"},
		{"bidi \u202egnp.exe", "bidi <U+202E>gnp.exe", "bidi <U+202E>gnp.exe"},
		{"isolate \u2066x\u2069 mark \u200f", "isolate <U+2066>x<U+2069> mark <U+200F>", "isolate <U+2066>x<U+2069> mark <U+200F>"},
		{"sep\u2028x", "sep<U+2028>x", "sep<U+2028>x"},
		// Emoji sequences with a zero-width joiner are text, not controls.
		{"family 👨‍👩‍👧", "family 👨‍👩‍👧", "family 👨‍👩‍👧"},
	} {
		if got := Text(tc.in); got != tc.text {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.text)
		}
		if got := Line(tc.in); got != tc.line {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.line)
		}
		if Safe(tc.in) != (tc.in == tc.line) {
			t.Errorf("Safe(%q) = %v", tc.in, Safe(tc.in))
		}
	}
}

// FuzzLine checks what must hold for any input: no byte a terminal acts
// on survives, the output is valid UTF-8, inert text is left alone and
// cleaning twice changes nothing more.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"hello", "\x1b[2J", "\u009b", "\xff\xfe", "a\nb\tc", "\u202e", "👨‍👩‍👧"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Line(s), Text(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("%q → %q: not UTF-8", s, out)
			}
			for _, r := range out {
				if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || special(r) {
					t.Fatalf("%q → %q: control %U survived", s, out, r)
				}
			}
			if Text(out) != out {
				t.Fatalf("not idempotent: %q → %q → %q", s, out, Text(out))
			}
		}
		if l := Line(s); strings.ContainsAny(l, "\n\t") {
			t.Fatalf("Line(%q) = %q keeps a newline or tab", s, l)
		}
		if Safe(s) && Line(s) != s {
			t.Fatalf("Safe(%q) but Line changes it", s)
		}
	})
}
