package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/impress-dev/impress/internal/safeopen"
)

// RenderRequest asks [Render] for one output: from a resolved spec, or
// from a single media file normalised to a preset.
type RenderRequest struct {
	// Spec is a resolved spec ([LoadSpec] or [ParseSpec] + [Spec.Resolve]).
	Spec *Spec
	// Input is a media file to normalise instead (exactly one of Spec and Input).
	Input string
	// Preset overrides the spec's preset. For Input it defaults to reels
	// (image for a still picture).
	Preset string
	// Preview renders the half-size, fast-encoding variant.
	Preview bool
	// Fit is how Input is fitted to the frame: crop, pad or blur (default
	// blur: nothing of a landscape clip is lost in a vertical frame).
	Fit string
	// NoFastPath re-encodes Input even when it could be remuxed.
	NoFastPath bool

	// FFmpeg and FFprobe are the binaries (from config or PATH).
	FFmpeg, FFprobe string
	// Output is the absolute path to write (.mp4, or .jpg for the image
	// preset); its directory must exist. It appears only when complete.
	Output string
	// Cover is where to write the cover JPEG when the spec asks for one
	// (cover.at or cover.image); empty skips the cover.
	Cover string
	// FontFile overrides [FindFont].
	FontFile string
	// TempDir is where the private work dir is made (default os.TempDir()).
	TempDir string
	// Media may carry probes the caller already has, keyed by absolute
	// path; the rest are probed (and every file is sniffed either way).
	Media map[string]*MediaInfo
	// Transitions is the FFmpeg binary's xfade list ([XfadeTransitions])
	// when the caller keeps it; nil makes Render ask ffmpeg, and only when
	// the spec uses a transition newer than ffmpeg 4.3's.
	Transitions []string
	// GraphOption is the FFmpeg binary's graph file option
	// ([GraphScriptOption]) when the caller keeps it; empty makes Render
	// ask ffmpeg.
	GraphOption string
	// NoSync skips the fsync of the output (and cover) before it is
	// renamed into place. By default Render's output is durable when it
	// returns, which costs a visible part of a remux (a 114 MB reel syncs
	// in ~35 ms, a third of the remux itself); a caller that syncs it
	// later, or does not need it to survive a crash, sets NoSync.
	NoSync bool
}

// Result is what a render produced.
type Result struct {
	Output string
	Cover  string
	// Info is the probe of the output; Violations its check against the
	// preset's media kind (non-empty: not publishable).
	Info       *MediaInfo
	Kind       string
	Violations []Violation
	// Warnings are layout findings that do not stop a publish: texts,
	// captions or overlays under Instagram's interface, texts cut short.
	Warnings []Warning
	// FastPath is set when Input was remuxed without re-encoding;
	// Reasons says why it was not, when it was not.
	FastPath bool
	Reasons  []string
	// Command is the argv of the main ffmpeg run (for logs and for
	// re-running by hand).
	Command  []string
	Loudness *LoudnessStats
	// Duration of the output in seconds; Elapsed the wall time of Render.
	Duration float64
	Elapsed  time.Duration
	// Inputs are the probes of the inputs by absolute path, the caller's
	// (RenderRequest.Media, checked by a sniff) and those read in this
	// render, for the caller to keep for the next render of the same
	// files. They are shared: treat them as read-only.
	Inputs map[string]*MediaInfo
}

// Render does a whole render: sniff and probe the inputs (refusing
// non-media before ffmpeg opens it), take the fast path when a single
// input already conforms, otherwise build and run the one-graph ffmpeg
// command (after a loudness analysis pass when the spec sets a target),
// probe and validate the output, and make the cover. Progress goes to fn
// (may be nil) with stages probe, analyze, encode|remux, validate, cover,
// done. Errors: *SpecError, *MediaError (bad input), ctx errors,
// *FFmpegError, ErrToolMissing.
func Render(ctx context.Context, req RenderRequest, fn func(Progress)) (*Result, error) {
	start := time.Now()
	report := func(p Progress) {
		if fn != nil {
			fn(p)
		}
	}
	if (req.Spec == nil) == (req.Input == "") {
		return nil, errors.New("render: give exactly one of Spec and Input")
	}
	if !filepath.IsAbs(req.Output) {
		return nil, fmt.Errorf("render: output %q is not an absolute path", req.Output)
	}
	if req.Cover != "" && !filepath.IsAbs(req.Cover) {
		return nil, fmt.Errorf("render: cover %q is not an absolute path", req.Cover)
	}
	report(Progress{Stage: "probe"})
	spec := req.Spec
	pb := newProber(ctx, req)

	res := &Result{Output: req.Output, Inputs: pb.media}
	var presetName string
	if req.Input != "" {
		abs, err := absPath(req.Input)
		if err != nil {
			return nil, &MediaError{File: req.Input, Reason: "bad path", Err: err}
		}
		fm, err := Sniff(abs) // nothing runs on a file that is not media
		if err != nil {
			return nil, err
		}
		// Without the probe, start the remux it would lead to at once; with
		// the caller's facts the answer is known now.
		var sp *speculation
		if !req.NoFastPath && fm.Demuxer == "mov" && pb.media[abs] == nil && (req.Preset == "" || !presets[req.Preset].Image) {
			sp = startSpeculation(ctx, req, abs, fm)
		}
		defer sp.abort()
		// abs was sniffed just now: neither the caller's facts nor ffprobe
		// need it sniffed again (nothing runs concurrently yet).
		info := pb.media[abs]
		if info == nil {
			if info, err = probeSniffed(ctx, req.FFprobe, abs, abs, fm); err != nil {
				return nil, err
			}
		}
		pb.known(abs, info)
		presetName = req.Preset
		if presetName == "" {
			presetName = DefaultPreset
			if info.Video != nil && info.Video.Still {
				presetName = ImagePreset
			}
		}
		pr, err := LookupPreset(presetName, req.Preview)
		if err != nil {
			return nil, fmt.Errorf("render: %w", err)
		}
		var cmd *Command
		switch {
		case pr.Image:
			if info.Video == nil || !info.Video.Still {
				return nil, &MediaError{File: req.Input, Reason: "the image preset needs a still picture"}
			}
			cmd, err = ImageCommand(info, req.Output)
		case !req.NoFastPath && info.Video != nil && !info.Video.Still:
			var ok bool
			ok, res.Reasons = Conforms(info, pr)
			if !ok {
				break
			}
			res.FastPath = true
			if sp != nil && info.Audio != nil {
				// the speculative remux is the remux RemuxCommand would run
				res.Command = sp.argv
				if err := sp.take(req.Output); err != nil {
					return nil, err
				}
				report(Progress{Stage: "remux", Percent: 100, Done: true})
				out, err := remuxedInfo(info, req.Output)
				if err != nil {
					return nil, err
				}
				return finish(ctx, req, res, pr, nil, out, start, report)
			}
			cmd, err = RemuxCommand(info, req.Output)
		}
		sp.abort()
		if err != nil {
			return nil, err
		}
		if cmd != nil {
			if err := runStage(ctx, req, cmd, res, report); err != nil {
				return nil, err
			}
			var out *MediaInfo
			if res.FastPath {
				if out, err = remuxedInfo(info, req.Output); err != nil {
					return nil, err
				}
			}
			return finish(ctx, req, res, pr, nil, out, start, report)
		}
		spec = singleClipSpec(abs, info, req.Fit)
	} else {
		presetName = req.Preset
	}
	pr, err := specPreset(spec, presetName, req.Preview)
	if err != nil {
		return nil, err
	}
	opts, err := specOptions(ctx, req, spec, pr, pb)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil { // cancelled while probing
		return nil, fmt.Errorf("render: %w", err)
	}
	if len(spec.Texts) > 0 || spec.Captions != nil {
		dir, err := os.MkdirTemp(req.TempDir, "impress-render-")
		if err != nil {
			return nil, fmt.Errorf("render: work dir: %w", err)
		}
		defer os.RemoveAll(dir)
		opts.WorkDir = dir
	}
	if req.GraphOption == "" {
		if req.GraphOption, err = GraphScriptOption(ctx, req.FFmpeg); err != nil {
			return nil, err
		}
	}
	if spec.Loudness != nil {
		acmd, err := BuildLoudnessAnalysis(spec, opts)
		if err != nil {
			return nil, err
		}
		acmd.Op, acmd.GraphOption = "analyze", req.GraphOption
		if opts.Loudness, err = MeasureLoudness(ctx, req.FFmpeg, acmd, report); err != nil {
			return nil, err
		}
		res.Loudness = opts.Loudness
	}
	cmd, err := Build(spec, opts)
	if err != nil {
		return nil, err
	}
	res.Warnings = cmd.Warnings
	cmd.Op = "encode"
	if err := runStage(ctx, req, cmd, res, report); err != nil {
		return nil, err
	}
	return finish(ctx, req, res, pr, spec, nil, start, report)
}

// specPreset is the preset a spec renders with: name, else the spec's own.
func specPreset(s *Spec, name string, preview bool) (Preset, error) {
	if name == "" {
		name = s.PresetOrDefault()
	}
	pr, err := LookupPreset(name, preview)
	if err != nil {
		return Preset{}, fmt.Errorf("render: %w", err)
	}
	if pr.Image {
		return Preset{}, s.errAt("preset", "the image preset renders single pictures; a spec renders video (use reels, story, feed or square)")
	}
	return pr, nil
}

// prober probes each file once per render (safe for concurrent use): the
// caller's facts (RenderRequest.Media) are used after a fresh sniff, the
// rest are read with ffprobe.
type prober struct {
	ctx     context.Context
	ffprobe string
	mu      sync.Mutex
	media   map[string]*MediaInfo
	fresh   map[string]bool // facts read from the file in this render
}

func newProber(ctx context.Context, req RenderRequest) *prober {
	p := &prober{ctx: ctx, ffprobe: req.FFprobe, media: map[string]*MediaInfo{}, fresh: map[string]bool{}}
	for k, v := range req.Media {
		p.media[k] = v
	}
	return p
}

func (p *prober) probe(path string) (*MediaInfo, error) {
	p.mu.Lock()
	info, ok := p.media[path], p.fresh[path]
	p.mu.Unlock()
	if ok {
		return info, nil
	}
	if info != nil {
		if _, err := Sniff(path); err != nil { // the caller's facts: the file may have changed since
			return nil, err
		}
	} else {
		var err error
		if info, err = Probe(p.ctx, p.ffprobe, path); err != nil {
			return nil, err
		}
	}
	p.known(path, info)
	return info, nil
}

// known records facts just read from path.
func (p *prober) known(path string, info *MediaInfo) {
	p.mu.Lock()
	p.media[path], p.fresh[path] = info, true
	p.mu.Unlock()
}

// specOptions gathers what Build needs for a spec, short of the work dir
// and the loudness pass: the transitions checked against this ffmpeg, every
// medium probed, the captions read, the fonts resolved.
func specOptions(ctx context.Context, req RenderRequest, spec *Spec, pr Preset, pb *prober) (BuildOptions, error) {
	opts := BuildOptions{Preset: pr, Media: pb.media, Output: req.Output}
	if err := checkTransitions(ctx, spec, req.FFmpeg, req.Transitions); err != nil {
		return opts, err
	}
	var paths []string
	for _, r := range spec.MediaRefs() {
		// captions are parsed, not probed; the cover image is probed when
		// the cover is made
		if r.Want != WantSubtitle && r.Key != "cover.image" {
			paths = append(paths, *r.Path)
		}
	}
	if err := probeAll(paths, pb.probe); err != nil {
		return opts, err
	}
	var err error
	if spec.Captions != nil {
		if opts.Cues, err = readCues(spec); err != nil {
			return opts, err
		}
	}
	if len(spec.Texts) > 0 || spec.Captions != nil {
		if opts.Fonts, err = ResolveFonts(ctx, spec); err != nil {
			return opts, err
		}
		if opts.FontFile = FindFont(req.FontFile); opts.FontFile == "" {
			return opts, fmt.Errorf("%w: no font for titles and captions (%s)", ErrToolMissing, installFix("fonts"))
		}
	}
	return opts, nil
}

func runStage(ctx context.Context, req RenderRequest, cmd *Command, res *Result, report func(Progress)) error {
	res.Command = cmd.Argv(req.FFmpeg)
	cmd.GraphOption, cmd.NoSync = req.GraphOption, req.NoSync
	return Run(ctx, req.FFmpeg, cmd, report)
}

// finish probes (unless info is given) and validates the output and makes
// the cover.
func finish(ctx context.Context, req RenderRequest, res *Result, pr Preset, spec *Spec, info *MediaInfo, start time.Time, report func(Progress)) (*Result, error) {
	report(Progress{Stage: "validate"})
	var err error
	if info == nil {
		if info, err = outputInfo(ctx, req.FFprobe, req.Output); err != nil {
			return nil, fmt.Errorf("render: probe output: %w", err)
		}
	}
	res.Info = info
	res.Duration = info.Duration
	res.Kind = pr.Kind
	res.Violations = Validate(info, pr.Kind)
	if req.Cover != "" && spec != nil && spec.Cover != nil {
		report(Progress{Stage: "cover"})
		var cmd *Command
		if spec.Cover.At != nil {
			cmd, err = CoverCommand(info, *spec.Cover.At, req.Cover)
		} else {
			ci, perr := Probe(ctx, req.FFprobe, spec.Cover.Image)
			if perr != nil {
				return nil, perr
			}
			cmd, err = CoverImageCommand(ci, pr, req.Cover)
		}
		if err != nil {
			return nil, err
		}
		cmd.NoSync = req.NoSync
		if err := Run(ctx, req.FFmpeg, cmd, nil); err != nil {
			return nil, err
		}
		res.Cover = req.Cover
	}
	res.Elapsed = time.Since(start)
	report(Progress{Stage: "done", Percent: 100, Done: true})
	return res, nil
}

// outputInfo describes the output: from its boxes when it is the plain
// H.264/AAC MP4 every video preset writes ([ReadMP4Info]: no ffprobe run),
// else from ffprobe (a JPEG, or a file ReadMP4Info does not fully read).
func outputInfo(ctx context.Context, ffprobe, path string) (*MediaInfo, error) {
	if info, err := ReadMP4Info(path); err == nil {
		return info, nil
	}
	return Probe(ctx, ffprobe, path)
}

// singleClipSpec is the spec of "normalise this one file".
func singleClipSpec(path string, info *MediaInfo, fit string) *Spec {
	if fit == "" {
		fit = "blur"
	}
	c := Clip{Fit: fit}
	if info.Video != nil && info.Video.Still {
		c.Image = path
	} else {
		c.Video = path
	}
	return &Spec{Version: SpecVersion, Name: filepath.Base(path), Clips: []Clip{c}}
}

// readCues reads and parses the spec's caption file; problems are spec
// errors on captions.file.
func readCues(s *Spec) ([]Cue, error) {
	f, _, err := safeopen.Open(s.Captions.File, safeopen.Options{MaxSize: maxSubtitleBytes})
	if err != nil {
		return nil, s.errAt("captions.file", "cannot read it: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSubtitleBytes+1))
	if err != nil {
		return nil, s.errAt("captions.file", "cannot read %s: %v", filepath.Base(s.Captions.File), err)
	}
	cues, err := ParseSubtitles(data)
	if err != nil {
		return nil, s.errAt("captions.file", "%s: %v", filepath.Base(s.Captions.File), err)
	}
	return cues, nil
}

// probeAll probes paths concurrently (each is a short ffprobe run; in
// sequence they add up to a visible part of a short render) and returns
// the error of the first failing path in order. A path named twice (a
// clip used twice) is probed once: concurrent probes would both miss the
// cache.
func probeAll(paths []string, probe func(string) (*MediaInfo, error)) error {
	const parallel = 4
	errs := make([]error, len(paths))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	seen := map[string]bool{}
	for i, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, errs[i] = probe(p)
		}()
	}
	wg.Wait()
	return firstErr(errs)
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// remuxedInfo describes a fast-path output without running ffprobe again:
// the remux copies the streams, so their facts are the input's; what the
// remux changed — the box layout and the size, and a silent AAC track
// where there was no audio — is read from the file or known.
func remuxedInfo(in *MediaInfo, path string) (*MediaInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	layout, err := ReadMP4Layout(path)
	if err != nil {
		return nil, fmt.Errorf("render: output layout: %w", err)
	}
	out := *in
	out.Path, out.Size, out.Layout = path, fi.Size(), layout
	out.Format = Format{Kind: "video", Demuxer: "mov", Name: "MP4/MOV"}
	out.FormatName = "mov,mp4,m4a,3gp,3g2,mj2"
	out.VideoStreams, out.OtherStreams = 1, 0
	if in.Audio == nil {
		out.Audio = &AudioInfo{Codec: "aac", Profile: "LC", SampleRate: outSampleRate, Channels: 2, ChannelLayout: "stereo", BitRate: 128000}
	}
	out.AudioStreams = 1
	return &out, nil
}
