package projects

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/ffmpegtest"
)

func TestPreviewArgsKeepUserTextOut(t *testing.T) {
	req := api.PreviewRequest{Path: "/data/media/ab/-i x,[a];b.mp4", At: 1.25, Width: 40, Height: 72, Fit: "pad"}
	args := previewArgs(req, false)
	want := []string{"-protocol_whitelist", "file", "-ss", "1.250", "-i", "file:/data/media/ab/-i x,[a];b.mp4"}
	if !hasSeq(args, want) {
		t.Fatalf("previewArgs = %q, want the sequence %q", args, want)
	}
	vf := args[slices.Index(args, "-vf")+1]
	if vf != "scale=40:72:force_original_aspect_ratio=decrease,pad=40:72:(ow-iw)/2:(oh-ih)/2,setsar=1" {
		t.Errorf("filter = %q", vf)
	}
	if img := previewArgs(req, true); slices.Contains(img, "-ss") {
		t.Errorf("an image still must not seek: %q", img)
	}
}

func hasSeq(s, seq []string) bool {
	for i := 0; i+len(seq) <= len(s); i++ {
		if slices.Equal(s[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}

// TestPreviewFitsEveryFit: each fit a spec accepts is a preview fit;
// stretch fills the frame without keeping the aspect.
func TestPreviewFitsEveryFit(t *testing.T) {
	for _, fit := range api.SpecFits {
		req := api.PreviewRequest{Path: "/data/media/ab/x.mp4", Width: 40, Height: 72, Fit: fit}
		vf := previewArgs(req, false)[slices.Index(previewArgs(req, false), "-vf")+1]
		if fit == "stretch" && vf != "scale=40:72,setsar=1" {
			t.Errorf("stretch: filter %q", vf)
		}
		if vf == "" {
			t.Errorf("%s: no filter", fit)
		}
	}
}

// TestPreviewPastThePicture: where a clip's audio outlasts its picture,
// the preview shows the last frame (as the render does) instead of an
// error; past the end of the file it says so, in words that name neither
// the media store's hash nor "preview" twice.
func TestPreviewPastThePicture(t *testing.T) {
	tools := ffmpegtest.Require(t)
	clip := ffmpegtest.Clip(t, ffmpegtest.Opts{Dur: time.Second, Audio: true, AudioDur: 2 * time.Second,
		Name: "973afe1bd9c0ffee.mp4"})
	ctx := t.Context()
	req := func(at float64) api.PreviewRequest {
		return api.PreviewRequest{Path: clip, At: at, Width: 16, Height: 16}
	}
	last, err := runPreview(ctx, tools.FFmpeg, tools.FFprobe, req(29.0/30))
	if err != nil {
		t.Fatalf("the last frame itself: %v", err)
	}
	mid, err := runPreview(ctx, tools.FFmpeg, tools.FFprobe, req(0.5))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(last, mid) {
		t.Fatal("testsrc2 frames 0.5 s apart are equal: the comparison below would prove nothing")
	}
	for _, at := range []float64{1.2, 1.999} {
		got, err := runPreview(ctx, tools.FFmpeg, tools.FFprobe, req(at))
		if err != nil {
			t.Fatalf("at %vs (audio only): %v", at, err)
		}
		if !bytes.Equal(got, last) {
			t.Errorf("at %vs: not the picture's last frame", at)
		}
	}

	audio := ffmpegtest.Tone(t, time.Second, 440, "5d41402abc4b2a76.m4a")
	for name, r := range map[string]api.PreviewRequest{
		"past the end of the file": req(5),
		"no picture at all":        {Path: audio, At: 0.5, Width: 16, Height: 16},
	} {
		_, err := runPreview(ctx, tools.FFmpeg, tools.FFprobe, r)
		if !api.HasCode(err, api.CodeInvalid) {
			t.Fatalf("%s: err = %v, want invalid_input", name, err)
		}
		msg := err.Error()
		if strings.Contains(msg, "973afe1bd9") || strings.Contains(msg, "5d41402abc") || strings.Count(msg, "preview:") > 1 {
			t.Errorf("%s: %q names the media store's file or repeats itself", name, msg)
		}
	}
}
