package publish

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/internal/testkit"
	"github.com/impress-dev/impress/meta/sandbox"
)

func TestPublishReelUpload(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	caption := "Hello #impress"
	res := e.publish(api.PublishRequest{Targets: []string{clip}, Caption: &caption})
	if res.Reused || res.Job == nil {
		t.Fatalf("first publish: %+v", res)
	}
	j := e.wait(res.Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("job ended %s: %+v\n%s", j.State, j.Error, e.log.String())
	}
	d := daemontest.DetailOf(t, j)
	if d.State != api.PubPublished || d.MediaID == "" || d.Permalink == "" || d.Hosting != hostUpload {
		t.Errorf("detail: %+v", d)
	}
	pub := e.published()
	if len(pub) != 1 || pub[0].ID != d.MediaID || pub[0].Caption != caption || pub[0].ProductType != "REELS" {
		t.Fatalf("sandbox published %+v, want one reel %s", pub, d.MediaID)
	}
	if !strings.Contains(e.log.String(), "published") {
		t.Errorf("no log line")
	}
}

func TestPublishImageAndCarouselByURL(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "instagram"})
	dir := t.TempDir()
	img := ffmpegtest.ImageFile(t, 80, 64, filepath.Join(dir, "a.jpg"))
	img2 := ffmpegtest.ImageFile(t, 64, 64, filepath.Join(dir, "b.jpg"))
	clip := daemontest.ReelClip(t, dir, "c.mp4", 3*time.Second)

	caption := "one image"
	j := e.wait(e.publish(api.PublishRequest{Targets: []string{img}, Caption: &caption}).Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("image: %s %+v\n%s", j.State, j.Error, e.log.String())
	}
	if d := daemontest.DetailOf(t, j); d.Type != api.PublishImage || d.Hosting != hostURL {
		t.Errorf("image detail: %+v", d)
	}

	caption = "a carousel"
	j = e.wait(e.publish(api.PublishRequest{Targets: []string{img, clip, img2}, Caption: &caption}).Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("carousel: %s %+v\n%s", j.State, j.Error, e.log.String())
	}
	d := daemontest.DetailOf(t, j)
	if d.Type != api.PublishCarousel || len(d.Items) != 3 || d.Items[1].ContainerID == "" {
		t.Errorf("carousel detail: %+v", d)
	}
	pub := e.published()
	if len(pub) != 2 || len(pub[1].Children) != 3 || pub[1].MediaType != "CAROUSEL_ALBUM" {
		t.Fatalf("sandbox: %+v", pub)
	}
	// Meta fetched every item from the public endpoint, bytes intact.
	for _, it := range d.Items {
		c, ok := e.sb.Container(it.ContainerID)
		if !ok || c.Fetch == nil || !c.Fetch.OK || c.Fetch.SHA256 != it.SHA256 {
			t.Errorf("item %s: fetch %+v", it.Target, c.Fetch)
		}
	}
	// The URLs die with the job.
	for _, c := range e.sb.State().Containers {
		if c.Fetch != nil && strings.Contains(c.Fetch.URL, "/media/") {
			resp, err := http.Get(c.Fetch.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s after the job ended: %d, want 404", c.Fetch.URL, resp.StatusCode)
			}
		}
	}
}

func TestPublishIdempotency(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	caption := "same"
	req := api.PublishRequest{Targets: []string{clip}, Caption: &caption}
	first := e.publish(req)
	e.wait(first.Job.ID)

	again := e.publish(req)
	if !again.Reused || again.Job.ID != first.Job.ID {
		t.Fatalf("re-run: %+v, want reused job %s", again, first.Job.ID)
	}
	if n := len(e.published()); n != 1 {
		t.Fatalf("re-run published again: %d", n)
	}
	// Another caption is another post.
	other := "other"
	req2 := req
	req2.Caption = &other
	if r := e.publish(req2); r.Reused {
		t.Fatalf("a different caption reused %s", r.Job.ID)
	} else {
		e.wait(r.Job.ID)
	}
	// --force posts again on purpose and takes over the key.
	forced := req
	forced.Force = true
	f := e.publish(forced)
	if f.Reused || f.Job.ID == first.Job.ID {
		t.Fatalf("--force: %+v", f)
	}
	e.wait(f.Job.ID)
	if n := len(e.published()); n != 3 {
		t.Fatalf("published %d, want 3", n)
	}
	if r := e.publish(req); !r.Reused || r.Job.ID != f.Job.ID {
		t.Fatalf("after --force the key names %s, want %s", r.Job.ID, f.Job.ID)
	}

	// A user key reused for other content is refused as bad input, with
	// the way on: a new key, or --force to replace.
	k := api.PublishRequest{Targets: []string{clip}, Caption: &caption, Key: "monday"}
	e.wait(e.publish(k).Job.ID)
	k.Caption = &other
	_, err := e.c.Publish(t.Context(), k)
	if ae, ok := api.AsError(err); !ok || ae.Code != api.CodeInvalid || !strings.Contains(ae.Hint, "new key") || !strings.Contains(ae.Hint, "--force") {
		t.Fatalf("key reused for other content: %v (%+v), want invalid_input with the next step", err, ae)
	}
}

func TestPublishDryRunSendsNothing(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	caption := "dry"
	off := 1500
	before := len(e.sb.State().Containers)
	res := e.publish(api.PublishRequest{Targets: []string{clip}, Caption: &caption, ThumbOffsetMS: &off, DryRun: true})
	if res.Job != nil || res.Plan == nil {
		t.Fatalf("dry run: %+v", res)
	}
	p := res.Plan
	var create *api.PlannedCall
	for i, c := range p.Calls {
		if c.Method == "POST" && strings.HasSuffix(c.Path, "/media") {
			create = &p.Calls[i]
		}
	}
	if create == nil || create.Params["media_type"] != "REELS" || create.Params["caption"] != "dry" ||
		create.Params["thumb_offset"] != "1500" || create.Params["upload_type"] != "resumable" {
		t.Errorf("planned container: %+v", create)
	}
	if !strings.HasPrefix(p.Key, "auto:") || p.Hosting != hostUpload {
		t.Errorf("plan: %+v", p)
	}
	if after := len(e.sb.State().Containers); after != before {
		t.Errorf("dry run created containers: %d → %d", before, after)
	}
	if jobs, _ := e.c.Jobs(t.Context(), api.JobPublish); len(jobs) != 0 {
		t.Errorf("dry run stored jobs: %+v", jobs)
	}
}

func TestPublishRefusesWithEveryViolation(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	short := daemontest.ReelClip(t, t.TempDir(), "short.mp4", time.Second)
	caption := strings.Repeat("#tag ", 31) + strings.Repeat("x", 2200)
	_, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{short}, Caption: &caption,
		Collaborators: []string{"a", "b", "c", "d"}})
	ae, ok := api.AsError(err)
	if !ok || ae.Code != api.CodeRejected {
		t.Fatalf("refusal: %v, want rejected", err)
	}
	for _, want := range []string{"duration_min", "caption_length", "caption_hashtags", "collaborators"} {
		if !strings.Contains(ae.Message, want) {
			t.Errorf("refusal does not list %s:\n%s", want, ae.Message)
		}
	}
	if n := len(e.sb.State().Containers); n != 0 {
		t.Errorf("containers created: %d", n)
	}
	if jobs, _ := e.c.Jobs(t.Context(), ""); len(jobs) != 0 {
		t.Errorf("jobs stored: %+v", jobs)
	}
	// A carousel of one is refused too, as is an unknown type.
	img := ffmpegtest.Image(t, 64, 64)
	if _, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{img}, Type: "carousel"}); !api.HasCode(err, api.CodeRejected) {
		t.Errorf("carousel of one: %v", err)
	}
	if _, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{img}, Type: "video"}); !api.HasCode(err, api.CodeInvalid) {
		t.Errorf("type video: %v", err)
	}
}

func TestPublishReelWithCoverImage(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	dir := t.TempDir()
	clip := daemontest.ReelClip(t, dir, "reel.mp4", 3*time.Second)
	cover := ffmpegtest.ImageFile(t, 72, 128, filepath.Join(dir, "cover.jpg"))
	caption := "with a cover"
	j := e.wait(e.publish(api.PublishRequest{Targets: []string{clip}, Caption: &caption, Cover: cover}).Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("job: %s %+v", j.State, j.Error)
	}
	d := daemontest.DetailOf(t, j)
	// A cover goes by URL, so the whole publish does.
	if d.Hosting != hostURL || d.Cover != cover {
		t.Errorf("detail: hosting %s cover %q", d.Hosting, d.Cover)
	}
	c, ok := e.sb.Container(d.ContainerID)
	if !ok || !strings.Contains(c.Params["cover_url"], "/media/") || c.Params["thumb_offset"] != "" {
		t.Fatalf("container params: %+v", c.Params)
	}
	// The cover URL served the cover while the job ran; it is dead now.
	resp, err := http.Get(c.Params["cover_url"])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("cover URL after the job: %d", resp.StatusCode)
	}
	// A PNG cover is refused before anything is sent.
	png := ffmpegtest.ImageFile(t, 72, 128, filepath.Join(dir, "cover.png"))
	caption2 := "png cover"
	if _, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{clip}, Caption: &caption2, Cover: png}); !api.HasCode(err, api.CodeRejected) {
		t.Errorf("png cover: %v", err)
	}
}

// TestPublishChecksWhatIsGivenBeforeTheLogin: what a request names is
// checked before its connection. A file that is not media is refused as
// such (invalid_input) even with no connection at all; content that breaks
// the rules is refused for it (rejected); only a request with nothing
// wrong in it hears that a login is needed — and once logged in, the same
// bad file is still refused for what it is.
func TestPublishChecksWhatIsGivenBeforeTheLogin(t *testing.T) {
	e := newPubEnv(t, pubOpts{noLogin: true})
	dir := t.TempDir()
	text := filepath.Join(dir, "hostname")
	testkit.WriteFile(t, text, "build-host\n")
	clip := daemontest.ReelClip(t, dir, "reel.mp4", 3*time.Second)
	long := strings.Repeat("x", 2300)

	cases := []struct {
		name string
		req  api.PublishRequest
		want api.Code
	}{
		{"not media, no login", api.PublishRequest{Targets: []string{text}}, api.CodeInvalid},
		{"caption too long, no login", api.PublishRequest{Targets: []string{clip}, Caption: &long}, api.CodeRejected},
		{"nothing wrong, no login", api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("fine")}, api.CodeLoginNeeded},
	}
	for _, tc := range cases {
		_, err := e.c.Publish(t.Context(), tc.req)
		if got := daemontest.CodeOf(err); got != tc.want {
			t.Errorf("%s: %v (%s), want %s", tc.name, err, got, tc.want)
		}
	}
	e.login(sandbox.TokenRequest{Flavour: "instagram"}, "main", "")
	if _, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{text}}); daemontest.CodeOf(err) != api.CodeInvalid {
		t.Errorf("not media, logged in: %v", err)
	}
	if n := len(e.sb.State().Containers); n != 0 {
		t.Errorf("containers created: %d", n)
	}
}
