package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// Source kinds of a publish item.
const (
	srcFile    = "file"
	srcSpec    = "spec"
	srcProject = "project"
)

// pubTarget is one thing the user asked to publish.
type pubTarget struct {
	Kind    string // srcFile, srcSpec or srcProject
	Source  string // absolute path, or the project name
	Display string
}

// classifyTarget tells files from projects: the CLI sends existing files
// as absolute paths and anything else as typed (a project name). YAML and
// JSON files are specs.
func classifyTarget(t string) pubTarget {
	if !filepath.IsAbs(t) {
		return pubTarget{Kind: srcProject, Source: t, Display: t}
	}
	switch strings.ToLower(filepath.Ext(t)) {
	case ".yaml", ".yml", ".json":
		return pubTarget{Kind: srcSpec, Source: t, Display: filepath.Base(t)}
	}
	return pubTarget{Kind: srcFile, Source: t, Display: filepath.Base(t)}
}

// Rules that rendering cannot fix: a file that breaks them is refused even
// though it could be re-encoded.
var fatalRules = map[string]bool{"duration_min": true, "duration_max": true, "video_stream": true, "kind": true}

// validationKind is render.Validate's kind for an item of a publish type
// (api's table).
func validationKind(typ string) string {
	if t, ok := api.LookupPublishType(typ); ok {
		return t.Kind
	}
	return render.KindReel
}

// presetFor is the preset a media file is normalised to for a type (api's
// table); an image file always becomes a JPEG.
func presetFor(typ, itemKind string) string {
	if t, ok := api.LookupPublishType(typ); ok && itemKind != mediastore.KindImage {
		return t.Preset
	}
	if itemKind == mediastore.KindImage {
		return render.ImagePreset
	}
	return render.DefaultPreset
}

// checkMedia probes a file and checks it against the type's rules. It
// returns the item kind (video or image), the violations, and whether
// rendering would fix every one of them.
func (s *Service) checkMedia(ctx context.Context, path, typ string) (kind string, vs []api.Violation, fixable bool, err error) {
	// A file whose identity is unchanged gets the same answer: ffprobe
	// costs a process start, and a batch publishes one file many times.
	id, idErr := mediastore.StatID(path)
	if idErr == nil && s.pub != nil {
		k := checkKey{id, typ}
		if c, ok := s.pub.checks.get(k); ok {
			return c.kind, c.vs, c.fixable, nil
		}
		// The first of concurrent checks of one file probes; the others
		// wait for its answer (a batch submits many at once).
		l := s.pub.checks.keyLock(k)
		l.Lock()
		defer l.Unlock()
		if c, ok := s.pub.checks.get(k); ok {
			return c.kind, c.vs, c.fixable, nil
		}
		defer func() {
			if err == nil {
				if id2, err2 := mediastore.StatID(path); err2 == nil && id2 == id {
					s.pub.checks.put(checkKey{id, typ}, checkResult{kind, vs, fixable})
				}
			}
		}()
	}
	info, err := render.Probe(ctx, s.renderer.FFprobePath(), path)
	if err != nil {
		return "", nil, false, feature.RenderError(err)
	}
	kind = mediastore.KindVideo
	if info.Video != nil && info.Video.Still {
		kind = mediastore.KindImage
	}
	vk := validationKind(typ)
	switch {
	case typ == api.PublishImage && kind != mediastore.KindImage:
		return kind, []api.Violation{{Rule: "kind", Message: "an image post needs an image file; publish a video as --type reel"}}, false, nil
	case typ == api.PublishReel && kind == mediastore.KindImage:
		return kind, []api.Violation{{Rule: "kind", Message: "a reel needs a video; publish an image as --type image or story"}}, false, nil
	case typ == api.PublishStory && kind == mediastore.KindImage:
		vk = render.KindImage
	}
	fixable = true
	for _, v := range render.Validate(info, vk) {
		// A story image may have any aspect (9:16 recommended).
		if typ == api.PublishStory && kind == mediastore.KindImage && v.Rule == "aspect" {
			continue
		}
		vs = append(vs, api.Violation{Rule: v.Rule, Message: v.Message, Got: v.Got, Want: v.Want})
		if fatalRules[v.Rule] {
			fixable = false
		}
	}
	return kind, vs, fixable, nil
}

// specOf loads a spec or project target.
func (s *Service) specOf(t pubTarget) (*render.Spec, error) {
	switch t.Kind {
	case srcSpec:
		sp, err := render.LoadSpec(t.Source)
		if err != nil {
			return nil, feature.RenderError(err)
		}
		return sp, nil
	case srcProject:
		p, err := s.DB.Project(t.Source)
		if err != nil {
			if store.IsNotFound(err) {
				return nil, api.Errorf(api.CodeNotFound, "%q is neither a file nor a project; `impress project list` shows the projects", t.Source)
			}
			return nil, err
		}
		return s.renderer.LoadProjectSpec(p)
	}
	return nil, nil
}

// contentHash is the hash of what an item's output is made of: the file's
// bytes, or a spec's bytes and every media file it names (a project's
// spec names content-addressed files, so its bytes are enough).
func (s *Service) contentHash(ctx context.Context, t pubTarget, sp *render.Spec) (string, error) {
	switch t.Kind {
	case srcFile:
		return s.renderer.HashFile(ctx, t.Source)
	case srcProject:
		p, err := s.DB.Project(t.Source)
		if err != nil {
			return "", err
		}
		sum := sha256.Sum256(p.Spec)
		return hex.EncodeToString(sum[:]), nil
	}
	h := sha256.New()
	specSum, err := s.renderer.HashFile(ctx, t.Source)
	if err != nil {
		return "", err
	}
	h.Write([]byte(specSum))
	for _, m := range sp.MediaPaths() {
		sum, err := s.renderer.HashFile(ctx, m)
		if err != nil {
			return "", err
		}
		h.Write([]byte(sum))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// renderTarget is publisher.render in the daemon: the projects feature
// renders the target (or answers from its cache) and follows the job.
func (p *publisher) renderTarget(ctx context.Context, it api.PublishItem, preset string, progress func(api.JobEvent)) (*api.RenderResult, error) {
	req := api.RenderRequest{Display: it.Target}
	switch it.SourceKind {
	case srcProject:
		req.Project = it.Source
	case srcSpec:
		req.Spec = it.Source
	default:
		req.Media, req.Preset = it.Source, preset
	}
	return p.s.renderer.Render(ctx, req, progress)
}

// fingerprint hashes everything that makes a publish what it is: its
// content and options, not its time. A re-run with another --at (an edited
// at:) is the same publish, rescheduled while it waits (publish_reuse.go).
func fingerprint(d *api.PublishDetail, content []string, coverSum string) string {
	return fingerprintAt(d, content, coverSum, nil)
}

// fingerprintAt is the fingerprint as it was made before the time left
// it (at: the job's --at); jobs stored then carry it, and their auto keys
// derive from it.
func fingerprintAt(d *api.PublishDetail, content []string, coverSum string, at *time.Time) string {
	v := struct {
		Conn, Type, Caption, FirstComment, AudioName, LocationID, AltText, Cover string
		Content                                                                  []string
		Thumb                                                                    *int
		Share                                                                    *bool
		Collaborators                                                            []string
		At                                                                       *time.Time
	}{d.Connection, d.Type, d.Caption, d.FirstComment, d.AudioName, d.LocationID, d.AltText, coverSum,
		content, d.ThumbOffsetMS, d.ShareToFeed, d.Collaborators, at}
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// idemKey namespaces idempotency keys: per connection, and apart from other
// job kinds' keys.
func idemKey(conn, userKey, fp string) string {
	if userKey != "" {
		return "publish/" + conn + "/key/" + userKey
	}
	return "publish/" + conn + "/auto/" + fp[:32]
}

// displayKey is the key as the user knows it.
func displayKey(key string) string {
	_, rest, _ := strings.Cut(strings.TrimPrefix(key, "publish/"), "/")
	kind, k, _ := strings.Cut(rest, "/")
	if kind == "auto" {
		return "auto:" + k
	}
	return k
}

// fileUnchanged checks that a file queued earlier still has its size; a
// file replaced after validation is refused rather than published unseen.
func fileUnchanged(it api.PublishItem) error {
	fi, err := os.Stat(it.File)
	if err != nil {
		return api.Errorf(api.CodeInvalid, "%s: %v; it was there when the publish was queued", it.Target, err)
	}
	if fi.Size() != it.Size {
		return api.Errorf(api.CodeInvalid, "%s changed since the publish was queued (%d bytes, was %d); publish it again", it.Target, fi.Size(), it.Size)
	}
	return nil
}

// checkCache remembers checkMedia's answers by file identity and type.
type checkCache struct {
	// mu guards m and locks. Lock order: a leaf, taken under a key lock.
	mu sync.Mutex
	m  map[checkKey]checkResult
	// locks are per-key locks (keyLock): the first check of a file probes
	// while the others wait. Lock order: taken with no other lock held;
	// held across one ffprobe; under it mu and the settings lock.
	locks map[checkKey]*sync.Mutex
}

func (c *checkCache) keyLock(k checkKey) *sync.Mutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.locks == nil {
		c.locks = map[checkKey]*sync.Mutex{}
	}
	l := c.locks[k]
	if l == nil {
		l = &sync.Mutex{}
		c.locks[k] = l
	}
	return l
}

type checkKey struct {
	id  mediastore.FileID
	typ string
}

type checkResult struct {
	kind    string
	vs      []api.Violation
	fixable bool
}

const checkCacheMax = 1024

func (c *checkCache) get(k checkKey) (checkResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[k]
	return r, ok
}

func (c *checkCache) put(k checkKey, r checkResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= checkCacheMax {
		c.m = map[checkKey]checkResult{}
		c.locks = nil
	}
	c.m[k] = r
}
