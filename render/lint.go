package render

import (
	"context"
	"errors"
	"os"
	"path/filepath"
)

// Lint lays a spec out the way [Render] would build it — transitions
// checked against the ffmpeg, media probed, captions read, fonts resolved,
// texts wrapped, captions and overlays placed on the preset's frame — and
// returns the warnings (texts, captions or overlays under Instagram's
// interface, texts cut short or shrunk) without running ffmpeg to encode.
// `impress validate` reports them for a spec or project; Render returns
// the same list in Result.Warnings. Errors are those Render would return
// before encoding (*SpecError, *MediaError, ErrToolMissing).
//
// req is a RenderRequest with Spec set; Output, Cover, TempDir and the
// fast-path fields are ignored.
func Lint(ctx context.Context, req RenderRequest) ([]Warning, error) {
	spec := req.Spec
	if spec == nil {
		return nil, errors.New("lint: give a Spec")
	}
	pr, err := specPreset(spec, req.Preset, req.Preview)
	if err != nil {
		return nil, err
	}
	// Build is pure: these paths are only named in the graph it returns
	nowhere := filepath.Join(os.TempDir(), "impress-lint")
	req.Output = nowhere + ".mp4"
	opts, err := specOptions(ctx, req, spec, pr, newProber(ctx, req))
	if err != nil {
		return nil, err
	}
	opts.WorkDir = nowhere
	if spec.Loudness != nil {
		opts.Loudness = &LoudnessStats{} // the measurement does not move anything
	}
	cmd, err := Build(spec, opts)
	if err != nil {
		return nil, err
	}
	return cmd.Warnings, nil
}
