package projects

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/internal/safeopen"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// Imports into the media store (its layout: package mediastore). A copy is
// written to a temporary name, synced and renamed into place, so a crash
// never leaves a half file under a hash name.

// Media kinds of the store.
const (
	kindVideo    = mediastore.KindVideo
	kindImage    = mediastore.KindImage
	kindAudio    = mediastore.KindAudio
	kindSubtitle = mediastore.KindSubtitle
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
func (s *Service) mediaRoot() string { return mediastore.Root(s.Paths.DataDir) }

func (s *Service) mediaPath(m store.Media) string { return mediastore.Path(s.Paths.DataDir, m) }

var (
	shaNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9a-f]{64})(\.[a-z0-9]{1,5})?$`) })
	extRE     = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\.[a-z0-9]{1,5}$`) })
)

// extFor picks the stored file's extension: the original's when it is a
// plain one, else one that matches the sniffed format. ffmpeg never relies
// on it (the builder forces the demuxer); it is for people.
func extFor(path string, f render.Format, kind string) string {
	ext := strings.ToLower(filepath.Ext(path))
	if extRE().MatchString(ext) {
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
func (s *Service) storedMedia(path string) (store.Media, bool) {
	rel, err := filepath.Rel(s.mediaRoot(), path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return store.Media{}, false
	}
	m := shaNameRE().FindStringSubmatch(filepath.Base(path))
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
func (s *Service) importMedia(ctx context.Context, path, want, key string) (store.Media, bool, error) {
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
		info, err := render.Probe(ctx, s.FFprobePath(), dst)
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

// openFailed is a refused open as the media error it is (invalid_input): what
// the path is instead of a file, or why it could not be read.
func openFailed(path string, err error) error {
	var se *safeopen.Error
	if errors.As(err, &se) {
		return &render.MediaError{File: path, Reason: se.Reason}
	}
	return &render.MediaError{File: path, Reason: "cannot open", Err: err}
}

// checkSubtitle accepts SRT and WebVTT: small UTF-8 text.
func checkSubtitle(path string) error {
	bad := func(reason string, err error) error { return &render.MediaError{File: path, Reason: reason, Err: err} }
	data, err := safeopen.ReadFile(path, maxSubtitleBytes)
	if err != nil {
		return openFailed(path, err)
	}
	if len(data) == 0 {
		return bad("zero bytes", nil)
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
func (s *Service) copyHashed(ctx context.Context, path string) (sha string, size int64, tmp string, err error) {
	src, _, err := safeopen.Open(path, safeopen.Options{MaxSize: render.MaxMediaBytes})
	if err != nil {
		return "", 0, "", openFailed(path, err)
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
	n, err := io.Copy(io.MultiWriter(f, h), mediastore.CtxReader{Ctx: ctx, R: src})
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

// HashFile returns a file's sha256 without copying it (spec files and
// single media files rendered in place). A file whose identity (device,
// inode, size, mtime, ctime) is unchanged since the last hash is not read
// again: that is what makes a cache hit on an unchanged 60 s spec instant.
func (s *Service) HashFile(ctx context.Context, path string) (string, error) {
	id, err := mediastore.StatID(path)
	if err != nil {
		return "", &render.MediaError{File: path, Reason: "cannot read", Err: err}
	}
	if sha, ok := s.render.hashes.get(id); ok {
		return sha, nil
	}
	f, _, err := safeopen.Open(path, safeopen.Options{MaxSize: render.MaxMediaBytes})
	if err != nil {
		return "", openFailed(path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, mediastore.CtxReader{Ctx: ctx, R: f}); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	// Only remember it when nothing changed while we read.
	if id2, err := mediastore.StatID(path); err == nil && id2 == id {
		s.render.hashes.put(id, sha)
	}
	return sha, nil
}

// knownHash is a file's sha256 when HashFile read this very file (by
// identity) before: no reading.
func (s *Service) knownHash(path string) (string, bool) {
	id, err := mediastore.StatID(path)
	if err != nil {
		return "", false
	}
	return s.render.hashes.get(id)
}

// hashCache remembers file hashes by identity, bounded in size.
type hashCache struct {
	mu sync.Mutex // guards m; a leaf
	m  map[mediastore.FileID]string
}

const hashCacheMax = 4096

func (c *hashCache) get(id mediastore.FileID) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sha, ok := c.m[id]
	return sha, ok
}

func (c *hashCache) put(id mediastore.FileID, sha string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= hashCacheMax {
		c.m = map[mediastore.FileID]string{}
	}
	c.m[id] = sha
}

// remember records the hash of a file just imported from path.
func (c *hashCache) remember(path, sha string) {
	if id, err := mediastore.StatID(path); err == nil {
		c.put(id, sha)
	}
}

// assetToAPI maps a media record to the wire.
func (s *Service) assetToAPI(m store.Media) api.Asset {
	a := api.Asset{SHA256: m.SHA256, Name: m.Name, Kind: m.Kind, Path: s.mediaPath(m), Source: m.Source,
		Size: m.Size, ImportedAt: m.ImportedAt}
	var f mediaFacts
	if len(m.Probe) > 0 && json.Unmarshal(m.Probe, &f) == nil {
		a.Duration, a.Width, a.Height, a.FPS = f.Duration, f.Width, f.Height, f.FPS
		a.VideoCodec, a.AudioCodec = f.VideoCodec, f.AudioCodec
	}
	return a
}
