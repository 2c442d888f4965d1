package projects

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/render"
)

func (s *Service) validateHandler(w http.ResponseWriter, r *http.Request) {
	httpx.Answer(w, r, s.failRender, s.validate)
}

// validate checks a media file directly. A spec or a project is checked
// through its render: the cached one when there is one, else a render job
// is started and returned for the caller to follow (then ask again).
func (s *Service) validate(ctx context.Context, req api.ValidateRequest) (*api.Validation, error) {
	if req.Type != "" {
		if _, ok := api.LookupPublishType(req.Type); !ok {
			return nil, api.Errorf(api.CodeInvalid, "validate: unknown --type %q (want %s)", req.Type, api.PublishTypeList())
		}
	}
	display := req.Display
	if display == "" {
		display = req.Project + req.Path
	}
	out := &api.Validation{Target: display, Violations: []api.Violation{}, AutoFixed: []api.Violation{}}
	var rreq api.RenderRequest
	switch {
	case req.Project != "" && req.Path == "":
		rreq = api.RenderRequest{Project: req.Project, Display: display}
	case req.Path != "" && req.Project == "":
		if err := requireAbs("validate", req.Path); err != nil {
			return nil, err
		}
		if isSpecName(req.Path) {
			rreq = api.RenderRequest{Spec: req.Path, Display: display}
			break
		}
		info, err := render.Probe(ctx, s.FFprobePath(), req.Path)
		if err != nil {
			return nil, err
		}
		typ := req.Type
		if typ == "" {
			typ = api.PublishReel
			if info.Video != nil && info.Video.Still {
				typ = api.PublishImage
			}
		}
		out.Type, out.File = typ, req.Path
		s.check(out, info)
		// A file as it is will be rendered or normalised before it is
		// sent: what that fixes by itself is said apart.
		out.Violations, out.AutoFixed = splitAutoFixed(out.Violations)
		out.OK = len(out.Violations) == 0
		return out, nil
	default:
		return nil, api.Errorf(api.CodeInvalid, "validate: name exactly one target (a media file, a spec file or a project)")
	}
	pl, err := s.planRender(ctx, rreq)
	if err != nil {
		return nil, err
	}
	typ := req.Type
	if typ == "" && pl.spec.Publish != nil && pl.spec.Publish.Type != "" {
		typ = pl.spec.Publish.Type
	}
	if typ == "" {
		typ = api.PublishReel
		if pl.preset.Kind == render.KindStory {
			typ = api.PublishStory
		}
	}
	out.Type = typ
	res, ok := s.cachedResult(pl)
	if !ok {
		start, err := s.requestRender(ctx, rreq)
		if err != nil {
			return nil, err
		}
		if start.Result == nil {
			out.Job = start.Job
			return out, nil
		}
		res = start.Result
	}
	info, err := render.Probe(ctx, s.FFprobePath(), res.Output)
	if err != nil {
		return nil, err
	}
	out.File = res.Output
	s.check(out, info)
	if out.Warnings, err = s.lint(ctx, pl, typ); err != nil {
		return nil, err
	}
	if pl.spec.Publish != nil {
		for _, v := range render.ValidateCaption(pl.spec.Publish.Caption) {
			out.Violations = append(out.Violations, api.Violation(v))
		}
	}
	out.OK = len(out.Violations) == 0
	return out, nil
}

// lint is the spec's layout warnings (render.Lint) on the player it will
// be published to: a 9:16 render published as a story is checked against
// the Stories interface, anything else against its preset's.
func (s *Service) lint(ctx context.Context, pl *renderPlan, typ string) ([]api.Warning, error) {
	rr := render.RenderRequest{Spec: pl.spec, Preset: pl.presetName, Preview: pl.req.Preview,
		FFmpeg: s.ffmpegPath(), FFprobe: s.FFprobePath()}
	if typ == api.PublishStory && pl.preset.Kind != render.KindStory && pl.preset.Width*16 == pl.preset.Height*9 {
		rr.Preset = "story"
	}
	var err error
	if rr.Transitions, err = s.transitionsFor(ctx, pl.spec); err != nil {
		return nil, err
	}
	ws, err := render.Lint(ctx, rr)
	if err != nil {
		return nil, err
	}
	out := make([]api.Warning, 0, len(ws))
	for _, w := range ws {
		out = append(out, api.Warning(w))
	}
	return out, nil
}

func (s *Service) check(out *api.Validation, info *render.MediaInfo) {
	pt, _ := api.LookupPublishType(out.Type)
	for _, v := range render.Validate(info, pt.Kind) {
		out.Violations = append(out.Violations, api.Violation(v))
	}
	out.OK = len(out.Violations) == 0
}

// splitAutoFixed separates the violations a render fixes by itself.
func splitAutoFixed(vs []api.Violation) (rest, fixed []api.Violation) {
	rest, fixed = []api.Violation{}, []api.Violation{}
	for _, v := range vs {
		if render.FixedByRender(v.Rule) {
			fixed = append(fixed, v)
		} else {
			rest = append(rest, v)
		}
	}
	return rest, fixed
}

// isSpecName: specs are YAML or JSON files; anything else is media.
func isSpecName(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// Health is the doctor's view of the toolchain and the render cache. The
// tools run under ctx (the root cancels it when no client waits any
// more: render.Check kills them) and a deadline of their own.
func (s *Service) Health(ctx context.Context) []api.Check {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	checks := toolchainChecks(ctx, s.ffmpegPath(), s.FFprobePath(), s.pathFix)
	if s.DB != nil {
		if fi, err := os.Stat(s.rendersDir()); err == nil && fi.IsDir() {
			if rs, err := s.DB.Renders(""); err == nil {
				checks = append(checks, api.Check{Name: "render cache", Status: "OK",
					Detail: s.rendersDir() + " (" + strconv.Itoa(len(rs)) + " renders)"})
			}
		}
	}
	return checks
}
