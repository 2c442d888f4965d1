package render

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
)

// TestAudioAndVideoEndTogether: in every kind of output the audio ends
// within a frame of the video (the streams' start times plus durations).
// The video stream starts one frame late (B-frames without an edit list)
// and the audio stream's first packet covers that frame, so their
// durations differ by a frame while their ends agree. A conforming file
// whose audio runs past its video is not remuxed (it kept the overrun).
func TestAudioAndVideoEndTogether(t *testing.T) {
	tools := ffmpegtest.Require(t)
	dir := t.TempDir()
	small := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "small.mp4", Dur: time.Second, Audio: true, SampleRate: 44100})
	// a file the fast path would take, but for its audio, half a second
	// longer than its video
	long := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "long.mp4", W: 540, H: 960, Dur: time.Second,
		Audio: true, AudioDur: 1500 * time.Millisecond, FastStart: true, GOP: 30})
	ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "p.png"))
	music := ffmpegtest.Clip(t, ffmpegtest.Opts{Dir: dir, Name: "m.mp4", Dur: 3 * time.Second, Audio: true})
	spec := filepath.Join(dir, "s.yaml")
	testkit.WriteFile(t, spec, "version: 1\nname: s\nclips:\n  - image: p.png\n    duration: 1\n    transition: {type: fade, duration: 0.3}\n  - video: small.mp4\naudio:\n  - file: "+music+"\n    fade_out: 0.5\n")
	for _, c := range []struct {
		name  string
		input string
		spec  string
	}{
		{"normalised media", small, ""},
		{"long audio", long, ""},
		{"spec with music", "", spec},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := RenderRequest{Input: c.input, Preset: "preview", FFmpeg: tools.FFmpeg, FFprobe: tools.FFprobe,
				Output: filepath.Join(t.TempDir(), "out.mp4"), TempDir: dir}
			if c.spec != "" {
				s, err := LoadSpec(c.spec)
				if err != nil {
					t.Fatal(err)
				}
				req.Spec, req.Input = s, ""
			}
			if _, err := Render(t.Context(), req, nil); err != nil {
				t.Fatal(err)
			}
			f := ffmpegtest.ProbeFacts(t, req.Output)
			frame := 1 / f.FPS
			if gap := f.AVEndGap(); math.Abs(gap) > frame+1e-3 {
				t.Errorf("audio ends %.3fs after the video (video %.3f+%.3f, audio %.3f+%.3f); want within a frame (%.3fs)",
					gap, f.VideoStart, f.VideoDuration, f.AudioStart, f.AudioDuration, frame)
			}
		})
	}
}
