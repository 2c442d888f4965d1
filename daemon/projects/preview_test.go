package projects

import (
	"slices"
	"testing"

	"github.com/impress-dev/impress/api"
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
