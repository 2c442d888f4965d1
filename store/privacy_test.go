package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/testkit"
)

func TestPurgeRecordBecomesReceipt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "impress.db")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db, err := Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreatePurge(PurgeRecord{Code: "c1", Step: "received"}, []byte("sealed-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreatePurge(PurgeRecord{Code: "c1"}, nil); !IsExists(err) {
		t.Fatalf("second create with the same code: %v, want ErrExists", err)
	}
	now = now.Add(time.Minute)
	if _, err := db.CreatePurge(PurgeRecord{Code: "c2", Step: "received"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdatePurge("c1", []byte("sealed-2"), func(p *PurgeRecord) error { p.Step = "shred"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdatePurge("c1", nil, func(p *PurgeRecord) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// A purge survives a restart (close, reopen) at the step it reached.
	db.Close()
	db, err = Open(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ps, err := db.Purges()
	if err != nil || len(ps) != 2 || ps[0].Code != "c1" || ps[0].Step != "shred" || ps[1].Code != "c2" {
		t.Fatalf("Purges = %+v, %v", ps, err)
	}
	if sec, err := db.PurgeSecret("c1"); err != nil || string(sec) != "sealed-2" {
		t.Fatalf("PurgeSecret = %q, %v", sec, err)
	}
	if _, err := db.FinishPurge("c1", json.RawMessage(`{"verified":true}`), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Purge("c1"); !IsNotFound(err) {
		t.Errorf("finished purge still in progress: %v", err)
	}
	if _, err := db.PurgeSecret("c1"); !IsNotFound(err) {
		t.Errorf("finished purge's secret kept: %v", err)
	}
	r, err := db.Receipt("c1")
	if err != nil || string(r.Data) != `{"verified":true}` {
		t.Fatalf("Receipt = %+v, %v", r, err)
	}
	if _, err := db.CreatePurge(PurgeRecord{Code: "c1"}, nil); !IsExists(err) {
		t.Errorf("a receipt's code was reused: %v", err)
	}
	if _, err := db.ReceiptSecret("c1"); !IsNotFound(err) {
		t.Errorf("a secret kept for a receipt that asked for none: %v", err)
	}
	now = now.Add(time.Minute)
	// An open check keeps its secret beside the receipt, not in the list.
	db.FinishPurge("c2", json.RawMessage(`{}`), []byte("kept-2"))
	rs, err := db.Receipts()
	if err != nil || len(rs) != 2 || rs[0].Code != "c2" {
		t.Fatalf("Receipts (newest first) = %+v, %v", rs, err)
	}
	if sec, err := db.ReceiptSecret("c2"); err != nil || string(sec) != "kept-2" {
		t.Fatalf("ReceiptSecret = %q, %v", sec, err)
	}
	if _, err := db.UpdateReceipt("c2", json.RawMessage(`{"rescanned":1}`), false); err != nil {
		t.Fatal(err)
	}
	if sec, _ := db.ReceiptSecret("c2"); string(sec) != "kept-2" {
		t.Error("an update without dropSecret lost the secret")
	}
	if _, err := db.UpdateReceipt("c2", json.RawMessage(`{"verified":true}`), true); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReceiptSecret("c2"); !IsNotFound(err) {
		t.Errorf("secret kept after the check closed: %v", err)
	}
	if r, _ := db.Receipt("c2"); string(r.Data) != `{"verified":true}` {
		t.Errorf("receipt after the update: %s", r.Data)
	}
	if _, err := db.UpdateReceipt("nope", nil, true); !IsNotFound(err) {
		t.Errorf("update of an unknown receipt: %v", err)
	}
}

func TestRetentionOverrides(t *testing.T) {
	db := newTestDB(t)
	if m, err := db.Retention(); err != nil || len(m) != 0 {
		t.Fatalf("fresh retention = %v, %v", m, err)
	}
	db.SetRetention("events", "72h")
	db.SetRetention("logs", "24h")
	db.SetRetention("logs", "")
	m, err := db.Retention()
	if err != nil || len(m) != 1 || m["events"] != "72h" {
		t.Fatalf("retention = %v, %v", m, err)
	}
}

func TestDeleteJobsTakesIndexesAlong(t *testing.T) {
	db := newTestDB(t)
	if _, err := db.PutConn(testConn("main", "1784001"), []byte("k")); err != nil {
		t.Fatal(err)
	}
	a, _ := db.CreateJob(Job{Kind: "publish", Conn: "main", Key: "ka"}, false)
	b, _ := db.CreateJob(Job{Kind: "publish", Conn: "gone", Key: "kb"}, false)
	c, _ := db.CreateJob(Job{Kind: "render", Key: "kc"}, false)
	st, err := db.DeleteJobs(func(j Job, exists func(string) bool) bool {
		return j.Kind == "publish" && !exists(j.Conn)
	})
	if err != nil || st.Jobs != 1 || st.JobsIndex != 1 || st.IdempotencyKeys != 1 {
		t.Fatalf("DeleteJobs = %+v, %v", st, err)
	}
	if _, err := db.Job(b.ID); !IsNotFound(err) {
		t.Errorf("orphan job kept: %v", err)
	}
	if _, err := db.JobByKey("kb"); !IsNotFound(err) {
		t.Errorf("orphan idempotency key kept: %v", err)
	}
	for _, id := range []uint64{a.ID, c.ID} {
		if _, err := db.Job(id); err != nil {
			t.Errorf("job %d deleted: %v", id, err)
		}
	}
	names, err := db.ConnNamesAnywhere()
	if err != nil || len(names) != 1 || names[0] != "main" {
		t.Errorf("ConnNamesAnywhere = %v, %v (the orphan's index went with it)", names, err)
	}
}

// TestPurgedConnectionLeavesNoByte is the store's half of the purge
// promise: DeleteConnection plus DestroyDataKey plus Compact, and none of
// the connection's bytes is in the file while the other connection's are.
func TestPurgedConnectionLeavesNoByte(t *testing.T) {
	db := newTestDB(t)
	for _, n := range []string{"alice", "bob"} {
		c := testConn(n, "ig-"+n+"-canary")
		c.SealedToken = []byte("token-" + n + "-canary")
		if _, err := db.PutConn(c, []byte("datakey-"+n+"-canary")); err != nil {
			t.Fatal(err)
		}
		var cs []CommentEntry
		for i := range 50 {
			cs = append(cs, CommentEntry{MediaID: "m", CommentID: string(rune('a'+i%26)) + n,
				Blob: Blob{At: time.Now(), Data: []byte("comment-" + n + "-canary")}})
		}
		if err := db.PutComments(n, cs); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AppendEvents([]NewEvent{{Conn: n, Dedupe: "d-" + n, Data: []byte("event-" + n + "-canary")}}); err != nil {
			t.Fatal(err)
		}
		db.CreateJob(Job{Kind: "publish", Conn: n, Key: "key-" + n + "-canary", Title: "title-" + n + "-canary"}, false)
	}
	cnt, err := db.CountConn("alice")
	if err != nil || cnt.Comments != 26 || cnt.Events != 1 || cnt.Jobs != 1 || cnt.AccountIndex != 2 || !cnt.DataKey {
		t.Fatalf("CountConn = %+v, %v", cnt, err)
	}
	if ok, err := db.DestroyDataKey("alice"); !ok || err != nil {
		t.Fatalf("DestroyDataKey = %v, %v", ok, err)
	}
	if ok, _ := db.DestroyDataKey("alice"); ok {
		t.Error("second DestroyDataKey found a key")
	}
	if _, err := db.DeleteConnection("alice"); err != nil {
		t.Fatal(err)
	}
	raw := testkit.ReadFile(t, db.Path())
	if !bytes.Contains(raw, []byte("alice-canary")) {
		t.Log("bbolt reused the pages already; the check below still must hold")
	}
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	raw, err = os.ReadFile(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	// Byte values are JSON base64 in the file; look for both forms.
	forms := func(n string) map[string][]byte {
		out := map[string][]byte{}
		for _, v := range []string{"datakey-" + n + "-canary", "key-" + n + "-canary", "title-" + n + "-canary", "ig-" + n + "-canary"} {
			out[v] = []byte(v)
		}
		for _, v := range []string{"token-" + n + "-canary", "comment-" + n + "-canary", "event-" + n + "-canary"} {
			out[v] = []byte(base64.StdEncoding.EncodeToString([]byte(v)))
		}
		return out
	}
	for name, b := range forms("alice") {
		if bytes.Contains(raw, b) {
			t.Errorf("%q still in the file after delete and compaction", name)
		}
	}
	for name, b := range forms("bob") {
		if !bytes.Contains(raw, b) {
			t.Errorf("%q of the other connection is gone", name)
		}
	}
	n := 0
	if err := db.EachConnValue("bob", BlobComments, func(raw []byte) error {
		if b, err := DecodeBlob(raw); err != nil || !bytes.Equal(b.Data, []byte("comment-bob-canary")) {
			t.Errorf("DecodeBlob = %+v, %v", b, err)
		}
		n++
		return nil
	}); err != nil || n != 26 {
		t.Errorf("EachConnValue(bob, comments) saw %d, %v", n, err)
	}
	if err := db.EachConnValue("alice", BlobEvents, func([]byte) error { n = -1; return nil }); err != nil || n == -1 {
		t.Errorf("EachConnValue of a purged connection: %v", err)
	}
	evs, err := db.ConnEvents("bob")
	if err != nil || len(evs) != 1 || string(evs[0].Data) != "event-bob-canary" {
		t.Errorf("bob's events = %+v, %v", evs, err)
	}
}

// TestDecodeBlobMatchesJSON: the fast path reads exactly what the JSON
// decoder reads, and anything else falls back to it.
func TestDecodeBlobMatchesJSON(t *testing.T) {
	times := []time.Time{{}, time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC), time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}
	datas := [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte{0xff, 0x00, '"', '\\'}, 300)}
	for _, at := range times {
		for _, data := range datas {
			raw, _ := json.Marshal(Blob{At: at, Data: data})
			want, werr := readBlob(raw)
			got, err := DecodeBlob(raw)
			if (err == nil) != (werr == nil) || !got.At.Equal(want.At) || !bytes.Equal(got.Data, want.Data) {
				t.Errorf("DecodeBlob(%s) = %+v, %v; JSON gives %+v, %v", raw, got, err, want, werr)
			}
		}
	}
	for _, raw := range []string{`{"data":"eA==","at":"2026-03-01T12:00:00Z"}`, `{"at":"2026-03-01T12:00:00Z","data":"eA=="} `, `{"at":"bad","data":"eA=="}`, `{"at":"2026-03-01T12:00:00Z","data":"e\u0041=="}`} {
		want, werr := readBlob([]byte(raw))
		got, err := DecodeBlob([]byte(raw))
		if (err == nil) != (werr == nil) || !bytes.Equal(got.Data, want.Data) {
			t.Errorf("DecodeBlob(%s) = %+v, %v; JSON gives %+v, %v", raw, got, err, want, werr)
		}
	}
}
