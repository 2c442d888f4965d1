package meta

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// ruploadServer is a rupload stand-in that assembles the bytes it receives
// at the offsets the client names and can cut the connection mid-body.
type ruploadServer struct {
	mu       sync.Mutex
	buf      []byte
	have     int64   // bytes received in order
	offsets  []int64 // offset header of each POST
	cutAfter int64   // first POST: cut the connection after this many bytes (0: never)
	status   string  // reply to GET ?fields=video_status: "ok", "unsupported"
	posts    int
}

func (s *ruploadServer) handler(t *testing.T) func(http.ResponseWriter, *http.Request, recorded) {
	return func(w http.ResponseWriter, r *http.Request, rec recorded) {
		if r.Method == http.MethodGet {
			if rec.Query.Get("fields") != "video_status" {
				t.Errorf("offset query fields = %q", rec.Query.Get("fields"))
			}
			s.mu.Lock()
			have := s.have
			s.mu.Unlock()
			if s.status == "unsupported" {
				reply(w, 400, graphErr(100, 0, "(#100) Tried accessing nonexisting field (video_status)"))
				return
			}
			reply(w, 200, fmt.Sprintf(`{"video_status":{"uploading_phase":{"status":"in_progress","bytes_transferred":%d}},"id":"CID"}`, have))
			return
		}
		if got := r.Header.Get("Authorization"); got != "OAuth "+testToken {
			t.Errorf("Authorization = %q, want OAuth <token>", got)
		}
		off, err1 := strconv.ParseInt(r.Header.Get("offset"), 10, 64)
		size, err2 := strconv.ParseInt(r.Header.Get("file_size"), 10, 64)
		if err1 != nil || err2 != nil || r.ContentLength != size-off {
			t.Errorf("offset %q file_size %q content-length %d", r.Header.Get("offset"), r.Header.Get("file_size"), r.ContentLength)
		}
		s.mu.Lock()
		s.posts++
		first := s.posts == 1
		s.offsets = append(s.offsets, off)
		if s.buf == nil {
			s.buf = make([]byte, size)
		}
		if off > s.have {
			s.mu.Unlock()
			reply(w, 400, `{"debug_info":{"retriable":false,"type":"OffsetError","message":"offset beyond received bytes"}}`)
			return
		}
		s.have = off
		s.mu.Unlock()
		var body io.Reader = r.Body
		if first && s.cutAfter > 0 {
			body = io.LimitReader(r.Body, s.cutAfter)
		}
		chunk := make([]byte, 32<<10)
		for {
			n, err := body.Read(chunk)
			s.mu.Lock()
			copy(s.buf[s.have:], chunk[:n])
			s.have += int64(n)
			s.mu.Unlock()
			if err != nil {
				break
			}
		}
		if first && s.cutAfter > 0 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		reply(w, 200, `{"success":true,"message":"Upload successful."}`)
	}
}

func randomFile(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestUploadShapeAndProgress(t *testing.T) {
	data := randomFile(t, 300<<10)
	s := &ruploadServer{}
	f := newFake(t, s.handler(t))
	c, _ := testClient(t, f, Config{Flavour: FlavourFacebook, AppSecret: testAppSecret})
	var last, calls int64
	err := c.Upload(t.Context(), "CID", bytes.NewReader(data), int64(len(data)), UploadOptions{
		URI: "https://rupload.facebook.com/ig-api-upload/v25.0/CID",
		Progress: func(sent, total int64) {
			if sent < last || total != int64(len(data)) {
				t.Errorf("progress %d/%d after %d", sent, total, last)
			}
			last, calls = sent, calls+1
		}})
	if err != nil {
		t.Fatal(err)
	}
	r := f.last(t)
	if r.Method != "POST" || r.Path != "/ig-api-upload/v25.0/CID" || r.Header.Get("Content-Type") != "application/octet-stream" ||
		r.Query.Has("access_token") || r.Query.Has("appsecret_proof") {
		t.Errorf("request %s %s %v %v", r.Method, r.Path, r.Header, r.Query)
	}
	if !bytes.Equal(s.buf, data) || last != int64(len(data)) || calls < 2 {
		t.Errorf("server has %d bytes (equal %v), progress last %d in %d calls", s.have, bytes.Equal(s.buf, data), last, calls)
	}
}

// gatedReader serves zeros but refuses to read past gateAt until the
// server has seen the first bytes: a client that read the whole file
// before sending would fail here.
type gatedReader struct {
	gateAt int64
	open   <-chan struct{}
	failed chan struct{}
	once   sync.Once
}

func (g *gatedReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > g.gateAt {
		select {
		case <-g.open:
		case <-time.After(20 * time.Second):
			g.once.Do(func() { close(g.failed) })
			return 0, errors.New("server saw nothing before the client read past the gate: not streaming")
		}
	}
	clear(p)
	return len(p), nil
}

func TestUploadStreams(t *testing.T) {
	const size = 32 << 20
	firstBytes := make(chan struct{})
	var once sync.Once
	var got int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		buf := make([]byte, 64<<10)
		for {
			n, err := r.Body.Read(buf)
			got += int64(n)
			if got >= 1<<20 {
				once.Do(func() { close(firstBytes) })
			}
			if err != nil {
				break
			}
		}
		reply(w, 200, `{"success":true}`)
	})
	c, _ := testClient(t, f, Config{Flavour: FlavourFacebook})
	g := &gatedReader{gateAt: 16 << 20, open: firstBytes, failed: make(chan struct{})}
	if err := c.Upload(t.Context(), "CID", g, size, UploadOptions{MaxAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	if got != size {
		t.Errorf("server received %d bytes, want %d", got, size)
	}
}

func TestUploadMemory(t *testing.T) {
	const size = 64 << 20
	path := filepath.Join(t.TempDir(), "sparse.mp4")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := fh.Truncate(size); err != nil {
		t.Fatal(err)
	}
	var got int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ recorded) {
		got, _ = io.Copy(io.Discard, r.Body)
		reply(w, 200, `{"success":true}`)
	})
	c, _ := testClient(t, f, Config{Flavour: FlavourFacebook})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := c.Upload(t.Context(), "CID", fh, size, UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("64 MiB upload: %d KiB allocated in total (client and server)", alloc>>10)
	if got != size {
		t.Errorf("server got %d bytes", got)
	}
	// Reading the file into memory would allocate ≥ 64 MiB.
	if alloc > 8<<20 {
		t.Errorf("upload allocated %d MiB: the file is being buffered", alloc>>20)
	}
}

func TestUploadResume(t *testing.T) {
	data := randomFile(t, 3<<20)
	cases := []struct {
		name        string
		status      string
		wantOffsets func(cut int64) []int64
	}{
		{"resume from server offset", "ok", func(cut int64) []int64 { return []int64{0, cut} }},
		{"offset query unsupported: restart at 0", "unsupported", func(int64) []int64 { return []int64{0, 0} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &ruploadServer{cutAfter: 1<<20 + 12345, status: tc.status}
			f := newFake(t, s.handler(t))
			c, slept := testClient(t, f, Config{Flavour: FlavourFacebook})
			err := c.Upload(t.Context(), "CID", bytes.NewReader(data), int64(len(data)), UploadOptions{})
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if !bytes.Equal(s.buf, data) {
				t.Error("reassembled file differs")
			}
			want := tc.wantOffsets(s.cutAfter)
			if fmt.Sprint(s.offsets) != fmt.Sprint(want) {
				t.Errorf("offsets %v, want %v", s.offsets, want)
			}
			if len(*slept) != 1 {
				t.Errorf("backoffs %v, want 1", *slept)
			}
		})
	}
}

// TestUploadFrom: an upload an earlier process began continues at the
// offset Meta reported (UploadOptions.From): the bytes before it are not
// sent again, and the file Meta assembles is whole. An offset outside the
// file is refused before anything is sent.
func TestUploadFrom(t *testing.T) {
	data := randomFile(t, 1<<20)
	from := int64(700_001)
	s := &ruploadServer{}
	s.buf, s.have = make([]byte, len(data)), from
	copy(s.buf, data[:from]) // what the earlier process sent
	f := newFake(t, s.handler(t))
	c, _ := testClient(t, f, Config{Flavour: FlavourFacebook})
	var first int64 = -1
	err := c.Upload(t.Context(), "CID", bytes.NewReader(data), int64(len(data)), UploadOptions{From: from, Progress: func(sent, _ int64) {
		if first < 0 {
			first = sent
		}
	}})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if fmt.Sprint(s.offsets) != fmt.Sprint([]int64{from}) || !bytes.Equal(s.buf, data) {
		t.Errorf("offsets %v (want [%d]); file whole: %v", s.offsets, from, bytes.Equal(s.buf, data))
	}
	if first <= from {
		t.Errorf("progress started at %d, want past %d", first, from)
	}
	for _, bad := range []int64{-1, int64(len(data))} {
		if err := c.Upload(t.Context(), "CID", bytes.NewReader(data), int64(len(data)), UploadOptions{From: bad}); !errors.Is(err, ErrInvalid) {
			t.Errorf("From %d: %v, want invalid", bad, err)
		}
	}
	if len(s.offsets) != 1 {
		t.Errorf("a bad offset reached the server: %v", s.offsets)
	}
}

func TestUploadFailures(t *testing.T) {
	data := randomFile(t, 1000)
	cases := []struct {
		name  string
		h     func(w http.ResponseWriter, r *http.Request, rec recorded)
		class Class
		posts int
	}{
		{"login needed is not resumed", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			reply(w, 400, graphErr(190, 463, "Session has expired"))
		}, ClassLoginNeeded, 1},
		{"non-retriable debug_info: new container", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			reply(w, 400, `{"debug_info":{"retriable":false,"type":"ProcessingFailedError","message":"Request processing failed"}}`)
		}, ClassRecreate, 1},
		{"5xx resumed until MaxAttempts", func(w http.ResponseWriter, r *http.Request, _ recorded) {
			if r.Method == http.MethodGet {
				reply(w, 200, `{"id":"CID"}`)
				return
			}
			reply(w, 502, `bad gateway`)
		}, ClassTransient, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, tc.h)
			c, _ := testClient(t, f, Config{Flavour: FlavourFacebook})
			err := c.Upload(t.Context(), "CID", bytes.NewReader(data), int64(len(data)), UploadOptions{MaxAttempts: 3})
			if ClassOf(err) != tc.class {
				t.Errorf("err %v: class %v, want %v", err, ClassOf(err), tc.class)
			}
			posts := 0
			for _, r := range f.requests() {
				if r.Method == "POST" {
					posts++
				}
			}
			if posts != tc.posts {
				t.Errorf("%d POSTs, want %d", posts, tc.posts)
			}
		})
	}
	c, _ := testClient(t, nil, Config{Flavour: FlavourFacebook, Endpoint: "http://127.0.0.1:1"})
	if err := c.Upload(t.Context(), "CID", bytes.NewReader(nil), 0, UploadOptions{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty upload: %v, want invalid", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := c.Upload(ctx, "CID", bytes.NewReader(data), 1000, UploadOptions{}); !errors.Is(err, context.Canceled) || ClassOf(err).MayHaveActed() {
		t.Errorf("cancelled upload: %v (class %v), want canceled", err, ClassOf(err))
	}
}

// BenchmarkUpload64MiB measures allocations of a streamed 64 MiB upload to
// a loopback server (client and server share the process).
func BenchmarkUpload64MiB(b *testing.B) {
	const size = 64 << 20
	path := filepath.Join(b.TempDir(), "sparse.mp4")
	fh, _ := os.Create(path)
	defer fh.Close()
	fh.Truncate(size)
	f := newFakeB(b, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		reply(w, 200, `{"success":true}`)
	})
	c, err := New(Config{Flavour: FlavourFacebook, Endpoint: f, TokenSource: StaticToken(testToken)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Upload(context.Background(), "CID", fh, size, UploadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
