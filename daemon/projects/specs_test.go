package projects

import (
	"testing"

	"github.com/impress-dev/impress/render"
)

// TestSpecMediaKindsAreTheStores: specMedia passes render's Want* as
// media store kinds.
func TestSpecMediaKindsAreTheStores(t *testing.T) {
	for want, kind := range map[string]string{render.WantVideo: kindVideo, render.WantImage: kindImage, render.WantAudio: kindAudio, render.WantSubtitle: kindSubtitle} {
		if want != kind {
			t.Errorf("render says %q where the media store says %q", want, kind)
		}
	}
}
