package projects

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/internal/safeopen"
	"github.com/impress-dev/impress/render"
)

// The TUI's preview: one small still of an imported media file, as raw
// RGB, so the editor can draw it with half-block characters without
// decoding anything. It is a separate endpoint (not a render job) because
// the editor asks for a frame on every cursor move and needs an answer in
// a fraction of a second: a single ffmpeg run that decodes one frame.

// previewTimeout bounds one still; a seek into a long phone clip takes
// well under a second, so anything near this is a stuck ffmpeg.
const previewTimeout = 20 * time.Second

func (s *Service) previewRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/preview/frame", s.NeedStore(s.previewFrame))
}

func (s *Service) previewFrame(w http.ResponseWriter, r *http.Request) {
	var req api.PreviewRequest
	if !httpx.DecodeBody(w, r, &req) {
		return
	}
	if err := s.checkPreview(req); err != nil {
		s.Fail(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), previewTimeout)
	defer cancel()
	rgb, err := runPreview(ctx, s.ffmpegPath(), s.FFprobePath(), req)
	if err != nil {
		s.Fail(w, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, api.PreviewFrame{Width: req.Width, Height: req.Height, RGB: rgb})
}

// checkPreview refuses what the preview must never do: read a file outside
// the media store (the socket is private, but the endpoint has no reason
// to be a general file reader), or ask ffmpeg for a huge or odd frame.
func (s *Service) checkPreview(req api.PreviewRequest) error {
	if err := requireAbs("preview", req.Path); err != nil {
		return err
	}
	store := filepath.Join(s.Paths.DataDir, "media") + string(filepath.Separator)
	if clean := filepath.Clean(req.Path); !strings.HasPrefix(clean, store) {
		return api.Errorf(api.CodeInvalid, "preview: %s is not in the media store (%s); preview only imported media", req.Path, store)
	}
	// the media store's own files: a link there could only be planted
	if _, err := safeopen.Check(req.Path, safeopen.Options{NoFollow: true}); err != nil {
		code := api.CodeInvalid
		if errors.Is(err, fs.ErrNotExist) {
			code = api.CodeNotFound
		}
		return api.Errorf(code, "preview: %v", err)
	}
	if req.Width < 2 || req.Height < 2 || req.Width > api.PreviewMaxWidth || req.Height > api.PreviewMaxHeight {
		return api.Errorf(api.CodeInvalid, "preview: size %dx%d is out of range 2x2..%dx%d", req.Width, req.Height, api.PreviewMaxWidth, api.PreviewMaxHeight)
	}
	if math.IsNaN(req.At) || math.IsInf(req.At, 0) || req.At < 0 || req.At > render.MaxSourceSeconds {
		return api.Errorf(api.CodeInvalid, "preview: time %v is not a time in the clip", req.At)
	}
	if req.Fit != "" && !slices.Contains(api.SpecFits, req.Fit) {
		return api.Errorf(api.CodeInvalid, "preview: unknown fit %q (want %s)", req.Fit, strings.Join(api.SpecFits, ", "))
	}
	return nil
}

// previewArgs is the ffmpeg command line for one still. The filter holds
// only numbers computed here: no user text reaches it. The input is named
// with file: and only the file protocol is allowed, so a crafted media
// store name could not make ffmpeg open anything else.
func previewArgs(req api.PreviewRequest, isImage bool) []string {
	args := append(previewInput(req, req.At, isImage), "-frames:v", "1")
	return append(args, previewOutput(req)...)
}

// previewInput is the command line up to the output options: the seek to
// at and the input.
func previewInput(req api.PreviewRequest, at float64, isImage bool) []string {
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file"}
	if !isImage && at > 0 {
		args = append(args, "-ss", strconv.FormatFloat(at, 'f', 3, 64))
	}
	return append(args, "-i", "file:"+req.Path, "-an", "-sn")
}

// previewOutput scales to the asked size and fit and writes raw RGB.
func previewOutput(req api.PreviewRequest) []string {
	w, h := strconv.Itoa(req.Width), strconv.Itoa(req.Height)
	var vf string
	switch req.Fit {
	case "pad", "blur":
		// blur's background is approximated by black bars: a preview
		// shows framing, not the final look.
		vf = "scale=" + w + ":" + h + ":force_original_aspect_ratio=decrease,pad=" + w + ":" + h + ":(ow-iw)/2:(oh-ih)/2,setsar=1"
	case "stretch":
		vf = "scale=" + w + ":" + h + ",setsar=1"
	default:
		vf = "scale=" + w + ":" + h + ":force_original_aspect_ratio=increase,crop=" + w + ":" + h + ",setsar=1"
	}
	return []string{"-vf", vf, "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1"}
}

// previewIsImage reports a still-image name of the media store, which
// an -ss before the input would skip past.
func previewIsImage(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".heic":
		return true
	}
	return false
}

// runPreview runs ffmpeg for one still and checks it got exactly one.
// A time inside the file where the picture has already ended (its audio
// lasts longer, common at the end of phone clips) shows the last frame:
// that is what the render shows there too.
func runPreview(ctx context.Context, ffmpeg, ffprobe string, req api.PreviewRequest) ([]byte, error) {
	want := req.Width * req.Height * 3
	isImage := previewIsImage(req.Path)
	out := &lastFrame{want: want}
	if err := runPreviewCmd(ctx, ffmpeg, previewArgs(req, isImage), out); err != nil {
		return nil, err
	}
	if out.last == nil && !isImage {
		at, err := lastPictureAt(ctx, ffprobe, req.At, req.Path)
		if err != nil {
			return nil, err
		}
		// Decode the last second of the picture and keep its last frame,
		// one frame in memory at a time.
		args := append(previewInput(req, at, false), previewOutput(req)...)
		if err := runPreviewCmd(ctx, ffmpeg, args, out); err != nil {
			return nil, err
		}
	}
	if out.last == nil {
		// The file's name is a hash of the media store: it means nothing
		// to the user, who knows which clip they asked about.
		return nil, api.Errorf(api.CodeInvalid, "preview: no picture at %.3fs", req.At)
	}
	if out.extra != 0 {
		return nil, api.Errorf(api.CodeInternal, "preview: ffmpeg wrote %d bytes after the last whole frame of %d", out.extra, want)
	}
	return out.last, nil
}

// lastPictureAt is where to start decoding for the last frame of path's
// picture, when there was none at at: a second before the picture ends.
// A time past the end of the whole file is refused.
func lastPictureAt(ctx context.Context, ffprobe string, at float64, path string) (float64, error) {
	info, err := render.Probe(ctx, ffprobe, path)
	if err != nil || info.Video == nil {
		return 0, api.Errorf(api.CodeInvalid, "preview: no picture at %.3fs", at)
	}
	// Container and stream durations are rounded to the time base; a
	// millisecond of slack keeps a cursor on the very end inside.
	if info.Duration > 0 && at > info.Duration+0.001 {
		return 0, api.Errorf(api.CodeInvalid, "preview: %.3fs is past the end (the clip is %.3fs long)", at, info.Duration)
	}
	end := info.Video.Duration
	if end <= 0 || end > at {
		end = at
	}
	return max(0, end-1), nil
}

func runPreviewCmd(ctx context.Context, ffmpeg string, args []string, out io.Writer) error {
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return api.Errorf(api.CodeCancelled, "preview: ffmpeg: %v", ctx.Err())
		}
		var ee *exec.Error
		if errors.As(err, &ee) {
			return &api.Error{Code: api.CodeInternal, Message: "preview: ffmpeg not found (" + ffmpeg + ")",
				Hint: "install ffmpeg or set ffmpeg.path with `impress config set`"}
		}
		return api.Errorf(api.CodeInvalid, "preview: ffmpeg: %v: %s", err, previewLastLine(stderr.String()))
	}
	return nil
}

// lastFrame keeps the last whole frame of a raw video stream of frames
// want bytes long; extra counts the bytes of an unfinished one.
type lastFrame struct {
	want      int
	cur, last []byte
	extra     int
}

func (l *lastFrame) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if l.cur == nil {
			l.cur = make([]byte, 0, l.want)
		}
		k := min(len(p), l.want-len(l.cur))
		l.cur, p = append(l.cur, p[:k]...), p[k:]
		if len(l.cur) == l.want {
			// Two buffers take turns: the frame just finished and the
			// one being written.
			l.last, l.cur = l.cur, l.last
			if l.cur != nil {
				l.cur = l.cur[:0]
			}
		}
	}
	l.extra = len(l.cur)
	return n, nil
}

func previewLastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
