package meta

import (
	"encoding/json"
	"testing"
)

// TestEdgeDecodes covers what the per-type UnmarshalJSON methods did before
// Edge replaced them: a {"data":[...]} edge fills the field, null or a
// missing edge leaves it empty, and a decoded value encodes back to a form
// that decodes the same.
func TestEdgeDecodes(t *testing.T) {
	var cm Comment
	if err := json.Unmarshal([]byte(`{"id":"c1","replies":{"data":[{"id":"r1","text":"thanks"}]}}`), &cm); err != nil {
		t.Fatal(err)
	}
	if cm.ID != "c1" || len(cm.Replies) != 1 || cm.Replies[0].ID != "r1" {
		t.Fatalf("comment = %+v", cm)
	}
	b, err := json.Marshal(cm)
	if err != nil {
		t.Fatal(err)
	}
	var again Comment
	if err := json.Unmarshal(b, &again); err != nil || len(again.Replies) != 1 || again.Replies[0].Text != "thanks" {
		t.Fatalf("round trip of %s = %+v, %v", b, again, err)
	}
	for _, in := range []string{`{"id":"m"}`, `{"id":"m","children":null}`, `{"id":"m","children":{"data":[]}}`} {
		var m Media
		if err := json.Unmarshal([]byte(in), &m); err != nil || m.ID != "m" || len(m.Children) != 0 {
			t.Errorf("%s = %+v, %v", in, m, err)
		}
	}
	var m Media
	if err := json.Unmarshal([]byte(`{"id":"m","children":[{"id":"k"}]}`), &m); err == nil {
		t.Errorf("a bare array as an edge decoded as %+v; Graph always wraps edges in data", m)
	}
}

// TestAttachmentKinds: the URL is read from where Graph puts it for each
// kind of attachment.
func TestAttachmentKinds(t *testing.T) {
	var msg Message
	in := `{"id":"x","attachments":{"data":[{"image_data":{"url":"i"}},{"video_data":{"url":"v"}},{"file_url":"f"}]}}`
	if err := json.Unmarshal([]byte(in), &msg); err != nil {
		t.Fatal(err)
	}
	want := []Attachment{{"image", "i"}, {"video", "v"}, {"file", "f"}}
	if len(msg.Attachments) != len(want) {
		t.Fatalf("attachments = %+v", msg.Attachments)
	}
	for i, a := range msg.Attachments {
		if a != want[i] {
			t.Errorf("attachment %d = %+v, want %+v", i, a, want[i])
		}
	}
}
