package meta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
)

// UploadOptions tune [Client.Upload].
type UploadOptions struct {
	// URI is the uri Meta returned with the container ([Container.UploadURI]).
	// Only its path is used; the host is always rupload (or the Endpoint),
	// so a response can never direct the token elsewhere. Empty: the path
	// is built as /ig-api-upload/<ver>/<container>.
	URI string
	// Progress, if set, is called as bytes are handed to the connection,
	// with the absolute position in the file and the file size.
	Progress func(sent, total int64)
	// MaxAttempts bounds the attempts after interrupted transfers
	// (default 5). Each resume starts from the server's offset.
	MaxAttempts int
	// From is the first byte to send: how many bytes Meta reported it has
	// of an upload an earlier process began ([Client.UploadOffset]), 0 for
	// a new one. Bytes before it are not sent again.
	From int64
}

// Upload sends a local file to a resumable container (created with
// [ContainerRequest.Resumable]): POST rupload.facebook.com/ig-api-upload/
// <ver>/<container> with "Authorization: OAuth <token>", "offset" and
// "file_size" headers and the raw bytes (docs/META.md §6). The body streams from r
// through a section reader; the file is never held in memory.
//
// When a transfer breaks (connection cut, timeout, 5xx, retriable
// debug_info), Upload asks Meta how many bytes arrived with
// [Client.UploadOffset] and resumes from there. That query is [UNVERIFIED]
// for IG containers (docs/META.md §6): when it fails or reports nothing, the upload
// restarts from offset 0, which is always correct, only slower.
// Documented for Facebook Login; Instagram Login has been reported to
// refuse resumable containers ([UNVERIFIED], docs/META.md §6).
func (c *Client) Upload(ctx context.Context, containerID string, r io.ReaderAt, size int64, o UploadOptions) error {
	const op = "upload"
	if size <= 0 {
		return invalidf(op, "empty file")
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = 5
	}
	if o.From < 0 || o.From >= size {
		return invalidf(op, "resume offset outside the file")
	}
	path, err := c.uploadPath(containerID, o.URI)
	if err != nil {
		return err
	}
	offset := o.From
	for attempt := 0; ; attempt++ {
		err := c.uploadOnce(ctx, path, r, offset, size, o.Progress)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || attempt+1 >= o.MaxAttempts || !resumable(err) {
			return err
		}
		if serr := c.sleep(ctx, c.backoff(attempt)); serr != nil {
			return fmt.Errorf("%w (resume interrupted: %w)", err, serr)
		}
		offset = 0
		if got, qerr := c.UploadOffset(ctx, containerID); qerr == nil && got > 0 && got <= size {
			offset = got
		}
		if offset == size {
			// Meta has every byte; the lost part was only the response.
			return nil
		}
	}
}

// resumable reports whether an upload failure is worth resuming.
func resumable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.class == ClassTransient || e.class == ClassRateLimited
}

func (c *Client) uploadPath(containerID, uri string) (string, error) {
	if uri == "" {
		return "/ig-api-upload/" + c.cfg.Version + "/" + url.PathEscape(containerID), nil
	}
	u, err := url.Parse(uri)
	if err != nil || u.Path == "" || u.Path[0] != '/' {
		return "", invalidf("upload", "bad upload uri")
	}
	return u.EscapedPath(), nil
}

func (c *Client) uploadOnce(ctx context.Context, path string, r io.ReaderAt, offset, size int64, progress func(int64, int64)) error {
	body := &progressReader{r: io.NewSectionReader(r, offset, size-offset), pos: offset, total: size, fn: progress}
	h := http.Header{}
	h.Set("offset", strconv.FormatInt(offset, 10))
	h.Set("file_size", strconv.FormatInt(size, 10))
	h.Set("Content-Type", "application/octet-stream")
	var out struct {
		Success *bool `json:"success"`
	}
	if err := c.do(ctx, &request{op: "upload", method: http.MethodPost, host: hostRupload, path: path,
		body: body, bodyLen: size - offset, header: h, auth: authOAuth}, &out); err != nil {
		return err
	}
	if out.Success != nil && !*out.Success {
		return &Error{Op: "upload", Message: "upload not accepted", class: ClassTransient}
	}
	return nil
}

// UploadFromURL tells rupload to fetch the file itself: the same POST with
// a "file_url" header and no body.
func (c *Client) UploadFromURL(ctx context.Context, containerID, fileURL string, o UploadOptions) error {
	path, err := c.uploadPath(containerID, o.URI)
	if err != nil {
		return err
	}
	h := http.Header{}
	h.Set("file_url", fileURL)
	var out struct {
		Success *bool `json:"success"`
	}
	if err := c.do(ctx, &request{op: "upload from url", method: http.MethodPost, host: hostRupload, path: path,
		header: h, auth: authOAuth, idempotent: true}, &out); err != nil {
		return err
	}
	if out.Success != nil && !*out.Success {
		return &Error{Op: "upload from url", Message: "upload not accepted"}
	}
	return nil
}

// UploadOffset asks how many bytes of a resumable upload Meta has:
// GET /<ver>/<container>?fields=video_status → uploading_phase.
// bytes_transferred, as the Facebook video docs describe ([UNVERIFIED] on
// IG containers). It returns -1 when Meta answers without that field.
func (c *Client) UploadOffset(ctx context.Context, containerID string) (int64, error) {
	var out struct {
		VideoStatus *struct {
			UploadingPhase *struct {
				BytesTransferred *int64 `json:"bytes_transferred"`
			} `json:"uploading_phase"`
		} `json:"video_status"`
	}
	if err := c.do(ctx, &request{op: "upload offset", method: http.MethodGet, host: hostGraph, path: c.vpath(containerID),
		query: url.Values{"fields": {"video_status"}}, idempotent: true}, &out); err != nil {
		return -1, err
	}
	if out.VideoStatus == nil || out.VideoStatus.UploadingPhase == nil || out.VideoStatus.UploadingPhase.BytesTransferred == nil {
		return -1, nil
	}
	return *out.VideoStatus.UploadingPhase.BytesTransferred, nil
}

// progressReader counts the bytes net/http pulls from the file.
type progressReader struct {
	r     io.Reader
	pos   int64 // absolute position in the file
	total int64
	fn    func(int64, int64)
	sent  atomic.Int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		s := p.sent.Add(int64(n))
		if p.fn != nil {
			p.fn(p.pos+s, p.total)
		}
	}
	return n, err
}
