package sandbox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	maxImageBytes = 8 << 20
	maxVideoBytes = 300 << 20
	crawlerUA     = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
)

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// isLoopback reports whether a media URL points at this machine. Only such
// URLs are fetched: the sandbox is offline, so any other URL is accepted
// as if Meta's crawler had fetched it.
func isLoopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// debugInfo writes rupload's error shape (docs/META.md §6).
func debugInfo(w http.ResponseWriter, status int, retriable bool, typ, detail string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	msg := "Request processing failed"
	if typ == "OAuthException" {
		msg = detail
	}
	b, _ := json.Marshal(map[string]any{
		"debug_info":     map[string]any{"retriable": retriable, "type": typ, "message": msg},
		"sandbox_detail": detail,
	})
	_, _ = w.Write(b)
}

// rupload serves rupload.facebook.com/ig-api-upload/{ver}/{container-id}.
// POST needs "Authorization: OAuth <token>" and either the offset and
// file_size headers with raw bytes, or a file_url header. GET reports the
// received offset (a sandbox convenience; GET /{container}?fields=video_status
// carries the same number the documented way).
func (s *Server) rupload(w http.ResponseWriter, r *http.Request) {
	segs := splitPath(r.URL.Path)
	if len(segs) != 3 || !versionRE().MatchString(segs[1]) {
		debugInfo(w, http.StatusNotFound, false, "ProcessingFailedError", "path must be /ig-api-upload/{version}/{container-id}")
		return
	}
	cid := segs[2]
	if !s.sleep(r) {
		return
	}
	s.mu.Lock()
	failed := s.knobs.FailRate > 0 && s.fault.Float64() < s.knobs.FailRate
	s.mu.Unlock()
	if failed {
		debugInfo(w, http.StatusInternalServerError, true, "ProcessingFailedError", "injected transient failure")
		return
	}
	auth := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "OAuth") || strings.TrimSpace(tok) == "" {
		debugInfo(w, http.StatusUnauthorized, false, "OAuthException", "Authorization header must be: OAuth <access token>")
		return
	}
	s.mu.Lock()
	t, gerr := s.checkTokenLocked(strings.TrimSpace(tok))
	ct := s.st.containers[cid]
	switch {
	case gerr != nil:
		s.mu.Unlock()
		debugInfo(w, http.StatusUnauthorized, false, "OAuthException", gerr.Message)
		return
	case ct == nil || !s.canAccessIG(t, ct.Owner):
		s.mu.Unlock()
		debugInfo(w, http.StatusNotFound, false, "ProcessingFailedError", "no container "+cid+" for this token")
		return
	case ct.Upload == nil:
		s.mu.Unlock()
		debugInfo(w, http.StatusBadRequest, false, "ProcessingFailedError", "the container was not created with upload_type=resumable")
		return
	case !t.can(capPublish):
		s.mu.Unlock()
		debugInfo(w, http.StatusForbidden, false, "OAuthException", "(#10) Application does not have permission for this action")
		return
	}
	up := ct.Upload
	if r.Method == http.MethodGet {
		out := map[string]any{"offset": up.Received, "file_size": up.FileSize}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		_ = json.NewEncoder(w).Encode(out)
		return
	}
	if r.Method != http.MethodPost {
		s.mu.Unlock()
		debugInfo(w, http.StatusMethodNotAllowed, false, "ProcessingFailedError", "method must be POST")
		return
	}
	up.Requests++
	if fu := r.Header.Get("file_url"); fu != "" {
		s.ruploadFileURL(w, ct, fu) // unlocks
		return
	}
	offset, err1 := strconv.ParseInt(r.Header.Get("offset"), 10, 64)
	size, err2 := strconv.ParseInt(r.Header.Get("file_size"), 10, 64)
	var detail string
	switch {
	case err1 != nil || offset < 0:
		detail = "offset header missing or not a non-negative integer"
	case err2 != nil || size <= 0:
		detail = "file_size header missing or not a positive integer"
	case size > maxVideoBytes:
		detail = "file_size exceeds 300 MB"
	case up.FileSize != 0 && size != up.FileSize:
		detail = "file_size differs from the earlier upload request (" + strconv.FormatInt(up.FileSize, 10) + ")"
	case offset > up.Received:
		detail = "offset " + strconv.FormatInt(offset, 10) + " is past the received bytes (" + strconv.FormatInt(up.Received, 10) + "); resume from there"
	case offset > size:
		detail = "offset is past file_size"
	case !ct.ReadyAt.IsZero():
		detail = "the upload is already complete"
	}
	if detail != "" {
		s.mu.Unlock()
		debugInfo(w, http.StatusBadRequest, false, "ProcessingFailedError", detail)
		return
	}
	if up.busy {
		s.mu.Unlock()
		debugInfo(w, http.StatusConflict, true, "ProcessingFailedError", "another upload request for this container is still running")
		return
	}
	up.busy = true
	defer func() {
		s.mu.Lock()
		up.busy = false
		s.mu.Unlock()
	}()
	up.FileSize = size
	dropAfter := s.knobs.DropUploadAfter
	s.knobs.DropUploadAfter = -1
	s.mu.Unlock()

	// Bytes before the received offset were already taken: skip them.
	skip := up.Received - offset
	var body io.Reader = r.Body
	if dropAfter >= 0 {
		body = io.LimitReader(r.Body, dropAfter)
	}
	buf := make([]byte, 64<<10)
	var readErr error
	tooBig := false
	for {
		n, err := body.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if skip > 0 {
				k := min(skip, int64(len(chunk)))
				chunk, skip = chunk[k:], skip-k
			}
			s.mu.Lock()
			room := up.FileSize - up.Received
			if int64(len(chunk)) > room {
				chunk, tooBig = chunk[:room], true
			}
			up.hash.Write(chunk)
			_, _ = up.box.Write(chunk)
			up.Received += int64(len(chunk))
			s.mu.Unlock()
			if tooBig {
				break
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
	}
	if dropAfter >= 0 {
		panic(http.ErrAbortHandler) // the knob: cut the connection mid-upload
	}
	if readErr != nil {
		return // client went away; the bytes so far count for a resume
	}
	s.mu.Lock()
	if up.Received == up.FileSize {
		up.SHA256 = hex.EncodeToString(up.hash.Sum(nil))
		s.finishMediaLocked(ct, up.box.result())
	}
	s.mu.Unlock()
	if tooBig {
		debugInfo(w, http.StatusBadRequest, false, "ProcessingFailedError", "body is longer than file_size - offset")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write([]byte(`{"success":true,"message":"Upload successful."}`))
}

// ruploadFileURL handles the file_url header variant. Called with s.mu
// held; it unlocks.
func (s *Server) ruploadFileURL(w http.ResponseWriter, ct *container, fu string) {
	u, err := url.Parse(fu)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		s.mu.Unlock()
		debugInfo(w, http.StatusBadRequest, false, "ProcessingFailedError", "file_url must be an http(s) URL")
		return
	}
	ct.Upload.FileURL = fu
	fetch := isLoopback(fu)
	if fetch {
		ct.Fetch = &fetchRecord{URL: fu, Fetched: true}
	} else {
		ct.Fetch = &fetchRecord{URL: fu, Done: true, OK: true}
		ct.ReadyAt = s.now()
	}
	s.mu.Unlock()
	if fetch {
		s.fetchVideoAsync(ct.ID, fu)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write([]byte(`{"success":true,"message":"Upload successful."}`))
}

// finishMediaLocked starts processing once a container's bytes are all in,
// applying the CheckVideo knob. Caller holds s.mu.
func (s *Server) finishMediaLocked(ct *container, vc *videoCheck) {
	ct.ReadyAt = s.now()
	ct.Video = vc
	if s.knobs.CheckVideo && vc != nil && !vc.OK() && !ct.Failed {
		ct.Failed, ct.FailCode, ct.FailSub = true, 352, 2207026
		ct.FailStatus = "Error: The video format is not supported. Please check spec for supported format. (" + vc.Problem() + ") 2207026"
	}
}

// fetchImage fetches a loopback image_url while the create call waits and
// applies the image rules of docs/META.md §16.
func (s *Server) fetchImage(r *http.Request, raw string, feed bool) (*fetchRecord, *GraphError) {
	rec := &fetchRecord{URL: raw, Fetched: true, Done: true}
	body, status, ctype, err := s.get(r.Context(), raw, maxImageBytes+1)
	rec.Status, rec.ContentType, rec.Bytes = status, ctype, int64(len(body))
	sum := sha256.Sum256(body)
	rec.SHA256 = hex.EncodeToString(sum[:])
	if err != nil || status/100 != 2 {
		return nil, gerr(400, 9004, 2207052, typeOAuth, "The media could not be fetched from this uri: "+raw).user(
			"Media download has failed", "The media URI doesn't meet our requirements.")
	}
	if len(body) > maxImageBytes {
		return nil, gerr(400, 36000, 2207004, typeOAuth, "The image is too large").user(
			"Image too large", "The image must be 8 MB or smaller.")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, gerr(400, 36001, 2207005, typeOAuth, "The image format is not supported").user(
			"Unsupported image format", "Only JPEG images are supported.")
	}
	if feed && cfg.Height > 0 {
		ar := float64(cfg.Width) / float64(cfg.Height)
		if ar < 0.8 || ar > 1.91 {
			return nil, gerr(400, 36003, 2207009, typeOAuth, "The aspect ratio is not supported").user(
				"Unsupported aspect ratio", "The image aspect ratio must be between 4:5 and 1.91:1.")
		}
	}
	rec.OK = true
	return rec, nil
}

// fetchVideoAsync downloads a loopback video URL in the background, as
// Meta's crawler does after the create call returned.
func (s *Server) fetchVideoAsync(cid, raw string) {
	started := s.goBackground(func(ctx context.Context) {
		bw := &boxWalker{}
		h := sha256.New()
		status, ctype, n, err := s.stream(ctx, raw, io.MultiWriter(h, bw), maxVideoBytes)
		s.mu.Lock()
		defer s.mu.Unlock()
		ct := s.st.containers[cid]
		if ct == nil || ct.Fetch == nil {
			return
		}
		f := ct.Fetch
		f.Done, f.Status, f.ContentType, f.Bytes = true, status, ctype, n
		f.SHA256 = hex.EncodeToString(h.Sum(nil))
		if err != nil || status/100 != 2 {
			f.Error = "download failed"
			if err != nil {
				f.Error = redactURL(err.Error(), raw)
			} else {
				f.Error = "HTTP " + strconv.Itoa(status)
			}
			if !ct.Failed {
				ct.Failed, ct.FailCode, ct.FailSub, ct.FailStatus = true, 9004, 2207052, defaultFailStatus
			}
			return
		}
		f.OK = true
		s.finishMediaLocked(ct, bw.result())
	})
	if !started {
		s.mu.Lock()
		if ct := s.st.containers[cid]; ct != nil && ct.Fetch != nil {
			ct.Fetch.Done, ct.Fetch.Error = true, "sandbox closed"
		}
		s.mu.Unlock()
	}
}

func redactURL(msg, raw string) string { return strings.ReplaceAll(msg, raw, "<url>") }

// get fetches a URL into memory, up to limit bytes.
func (s *Server) get(ctx context.Context, raw string, limit int64) ([]byte, int, string, error) {
	var buf bytes.Buffer
	status, ctype, _, err := s.stream(ctx, raw, &buf, limit)
	return buf.Bytes(), status, ctype, err
}

// stream GETs raw as Meta's crawler would and copies at most limit bytes.
func (s *Server) stream(ctx context.Context, raw string, w io.Writer, limit int64) (int, string, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return 0, "", 0, err
	}
	req.Header.Set("User-Agent", crawlerUA)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, io.LimitReader(resp.Body, limit))
	return resp.StatusCode, resp.Header.Get("Content-Type"), n, err
}

// videoCheck is what the sandbox learnt from a video's top-level boxes.
type videoCheck struct {
	Boxes []string `json:"boxes"`
}

// OK reports an MP4/MOV with ftyp first and moov before mdat (fast start).
func (v *videoCheck) OK() bool { return v.Problem() == "" }

// Problem describes what is wrong, "" when nothing is.
func (v *videoCheck) Problem() string {
	if len(v.Boxes) == 0 || v.Boxes[0] != "ftyp" {
		return "not an MP4/MOV file"
	}
	moov, mdat := -1, -1
	for i, b := range v.Boxes {
		if b == "moov" && moov < 0 {
			moov = i
		}
		if b == "mdat" && mdat < 0 {
			mdat = i
		}
	}
	switch {
	case moov < 0:
		return "no moov atom"
	case mdat >= 0 && mdat < moov:
		return "moov atom after mdat (no fast start)"
	}
	return ""
}

// boxWalker records the order of top-level ISO BMFF boxes from a byte
// stream fed in arbitrary chunks.
type boxWalker struct {
	hdr   []byte
	skip  int64 // bytes left in the current box; -1: to end of file
	boxes []string
	bad   bool
}

func (b *boxWalker) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !b.bad {
		if b.skip < 0 {
			return n, nil
		}
		if b.skip > 0 {
			k := min(b.skip, int64(len(p)))
			b.skip -= k
			p = p[k:]
			continue
		}
		need := 8
		if len(b.hdr) >= 8 && binary.BigEndian.Uint32(b.hdr[:4]) == 1 {
			need = 16
		}
		k := min(need-len(b.hdr), len(p))
		b.hdr = append(b.hdr, p[:k]...)
		p = p[k:]
		if len(b.hdr) < need {
			continue
		}
		if need == 8 && binary.BigEndian.Uint32(b.hdr[:4]) == 1 {
			continue // 64-bit size follows
		}
		size := int64(binary.BigEndian.Uint32(b.hdr[:4]))
		typ := string(b.hdr[4:8])
		if need == 16 {
			size = int64(binary.BigEndian.Uint64(b.hdr[8:16]))
		}
		if len(b.boxes) < 64 {
			b.boxes = append(b.boxes, typ)
		}
		switch {
		case size == 0:
			b.skip = -1
		case size < int64(need):
			b.bad = true
		default:
			b.skip = size - int64(need)
		}
		b.hdr = b.hdr[:0]
	}
	return n, nil
}

func (b *boxWalker) result() *videoCheck {
	return &videoCheck{Boxes: append([]string(nil), b.boxes...)}
}
