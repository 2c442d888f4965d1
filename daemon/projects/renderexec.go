package projects

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/render"
	"gopkg.in/yaml.v3"
)

// renderPlan is what a render request resolves to: the resolved spec (or
// the single media file), the preset, the input hashes and the cache key.
type renderPlan struct {
	req    api.RenderRequest
	spec   *render.Spec // resolved, absolute paths; nil for a media target
	media  string       // the media target, absolute
	preset render.Preset
	// presetName is the preset as named (preset is its preview variant
	// when the request asks for a preview).
	presetName string
	// hashes maps each input path to its sha256.
	hashes map[string]string
	key    string
	// pending is a media target whose hash is still to be read (planLazy);
	// key is "" until completePlan. ver is the ffmpeg version for it.
	pending string
	ver     string
}

// planRender resolves a request. It reads no more than it must: a
// project's inputs are already hashed (their store names are the hashes),
// a spec's and a media file's are hashed once per file identity.
func (s *Service) planRender(ctx context.Context, req api.RenderRequest) (*renderPlan, error) {
	return s.plan(ctx, req, false)
}

// planLazy is planRender that leaves the hash of a media target the
// daemon has not hashed yet (by file identity) to completePlan, so that a
// render job reads the file for its hash while ffmpeg reads it for the
// render: for a 60 s reel on the fast path the hash took half as long as
// the remux, before it. Its key is "" until then.
func (s *Service) planLazy(ctx context.Context, req api.RenderRequest) (*renderPlan, error) {
	return s.plan(ctx, req, true)
}

func (s *Service) plan(ctx context.Context, req api.RenderRequest, lazy bool) (*renderPlan, error) {
	pl := &renderPlan{req: req, hashes: map[string]string{}}
	presetName := req.Preset
	switch {
	case req.Project != "":
		p, err := s.getStoredProject(req.Project)
		if err != nil {
			return nil, err
		}
		sp, err := s.LoadProjectSpec(p)
		if err != nil {
			return nil, err
		}
		for _, path := range sp.MediaPaths() {
			m := shaNameRE().FindStringSubmatch(filepath.Base(path))
			if m == nil {
				return nil, fmt.Errorf("project %q: %s is not a media-store name", p.Name, path)
			}
			pl.hashes[path] = m[1]
		}
		pl.spec = sp
	case req.Spec != "":
		data, err := readSpec(req.Spec, req.Display)
		if err != nil {
			return nil, err
		}
		sp, err := render.ParseSpec(data, req.Display)
		if err != nil {
			return nil, err
		}
		if err := sp.Resolve(filepath.Dir(req.Spec)); err != nil {
			return nil, err
		}
		for _, ref := range specMedia(sp) {
			// a cancel (or a client that left) stops the plan between files
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := s.checkInput(*ref.path, ref.want, ref.key); err != nil {
				return nil, err
			}
			sha, err := s.HashFile(ctx, *ref.path)
			if err != nil {
				return nil, err
			}
			pl.hashes[*ref.path] = sha
		}
		pl.spec = sp
	default:
		f, err := render.Sniff(req.Media)
		if err != nil {
			return nil, err
		}
		if presetName == "" && f.Kind == kindImage {
			presetName = render.ImagePreset // a still picture is normalised to a JPEG
		}
		pl.media = req.Media
		if sha, ok := s.knownHash(req.Media); ok || !lazy {
			if !ok {
				if sha, err = s.HashFile(ctx, req.Media); err != nil {
					return nil, err
				}
			}
			pl.hashes[req.Media] = sha
		} else {
			pl.pending = req.Media
		}
	}
	if presetName == "" && pl.spec != nil {
		presetName = pl.spec.PresetOrDefault()
	}
	if presetName == "" {
		presetName = render.DefaultPreset
	}
	pr, err := render.LookupPreset(presetName, req.Preview)
	if err != nil {
		return nil, api.Errorf(api.CodeInvalid, "render: %v", err)
	}
	if pr.Image && pl.spec != nil {
		return nil, api.Errorf(api.CodeInvalid, "render: the image preset renders single pictures; a spec renders video (use reels, story, feed, square or preview)")
	}
	if pl.spec != nil {
		// --preset story on a spec written for reels: refused now, not
		// after the encode
		if err := pl.spec.CheckLength(presetName); err != nil {
			return nil, err
		}
	}
	pl.preset, pl.presetName = pr, presetName
	if pl.ver, err = s.ffmpegVersion(ctx); err != nil {
		return nil, err
	}
	if pl.pending != "" {
		return pl, nil
	}
	return pl, pl.makeKey()
}

// completePlan hashes a lazy plan's pending input and makes its key.
func (s *Service) completePlan(ctx context.Context, pl *renderPlan) error {
	if pl.pending == "" {
		return nil
	}
	sha, err := s.HashFile(ctx, pl.pending)
	if err != nil {
		return err
	}
	pl.hashes[pl.pending] = sha
	return pl.makeKey()
}

func (pl *renderPlan) makeKey() error {
	canon, err := pl.canonical()
	if err != nil {
		return err
	}
	pl.key = render.CacheKey(canon, pl.inputList(), pl.preset.Name, pl.ver)
	return nil
}

// checkInput refuses what is not media before anything runs ffmpeg on it.
func (s *Service) checkInput(path, want, key string) error {
	if want == kindSubtitle {
		return checkSubtitle(path)
	}
	f, err := render.Sniff(path)
	if err != nil {
		return err
	}
	return kindMismatch(path, f.Kind, want, key)
}

// inputList is the input hashes in a stable order.
func (pl *renderPlan) inputList() []string {
	if pl.spec == nil {
		return []string{pl.hashes[pl.media]}
	}
	var out []string
	for _, p := range pl.spec.MediaPaths() {
		out = append(out, pl.hashes[p])
	}
	return out
}

// canonical is the spec with every media path replaced by its content
// hash: the same edit of the same bytes has the same key whether it is
// rendered from a project or a spec file, wherever the files live.
func (pl *renderPlan) canonical() ([]byte, error) {
	if pl.spec == nil {
		// render.Render normalises a single file with fit blur, or
		// remuxes it; the key must change if that ever becomes an option.
		return []byte("media fit=blur fastpath=on\n"), nil
	}
	data, err := render.MarshalSpec(pl.spec)
	if err != nil {
		return nil, err
	}
	var cp render.Spec
	if err := yaml.Unmarshal(data, &cp); err != nil {
		return nil, fmt.Errorf("render: copy spec: %w", err)
	}
	for _, ref := range specMedia(&cp) {
		sha, ok := pl.hashes[*ref.path]
		if !ok {
			return nil, fmt.Errorf("render: no hash for %s", *ref.path)
		}
		*ref.path = "sha256:" + sha
	}
	return render.MarshalSpec(&cp)
}

// renderOutput is what execRender produced in the job's work directory.
type renderOutput struct {
	file   string // the MP4 (or the JPEG of the image preset)
	cover  string
	result *api.RenderResult
	// command is the argv of the main ffmpeg run, for the log (to re-run
	// it by hand, as bench/clibench does).
	command []string
}

// execRender renders a plan into work with render.Render: one ffmpeg run
// for the edit (after a loudness pass when the spec sets a target), or a
// remux for a media file that already meets the preset; then the output
// is probed and validated against the preset's media kind, and the cover
// made.
func (s *Service) execRender(ctx context.Context, pl *renderPlan, work string, fn func(render.Progress)) (*renderOutput, error) {
	out := &renderOutput{file: filepath.Join(work, "out"+pl.ext())}
	rr := render.RenderRequest{
		Preset: pl.presetName, Preview: pl.req.Preview,
		FFmpeg: s.ffmpegPath(), FFprobe: s.FFprobePath(),
		Output: out.file, TempDir: work,
		// synced before the cache records it, after the job (rendersync.go)
		NoSync: true,
	}
	inputs := []string{pl.media}
	if pl.spec != nil {
		rr.Spec = pl.spec
		if pl.spec.Cover != nil {
			rr.Cover = filepath.Join(work, "cover.jpg")
		}
		inputs = pl.spec.MediaPaths()
		var err error
		if rr.Transitions, err = s.transitionsFor(ctx, pl.spec); err != nil {
			return nil, err
		}
	} else {
		rr.Input = pl.media
	}
	var ids map[string]mediastore.FileID
	rr.Media, ids = s.render.probes.known(inputs)
	var err error
	if rr.GraphOption, err = s.graphOption(ctx); err != nil {
		return nil, err
	}
	r, err := render.Render(ctx, rr, fn)
	if err != nil {
		return nil, err
	}
	s.render.probes.learn(ids, r.Inputs)
	out.cover, out.command = r.Cover, r.Command
	res := resultOf(r.Info, pl.preset)
	res.Remuxed = r.FastPath
	if pl.spec == nil && !r.FastPath {
		res.NotRemuxed = r.Reasons
	}
	for _, v := range r.Violations {
		res.Violations = append(res.Violations, api.Violation(v))
	}
	for _, w := range r.Warnings {
		res.Warnings = append(res.Warnings, api.Warning(w))
	}
	if pl.spec != nil && pl.spec.Publish != nil {
		for _, v := range render.ValidateCaption(pl.spec.Publish.Caption) {
			res.Violations = append(res.Violations, api.Violation(v))
		}
	}
	out.result = res
	return out, nil
}

// ext is the output's extension: a JPEG for the image preset.
func (pl *renderPlan) ext() string {
	if pl.preset.Image {
		return ".jpg"
	}
	return ".mp4"
}

// resultOf fills a result's facts from the output's probe.
func resultOf(info *render.MediaInfo, pr render.Preset) *api.RenderResult {
	res := &api.RenderResult{Preset: pr.Name, Kind: pr.Kind, Duration: info.Duration, Size: info.Size,
		Violations: []api.Violation{}}
	if v := info.Video; v != nil {
		res.Width, res.Height, res.FPS, res.VideoCodec, res.PixFmt = v.DisplayWidth, v.DisplayHeight, v.FPS, v.Codec, v.PixFmt
	}
	if a := info.Audio; a != nil {
		res.AudioCodec, res.SampleRate = a.Codec, a.SampleRate
	}
	if info.Layout != nil {
		res.MoovFirst = info.Layout.MoovFirst
	}
	return res
}

func pathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
