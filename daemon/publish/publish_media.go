package publish

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/httpx"
	"github.com/impress-dev/impress/store"
)

// liveReadTimeout bounds `media show`'s read of fresh facts from Meta.
const liveReadTimeout = 15 * time.Second

// publishedOf maps a publish job to a media row; false for jobs that did
// not (or may not have) put anything on the account.
func publishedOf(j store.Job) (api.PublishedMedia, bool) {
	d := api.PublishDetailOf(&api.Job{Detail: j.Detail})
	if d == nil {
		return api.PublishedMedia{}, false
	}
	m := api.PublishedMedia{JobID: strconv.FormatUint(j.ID, 10), MediaID: d.MediaID, Permalink: d.Permalink,
		Type: d.Type, Connection: d.Connection, Caption: d.Caption, PublishedAt: d.PublishedAt}
	switch d.State {
	case api.PubPublished:
		m.State = api.PubPublished
	case api.PubUnconfirmed:
		m.State = api.PubUnconfirmed
	default:
		return m, false
	}
	return m, true
}

func (s *Service) listPublishedMedia(w http.ResponseWriter, r *http.Request) {
	conn := r.URL.Query().Get("connection")
	jobs, err := s.DB.Jobs(api.JobPublish)
	if err != nil {
		s.Fail(w, err)
		return
	}
	out := []api.PublishedMedia{}
	for _, j := range jobs {
		if m, ok := publishedOf(j); ok && (conn == "" || m.Connection == conn) {
			out = append(out, m)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// showPublishedMedia finds a media by media id, job id or "latest", and
// refreshes it from Meta (permalink, counts) when Meta answers in time.
func (s *Service) showPublishedMedia(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("id")
	jobs, err := s.DB.Jobs(api.JobPublish)
	if err != nil {
		s.Fail(w, err)
		return
	}
	var found *store.Job
	var m api.PublishedMedia
	for i := range jobs {
		mi, ok := publishedOf(jobs[i])
		if !ok {
			continue
		}
		if key == "latest" || mi.MediaID == key || mi.JobID == key {
			found, m = &jobs[i], mi
			break
		}
	}
	if found == nil {
		s.Fail(w, api.Errorf(api.CodeNotFound, "no published media %q; `impress media list` shows them", key))
		return
	}
	if m.MediaID != "" {
		ctx, cancel := context.WithTimeout(r.Context(), liveReadTimeout)
		defer cancel()
		m = s.pub.refreshMedia(ctx, *found, m)
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

// refreshMedia reads the media's current facts from Meta and keeps a
// permalink the publish could not get.
func (p *publisher) refreshMedia(ctx context.Context, j store.Job, m api.PublishedMedia) api.PublishedMedia {
	acct, err := p.account(ctx, m.Connection)
	if err != nil {
		m.Live = "not read: " + shortErr(err)
		return m
	}
	got, err := acct.Client.Media(ctx, m.MediaID, "id", "permalink", "like_count", "comments_count")
	if err != nil {
		m.Live = "not read: " + p.s.RedactString(shortErr(err))
		return m
	}
	m.Live = "ok"
	lc, cc := got.LikeCount, got.CommentsCount
	m.LikeCount, m.CommentsCount = &lc, &cc
	if m.Permalink == "" && got.Permalink != "" {
		m.Permalink = got.Permalink
		p.s.DB.UpdateJob(j.ID, func(sj *store.Job) error {
			var d api.PublishDetail
			if err := json.Unmarshal(sj.Detail, &d); err != nil {
				return err
			}
			d.Permalink = got.Permalink
			b, err := json.Marshal(d)
			sj.Detail = b
			return err
		})
	}
	return m
}
