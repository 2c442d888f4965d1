package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/daemon/internal/jobs"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// Limits checked before anything is sent (docs/META.md §4, §16).
const (
	maxCollaborators = 3
	maxAltText       = 1000
	maxCoverBytes    = 8 << 20
)

// pubPlan is a checked publish request, ready to become a job.
type pubPlan struct {
	d    api.PublishDetail
	acct *pubAccount
	// declared is true when the item names itself: a --key, or a spec
	// with a publish block (publish_reconcile.go).
	declared bool
	// content and coverSum are what the fingerprint hashed, for matching
	// jobs stored when it hashed the time too (publish_reuse.go).
	content  []string
	coverSum string
}

func (s *Service) postPublish(w http.ResponseWriter, r *http.Request) {
	httpx.Answer(w, r, s.Fail, s.pub.submitPublish)
}

// submitPublish checks a request (every violation at once, nothing sent to
// Meta but the login check), then answers a dry run with the plan, or
// stores the job — or finds the earlier job that holds its key.
func (p *publisher) submitPublish(ctx context.Context, req api.PublishRequest) (*api.PublishResult, error) {
	pl, err := p.plan(ctx, req)
	if err != nil {
		return nil, err
	}
	d := &pl.d
	earlier, err := p.s.DB.JobByKey(d.Key)
	if store.IsNotFound(err) {
		earlier, err = p.legacyJob(pl, req)
	}
	known := err == nil
	if err != nil && !store.IsNotFound(err) {
		return nil, err
	}
	if req.DryRun {
		plan := p.dryRun(pl)
		if known {
			aj := jobs.ToAPI(earlier)
			plan.Existing = &aj
		}
		return &api.PublishResult{Plan: plan}, nil
	}
	if known && !req.Force {
		return p.reuse(earlier, pl, req)
	}
	title := jobTitle(req, d)
	if res, err := p.reconcileSubmit(ctx, req, pl, title); res != nil || err != nil {
		return res, err
	}
	stage := api.PubQueued
	if p.markScheduled(d) {
		stage = "scheduled"
		title += " at " + d.At.Format(time.RFC3339)
	}
	detail, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	job, err := p.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobQueued, Stage: stage,
		Title: title, Conn: d.Connection, Key: d.Key, Detail: detail}, req.Force)
	if errors.Is(err, store.ErrKeyExists) {
		return p.reuse(job, pl, req)
	}
	if err != nil {
		return nil, err
	}
	p.s.Log.Info("publish queued", "job", job.ID, "type", d.Type, "connection", d.Connection, "key", displayKey(d.Key))
	p.enqueue(job)
	aj := jobs.ToAPI(job)
	return &api.PublishResult{Job: &aj}, nil
}

// jobTitle names a publish job in `impress jobs list`.
func jobTitle(req api.PublishRequest, d *api.PublishDetail) string {
	return d.Type + " " + titleOf(req, d) + " → " + d.Connection
}

func titleOf(req api.PublishRequest, d *api.PublishDetail) string {
	if req.Display != "" {
		return req.Display
	}
	names := make([]string, 0, len(d.Items))
	for _, it := range d.Items {
		names = append(names, it.Target)
	}
	return strings.Join(names, ", ")
}

// pubOutline is what a request asks for before any media is read: its
// targets, their specs, the spec's publish defaults, the type and the
// caption. Reconciliation needs only this much of the items other runners
// publish (publish_reconcile.go).
type pubOutline struct {
	targets  []pubTarget
	specs    []*render.Spec // nil for media files
	defaults *render.Publish
	typ      string
	caption  string // "" for a story, which takes none
}

// outline checks the shape of a request, loads its specs and settles its
// type and caption (the request's, else the spec's, else from the
// targets).
func (p *publisher) outline(req api.PublishRequest) (*pubOutline, error) {
	s := p.s
	if len(req.Targets) == 0 {
		return nil, api.Errorf(api.CodeInvalid, "publish: name what to publish: a project, a spec file or media files")
	}
	if _, ok := api.LookupPublishType(req.Type); req.Type != "" && !ok {
		return nil, api.Errorf(api.CodeInvalid, "publish: --type %q: want %s", req.Type, api.PublishTypeList())
	}
	if req.Cover != "" && req.ThumbOffsetMS != nil {
		return nil, api.Errorf(api.CodeInvalid, "publish: --cover and --thumb-offset both choose the cover; give one")
	}
	if req.ThumbOffsetMS != nil && *req.ThumbOffsetMS < 0 {
		return nil, api.Errorf(api.CodeInvalid, "publish: --thumb-offset must be 0 or more milliseconds")
	}
	o := &pubOutline{}
	for _, t := range req.Targets {
		o.targets = append(o.targets, classifyTarget(t))
	}
	if req.Cover != "" && !filepath.IsAbs(req.Cover) {
		return nil, api.Errorf(api.CodeInvalid, "publish: --cover %q is not an absolute path", req.Cover)
	}

	// Defaults from the spec (README "Publishing", the publish: block), when one spec
	// or project is published on its own.
	for _, t := range o.targets {
		if t.Kind == srcFile {
			o.specs = append(o.specs, nil)
			if _, err := os.Stat(t.Source); err != nil {
				return nil, api.Errorf(api.CodeInvalid, "publish: %s: %v", t.Display, err)
			}
			continue
		}
		sp, err := s.specOf(t)
		if err != nil {
			return nil, err
		}
		o.specs = append(o.specs, sp)
	}
	if len(o.targets) == 1 && o.specs[0] != nil {
		o.defaults = o.specs[0].Publish
	}
	if o.defaults == nil {
		o.defaults = &render.Publish{}
	}

	// The type: asked, else the spec's, else from the targets.
	o.typ = firstNonEmpty(req.Type, o.defaults.Type)
	if o.typ == "" {
		switch sp := o.specs[0]; {
		case len(o.targets) > 1:
			o.typ = api.PublishCarousel
		case sp != nil && sp.PresetOrDefault() == "story":
			o.typ = api.PublishStory
		case sp != nil && sp.PresetOrDefault() == "image":
			o.typ = api.PublishImage
		case sp == nil:
			if f, err := render.Sniff(o.targets[0].Source); err == nil && f.Kind == "image" {
				o.typ = api.PublishImage
			} else {
				o.typ = api.PublishReel
			}
		default:
			o.typ = api.PublishReel
		}
	}
	o.caption = o.defaults.Caption
	if req.Caption != nil {
		o.caption = *req.Caption
	}
	if o.typ == api.PublishStory {
		o.caption = ""
	}
	return o, nil
}

// plan checks a request and builds the job's initial detail. Problems with
// the content or options are collected and refused together (rejected);
// malformed requests and unreadable files fail at once (invalid_input).
func (p *publisher) plan(ctx context.Context, req api.PublishRequest) (*pubPlan, error) {
	s := p.s
	o, err := p.outline(req)
	if err != nil {
		return nil, err
	}
	targets, specs, defaults := o.targets, o.specs, o.defaults

	// Everything given is checked here first; the connection only after
	// (below): a file that is not media is the first thing to fix, whether
	// or not a login is needed too.
	d := api.PublishDetail{State: api.PubQueued, Type: o.typ, At: req.At, NoWait: req.NoWait,
		Cover: req.Cover, AudioName: firstNonEmpty(req.AudioName, defaults.AudioName),
		LocationID: firstNonEmpty(req.LocationID, defaults.LocationID), AltText: req.AltText}
	if d.At != nil {
		at := d.At.UTC()
		d.At = &at
	}
	d.Caption = defaults.Caption
	if req.Caption != nil {
		d.Caption = *req.Caption
	}
	d.FirstComment = defaults.FirstComment
	if req.FirstComment != nil {
		d.FirstComment = *req.FirstComment
	}
	d.ShareToFeed = defaults.ShareToFeed
	if req.ShareToFeed != nil {
		d.ShareToFeed = req.ShareToFeed
	}
	d.ThumbOffsetMS = defaults.ThumbOffset
	if req.ThumbOffsetMS != nil || req.Cover != "" {
		d.ThumbOffsetMS = req.ThumbOffsetMS
	}
	d.Collaborators = defaults.Collaborators
	if len(req.Collaborators) > 0 {
		d.Collaborators = req.Collaborators
	}
	for i, c := range d.Collaborators {
		d.Collaborators[i] = strings.TrimPrefix(strings.TrimSpace(c), "@")
	}

	var problems []string
	add := func(where string, v api.Violation) { problems = append(problems, where+": "+v.String()) }
	if d.Type == api.PublishCarousel {
		for _, v := range render.ValidateCarousel(len(targets)) {
			add("carousel", api.Violation{Rule: v.Rule, Message: v.Message, Got: v.Got, Want: v.Want})
		}
	} else if len(targets) > 1 {
		return nil, api.Errorf(api.CodeInvalid, "publish: %d targets make a carousel; add --type carousel, or publish them one by one", len(targets))
	}
	if d.Type == api.PublishStory {
		// Stories take no caption, comments or collaborators through the API.
		if d.Caption != "" && req.Caption != nil {
			add("caption", api.Violation{Rule: "story_caption", Message: "stories have no caption; drop --caption"})
		}
		d.Caption = ""
		if d.FirstComment != "" {
			add("first comment", api.Violation{Rule: "story_comment", Message: "stories cannot be commented on through the API; drop --first-comment"})
		}
		if len(d.Collaborators) > 0 {
			add("collaborators", api.Violation{Rule: "story_collaborators", Message: "stories cannot have collaborators"})
		}
	}
	for _, v := range render.ValidateCaption(d.Caption) {
		add("caption", api.Violation{Rule: v.Rule, Message: v.Message, Got: v.Got, Want: v.Want})
	}
	for _, v := range render.ValidateCaption(d.FirstComment) {
		add("first comment", api.Violation{Rule: v.Rule, Message: v.Message, Got: v.Got, Want: v.Want})
	}
	if len(d.Collaborators) > maxCollaborators {
		add("collaborators", api.Violation{Rule: "collaborators", Message: "at most 3 collaborators", Got: strconv.Itoa(len(d.Collaborators)), Want: "≤ 3"})
	}
	if len([]rune(d.AltText)) > maxAltText {
		add("alt text", api.Violation{Rule: "alt_text", Message: "alt text longer than 1,000 characters"})
	}
	if d.Type != api.PublishReel {
		if d.ShareToFeed != nil && req.ShareToFeed != nil {
			add("share to feed", api.Violation{Rule: "share_to_feed", Message: "--share-to-feed is for reels"})
		}
		if req.ThumbOffsetMS != nil || req.Cover != "" {
			add("cover", api.Violation{Rule: "cover", Message: "--cover and --thumb-offset are for reels"})
		}
		d.ShareToFeed, d.ThumbOffsetMS, d.Cover = nil, nil, ""
	}
	if d.AltText != "" && d.Type != api.PublishImage && d.Type != api.PublishCarousel {
		add("alt text", api.Violation{Rule: "alt_text", Message: "alt text is for images"})
	}

	// The items: probe and check files now; specs and projects are
	// rendered by the job, which checks their output before upload.
	content := make([]string, 0, len(targets))
	for i, t := range targets {
		it := api.PublishItem{Target: t.Display, Source: t.Source, SourceKind: t.Kind}
		sum, err := s.contentHash(ctx, t, specs[i])
		if err != nil {
			return nil, feature.RenderError(err)
		}
		content = append(content, sum)
		if t.Kind == srcFile {
			kind, vs, fixable, err := s.checkMedia(ctx, t.Source, d.Type)
			if err != nil {
				return nil, err
			}
			fi, err := os.Stat(t.Source)
			if err != nil {
				return nil, api.Errorf(api.CodeInvalid, "publish: %s: %v", t.Display, err)
			}
			it.Kind, it.File, it.SHA256, it.Size = kind, t.Source, sum, fi.Size()
			if len(vs) > 0 {
				if !fixable {
					for _, v := range vs {
						if fatalRules[v.Rule] {
							add(t.Display, v)
						}
					}
				} else {
					it.Render = true // normalised by the job
				}
			}
		} else {
			it.Render = true
			it.Kind = mediastore.KindVideo
			if specs[i].PresetOrDefault() == "image" {
				it.Kind = mediastore.KindImage
			}
			if d.Type == api.PublishImage && it.Kind != mediastore.KindImage {
				add(t.Display, api.Violation{Rule: "kind", Message: "an image post needs the image preset (preset: image) or an image file"})
			}
		}
		d.Items = append(d.Items, it)
	}
	coverSum := ""
	if d.Cover != "" {
		f, err := render.Sniff(d.Cover)
		if err != nil {
			return nil, feature.RenderError(err)
		}
		if f.Name != "JPEG" {
			add("cover", api.Violation{Rule: "cover_format", Message: "the cover must be a JPEG", Got: f.Name, Want: "JPEG"})
		}
		if fi, err := os.Stat(d.Cover); err == nil && fi.Size() > maxCoverBytes {
			add("cover", api.Violation{Rule: "cover_size", Message: "the cover must be at most 8 MB"})
		}
		if coverSum, err = s.renderer.HashFile(ctx, d.Cover); err != nil {
			return nil, feature.RenderError(err)
		}
	}

	acct, err := p.account(ctx, req.Connection)
	if err != nil {
		if len(problems) > 0 {
			return nil, refusal(problems)
		}
		return nil, err
	}
	d.Connection = acct.Conn

	// How the bytes reach Meta (§2.4): rupload for Facebook Login videos;
	// a signed URL on the public endpoint for Instagram Login, images and
	// covers (Meta takes those by URL only).
	d.Hosting = hostUpload
	needURL := acct.Flavour != meta.FlavourFacebook || d.Cover != ""
	for _, it := range d.Items {
		if it.Kind == mediastore.KindImage {
			needURL = true
		}
	}
	if needURL {
		d.Hosting = hostURL
		if _, err := p.publicBase(); err != nil {
			if len(problems) == 0 {
				return nil, err
			}
			problems = append(problems, "hosting: "+err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, refusal(problems)
	}
	d.Fingerprint = fingerprint(&d, content, coverSum)
	d.Key = idemKey(d.Connection, req.Key, d.Fingerprint)
	declared := req.Key != "" || (len(specs) == 1 && specs[0] != nil && specs[0].Publish != nil)
	return &pubPlan{d: d, acct: acct, declared: declared, content: content, coverSum: coverSum}, nil
}

// refusal refuses a request for its problems, all at once.
func refusal(problems []string) error {
	return &api.Error{Code: api.CodeRejected,
		Message: fmt.Sprintf("publish refused before anything was uploaded: %d problem(s):\n  - %s", len(problems), strings.Join(problems, "\n  - ")),
		Hint:    "fix them and publish again; `impress validate TARGET` checks media on its own"}
}

// dryRun lists the calls a real run would make, up to and including the
// container creation it stops before.
func (p *publisher) dryRun(pl *pubPlan) *api.PublishPlan {
	d := &pl.d
	plan := &api.PublishPlan{Key: displayKey(d.Key), Connection: d.Connection, Type: d.Type, Hosting: d.Hosting, Items: d.Items}
	ver := p.s.Settings().String(config.MetaAPIVersion)
	if ver == "" {
		ver = meta.DefaultVersion
	}
	ig := pl.acct.IGUser
	cover := ""
	if d.Cover != "" {
		cover = "<signed url of " + filepath.Base(d.Cover) + ">"
	}
	call := func(method, path string, params map[string]string) {
		plan.Calls = append(plan.Calls, api.PlannedCall{Method: method, Path: "/" + ver + "/" + path, Params: params})
	}
	call("GET", ig+"/content_publishing_limit", map[string]string{"fields": "quota_usage,config"})
	if d.Type == api.PublishCarousel {
		for i, it := range d.Items {
			params := containerParams(p.containerRequest(d, i, "<signed url of "+it.Target+">", ""))
			call("POST", ig+"/media", params)
		}
		params := containerParams(p.containerRequest(d, -1, "", ""))
		params["children"] = "<the item containers>"
		call("POST", ig+"/media", params)
	} else {
		call("POST", ig+"/media", containerParams(p.containerRequest(d, 0, "<signed url of "+d.Items[0].Target+">", cover)))
	}
	if d.Hosting == hostUpload {
		call("POST", "ig-api-upload/"+ver+"/<container id>", map[string]string{"offset": "0", "file_size": "<size>"})
	}
	call("GET", "<container id>", map[string]string{"fields": "status_code,status"})
	call("POST", ig+"/media_publish", map[string]string{"creation_id": "<container id>"})
	if d.FirstComment != "" {
		call("POST", "<media id>/comments", map[string]string{"message": d.FirstComment})
	}
	return plan
}

// containerParams shows a container request the way Meta receives it.
func containerParams(r meta.ContainerRequest) map[string]string {
	m := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	if r.MediaType != meta.MediaImage {
		set("media_type", string(r.MediaType))
	}
	set("image_url", r.ImageURL)
	set("video_url", r.VideoURL)
	if r.Resumable {
		m["upload_type"] = "resumable"
	}
	set("caption", r.Caption)
	if r.ShareToFeed != nil {
		m["share_to_feed"] = strconv.FormatBool(*r.ShareToFeed)
	}
	set("cover_url", r.CoverURL)
	if r.ThumbOffset != nil {
		m["thumb_offset"] = strconv.FormatInt(r.ThumbOffset.Milliseconds(), 10)
	}
	set("audio_name", r.AudioName)
	if len(r.Collaborators) > 0 {
		b, _ := json.Marshal(r.Collaborators)
		m["collaborators"] = string(b)
	}
	set("location_id", r.LocationID)
	set("alt_text", r.AltText)
	if r.IsCarouselItem {
		m["is_carousel_item"] = "true"
	}
	return m
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
