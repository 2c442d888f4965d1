package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/impress-dev/impress/bench/internal/benchkit"
)

// media is the work directory with the sources every section uses.
type media struct {
	dir, ffmpeg, font string
}

func (m *media) path(name string) string { return filepath.Join(m.dir, name) }

// make writes the sources with lavfi: clips with detail and noise at phone
// bit rates, phone-size photos, music, and a 60 s reel that already meets
// the reels preset (the fast path's input).
func (m *media) make() error {
	steps := [][]string{
		// the render overhead's clip: 4 s 1920x1080 30 fps, ~12 Mb/s, a tone
		{"-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=4", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
			"-vf", "noise=alls=8", "-c:v", "libx264", "-preset", "fast", "-b:v", "12M", "-maxrate", "16M", "-bufsize", "24M",
			"-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "file:" + m.path("clip4.mp4")},
		// edit B: a 4.5 s 720p 25 fps clip with 44.1 kHz sound, a portrait
		// 3024x4032 photo, AAC music
		{"-f", "lavfi", "-i", "testsrc=size=1280x720:rate=25:duration=4.5", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100:duration=4.5",
			"-vf", "hue=H=t,noise=alls=6", "-c:v", "libx264", "-preset", "fast", "-b:v", "8M", "-maxrate", "10M", "-bufsize", "16M",
			"-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-shortest", "file:" + m.path("clip2.mp4")},
		{"-f", "lavfi", "-i", "smptehdbars=size=3024x4032:rate=1:duration=1", "-vf", "noise=alls=12", "-frames:v", "1", "-q:v", "3", "-f", "mjpeg", "file:" + m.path("photo2.jpg")},
		{"-f", "lavfi", "-i", "sine=frequency=262:sample_rate=44100:duration=12", "-c:a", "aac", "-b:a", "160k", "-ac", "2", "file:" + m.path("music2.m4a")},
		// the fast path's input: a compliant 60 s 1080x1920 reel, ~15 Mb/s
		{"-f", "lavfi", "-i", "testsrc2=size=1080x1920:rate=30:duration=60", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
			"-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
			"-flags", "+cgop", "-b:v", "15M", "-maxrate", "15M", "-bufsize", "15M", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
			"-shortest", "file:" + m.path("reel60.mp4")},
	}
	steps = append(steps, benchkit.EditInputs(m.path)...) // edit A
	for _, s := range steps {
		if _, err := m.ff(append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, s...)...); err != nil {
			return err
		}
	}
	for name, text := range map[string]string{
		"edit.yaml": benchkit.EditSpec, "edit2.yaml": editB,
		"cached.yaml": "version: 1\nname: cached\nclips:\n  - video: reel60.mp4\n",
	} {
		if err := os.WriteFile(m.path(name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ssim is the mean SSIM of a's video against ref's.
func (m *media) ssim(a, ref string) (string, error) { return benchkit.SSIM(m.ffmpeg, a, ref) }

// sameVideo compares the video bitstreams of two files (streamhash).
func (m *media) sameVideo(a, b string) (bool, error) { return benchkit.SameVideo(m.ffmpeg, a, b) }

// ff runs ffmpeg with exactly args and returns its stderr.
func (m *media) ff(args ...string) (string, error) {
	cmd := exec.Command(m.ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stderr.String(), nil
}

// timeFF runs ffmpeg with args and times it (the process's own CPU).
func (m *media) timeFF(args ...string) (sample, error) {
	cmd := exec.Command(m.ffmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("ffmpeg %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return sample{Wall: time.Since(start), CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}, nil
}

// edit is one benchmark edit: the spec impress renders, the titles its
// graph reads from files, and the naive command a user writes for it.
type edit struct {
	name, spec, what string
	texts            []string
	naive            func(m *media, enc []string, out string) []string
}

// editB was written for this benchmark and never used to tune the
// builder: other sizes, rates and formats (720p 25 fps clip with 44.1 kHz
// sound, trimmed; a portrait photo zooming out; AAC music; a longer fade;
// a coloured title at the bottom).
const editB = `version: 1
name: bench-edit-2
preset: reels
clips:
  - video: clip2.mp4
    in: 0.5
    out: 4
    fit: blur
    transition: {type: fade, duration: 0.75}
  - image: photo2.jpg
    duration: 3
    zoom: out
texts:
  - text: "New drop"
    start: 0.3
    end: 3
    position: bottom
    size: 72
    color: "#FFD400"
    box: true
audio:
  - file: music2.m4a
    volume: 0.25
    fade_out: 1.5
    duck: true
`

var edits = []edit{
	{name: "A", spec: "edit.yaml", texts: []string{"Summer sale"}, naive: naiveA,
		what: "the 4.5 s edit of issue 3 (1920x1080 clip blur-fitted with a title, fade into a zooming 4032x3024 photo, MP3 music ducked under the clip's sound)"},
	{name: "B", spec: "edit2.yaml", texts: []string{"New drop"}, naive: naiveB,
		what: "a 5.75 s edit not used for tuning (720p 25 fps clip trimmed and blur-fitted, coloured title at the bottom, 0.75 s fade into a portrait 3024x4032 photo zooming out, AAC music ducked)"},
}

// naiveA is the command a user writes by hand for edit A
// (benchkit.NaiveEdit).
func naiveA(m *media, enc []string, out string) []string {
	return benchkit.NaiveEdit(m.font, m.path, enc, out)
}

// naiveB is edit B as a user would write it from the usual recipes: the
// clip trimmed on input, a Gaussian-blurred cover of the frame behind the
// fitted picture, the photo looped and zoomed out with zoompan, the title
// with drawtext, the music faded and ducked with sidechaincompress.
func naiveB(m *media, enc []string, out string) []string {
	graph := strings.Join([]string{
		"[0:v]fps=30,split[a][b]",
		"[a]scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,gblur=sigma=30[bg]",
		"[b]scale=1080:-2[fg]",
		"[bg][fg]overlay=(W-w)/2:(H-h)/2,format=yuv420p,setsar=1[v0]",
		"[1:v]scale=1080:1920:force_original_aspect_ratio=increase,crop=1080:1920,zoompan=z='1.1-0.1*on/89':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=1080x1920:fps=30,format=yuv420p,setsar=1[v1]",
		"[v0][v1]xfade=transition=fade:duration=0.75:offset=2.75,drawtext=fontfile=" + m.font + ":text='New drop':fontsize=72:fontcolor=0xFFD400:box=1:boxcolor=black@0.6:boxborderw=24:x=(w-text_w)/2:y=h*0.85-text_h/2:enable='between(t,0.3,3)'[v]",
		"[0:a]aresample=48000,aformat=channel_layouts=stereo,apad=whole_dur=5.75[ca]",
		"[ca]asplit[c1][c2]",
		"[2:a]aresample=48000,aformat=channel_layouts=stereo,atrim=0:5.75,volume=0.25,afade=t=out:st=4.25:d=1.5[m]",
		"[m][c2]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[md]",
		"[c1][md]amix=inputs=2:duration=first:normalize=0[a]",
	}, ";")
	args := []string{"-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y",
		"-ss", "0.5", "-t", "3.5", "-i", m.path("clip2.mp4"), "-loop", "1", "-framerate", "30", "-t", "3", "-i", m.path("photo2.jpg"),
		"-i", m.path("music2.m4a"), "-filter_complex", graph, "-map", "[v]", "-map", "[a]"}
	return append(append(args, benchkit.X264Default(enc)...), out)
}

// replayArgs is the argv impress ran (without the program) writing to out,
// and recreates the title files its graph reads (the job's work dir is
// gone): text-N.txt (or text-N-0.txt, its first line) holds texts[N].
func replayArgs(argv []string, out string, texts []string) ([]string, error) {
	args := append([]string(nil), argv[1:]...)
	args[len(args)-1] = "file:" + out
	for _, a := range args {
		for rest := a; ; {
			i := strings.Index(rest, "textfile=")
			if i < 0 {
				break
			}
			p := rest[i+len("textfile="):]
			if j := strings.IndexAny(p, ":[;,"); j >= 0 {
				p = p[:j]
			}
			rest = rest[i+len("textfile="):]
			// text-N.txt, or text-N-L.txt for line L of title N (the
			// benchmark's titles are one line each)
			var n, line int
			if _, err := fmt.Sscanf(filepath.Base(p), "text-%d-%d.txt", &n, &line); err != nil {
				line = 0
				if _, err := fmt.Sscanf(filepath.Base(p), "text-%d.txt", &n); err != nil {
					return nil, fmt.Errorf("replay: unknown title file %s", p)
				}
			}
			if n >= len(texts) || line != 0 {
				return nil, fmt.Errorf("replay: title file %s is not a one-line title of the spec", p)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return nil, err
			}
			if err := os.WriteFile(p, []byte(texts[n]), 0o600); err != nil {
				return nil, err
			}
		}
	}
	return args, nil
}

// withCRF is argv at another CRF without the rate cap: the same command as
// a near-lossless reference.
func withCRF(args []string, crf string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-crf":
			out = append(out, "-crf", crf)
			i++
		case "-maxrate", "-bufsize":
			i++
		default:
			out = append(out, args[i])
		}
	}
	return out
}
