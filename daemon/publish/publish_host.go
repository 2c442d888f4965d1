package publish

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/internal/config"
	"github.com/impress-dev/impress/meta"
)

// Hosting modes: how a publish's bytes reach Meta (api.PublishDetail.Hosting).
const (
	hostUpload = "upload" // resumable upload to rupload (Facebook Login videos)
	hostURL    = "url"    // signed URL on the public endpoint, fetched by Meta
)

// Signed media URLs. Meta's crawler fetches GET <public_url>/media/<token>
// from the public listener. A token names one file of one job and expires:
//
//	base64url(job id uint64 BE | item uint16 BE | expiry unix uint64 BE) "." base64url(HMAC-SHA256[:16])
//
// followed by the file's extension, because some fetchers look at it. The
// key lives in <data>/publish-url.key (0600) so that URLs handed to Meta
// before a restart still work after it (Meta may fetch while the daemon
// restarts). The handler also checks the job: a URL works only while its
// job has not ended, whatever its expiry.

const (
	signKeyFile = "publish-url.key"
	// urlLifetime bounds a URL: containers die after 24 h anyway.
	urlLifetime = 24 * time.Hour
	// coverItem is the item number of a reel's cover image in a token.
	coverItem = 0xFFFF
)

// loadSignKey reads the URL signing key, creating it on first use.
func loadSignKey(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, signKeyFile)
	key, err := os.ReadFile(path)
	if err == nil && len(key) == 32 {
		return key, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, key, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return key, nil
}

func (p *publisher) sign(payload []byte) []byte {
	m := hmac.New(sha256.New, p.signKey)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// mediaToken signs (job, item, expiry).
func (p *publisher) mediaToken(job uint64, item int, exp time.Time) string {
	payload := make([]byte, 18)
	binary.BigEndian.PutUint64(payload[0:8], job)
	binary.BigEndian.PutUint16(payload[8:10], uint16(item))
	binary.BigEndian.PutUint64(payload[10:18], uint64(exp.Unix()))
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(p.sign(payload))
}

// parseMediaToken checks a token's signature and expiry.
func (p *publisher) parseMediaToken(tok string, now time.Time) (job uint64, item int, ok bool) {
	if i := strings.IndexByte(tok, '.'); i >= 0 {
		if j := strings.IndexByte(tok[i+1:], '.'); j >= 0 {
			tok = tok[:i+1+j] // drop the extension
		}
	}
	a, b, found := strings.Cut(tok, ".")
	if !found {
		return 0, 0, false
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(a)
	mac, err2 := enc.DecodeString(b)
	if err1 != nil || err2 != nil || len(payload) != 18 || !hmac.Equal(mac, p.sign(payload)) {
		return 0, 0, false
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[10:18])), 0)
	if !now.Before(exp) {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(payload[0:8]), int(binary.BigEndian.Uint16(payload[8:10])), true
}

// publicBase is daemon.public_url, or an error that says how to set it up.
func (p *publisher) publicBase() (string, error) {
	st := p.s.Settings()
	base := strings.TrimRight(st.String(config.DaemonPublicURL), "/")
	if base == "" || st.String(config.DaemonPublicListen) == "" {
		return "", &api.Error{Code: api.CodeInvalid,
			Message: "this publish needs a public URL Meta can fetch the media from (Instagram Login accounts, images and covers cannot use resumable upload), and the public endpoint is not configured",
			Hint: "run an HTTPS tunnel or reverse proxy to a local port, then `impress config set daemon.public_listen 127.0.0.1:8787` and " +
				"`impress config set daemon.public_url https://<your tunnel>`; or log in with `impress auth login --flavor facebook` to upload videos directly"}
	}
	if u, err := url.Parse(base); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", api.Errorf(api.CodeInvalid, "daemon.public_url %q is not an http(s) URL", base)
	}
	return base, nil
}

// mediaURL is the signed URL of one file of a job.
func (p *publisher) mediaURL(job uint64, item int, file string, exp time.Time) (string, error) {
	base, err := p.publicBase()
	if err != nil {
		return "", err
	}
	return base + "/media/" + p.mediaToken(job, item, exp) + strings.ToLower(filepath.Ext(file)), nil
}

// servePublicMedia serves GET /media/{token} on the public listener: the
// one file a valid token names, only while its job runs. Anything else is
// a bare 404 that tells a prober nothing.
func (s *Service) servePublicMedia(w http.ResponseWriter, r *http.Request) {
	if s.pub == nil || s.DB == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	tok := r.PathValue("token")
	if tok == "" {
		tok = strings.TrimPrefix(r.URL.Path, "/media/")
	}
	jobID, item, ok := s.pub.parseMediaToken(tok, s.Now())
	if !ok {
		http.NotFound(w, r)
		return
	}
	j, err := s.DB.Job(jobID)
	if err != nil || j.Kind != api.JobPublish || (api.Job{State: j.State}).Terminal() {
		http.NotFound(w, r)
		return
	}
	d := api.PublishDetailOf(&api.Job{Detail: j.Detail})
	if d == nil {
		http.NotFound(w, r)
		return
	}
	var file string
	switch {
	case item == coverItem:
		file = coverFile(d)
	case item < len(d.Items):
		file = d.Items[item].File
	}
	if file == "" {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(file)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	ctype := "video/mp4"
	switch strings.ToLower(filepath.Ext(file)) {
	case ".jpg", ".jpeg":
		ctype = "image/jpeg"
	case ".mov":
		ctype = "video/quicktime"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, no-store")
	s.Log.Info("media fetched", "job", jobID, "item", item, "bytes", fi.Size())
	// ServeContent streams from the file and answers Range requests.
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// coverFile is the reel's cover image, the user's or the render's.
func coverFile(d *api.PublishDetail) string {
	if d.Cover != "" {
		return d.Cover
	}
	return d.RenderCover
}

// graphMediaType is the Graph media_type of a post of each publish type:
// a single item's container, or a carousel's parent (its children are
// VIDEO or IMAGE items). TestEveryPublishTypeHasAGraphType walks
// api.PublishTypes() through it.
var graphMediaType = map[string]meta.MediaType{
	api.PublishReel:     meta.MediaReels,
	api.PublishStory:    meta.MediaStories,
	api.PublishImage:    meta.MediaImage,
	api.PublishCarousel: meta.MediaCarousel,
}

// containerRequest builds the container request of item i (or the
// carousel parent for i < 0; a single post is item 0). mediaURL is the
// item's URL for URL hosting, coverURL the reel cover's.
func (p *publisher) containerRequest(d *api.PublishDetail, i int, mediaURL, coverURL string) meta.ContainerRequest {
	var r meta.ContainerRequest
	carousel := d.Type == api.PublishCarousel
	if i < 0 {
		r.MediaType = graphMediaType[api.PublishCarousel]
		for _, it := range d.Items {
			r.Children = append(r.Children, it.ContainerID)
		}
	} else {
		it := d.Items[i]
		video := it.Kind != mediastore.KindImage
		switch {
		case carousel && video:
			r.MediaType = meta.MediaVideo
		case carousel:
			r.MediaType = meta.MediaImage
		default:
			r.MediaType = graphMediaType[d.Type]
		}
		r.IsCarouselItem = carousel
		switch {
		case d.Hosting == hostUpload && video:
			r.Resumable = true
		case video:
			r.VideoURL = mediaURL
		default:
			r.ImageURL = mediaURL
		}
		if !video && d.AltText != "" {
			r.AltText = d.AltText
		}
		if carousel {
			return r // children carry no caption or options
		}
	}
	if d.Type != api.PublishStory {
		r.Caption = d.Caption
		r.Collaborators = d.Collaborators
		r.LocationID = d.LocationID
	}
	if d.Type == api.PublishReel {
		r.ShareToFeed = d.ShareToFeed
		r.AudioName = d.AudioName
		r.CoverURL = coverURL
		if d.ThumbOffsetMS != nil {
			off := time.Duration(*d.ThumbOffsetMS) * time.Millisecond
			r.ThumbOffset = &off
		}
	}
	return r
}
