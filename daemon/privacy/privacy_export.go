package privacy

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/feature"
	"github.com/impress-dev/impress/daemon/internal/jobs"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
	"github.com/impress-dev/impress/daemon/internal/records"
	"github.com/impress-dev/impress/internal/secrets"
	"github.com/impress-dev/impress/store"
)

// Export: everything impress holds (or one connection's part of it), as a
// zip of indented JSON files a person can read, plus the media files
// unless media=0. Sealed values are decrypted for the export; tokens and
// secrets never go in: the records exported have no token field, and
// every JSON file is checked against the connections' tokens before it is
// written, so a future field that carried one fails the export instead of
// leaking.
//
// The zip is streamed; an error after the first byte is reported in the
// X-Export-Error trailer, and the CLI keeps no partial file.

const exportReadme = `This is an export of what impress holds about you.

account.json                      the workspace's account profile
connections/<name>/connection.json  the Instagram connection: ids, username, scopes, state (never the token)
connections/<name>/comments.json    cached comments and replies on your media
connections/<name>/messages.json    DM thread summaries (and messages kept with --keep)
connections/<name>/events.json      webhook events Meta delivered
connections/<name>/publish_records.json  publish jobs: captions, media ids, permalinks
projects/<name>.json, .spec.yaml  projects and their specs
jobs.json                         render jobs
media/                            imported media and the files of publish records
media/renders/                    rendered videos and their covers (each file once)
privacy/receipts.json             deletion receipts (no personal data)
privacy/retention.json            how long each kind of data is kept

Times are RFC 3339 UTC. Values impress could not decrypt (their key is
gone) are listed as {"unreadable": true}.
`

var exportNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^A-Za-z0-9._-]+`) })

// exportName makes a name safe as one zip path element.
func exportName(s string) string {
	s = exportNameRE().ReplaceAllString(s, "_")
	s = strings.Trim(s, "._")
	if s == "" {
		return "_"
	}
	return s
}

// exporter writes the zip. Each file impress holds goes in once, under
// one name (mediaName), however many records point at it; every entry
// carries a real modification time (a zip entry without one reads as
// 1980 in every unzip tool).
type exporter struct {
	z      *zip.Writer
	tokens [][]byte
	now    time.Time
	names  map[string]bool
	srcs   map[string]bool // source files already in the zip, by clean path
}

func newExporter(w io.Writer, tokens [][]byte, now time.Time) *exporter {
	return &exporter{z: zip.NewWriter(w), tokens: tokens, now: now, names: map[string]bool{}, srcs: map[string]bool{}}
}

// create starts an entry written now (generated files) or at modified.
func (e *exporter) create(name string, method uint16, modified time.Time) (io.Writer, error) {
	if modified.IsZero() {
		modified = e.now
	}
	return e.z.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: modified})
}

func (e *exporter) json(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	for _, t := range e.tokens {
		if len(t) > 0 && bytes.Contains(data, t) {
			return fmt.Errorf("export %s: it would contain a token; nothing was exported", name)
		}
	}
	w, err := e.create(name, zip.Deflate, time.Time{})
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// mediaName is the one zip name of a file impress holds: the media
// store's files as media/<sha256><ext> (what media/index.json names),
// renders and their covers under media/renders/, anything else under
// media/.
func (s *Service) mediaName(src string) string {
	base := exportName(path.Base(filepath.ToSlash(src)))
	if rel, err := filepath.Rel(mediastore.RendersDir(s.Paths.DataDir), src); err == nil && !strings.HasPrefix(rel, "..") {
		return "media/renders/" + base
	}
	return "media/" + base
}

// file copies a file into the zip (stored: media is compressed already),
// once, with its modification time.
func (e *exporter) file(ctx context.Context, name, src string) error {
	src = filepath.Clean(src)
	if e.names[name] || e.srcs[src] {
		return nil
	}
	e.names[name], e.srcs[src] = true, true
	f, err := os.Open(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w, err := e.create(name, zip.Store, fi.ModTime())
	if err != nil {
		return err
	}
	_, err = io.Copy(w, mediastore.CtxReader{Ctx: ctx, R: f})
	return err
}

func (s *Service) exportHandler(w http.ResponseWriter, r *http.Request) {
	conn := r.URL.Query().Get("connection")
	withMedia := r.URL.Query().Get("media") != "0"
	var conns []store.Conn
	all, err := s.DB.Conns()
	if err != nil {
		s.Fail(w, err)
		return
	}
	if conn != "" {
		c, err := s.accounts.ResolveConn(conn)
		if err != nil {
			s.Fail(w, err)
			return
		}
		conns = []store.Conn{c}
	} else {
		conns = all
	}
	// Collect the tokens first: they are what must never be written.
	var tokens [][]byte
	keys := map[string]*secrets.DataKey{}
	for _, c := range all {
		dk, err := s.accounts.ConnKey(r.Context(), c.Name)
		if err != nil {
			continue
		}
		keys[c.Name] = dk
		for _, f := range []string{feature.FieldToken, feature.FieldPageToken} {
			if t, err := s.accounts.OpenToken(dk, c, f); err == nil {
				tokens = append(tokens, []byte(t))
			}
		}
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Trailer", "X-Export-Error")
	e := newExporter(w, tokens, s.Now())
	err = s.writeExport(r.Context(), e, conns, keys, conn == "", withMedia)
	if err == nil {
		err = e.z.Close()
	}
	if err != nil {
		s.Log.Error("privacy: export failed", "err", err)
		w.Header().Set("X-Export-Error", s.RedactString(err.Error()))
		return
	}
	s.Log.Info("privacy: export written", "connections", len(conns), "media", withMedia)
}

// exportConn is a connection as exported: no token, ever.
type exportConn struct {
	api.AuthConnection
}

type exportEvent struct {
	ID         uint64         `json:"id"`
	ReceivedAt time.Time      `json:"received_at"`
	Event      *records.Event `json:"event,omitempty"`
	Unreadable bool           `json:"unreadable,omitempty"`
}

type exportComment struct {
	*records.Comment
	CachedAt   time.Time `json:"cached_at"`
	Unreadable bool      `json:"unreadable,omitempty"`
}

type exportThread struct {
	*records.Thread
	CachedAt   time.Time `json:"cached_at"`
	Unreadable bool      `json:"unreadable,omitempty"`
}

// openSealed opens one sealed record of a connection for the export; nil
// when it cannot be (no data key left, or it does not open), which the
// export marks unreadable.
func openSealed[R any](dk *secrets.DataKey, field string, sealed []byte) *R {
	var rec R
	if dk == nil || records.Open(dk, field, sealed, &rec) != nil {
		return nil
	}
	return &rec
}

// exportSealed writes one kind of a connection's sealed records, as list
// finds them, to one JSON file: comments, DM threads and webhook events are
// exported alike, and only row (which opens one record into its exported
// form) knows which kind it is.
func exportSealed[E, O any](e *exporter, name string, list func(conn string) ([]E, error), conn string, dk *secrets.DataKey, row func(*secrets.DataKey, E) O) error {
	entries, err := list(conn)
	if err != nil {
		return err
	}
	out := []O{} // none is written as [], not null
	for _, en := range entries {
		out = append(out, row(dk, en))
	}
	return e.json(name, out)
}

// commentRow, threadRow and eventRow open one cached record for the export;
// one that does not open is still listed, marked unreadable, so the owner
// learns it is held even when its content is lost.
func commentRow(dk *secrets.DataKey, ce store.CommentEntry) exportComment {
	rec := openSealed[records.Comment](dk, records.FieldComment, ce.Data)
	return exportComment{Comment: rec, CachedAt: ce.At, Unreadable: rec == nil}
}

func threadRow(dk *secrets.DataKey, te store.ThreadEntry) exportThread {
	rec := openSealed[records.Thread](dk, records.FieldThread, te.Data)
	return exportThread{Thread: rec, CachedAt: te.At, Unreadable: rec == nil}
}

func eventRow(dk *secrets.DataKey, ev store.EventEntry) exportEvent {
	rec := openSealed[records.Event](dk, records.FieldEvent, ev.Data)
	return exportEvent{ID: ev.Seq, ReceivedAt: ev.At, Event: rec, Unreadable: rec == nil}
}

func (s *Service) writeExport(ctx context.Context, e *exporter, conns []store.Conn, keys map[string]*secrets.DataKey, full, withMedia bool) error {
	w, err := e.create("README.txt", zip.Deflate, time.Time{})
	if err != nil {
		return err
	}
	io.WriteString(w, exportReadme)
	def := "" // the default connection, when there is one
	if c, err := s.accounts.ResolveConn(""); err == nil {
		def = c.Name
	}
	allJobs, err := s.DB.Jobs("")
	if err != nil {
		return err
	}
	for _, c := range conns {
		dir := "connections/" + exportName(c.Name) + "/"
		dk := keys[c.Name]
		ac := s.accounts.ConnToAPI(ctx, c, c.Name == def)
		if err := e.json(dir+"connection.json", exportConn{ac}); err != nil {
			return err
		}
		if err := exportSealed(e, dir+"comments.json", s.DB.ConnComments, c.Name, dk, commentRow); err != nil {
			return err
		}
		if err := exportSealed(e, dir+"messages.json", s.DB.Threads, c.Name, dk, threadRow); err != nil {
			return err
		}
		if err := exportSealed(e, dir+"events.json", s.DB.ConnEvents, c.Name, dk, eventRow); err != nil {
			return err
		}
		outJ := []api.Job{}
		for _, j := range allJobs {
			if j.Kind == api.JobPublish && j.Conn == c.Name {
				outJ = append(outJ, jobs.ToAPI(j))
				if withMedia {
					if err := s.exportPublishMedia(ctx, e, j); err != nil {
						return err
					}
				}
			}
		}
		if err := e.json(dir+"publish_records.json", outJ); err != nil {
			return err
		}
	}
	if !full {
		return nil
	}
	return s.writeExportRest(ctx, e, allJobs, withMedia)
}

// exportPublishMedia adds the files a publish record sent that impress
// holds (renders, imported media); the user's own files stay where they
// are.
func (s *Service) exportPublishMedia(ctx context.Context, e *exporter, j store.Job) error {
	d := api.PublishDetailOf(&api.Job{Detail: j.Detail})
	if d == nil {
		return nil
	}
	for _, it := range d.Items {
		if it.File != "" && s.insideDirs(it.File) {
			if err := e.file(ctx, s.mediaName(it.File), it.File); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeExportRest adds what belongs to no connection: the account,
// projects, render jobs, media, renders, receipts and the policy.
func (s *Service) writeExportRest(ctx context.Context, e *exporter, allJobs []store.Job, withMedia bool) error {
	a, err := s.DB.Account()
	if err != nil {
		return err
	}
	if err := e.json("account.json", feature.AccountToAPI(a)); err != nil {
		return err
	}
	ps, err := s.DB.Projects()
	if err != nil {
		return err
	}
	for _, p := range ps {
		ap, err := s.projects.ProjectToAPI(p, false)
		if err != nil {
			return err
		}
		if err := e.json("projects/"+exportName(p.Name)+".json", ap); err != nil {
			return err
		}
		w, err := e.create("projects/"+exportName(p.Name)+".spec.yaml", zip.Deflate, p.UpdatedAt)
		if err != nil {
			return err
		}
		if _, err := w.Write(p.Spec); err != nil {
			return err
		}
	}
	outJ := []api.Job{}
	for _, j := range allJobs {
		if j.Kind != api.JobPublish || j.Conn == "" {
			outJ = append(outJ, jobs.ToAPI(j))
		}
	}
	if err := e.json("jobs.json", outJ); err != nil {
		return err
	}
	media, err := s.DB.AllMedia()
	if err != nil {
		return err
	}
	type mediaEntry struct {
		File       string    `json:"file"`
		Name       string    `json:"name"`
		Kind       string    `json:"kind"`
		Size       int64     `json:"size"`
		SHA256     string    `json:"sha256"`
		ImportedAt time.Time `json:"imported_at"`
	}
	index := []mediaEntry{}
	for _, m := range media {
		name := "media/" + m.SHA256 + m.Ext
		index = append(index, mediaEntry{File: name, Name: m.Name, Kind: m.Kind, Size: m.Size, SHA256: m.SHA256, ImportedAt: m.ImportedAt})
		if withMedia {
			if err := e.file(ctx, name, mediastore.Path(s.Paths.DataDir, m)); err != nil {
				return err
			}
		}
	}
	if err := e.json("media/index.json", index); err != nil {
		return err
	}
	if withMedia {
		renders, err := s.DB.Renders("")
		if err != nil {
			return err
		}
		for _, r := range renders {
			for _, f := range []string{r.Path, r.Cover} {
				if f != "" && s.insideDirs(f) {
					if err := e.file(ctx, s.mediaName(f), f); err != nil {
						return err
					}
				}
			}
		}
	}
	rs, err := s.DB.Receipts()
	if err != nil {
		return err
	}
	outR := []api.Receipt{}
	for _, r := range rs {
		if rc, err := receiptOf(r); err == nil {
			outR = append(outR, *rc)
		}
	}
	if err := e.json("privacy/receipts.json", outR); err != nil {
		return err
	}
	_, pol, err := s.retentionPolicy()
	if err != nil {
		return err
	}
	return e.json("privacy/retention.json", pol)
}
