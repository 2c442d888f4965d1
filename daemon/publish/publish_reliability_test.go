package publish

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/daemontest"
	"github.com/impress-dev/impress/internal/ffmpegtest"
	"github.com/impress-dev/impress/meta"
	"github.com/impress-dev/impress/meta/sandbox"
	"github.com/impress-dev/impress/store"
)

// Reliability of the publish state machine against the sandbox, counting
// there: every test checks how many media Meta's side actually holds.

// distinctMedia fails when the sandbox holds a media twice for one job.
func assertOnePerJob(t *testing.T, e *pubEnv, jobs ...*api.Job) {
	t.Helper()
	pub := e.published()
	ids := map[string]bool{}
	for _, m := range pub {
		ids[m.ID] = true
	}
	if len(pub) != len(jobs) {
		t.Errorf("sandbox holds %d published media, want %d (one per job)", len(pub), len(jobs))
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		d := daemontest.DetailOf(t, j)
		if d.MediaID == "" || !ids[d.MediaID] || seen[d.MediaID] {
			t.Errorf("job %s: media %q not (uniquely) in the sandbox", j.ID, d.MediaID)
		}
		seen[d.MediaID] = true
	}
}

func TestPublishLostResponseIsVerifiedNotRepeated(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	e.sb.DropNextPublishResponse()
	j := e.wait(e.publishClip(clip, "lost answer").Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("job: %s %+v\n%s", j.State, j.Error, e.log.String())
	}
	d := daemontest.DetailOf(t, j)
	if d.Attempts != 1 || d.ContainerStatus != "PUBLISHED" {
		t.Errorf("attempts %d, container %s: want 1 call and a PUBLISHED container", d.Attempts, d.ContainerStatus)
	}
	assertOnePerJob(t, e, j)
	if !strings.Contains(e.log.String(), "media_publish failed") {
		t.Errorf("the lost answer left no trace in the log")
	}
}

func TestPublishUnconfirmedWhenNothingCanBeRead(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	e.sb.DropNextPublishResponse()
	g := e.proxy.Hold("POST", false, daemontest.HasSuffix("/media_publish"))
	req := api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("in the dark")}
	res := e.publish(req)
	g.WaitHit(t)
	// From now on Meta cannot be read: every GET loses its connection.
	e.proxy.SetFailGET(func(*http.Request) bool { return true })
	g.Release()
	j := e.wait(res.Job.ID)
	if j.State != api.JobFailed || j.Error == nil || j.Error.Code != api.CodeUnconfirmed {
		t.Fatalf("job: %s %+v, want failed unconfirmed", j.State, j.Error)
	}
	if d := daemontest.DetailOf(t, j); d.State != api.PubUnconfirmed {
		t.Errorf("detail state %s", d.State)
	}
	if !strings.Contains(j.Error.Hint, "--force") || !strings.Contains(j.Error.Hint, "jobs show") {
		t.Errorf("hint does not say how to check: %q", j.Error.Hint)
	}
	if n := len(e.published()); n != 1 {
		t.Fatalf("sandbox: %d published", n)
	}
	e.proxy.SetFailGET(nil)
	// Never retried: not by jobs retry, not by a re-run.
	if _, err := e.c.RetryJob(t.Context(), j.ID); !api.HasCode(err, api.CodeConflict) {
		t.Errorf("retry of an unconfirmed job: %v, want conflict", err)
	}
	again := e.publish(req)
	if !again.Reused || again.Job.ID != j.ID || again.Job.Error == nil || again.Job.Error.Code != api.CodeUnconfirmed {
		t.Errorf("re-run: %+v", again)
	}
	if n := len(e.published()); n != 1 {
		t.Fatalf("published again: %d", n)
	}
	ms, err := e.c.MediaList(t.Context(), "")
	if err != nil || len(ms) != 1 || ms[0].State != api.PubUnconfirmed {
		t.Errorf("media list: %+v %v", ms, err)
	}
}

func TestPublishContainerErrorFailsThenRetrySucceeds(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	e.sb.FailNextContainers(1, "Error: The video file you tried to upload is not supported.", 352, 2207026)
	j := e.wait(e.publishClip(clip, "bad codec").Job.ID)
	if j.State != api.JobFailed || j.Error == nil || j.Error.Code != api.CodeRejected {
		t.Fatalf("job: %s %+v, want failed, rejected", j.State, j.Error)
	}
	d := daemontest.DetailOf(t, j)
	if d.State != api.PubFailed || d.Step != api.PubProcessing || d.ContainerStatus != "ERROR" {
		t.Errorf("detail: state %s step %s container %s", d.State, d.Step, d.ContainerStatus)
	}
	if n := len(e.published()); n != 0 {
		t.Fatalf("published %d", n)
	}
	rj, err := e.c.RetryJob(t.Context(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	j = e.wait(rj.ID)
	if j.State != api.JobDone {
		t.Fatalf("retry: %s %+v", j.State, j.Error)
	}
	if d2 := daemontest.DetailOf(t, j); d2.ContainerID == d.ContainerID {
		t.Errorf("retry kept the dead container %s", d.ContainerID)
	}
	assertOnePerJob(t, e, j)
	if _, err := e.c.RetryJob(t.Context(), j.ID); !api.HasCode(err, api.CodeConflict) {
		t.Errorf("retry of a published job: %v, want conflict", err)
	}
}

func TestPublishRecreatesContainersMetaLost(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	e.sb.FailNextContainers(1, "Error: An unknown error occurred. 2207053", -1, 2207053)
	j := e.wait(e.publishClip(clip, "second container").Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("job: %s %+v", j.State, j.Error)
	}
	if d := daemontest.DetailOf(t, j); d.Recreated != 1 || len(d.Notes) == 0 {
		t.Errorf("recreated %d, notes %q", d.Recreated, d.Notes)
	}
	assertOnePerJob(t, e, j)

	// An expired container (the daemon was away for a day) is replaced too.
	e.sb.SetProcessingTime(time.Hour)
	res := e.publishClip(clip, "slept a day")
	daemontest.WaitFor(t, 30*time.Second, func() bool {
		j, _ := e.c.Job(t.Context(), res.Job.ID)
		return j != nil && j.Stage == api.PubProcessing
	})
	e.sb.Advance(25 * time.Hour)
	e.sb.SetProcessingTime(0)
	j2 := e.wait(res.Job.ID)
	if j2.State != api.JobDone {
		t.Fatalf("expired container: %s %+v", j2.State, j2.Error)
	}
	if d := daemontest.DetailOf(t, j2); d.Recreated != 1 {
		t.Errorf("recreated %d", d.Recreated)
	}
	assertOnePerJob(t, e, j, j2)
}

func TestPublishQuotaWaitsOrRefuses(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	e.sb.SetPublishQuota(1)
	a := e.wait(e.publishClip(clip, "a").Job.ID)
	if a.State != api.JobDone {
		t.Fatalf("a: %+v", a.Error)
	}
	b := e.wait(e.publish(api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("b"), NoWait: true}).Job.ID)
	if b.State != api.JobFailed || b.Error.Code != api.CodeRejected || !strings.Contains(b.Error.Message, "quota") {
		t.Fatalf("--no-wait over quota: %s %+v, want rejected", b.State, b.Error)
	}
	res := e.publishClip(clip, "c")
	daemontest.WaitFor(t, 30*time.Second, func() bool {
		j, _ := e.c.Job(t.Context(), res.Job.ID)
		d := api.PublishDetailOf(j)
		return d != nil && strings.Contains(d.WaitReason, "quota") && j.Stage == "waiting"
	})
	if n := len(e.published()); n != 1 {
		t.Fatalf("published while waiting: %d", n)
	}
	e.sb.SetPublishQuota(2)
	c := e.wait(res.Job.ID)
	if c.State != api.JobDone {
		t.Fatalf("c: %+v", c.Error)
	}
	assertOnePerJob(t, e, a, c)
}

// TestPublishQuotaHeldByInFlightWaitsShort: when only reservations of
// publishes in flight fill the quota (Meta's count has room), a job looks
// again soon instead of after publish.quota_recheck: those end within a
// publish. (A post live but not yet released counts twice meanwhile; at
// the end of a batch as large as the quota, the last job waited the whole
// recheck for nothing.)
func TestPublishQuotaHeldByInFlightWaitsShort(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	e.st.Set("IMPRESS_PUBLISH_QUOTA_RECHECK", "1h")
	clip := e.reelClip()
	e.sb.SetPublishQuota(1)
	// A publish in flight holds the only post of the quota.
	if !e.s.pub.quota.reserve("main", meta.PublishingLimit{QuotaTotal: 1}) {
		t.Fatal("reserve")
	}
	res := e.publishClip(clip, "after the one in flight")
	daemontest.WaitFor(t, 30*time.Second, func() bool {
		j, _ := e.c.Job(t.Context(), res.Job.ID)
		d := api.PublishDetailOf(j)
		return d != nil && strings.Contains(d.WaitReason, "in flight")
	})
	e.s.pub.quota.release("main")
	if j := daemontest.WaitJobEnd(t, e.c, res.Job.ID, 30*time.Second); j.State != api.JobDone {
		t.Fatalf("%s %+v", j.State, j.Error)
	}
}

func TestPublishQuotaSharedByConcurrentJobs(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook", concurrency: 4})
	clip := e.reelClip()
	e.sb.SetPublishQuota(2)
	var done []*api.Job
	refused := 0
	for _, j := range e.publishAll(4, func(i int) api.PublishRequest {
		return api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp(fmt.Sprint("q", i)), NoWait: true}
	}) {
		switch {
		case j.State == api.JobDone:
			done = append(done, j)
		case j.Error != nil && j.Error.Code == api.CodeRejected:
			refused++
		default:
			t.Errorf("job %s: %s %+v", j.ID, j.State, j.Error)
		}
	}
	if len(done) != 2 || refused != 2 {
		t.Errorf("%d done, %d refused; want 2 and 2", len(done), refused)
	}
	assertOnePerJob(t, e, done...)
}

func TestPublishTokenExpiresMidBatch(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook", concurrency: 1})
	clip := e.reelClip()
	first := e.wait(e.publishClip(clip, "before").Job.ID)
	// The token dies while the second job waits for its container.
	g := e.proxy.Hold("GET", false, daemontest.StatusRead)
	r2 := e.publishClip(clip, "during")
	r3 := e.publishClip(clip, "after")
	g.WaitHit(t)
	e.sb.ExpireTokens()
	g.Release()
	j2, j3 := e.wait(r2.Job.ID), e.wait(r3.Job.ID)
	for _, j := range []*api.Job{j2, j3} {
		if j.State != api.JobFailed || j.Error == nil || j.Error.Code != api.CodeLoginNeeded || !strings.Contains(j.Error.Hint, "auth login") {
			t.Errorf("job %s: %s %+v, want login needed with the fix", j.ID, j.State, j.Error)
		}
	}
	if d := daemontest.DetailOf(t, j2); d.Step != api.PubProcessing || d.ContainerID == "" {
		t.Errorf("job 2 stopped at %s (container %q)", d.Step, d.ContainerID)
	}
	if n := len(e.published()); n != 1 {
		t.Fatalf("published %d", n)
	}
	// After a new login the batch finishes, each post once.
	e.login(sandbox.TokenRequest{Flavour: "facebook"}, "main", sandbox.IGCreatorID)
	for _, j := range []*api.Job{j2, j3} {
		if _, err := e.c.RetryJob(t.Context(), j.ID); err != nil {
			t.Fatal(err)
		}
	}
	j2, j3 = e.wait(j2.ID), e.wait(j3.ID)
	if j2.State != api.JobDone || j3.State != api.JobDone {
		t.Fatalf("after login: %s %+v / %s %+v", j2.State, j2.Error, j3.State, j3.Error)
	}
	assertOnePerJob(t, e, first, j2, j3)
}

func TestPublishTransientFailuresNoDuplicateNoLoss(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook", concurrency: 1})
	clip := e.reelClip()
	e.sb.SetFailRate(0.25)
	jobs := e.publishAll(6, func(i int) api.PublishRequest {
		return api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp(fmt.Sprint("flaky ", i)), FirstComment: daemontest.Strp("first!")}
	})
	for _, j := range jobs {
		if j.State != api.JobDone {
			t.Errorf("job %s: %s %+v", j.ID, j.State, j.Error)
		}
	}
	e.sb.SetFailRate(0)
	assertOnePerJob(t, e, jobs...)
	// Each first comment is there at most once.
	count := map[string]int{}
	for _, c := range e.sb.State().Comments {
		if c.Text == "first!" {
			count[c.MediaID]++
		}
	}
	for m, n := range count {
		if n > 1 {
			t.Errorf("media %s has the first comment %d times", m, n)
		}
	}
}

func TestPublishRateLimits(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	// A short limit with high usage: the job slows down and finishes.
	if err := e.sb.RateLimitNext(3, 4, 95, 0); err != nil {
		t.Fatal(err)
	}
	j := e.wait(e.publishClip(clip, "throttled").Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("job: %s %+v\n%s", j.State, j.Error, e.log.String())
	}
	if !strings.Contains(e.log.String(), "pacing calls") {
		t.Errorf("usage at 95%% did not slow the account down")
	}
	// A limit Meta says lasts two hours: transient now, nothing posted.
	if err := e.sb.RateLimitNext(20, 80002, 100, 120); err != nil {
		t.Fatal(err)
	}
	j2 := e.wait(e.publishClip(clip, "blocked").Job.ID)
	if j2.State != api.JobFailed || j2.Error.Code != api.CodeTransient || !strings.Contains(j2.Error.Hint, "jobs retry") {
		t.Fatalf("long rate limit: %s %+v, want transient with the retry hint", j2.State, j2.Error)
	}
	assertOnePerJob(t, e, j)
}

func TestPublishScheduledAndCancelled(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	// The request itself checks the file first, which can take a while on a
	// loaded machine; give the schedule room, and only demand the
	// "scheduled" stage when the answer came before the time (a schedule
	// already past is published at once, which is right).
	at := time.Now().Add(2 * time.Second)
	res := e.publish(api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("later"), At: &at})
	if answered := time.Now(); answered.Before(at) && (res.Job.Stage != "scheduled" || res.Job.State != api.JobQueued) {
		t.Fatalf("scheduled job: %+v", res.Job)
	}
	later := at.Add(time.Hour)
	cancelled := e.publish(api.PublishRequest{Targets: []string{clip}, Caption: daemontest.Strp("never"), At: &later})
	if _, err := e.c.CancelJob(t.Context(), cancelled.Job.ID); err != nil {
		t.Fatal(err)
	}
	j := e.wait(res.Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("job: %+v", j.Error)
	}
	if d := daemontest.DetailOf(t, j); d.PublishedAt == nil || d.PublishedAt.Before(at) {
		t.Errorf("published at %v, before its time %v", d.PublishedAt, at)
	}
	if c, _ := e.c.Job(t.Context(), cancelled.Job.ID); c.State != api.JobCancelled {
		t.Errorf("cancelled scheduled job is %s", c.State)
	}
	assertOnePerJob(t, e, j)
}

func TestPublishFirstCommentAndMedia(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "instagram"})
	img := ffmpegtest.Image(t, 64, 64)
	j := e.wait(e.publish(api.PublishRequest{Targets: []string{img}, Caption: daemontest.Strp("pic"), FirstComment: daemontest.Strp("Link in bio")}).Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("job: %+v", j.Error)
	}
	d := daemontest.DetailOf(t, j)
	if d.FirstCommentID == "" {
		t.Fatalf("no first comment: %+v", d)
	}
	n := 0
	for _, c := range e.sb.State().Comments {
		if c.MediaID == d.MediaID && c.Text == "Link in bio" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("first comment %d times", n)
	}
	ms, err := e.c.MediaList(t.Context(), "")
	if err != nil || len(ms) != 1 || ms[0].MediaID != d.MediaID || ms[0].Permalink == "" {
		t.Fatalf("media list: %+v %v", ms, err)
	}
	m, err := e.c.MediaShow(t.Context(), "latest")
	if err != nil || m.MediaID != d.MediaID || m.Live != "ok" || m.CommentsCount == nil || *m.CommentsCount != 1 {
		t.Errorf("media show: %+v %v", m, err)
	}
	if _, err := e.c.MediaShow(t.Context(), "nope"); !api.IsNotFound(err) {
		t.Errorf("unknown media: %v", err)
	}
}

func TestSignedMediaURLs(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "instagram"})
	clip := e.reelClip()
	res, g := e.publishHeld(clip, "url", daemontest.HasSuffix("/media"))
	defer g.Release()
	id := mustID(t, res.Job.ID)
	p := e.s.pub
	good, err := p.mediaURL(id, 0, clip, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string, hdr ...string) (int, string) {
		req, _ := http.NewRequest("GET", u, nil)
		if len(hdr) == 2 {
			req.Header.Set(hdr[0], hdr[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Content-Type")
	}
	if code, ct := get(good); code != 200 || ct != "video/mp4" {
		t.Errorf("valid URL: %d %s", code, ct)
	}
	if code, _ := get(good, "Range", "bytes=0-9"); code != http.StatusPartialContent {
		t.Errorf("range: %d", code)
	}
	expired, _ := p.mediaURL(id, 0, clip, time.Now().Add(-time.Second))
	other, _ := p.mediaURL(id+1, 0, clip, time.Now().Add(time.Hour))
	noItem, _ := p.mediaURL(id, 3, clip, time.Now().Add(time.Hour))
	tampered := strings.Replace(good, "/media/A", "/media/B", 1)
	if tampered == good {
		tampered = good[:len(good)-6] + "x" + good[len(good)-5:]
	}
	for name, u := range map[string]string{"expired": expired, "other job": other, "no such item": noItem, "tampered": tampered,
		"not a token": strings.Split(good, "/media/")[0] + "/media/abc"} {
		if code, _ := get(u); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", name, code)
		}
	}
}

func mustID(t *testing.T, s string) uint64 {
	t.Helper()
	var id uint64
	if _, err := fmt.Sscan(s, &id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPublishAlreadyPublishedIsRecordedNotFailed(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	clip := e.reelClip()
	res, g := e.publishHeld(clip, "raced", daemontest.HasSuffix("/media_publish"))
	// Someone (a stale read, another tool) publishes the container first.
	j, _ := e.c.Job(t.Context(), res.Job.ID)
	cid := daemontest.DetailOf(t, j).ContainerID
	tok, err := e.sb.IssueToken(sandbox.TokenRequest{Flavour: "facebook"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.metaHS.URL+"/v25.0/"+sandbox.IGCreatorID+"/media_publish?creation_id="+cid, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("direct publish: %v %v", resp, err)
	}
	resp.Body.Close()
	g.Release()
	j = e.wait(res.Job.ID)
	if j.State != api.JobDone {
		t.Fatalf("job: %s %+v, want done: Meta's \"already published\" means it is live", j.State, j.Error)
	}
	assertOnePerJob(t, e, j)
}

func TestPublishStoriesAndUploadedCarousel(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	dir := t.TempDir()
	a := daemontest.ReelClip(t, dir, "a.mp4", 3*time.Second)
	b := daemontest.ReelClip(t, dir, "b.mp4", 4*time.Second)
	story := e.wait(e.publish(api.PublishRequest{Targets: []string{a}, Type: api.PublishStory}).Job.ID)
	car := e.wait(e.publish(api.PublishRequest{Targets: []string{a, b}, Caption: daemontest.Strp("two clips")}).Job.ID)
	img := ffmpegtest.Image(t, 64, 114)
	istory := e.wait(e.publish(api.PublishRequest{Targets: []string{img}, Type: api.PublishStory}).Job.ID)
	for _, j := range []*api.Job{story, car, istory} {
		if j.State != api.JobDone {
			t.Fatalf("job %s: %s %+v", j.Title, j.State, j.Error)
		}
	}
	if d := daemontest.DetailOf(t, car); d.Hosting != hostUpload || !d.Items[0].Uploaded || !d.Items[1].Uploaded {
		t.Errorf("carousel of videos: %+v", d)
	}
	if d := daemontest.DetailOf(t, istory); d.Hosting != hostURL {
		t.Errorf("image story hosting %s", d.Hosting)
	}
	pub := e.published()
	if len(pub) != 3 || pub[0].ProductType != "STORY" || pub[1].MediaType != "CAROUSEL_ALBUM" || pub[2].ProductType != "STORY" {
		t.Fatalf("sandbox: %+v", pub)
	}
	// A story takes no caption: asking for one is refused up front.
	if _, err := e.c.Publish(t.Context(), api.PublishRequest{Targets: []string{a}, Type: api.PublishStory, Caption: daemontest.Strp("no")}); !api.HasCode(err, api.CodeRejected) {
		t.Errorf("story caption: %v", err)
	}
}

func TestPublishedJobStaysDoneWithoutLogin(t *testing.T) {
	e := newPubEnv(t, pubOpts{flavour: "facebook"})
	now := time.Now().UTC()
	d := api.PublishDetail{State: api.PubPublished, Connection: "main", Type: api.PublishReel, Key: "publish/main/key/x",
		ContainerID: "17900000000000042", MediaID: "18000000000000042", PublishedAt: &now, FirstComment: "hi"}
	data, _ := json.Marshal(d)
	j, err := e.s.DB.CreateJob(store.Job{Kind: api.JobPublish, State: api.JobQueued, Conn: "main", Key: d.Key, Detail: data}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Logout(t.Context(), api.LogoutRequest{Connection: "main"}); err != nil {
		t.Fatal(err)
	}
	e.s.pub.enqueue(j)
	got := e.wait(fmt.Sprint(j.ID))
	if got.State != api.JobDone {
		t.Fatalf("a live post without a login: %s %+v, want done", got.State, got.Error)
	}
	if d := daemontest.DetailOf(t, got); len(d.Notes) == 0 || !strings.Contains(d.Notes[0], "skipped") {
		t.Errorf("notes: %q", d.Notes)
	}
}
