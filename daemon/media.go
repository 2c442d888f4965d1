package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// The media store keeps every imported file under the data directory as
// media/<aa>/<sha256><ext>, where aa are the hash's first two hex digits.
// Files are always copied, never linked: the user may edit or delete the
// original, and a project must render the same bytes next year. A copy is
// written to a temporary name, synced and renamed into place, so a crash
// never leaves a half file under a hash name.

// Media kinds of the store.
const (
	kindVideo    = "video"
	kindImage    = "image"
	kindAudio    = "audio"
	kindSubtitle = "subtitle"
)

// maxSubtitleBytes bounds a captions file; real SRT files are kilobytes.
const maxSubtitleBytes = 5 << 20

// mediaFacts is what the store keeps of a probe (store.Media.Probe).
type mediaFacts struct {
	Format     string  `json:"format,omitempty"`
	Duration   float64 `json:"duration,omitempty"`
	Width      int     `json:"width,omitempty"`
	Height     int     `json:"height,omitempty"`
	FPS        float64 `json:"fps,omitempty"`
	VideoCodec string  `json:"video_codec,omitempty"`
	PixFmt     string  `json:"pix_fmt,omitempty"`
	AudioCodec string  `json:"audio_codec,omitempty"`
	SampleRate int     `json:"sample_rate,omitempty"`
}

func factsOf(info *render.MediaInfo) mediaFacts {
	f := mediaFacts{Format: info.Format.Name, Duration: info.Duration}
	if v := info.Video; v != nil {
		f.Width, f.Height, f.FPS, f.VideoCodec, f.PixFmt = v.DisplayWidth, v.DisplayHeight, v.FPS, v.Codec, v.PixFmt
	}
	if a := info.Audio; a != nil {
		f.AudioCodec, f.SampleRate = a.Codec, a.SampleRate
	}
	return f
}

// mediaRoot is the media store directory.
func (s *Server) mediaRoot() string { return filepath.Join(s.Paths.DataDir, "media") }

// mediaRel is a media file's path relative to the data directory: the
// form the stored specs use.
func mediaRel(sha, ext string) string { return filepath.Join("media", sha[:2], sha+ext) }

func (s *Server) mediaPath(m store.Media) string {
	return filepath.Join(s.Paths.DataDir, mediaRel(m.SHA256, m.Ext))
}

var (
	shaNameRE = regexp.MustCompile(`^([0-9a-f]{64})(\.[a-z0-9]{1,5})?$`)
	extRE     = regexp.MustCompile(`^\.[a-z0-9]{1,5}$`)
)

// extFor picks the stored file's extension: the original's when it is a
// plain one, else one that matches the sniffed format. ffmpeg never relies
// on it (the builder forces the demuxer); it is for people.
func extFor(path string, f render.Format, kind string) string {
	ext := strings.ToLower(filepath.Ext(path))
	if extRE.MatchString(ext) {
		return ext
	}
	if kind == kindSubtitle {
		return ".srt"
	}
	switch f.Demuxer {
	case "mov":
		return ".mp4"
	case "matroska":
		return ".mkv"
	case "mpegts":
		return ".ts"
	case "jpeg_pipe":
		return ".jpg"
	case "png_pipe":
		return ".png"
	case "webp_pipe":
		return ".webp"
	case "":
		return ".bin"
	}
	return "." + f.Demuxer
}

// storedMedia recognises a path inside our own media store (as `project
// export` writes them) and returns its record without reading the file
// again: an exported spec applied back must not copy or rehash anything.
func (s *Server) storedMedia(path string) (store.Media, bool) {
	rel, err := filepath.Rel(s.mediaRoot(), path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return store.Media{}, false
	}
	m := shaNameRE.FindStringSubmatch(filepath.Base(path))
	if m == nil || filepath.Dir(rel) != m[1][:2] {
		return store.Media{}, false
	}
	rec, err := s.DB.Media(m[1])
	if err != nil || rec.Ext != m[2] {
		return store.Media{}, false
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != rec.Size {
		return store.Media{}, false
	}
	return rec, true
}

// importMedia copies a file into the media store (once per content),
// refusing what is not media, and records what ffprobe says about it.
// want is the kind the caller needs ("" for any media; kindSubtitle for
// captions, which are text and never probed). key names the spec key or
// argument for messages.
func (s *Server) importMedia(ctx context.Context, path, want, key string) (store.Media, bool, error) {
	if rec, ok := s.storedMedia(path); ok {
		if err := kindMismatch(path, rec.Kind, want, key); err != nil {
			return store.Media{}, false, err
		}
		return rec, false, nil
	}
	var format render.Format
	kind := kindSubtitle
	if want == kindSubtitle {
		if err := checkSubtitle(path); err != nil {
			return store.Media{}, false, err
		}
	} else {
		f, err := render.Sniff(path)
		if err != nil {
			return store.Media{}, false, err
		}
		format, kind = f, f.Kind
		if err := kindMismatch(path, kind, want, key); err != nil {
			return store.Media{}, false, err
		}
	}
	sha, size, tmp, err := s.copyHashed(ctx, path)
	if err != nil {
		return store.Media{}, false, err
	}
	defer os.Remove(tmp) // no-op once renamed
	rec, err := s.DB.Media(sha)
	switch {
	case err == nil:
		// Known content: make sure the file is (still) there.
		dst := s.mediaPath(rec)
		if fi, serr := os.Stat(dst); serr == nil && fi.Size() == rec.Size {
			return rec, false, nil
		}
		if err := renameInto(tmp, dst); err != nil {
			return store.Media{}, false, err
		}
		return rec, false, nil
	case !store.IsNotFound(err):
		return store.Media{}, false, err
	}
	rec = store.Media{SHA256: sha, Ext: extFor(path, format, kind), Size: size, Kind: kind,
		Name: filepath.Base(path), Source: path}
	dst := s.mediaPath(rec)
	if err := renameInto(tmp, dst); err != nil {
		return store.Media{}, false, err
	}
	if kind != kindSubtitle {
		// Probe the stored copy: the facts then describe exactly the bytes
		// renders will read.
		info, err := render.Probe(ctx, s.ffprobePath(), dst)
		if err != nil {
			os.Remove(dst)
			var me *render.MediaError
			if errors.As(err, &me) {
				cp := *me
				cp.File = path
				return store.Media{}, false, &cp
			}
			return store.Media{}, false, err
		}
		if want == kindVideo && info.Video == nil {
			os.Remove(dst)
			return store.Media{}, false, &render.MediaError{File: path, Reason: key + ": has no video stream"}
		}
		rec.Probe, _ = json.Marshal(factsOf(info))
	}
	rec, created, err := s.DB.PutMedia(rec)
	if err != nil {
		return store.Media{}, false, err
	}
	s.render.hashes.remember(path, rec.SHA256)
	return rec, created, nil
}

// kindMismatch refuses e.g. a photo given as a clip's video.
func kindMismatch(path, got, want, key string) error {
	if want == "" || got == want {
		return nil
	}
	if want == kindAudio && got == kindVideo {
		return nil // music from a video's sound track
	}
	hint := ""
	switch {
	case want == kindVideo && got == kindImage:
		hint = "; use image: for stills"
	case want == kindImage && got == kindVideo:
		hint = "; use video: for moving pictures"
	}
	return &render.MediaError{File: path, Reason: fmt.Sprintf("%s wants %s, but this is %s%s", key, article(want), article(got), hint)}
}

func article(kind string) string {
	switch kind {
	case kindImage:
		return "an image"
	case kindAudio:
		return "an audio file"
	case kindSubtitle:
		return "a subtitle file"
	}
	return "a " + kind
}

// checkSubtitle accepts SRT and WebVTT: small UTF-8 text.
func checkSubtitle(path string) error {
	bad := func(reason string, err error) error { return &render.MediaError{File: path, Reason: reason, Err: err} }
	fi, err := os.Stat(path)
	if err != nil {
		return bad("cannot read", err)
	}
	if !fi.Mode().IsRegular() {
		return bad("not a regular file", nil)
	}
	if fi.Size() == 0 {
		return bad("zero bytes", nil)
	}
	if fi.Size() > maxSubtitleBytes {
		return bad("too large for a captions file (over 5 MB)", nil)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return bad("cannot read", err)
	}
	if !utf8.Valid(data) {
		return bad("captions must be UTF-8 text (SRT or WebVTT)", nil)
	}
	if _, err := render.ParseSubtitles(data); err != nil {
		return bad("not readable as SRT or WebVTT captions", err)
	}
	return nil
}

// copyHashed copies path to a temporary file in the media store while
// hashing it, and syncs the copy. It reads the source once.
func (s *Server) copyHashed(ctx context.Context, path string) (sha string, size int64, tmp string, err error) {
	src, err := os.Open(path)
	if err != nil {
		return "", 0, "", &render.MediaError{File: path, Reason: "cannot open", Err: err}
	}
	defer src.Close()
	if err := os.MkdirAll(s.mediaRoot(), 0o700); err != nil {
		return "", 0, "", fmt.Errorf("media store: %w", err)
	}
	f, err := os.CreateTemp(s.mediaRoot(), ".import-*")
	if err != nil {
		return "", 0, "", fmt.Errorf("media store: %w", err)
	}
	tmp = f.Name()
	fail := func(err error) (string, int64, string, error) {
		f.Close()
		os.Remove(tmp)
		return "", 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, src})
	if err != nil {
		if ctx.Err() != nil {
			return fail(ctx.Err())
		}
		return fail(fmt.Errorf("import %s: %w", path, err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("import %s: %w", path, err))
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return "", 0, "", fmt.Errorf("import %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, tmp, nil
}

func renameInto(tmp, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("media store: %w", err)
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ctxReader stops a long copy or hash when the request goes away.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// hashFile returns a file's sha256 without copying it (spec files and
// single media files rendered in place). A file whose identity (device,
// inode, size, mtime, ctime) is unchanged since the last hash is not read
// again: that is what makes a cache hit on an unchanged 60 s spec instant.
func (s *Server) hashFile(ctx context.Context, path string) (string, error) {
	id, err := statID(path)
	if err != nil {
		return "", &render.MediaError{File: path, Reason: "cannot read", Err: err}
	}
	if sha, ok := s.render.hashes.get(id); ok {
		return sha, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", &render.MediaError{File: path, Reason: "cannot open", Err: err}
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	// Only remember it when nothing changed while we read.
	if id2, err := statID(path); err == nil && id2 == id {
		s.render.hashes.put(id, sha)
	}
	return sha, nil
}

// fileID identifies a file's content cheaply: any write changes ctime.
type fileID struct {
	path         string
	dev, ino     uint64
	size         int64
	mtime, ctime int64
}

func statID(path string) (fileID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	if !fi.Mode().IsRegular() {
		return fileID{}, fmt.Errorf("%w: not a regular file", fs.ErrInvalid)
	}
	id := fileID{path: path, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	id.dev, id.ino, id.ctime = sysID(fi)
	return id, nil
}

// hashCache remembers file hashes by identity, bounded in size.
type hashCache struct {
	mu sync.Mutex
	m  map[fileID]string
}

const hashCacheMax = 4096

func (c *hashCache) get(id fileID) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sha, ok := c.m[id]
	return sha, ok
}

func (c *hashCache) put(id fileID, sha string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= hashCacheMax {
		c.m = map[fileID]string{}
	}
	c.m[id] = sha
}

// remember records the hash of a file just imported from path.
func (c *hashCache) remember(path, sha string) {
	if id, err := statID(path); err == nil {
		c.put(id, sha)
	}
}

// assetToAPI maps a media record to the wire.
func (s *Server) assetToAPI(m store.Media) api.Asset {
	a := api.Asset{SHA256: m.SHA256, Name: m.Name, Kind: m.Kind, Path: s.mediaPath(m), Source: m.Source,
		Size: m.Size, ImportedAt: m.ImportedAt}
	var f mediaFacts
	if len(m.Probe) > 0 && json.Unmarshal(m.Probe, &f) == nil {
		a.Duration, a.Width, a.Height, a.FPS = f.Duration, f.Width, f.Height, f.FPS
		a.VideoCodec, a.AudioCodec = f.VideoCodec, f.AudioCodec
	}
	return a
}
