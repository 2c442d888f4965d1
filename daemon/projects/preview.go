package projects

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
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
	rgb, err := runPreview(ctx, s.ffmpegPath(), req)
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
	if _, err := os.Stat(req.Path); err != nil {
		return api.Errorf(api.CodeNotFound, "preview: %s: %v", req.Path, errors.Unwrap(err))
	}
	if req.Width < 2 || req.Height < 2 || req.Width > api.PreviewMaxWidth || req.Height > api.PreviewMaxHeight {
		return api.Errorf(api.CodeInvalid, "preview: size %dx%d is out of range 2x2..%dx%d", req.Width, req.Height, api.PreviewMaxWidth, api.PreviewMaxHeight)
	}
	if math.IsNaN(req.At) || math.IsInf(req.At, 0) || req.At < 0 {
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
	args := []string{"-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file"}
	if !isImage && req.At > 0 {
		args = append(args, "-ss", strconv.FormatFloat(req.At, 'f', 3, 64))
	}
	return append(args, "-i", "file:"+req.Path, "-an", "-sn", "-frames:v", "1", "-vf", vf,
		"-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1")
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
func runPreview(ctx context.Context, ffmpeg string, req api.PreviewRequest) ([]byte, error) {
	cmd := exec.CommandContext(ctx, ffmpeg, previewArgs(req, previewIsImage(req.Path))...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, api.Errorf(api.CodeCancelled, "preview: ffmpeg: %v", ctx.Err())
		}
		var ee *exec.Error
		if errors.As(err, &ee) {
			return nil, &api.Error{Code: api.CodeInternal, Message: "preview: ffmpeg not found (" + ffmpeg + ")",
				Hint: "install ffmpeg or set ffmpeg.path with `impress config set`"}
		}
		return nil, api.Errorf(api.CodeInvalid, "preview: ffmpeg: %v: %s", err, previewLastLine(stderr.String()))
	}
	want := req.Width * req.Height * 3
	if out.Len() == 0 {
		return nil, api.Errorf(api.CodeInvalid, "preview: no frame at %.3fs in %s (past the end?)", req.At, filepath.Base(req.Path))
	}
	if out.Len() != want {
		return nil, api.Errorf(api.CodeInternal, "preview: ffmpeg wrote %d bytes, want %d", out.Len(), want)
	}
	return out.Bytes(), nil
}

func previewLastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
