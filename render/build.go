package render

import (
	"fmt"
	"math"
	"path/filepath"
)

// BuildOptions is everything besides the spec that decides the command.
type BuildOptions struct {
	// Preset is the output format (see [LookupPreset]).
	Preset Preset
	// Media holds the probe of every file the spec names, keyed by the
	// absolute path as it appears in the resolved spec.
	Media map[string]*MediaInfo
	// Cues are the parsed captions (see [ParseSubtitles]) when the spec has captions.
	Cues []Cue
	// FontFile is the TrueType/OpenType font drawtext uses (see [FindFont]);
	// required when the spec has texts or captions.
	FontFile string
	// Fonts maps the font names texts use to their files ([ResolveFonts]);
	// font files named by path need no entry.
	Fonts map[string]string
	// WorkDir is the absolute, private (0700) directory where Run writes
	// the text files the graph reads. Its name must not need quoting
	// beyond what ffmpeg-go does (the runner makes it with os.MkdirTemp).
	WorkDir string
	// Output is the absolute path of the MP4 to write.
	Output string
	// Loudness is the first-pass measurement for the spec's loudness target
	// (see [BuildLoudnessAnalysis]); without it no loudnorm is applied.
	Loudness *LoudnessStats
}

// clipPlan is one clip placed on the output timeline.
type clipPlan struct {
	idx     int
	clip    *Clip
	info    *MediaInfo
	frames  int     // output frames of this clip
	samples int     // output audio samples of this clip
	src     float64 // seconds read from the source (after in, before speed)
	trans   int     // transition frames into the next clip (0: cut)
}

// plan is the computed timeline.
type plan struct {
	spec     *Spec // with its defaults applied
	opts     BuildOptions
	frame    frameLayout
	fonts    map[string]*fontMetrics // parsed once per build, by file
	warnings []Warning
	fps      float64
	w, h     int
	clips    []clipPlan
	frames   int // total output frames
	samples  int
}

func (p *plan) duration() float64 { return float64(p.frames) / p.fps }

// clipSpan is where clip i starts and ends on the output timeline, in
// seconds: it starts where the transition into it begins.
func (p *plan) clipSpan(i int) (start, end float64) {
	f := 0
	for j := range i {
		f += p.clips[j].frames - p.clips[j].trans
	}
	return float64(f) / p.fps, float64(f+p.clips[i].frames) / p.fps
}

func (p *plan) framesFor(sec float64) int { return int(math.Round(sec * p.fps)) }

func (p *plan) samplesFor(frames int) int {
	return int(math.Round(float64(frames) * outSampleRate / p.fps))
}

// Build turns a resolved spec into one ffmpeg command with one filter graph
// and no intermediate files. It is pure: the same inputs give the same
// argv (golden-tested). Errors that depend on the media (a trim past the end
// of a file, a transition longer than its clip) are *SpecError with the
// key's line.
func Build(s *Spec, opts BuildOptions) (*Command, error) {
	p, err := newPlan(s, opts)
	if err != nil {
		return nil, err
	}
	g := newGraph()
	files := &fileSet{dir: opts.WorkDir}
	v, a, err := p.timeline(g)
	if err != nil {
		return nil, err
	}
	v, err = p.overlays(g, v)
	if err != nil {
		return nil, err
	}
	v, err = p.texts(g, v, files)
	if err != nil {
		return nil, err
	}
	a, err = p.mix(g, a, false)
	if err != nil {
		return nil, err
	}
	args, err := g.argv(outSpec{maps: []pad{v, a}, opts: p.encodeOpts(), url: "file:" + opts.Output})
	if err != nil {
		return nil, err
	}
	return &Command{
		Op: "render", Args: args, Output: opts.Output,
		Files: files.files, WorkDir: opts.WorkDir, Duration: p.duration(),
		Warnings: p.warnings,
	}, nil
}

// BuildLoudnessAnalysis builds the first loudness pass: the same inputs and
// audio graph as [Build], ending in loudnorm's measurement instead of an
// encoder. It reads and decodes only the audio (ffmpeg skips the unused
// video), so it is much cheaper than a full first render; its result feeds
// BuildOptions.Loudness of the real render.
func BuildLoudnessAnalysis(s *Spec, opts BuildOptions) (*Command, error) {
	if s.Loudness == nil {
		return nil, fmt.Errorf("build loudness analysis: the spec sets no loudness target")
	}
	p, err := newPlan(s, opts)
	if err != nil {
		return nil, err
	}
	g := newGraph()
	// the video half of the timeline is built too, but nothing maps it, so
	// it never reaches the argv
	_, a, err := p.timeline(g)
	if err != nil {
		return nil, err
	}
	a, err = p.mix(g, a, true)
	if err != nil {
		return nil, err
	}
	args, err := g.argv(outSpec{maps: []pad{a}, opts: []kv{o("f", "null")}, url: "-"})
	if err != nil {
		return nil, err
	}
	return &Command{Op: "loudness analysis", Args: args, Duration: p.duration(), LogLevel: "info"}, nil
}

func newPlan(s *Spec, opts BuildOptions) (*plan, error) {
	pr := opts.Preset
	if pr.Width == 0 || pr.Image {
		return nil, fmt.Errorf("build: preset %q does not make video", pr.Name)
	}
	if !filepath.IsAbs(opts.Output) {
		return nil, fmt.Errorf("build: output %q is not an absolute path", opts.Output)
	}
	s = s.Effective()
	p := &plan{spec: s, opts: opts, frame: layoutFor(pr), fonts: map[string]*fontMetrics{}, fps: pr.FPS, w: pr.Width, h: pr.Height}
	if s.FPS > 0 {
		p.fps = s.FPS
	}
	for i := range s.Clips {
		cp, err := p.placeClip(i)
		if err != nil {
			return nil, err
		}
		p.clips = append(p.clips, cp)
	}
	for i := range p.clips {
		c := &p.clips[i]
		d := c.clip.TransitionDuration()
		if d == 0 {
			continue
		}
		c.trans = max(1, p.framesFor(d))
		key := fmt.Sprintf("clips[%d].transition.duration", i)
		next := &p.clips[i+1]
		if c.trans >= c.frames || c.trans >= next.frames {
			return nil, s.errAt(key, "%ss is not shorter than the clips it joins (%ss and %ss)",
				num(d), secs(float64(c.frames)/p.fps), secs(float64(next.frames)/p.fps))
		}
		if i > 0 && p.clips[i-1].trans+c.trans > c.frames {
			return nil, s.errAt(key, "the transitions into and out of clip %d overlap (%ss + %ss > %ss)",
				i, secs(float64(p.clips[i-1].trans)/p.fps), num(d), secs(float64(c.frames)/p.fps))
		}
	}
	for _, c := range p.clips {
		p.frames += c.frames - c.trans
		p.samples += c.samples - p.samplesFor(c.trans)
	}
	if pr.MaxDuration > 0 && p.duration() > pr.MaxDuration+1e-9 {
		return nil, s.errAt("preset", "the %s preset allows at most %ss; the clips add up to %ss",
			pr.Name, num(pr.MaxDuration), secs(p.duration()))
	}
	if (len(s.Texts) > 0 || s.Captions != nil) && opts.FontFile == "" {
		return nil, fmt.Errorf("build: texts and captions need a font file (install fonts-dejavu-core)")
	}
	if (len(s.Texts) > 0 || s.Captions != nil) && !filepath.IsAbs(opts.WorkDir) {
		return nil, fmt.Errorf("build: texts and captions need an absolute work dir")
	}
	return p, nil
}

// placeClip works out how long a clip is on the output timeline.
func (p *plan) placeClip(i int) (clipPlan, error) {
	s := p.spec
	c := &s.Clips[i]
	cp := clipPlan{idx: i, clip: c}
	if c.IsCard() {
		cp.frames = max(1, p.framesFor(c.DurationOrDefault()))
		cp.samples = p.samplesFor(cp.frames)
		return cp, nil
	}
	key := fmt.Sprintf("clips[%d].%s", i, map[bool]string{true: "image", false: "video"}[c.IsImage()])
	info := p.opts.Media[c.Source()]
	if info == nil {
		return cp, fmt.Errorf("build: no probe for %s (%s)", c.Source(), key)
	}
	cp.info = info
	if info.Video == nil {
		return cp, s.errAt(key, "%s has no picture", filepath.Base(c.Source()))
	}
	if c.IsImage() {
		if !info.Video.Still {
			return cp, s.errAt(key, "%s is a video; use video: for it", filepath.Base(c.Source()))
		}
		cp.frames = max(1, p.framesFor(c.DurationOrDefault()))
	} else {
		if info.Video.Still {
			return cp, s.errAt(key, "%s is a still image; use image: for it", filepath.Base(c.Source()))
		}
		srcDur := info.Video.Duration
		if srcDur <= 0 {
			srcDur = info.Duration
		}
		end := srcDur
		if c.Out > 0 {
			if srcDur > 0 && c.Out > srcDur+1/p.fps {
				return cp, s.errAt(fmt.Sprintf("clips[%d].out", i), "%s is past the end of %s (%ss long)",
					num(c.Out), filepath.Base(c.Video), secs(srcDur))
			}
			end = min(c.Out, srcDur)
			if srcDur <= 0 {
				end = c.Out
			}
		}
		if c.In >= end {
			return cp, s.errAt(fmt.Sprintf("clips[%d].in", i), "%s is at or past the end of %s (%ss long)",
				num(c.In), filepath.Base(c.Video), secs(end))
		}
		cp.src = end - c.In
		cp.frames = max(1, p.framesFor(cp.src/c.SpeedOrDefault()))
	}
	cp.samples = p.samplesFor(cp.frames)
	return cp, nil
}

// encodeOpts are the output options of a render (the presets of preset.go).
func (p *plan) encodeOpts() []kv {
	pr := p.opts.Preset
	g := fmt.Sprint(gop(p.fps))
	return []kv{
		o("c:v", "libx264"), o("profile:v", "high"), o("pix_fmt", "yuv420p"),
		o("preset", pr.X264Preset), o("crf", fmt.Sprint(pr.CRF)),
		o("maxrate", pr.MaxRate), o("bufsize", pr.BufSize),
		// closed GOPs of 2 s, keyframes only on the grid
		o("g", g), o("keyint_min", g), o("sc_threshold", "0"), o("flags", "+cgop"),
		// without an edit list nothing hides the B-frame reorder delay:
		// no B-pyramid keeps it at one frame (33 ms), not two
		o("b-pyramid", "none"),
		o("r", num(p.fps)), o("fps_mode", "cfr"),
		o("color_primaries", "bt709"), o("color_trc", "bt709"), o("colorspace", "bt709"),
		o("c:a", "aac"), o("profile:a", "aac_low"), o("b:a", pr.AudioBitrate),
		o("ar", fmt.Sprint(pr.SampleRate)), o("ac", "2"),
		// moov first, no edit list, nothing from the sources' metadata
		// (phone footage carries GPS positions)
		o("movflags", "+faststart"), o("use_editlist", "0"),
		o("map_metadata", "-1"), o("map_chapters", "-1"),
		o("f", "mp4"),
	}
}
