// Package httpx holds the local API's answer helpers that every daemon
// feature shares: JSON answers, wire errors and their HTTP statuses,
// strict body decoding, NDJSON streams, and the mapping of any error to
// the wire error a command exits with ([Fail]).
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/redact"
	"github.com/impress-dev/impress/store"
)

// Fail writes err as a wire error: *api.Error as is, store.ErrNotFound as
// not_found, a cancelled context as cancelled, anything else as internal
// (logged, with the log's path, logFile, in the hint). Messages pass
// through red.
func Fail(w http.ResponseWriter, err error, log *slog.Logger, red *redact.Redactor, logFile string) {
	if e, ok := api.AsError(err); ok {
		WriteError(w, e)
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		WriteError(w, api.Errorf(api.CodeNotFound, "%s", err.Error()))
		return
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		WriteError(w, api.Errorf(api.CodeCancelled, "%s", red.String(err.Error())))
		return
	}
	log.Error("request failed", "err", err)
	WriteError(w, &api.Error{Code: api.CodeInternal, Message: red.String(err.Error()),
		Hint: "details are in " + logFile})
}

// Recover, deferred in a handler, keeps a panic from taking the daemon
// down: it logs msg with the path and the panic, and answers with answer.
// http.ErrAbortHandler goes on up: it is how a handler asks net/http to
// drop the connection.
func Recover(r *http.Request, log *slog.Logger, msg string, answer func()) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		log.Error(msg, "path", r.URL.Path, "panic", v)
		answer()
	}
}

// BrowserHeaders sets what every answer a browser may load from the
// daemon carries (the login callback page, the public endpoint): never
// cached (it may hold a code or personal data), no referrer, never framed,
// no type sniffing, and csp as its Content-Security-Policy.
func BrowserHeaders(h http.Header, csp string) {
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", csp)
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// WriteError answers e as {"error": e}, with e.Status or the code's status.
func WriteError(w http.ResponseWriter, e *api.Error) {
	status := e.Status
	if status == 0 {
		status = e.Code.HTTPStatus()
	}
	WriteJSON(w, status, map[string]*api.Error{"error": e})
}

// DecodeBody decodes the request body into v, refusing unknown fields and
// anything after the one JSON value but white space (a second document
// glued to the first would otherwise be ignored without a word: the
// caller and the daemon would disagree on what was asked); on failure it
// has answered invalid_input and returns false.
func DecodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// Token skips white space; io.EOF is the only good answer.
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err != nil {
		WriteError(w, api.Errorf(api.CodeInvalid, "bad request body: %v", err))
		return false
	}
	return true
}

// Answer is the whole of a handler whose request is one JSON body and
// whose answer is one JSON value: it decodes the body into a Req (see
// [DecodeBody]), calls fn with it, and answers fn's result with 200 or
// hands its error to fail (a feature's Fail, which maps it to a wire
// error).
func Answer[Req, Res any](w http.ResponseWriter, r *http.Request, fail func(http.ResponseWriter, error), fn func(context.Context, Req) (Res, error)) {
	var req Req
	if !DecodeBody(w, r, &req) {
		return
	}
	res, err := fn(r.Context(), req)
	Reply(w, fail, res, err)
}

// Reply is the end of most handlers: err, when there is one, goes to fail
// (a feature's Fail, which maps it to a wire error); otherwise v is the
// answer, with 200.
func Reply(w http.ResponseWriter, fail func(http.ResponseWriter, error), v any, err error) {
	if err != nil {
		fail(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, v)
}

// NDJSON writes a stream of events, one JSON object per line, flushed as
// they come. After the first write the status is 200, so errors travel
// in-band as {"error":…} (see package api).
type NDJSON struct {
	w       http.ResponseWriter
	f       http.Flusher
	started bool
}

// NewNDJSON starts nothing yet: the status goes out with the first event
// (or with Start).
func NewNDJSON(w http.ResponseWriter) *NDJSON {
	f, _ := w.(http.Flusher)
	return &NDJSON{w: w, f: f}
}

// Start sends the status and headers now, before any event: a follower
// that may wait long for the first one knows at once that it is connected.
func (n *NDJSON) Start() {
	n.header()
	if n.f != nil {
		n.f.Flush()
	}
}

func (n *NDJSON) header() {
	if !n.started {
		n.w.Header().Set("Content-Type", "application/x-ndjson")
		n.w.WriteHeader(http.StatusOK)
		n.started = true
	}
}

// Send writes one event and flushes it.
func (n *NDJSON) Send(v any) error {
	n.header()
	if err := json.NewEncoder(n.w).Encode(v); err != nil {
		return err
	}
	if n.f != nil {
		n.f.Flush()
	}
	return nil
}

// Error ends the stream with e: a plain error answer when nothing was
// sent yet, an in-band {"error":…} line after.
func (n *NDJSON) Error(e *api.Error) {
	if !n.started {
		WriteError(n.w, e)
		return
	}
	n.Send(map[string]*api.Error{"error": e})
}
