// Package inert makes text written by other people safe to print on a
// terminal. Comments, DMs, usernames, mention texts and webhook payload
// fields are chosen by whoever can comment on or message the account; a
// terminal that receives them byte for byte obeys the escape sequences in
// them (retitle the window, clear the screen, colour a fake prompt, on some
// terminals even write files). Every human output of such text goes
// through this package, the CLI's and the TUI's alike; JSON output stays
// exact, since it is escaped by the encoder and read by programs.
//
// Nothing is dropped: each control is replaced by a visible form, so a
// reader sees that the text carried one.
//
//   - C0 controls and DEL in caret notation, as `cat -v` shows them:
//     ESC is ^[, BEL ^G, NUL ^@, DEL ^?.
//   - C1 controls (U+0080..U+009F: CSI, OSC, …), the bidirectional
//     overrides and isolates that reorder what is shown (U+202A..U+202E,
//     U+2066..U+2069, U+200E, U+200F, U+061C) and the line and paragraph
//     separators as <U+XXXX>.
//   - Bytes that are not UTF-8 as <0xXX>: a lone 0x9B is CSI to a terminal
//     that reads 8-bit controls.
//
// Text keeps newlines and tabs (a comment body printed on its own lines);
// Line makes them visible too, for a table cell or one line of a list,
// where a newline or a tab would forge rows and columns.
package inert

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text returns s with every control and escape shown visibly; newlines and
// tabs are kept.
func Text(s string) string { return clean(s, true) }

// Line returns s as one inert line: like Text, and newlines, carriage
// returns and tabs are shown visibly as well (^J, ^M, ^I).
func Line(s string) string { return clean(s, false) }

// Safe reports whether s would print unchanged by Line: no controls at all.
func Safe(s string) bool { return clean(s, false) == s }

func clean(s string, keepLayout bool) string {
	// The common case, plain text, costs one scan and no allocation.
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if keepLayout && (c == '\n' || c == '\t') {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || special(r) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 0x20 && c < 0x7f, keepLayout && (c == '\n' || c == '\t'):
				b.WriteByte(c)
			case c == 0x7f:
				b.WriteString("^?")
			default:
				b.WriteByte('^')
				b.WriteByte(c + '@')
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "<0x%02X>", c)
		case special(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// special reports the non-ASCII runes that act on a terminal or on the
// order of what it shows, rather than being shown.
func special(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c: // bidi marks
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}
