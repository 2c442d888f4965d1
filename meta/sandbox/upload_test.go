package sandbox

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// mp4 builds a tiny ISO BMFF byte stream: ftyp, then moov/mdat in fast-start
// order or the reverse.
func mp4(faststart bool) []byte {
	box := func(typ string, payload int) []byte {
		b := make([]byte, 8+payload)
		binary.BigEndian.PutUint32(b, uint32(8+payload))
		copy(b[4:], typ)
		for i := 8; i < len(b); i++ {
			b[i] = byte(i)
		}
		return b
	}
	out := box("ftyp", 16)
	if faststart {
		out = append(out, box("moov", 300)...)
		return append(out, box("mdat", 5000)...)
	}
	out = append(out, box("mdat", 5000)...)
	return append(out, box("moov", 300)...)
}

func (e *env) ru(method, uri, auth string, hdr map[string]string, body []byte) *resp {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, uri, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range hdr {
		req.Header[k] = []string{v} // exact lower-case names as Meta documents them
	}
	return e.send(req)
}

func debugType(t *testing.T, r *resp) string {
	t.Helper()
	var m struct {
		DebugInfo struct {
			Retriable bool   `json:"retriable"`
			Type      string `json:"type"`
			Message   string `json:"message"`
		} `json:"debug_info"`
	}
	if err := json.Unmarshal(r.body, &m); err != nil || m.DebugInfo.Type == "" {
		t.Fatalf("not a debug_info body: %s", r.body)
	}
	return m.DebugInfo.Type
}

func TestResumableUploadWithResume(t *testing.T) {
	e := newEnv(t, Options{ProcessingTime: -1})
	tok := e.fbToken()
	r := e.post(mediaPath, tok, "media_type", "REELS", "upload_type", "resumable", "caption", "up")
	wantStatus(t, r, 200)
	m := r.obj(t)
	cid, uri := str(m, "id"), str(m, "uri")
	if uri != e.base+"/ig-api-upload/v25.0/"+cid {
		t.Fatalf("uri %q", uri)
	}
	data := mp4(true)
	size := strconv.Itoa(len(data))
	auth := "OAuth " + tok

	// Header checks.
	if r := e.ru("POST", uri, "Bearer "+tok, map[string]string{"offset": "0", "file_size": size}, data); r.status != 401 || debugType(t, r) != "OAuthException" {
		t.Errorf("Bearer scheme: %d %s", r.status, r.body)
	}
	if r := e.ru("POST", uri, auth, map[string]string{"file_size": size}, data); r.status != 400 || debugType(t, r) != "ProcessingFailedError" {
		t.Errorf("missing offset: %d %s", r.status, r.body)
	}
	if r := e.ru("POST", uri, auth, map[string]string{"offset": "0"}, data); r.status != 400 {
		t.Errorf("missing file_size: %d %s", r.status, r.body)
	}
	if r := e.ru("POST", uri, auth, map[string]string{"offset": "10", "file_size": size}, data[10:]); r.status != 400 {
		t.Errorf("offset past received: %d %s", r.status, r.body)
	}

	// The connection breaks after 1000 bytes; the sandbox keeps them.
	e.s.DropNextUpload(1000)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, uri, bytes.NewReader(data))
	req.Header.Set("Authorization", auth)
	req.Header["offset"] = []string{"0"}
	req.Header["file_size"] = []string{size}
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("dropped upload answered %d", res.StatusCode)
	}
	vs := e.get("/v25.0/"+cid, tok, "fields", "status_code,video_status").obj(t)
	up := vs["video_status"].(map[string]any)["uploading_phase"].(map[string]any)
	if up["bytes_transferred"] != float64(1000) || str(vs, "status_code") != StatusInProgress {
		t.Fatalf("after drop: %v", vs)
	}
	got := e.ru("GET", uri, auth, nil, nil).obj(t)
	if got["offset"] != float64(1000) {
		t.Errorf("GET rupload %v", got)
	}
	if r := e.ru("POST", uri, auth, map[string]string{"offset": "0", "file_size": "99"}, data); r.status != 400 {
		t.Errorf("changed file_size: %d %s", r.status, r.body)
	}
	// Resume from an earlier offset: duplicate bytes are skipped.
	r = e.ru("POST", uri, auth, map[string]string{"offset": "900", "file_size": size}, data[900:])
	wantStatus(t, r, 200)
	if m := r.obj(t); m["success"] != true || m["message"] != "Upload successful." {
		t.Errorf("upload answer %s", r.body)
	}
	c, _ := e.s.Container(cid)
	if c.Upload.Received != int64(len(data)) || c.Upload.SHA256 != TokenSHA256(string(data)) || c.StatusCode != StatusFinished {
		t.Fatalf("upload state %+v %s", c.Upload, c.StatusCode)
	}
	wantStatus(t, e.post(publishPath, tok, "creation_id", cid), 200)
	if p := e.s.Published(); len(p) != 1 || p[0].Caption != "up" {
		t.Fatalf("published %+v", p)
	}
	// A container made without upload_type=resumable takes no bytes.
	plain := e.create(tok, "media_type", "REELS", "video_url", "https://cdn.example.com/v.mp4")
	if r := e.ru("POST", e.base+"/ig-api-upload/v25.0/"+plain, auth, map[string]string{"offset": "0", "file_size": size}, data); r.status != 400 {
		t.Errorf("non-resumable container: %d", r.status)
	}
}

func TestRuploadFileURLAndCheckVideo(t *testing.T) {
	e := newEnv(t, Options{ProcessingTime: -1, CheckVideo: true})
	tok := e.fbToken()
	files := map[string][]byte{"/fast.mp4": mp4(true), "/slow.mp4": mp4(false)}
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(files[r.URL.Path])
	}))
	defer origin.Close()
	for name, want := range map[string]string{"/fast.mp4": StatusFinished, "/slow.mp4": StatusError} {
		m := e.post(mediaPath, tok, "media_type", "REELS", "upload_type", "resumable").obj(t)
		r := e.ru("POST", str(m, "uri"), "OAuth "+tok, map[string]string{"file_url": origin.URL + name}, nil)
		wantStatus(t, r, 200)
		cid := str(m, "id")
		waitFor(t, "file_url fetch", func() bool { c, _ := e.s.Container(cid); return c.Fetch != nil && c.Fetch.Done })
		code, text := e.status(tok, cid)
		if code != want {
			t.Errorf("%s: %s %q", name, code, text)
		}
		if want == StatusError && !strings.Contains(text, "2207026") {
			t.Errorf("%s: status text %q lacks the subcode", name, text)
		}
	}
	// Uploaded bytes are checked the same way.
	m := e.post(mediaPath, tok, "media_type", "REELS", "upload_type", "resumable").obj(t)
	data := mp4(false)
	e.ru("POST", str(m, "uri"), "OAuth "+tok, map[string]string{"offset": "0", "file_size": strconv.Itoa(len(data))}, data)
	if code, _ := e.status(tok, str(m, "id")); code != StatusError {
		t.Errorf("uploaded non-faststart video: %s", code)
	}
	wantErr(t, e.post(publishPath, tok, "creation_id", str(m, "id")), 400, 352, 2207026)
}

func TestBoxWalkerChunked(t *testing.T) {
	data := mp4(true)
	for _, chunk := range []int{1, 3, 7, 64, len(data)} {
		var b boxWalker
		for i := 0; i < len(data); i += chunk {
			_, _ = b.Write(data[i:min(len(data), i+chunk)])
		}
		if got := strings.Join(b.result().Boxes, ","); got != "ftyp,moov,mdat" || !b.result().OK() {
			t.Errorf("chunk %d: boxes %s", chunk, got)
		}
	}
	if (&videoCheck{Boxes: []string{"ftyp", "mdat", "moov"}}).OK() {
		t.Error("moov after mdat passes")
	}
}

func TestConcurrentUploadRefused(t *testing.T) {
	e := newEnv(t, Options{ProcessingTime: -1})
	tok := e.fbToken()
	m := e.post(mediaPath, tok, "media_type", "REELS", "upload_type", "resumable").obj(t)
	uri, cid := str(m, "uri"), str(m, "id")
	data := mp4(true)
	hdr := map[string]string{"offset": "0", "file_size": strconv.Itoa(len(data))}
	pr, pw := io.Pipe()
	first := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, uri, pr)
		req.Header.Set("Authorization", "OAuth "+tok)
		for k, v := range hdr {
			req.Header[k] = []string{v}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- nil
			return
		}
		res.Body.Close()
		first <- res
	}()
	if _, err := pw.Write(data[:100]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "first bytes", func() bool { c, _ := e.s.Container(cid); return c.Upload.Received == 100 })
	r := e.ru("POST", uri, "OAuth "+tok, map[string]string{"offset": "100", "file_size": hdr["file_size"]}, data[100:])
	if r.status != http.StatusConflict || debugType(t, r) != "ProcessingFailedError" {
		t.Errorf("concurrent upload: %d %s", r.status, r.body)
	}
	_, _ = pw.Write(data[100:])
	pw.Close()
	if res := <-first; res == nil || res.StatusCode != 200 {
		t.Fatalf("first upload: %v", res)
	}
	if c, _ := e.s.Container(cid); c.StatusCode != StatusFinished || c.Upload.SHA256 != TokenSHA256(string(data)) {
		t.Errorf("container %+v", c)
	}
}
