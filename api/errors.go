package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a wire error code: the stable part of a wire error, which
// callers branch on; the message is for people. Its HTTP status is here
// ([Code.HTTPStatus], from the codes table); the CLI maps each code to its
// exit code (one table, in package cli), tested against [Codes].
type Code string

// The wire codes. A new one gets a row in codes too (its HTTP status).
const (
	CodeInvalid     Code = "invalid_input"  // bad request, bad spec, unsupported media
	CodeNotFound    Code = "not_found"      // named thing does not exist
	CodeConflict    Code = "conflict"       // exists already / wrong state
	CodeCancelled   Code = "cancelled"      // cancelled or timed out
	CodeLoginNeeded Code = "login_needed"   // no connection, token expired or revoked
	CodeRejected    Code = "rejected"       // refused permanently by the platform or its rules
	CodeTransient   Code = "transient"      // rate-limited or platform failure, retry later
	CodeUnconfirmed Code = "unconfirmed"    // a publish may or may not be live
	CodeForbidden   Code = "forbidden"      // local API refused the caller
	CodeRecovery    Code = "store_recovery" // the store failed its check
	CodeInternal    Code = "internal"       // anything else
)

// codes is the wire code table: every code, in a stable order, with the
// HTTP status the daemon answers it with. TestCodesTable fails for a row
// without an error status or a code listed twice.
var codes = [...]struct {
	code   Code
	status int
}{
	{CodeInvalid, http.StatusBadRequest},
	{CodeNotFound, http.StatusNotFound},
	{CodeConflict, http.StatusConflict},
	{CodeCancelled, 499}, // nginx's "client closed request"
	{CodeLoginNeeded, http.StatusUnauthorized},
	{CodeRejected, http.StatusUnprocessableEntity},
	{CodeTransient, http.StatusServiceUnavailable},
	{CodeUnconfirmed, http.StatusInternalServerError},
	{CodeForbidden, http.StatusForbidden},
	{CodeRecovery, http.StatusServiceUnavailable},
	{CodeInternal, http.StatusInternalServerError},
}

// Codes returns every wire code, so that a mapping from codes (the CLI's
// exit codes) can be tested against all of them.
func Codes() []Code {
	out := make([]Code, len(codes))
	for i, r := range codes {
		out[i] = r.code
	}
	return out
}

// HTTPStatus is the status the daemon answers code c with: 500 for a code
// this build does not know (one from a newer daemon, say).
func (c Code) HTTPStatus() int {
	for _, r := range codes {
		if r.code == c {
			return r.status
		}
	}
	return http.StatusInternalServerError
}

// FailureClass is how a client of an outside platform classifies a failed
// call (package meta's Class has these methods). api imports no such
// client: any type with these methods fits, and [CodeForClass] turns it
// into a wire code. At most one of the four traits holds; none means the
// client could not place the failure.
type FailureClass interface {
	// String names the class (meta's "quota", "recreate", ...); classOwn
	// is keyed by it.
	String() string
	// LoginNeeded: the platform refused the credentials; log in again.
	LoginNeeded() bool
	// Refused: the platform refused the request and will refuse it again.
	Refused() bool
	// RetryLater: trying again later may work (an outage, a limit, media
	// still processing).
	RetryLater() bool
	// MayHaveActed: the call failed without saying whether it took effect
	// (a publish may be live).
	MayHaveActed() bool
}

// classOwn gives a failure class a wire code of its own instead of the
// one its traits choose in [CodeForClass]: the one place to say that a new
// class (Graph code 368, "temporarily blocked", with an exit code of its
// own, say) is not just another refusal. Empty while every class's traits
// say all a caller needs; cli's TestEveryClassAndCodeHasAnExitCode names the exit
// code each class must reach, so a class added with its own code but no
// row here fails there.
var classOwn = map[string]Code{}

// CodeForClass is the wire code of a failure of class c: its own row in
// classOwn, else the one its traits choose. A call that may have taken
// effect is checked first: it must never pass for a plain failure that is
// safe to repeat, so no row of classOwn may override it.
func CodeForClass(c FailureClass) Code {
	if c.MayHaveActed() {
		return CodeUnconfirmed
	}
	if code, ok := classOwn[c.String()]; ok {
		return code
	}
	switch {
	case c.LoginNeeded():
		return CodeLoginNeeded
	case c.Refused():
		return CodeRejected
	case c.RetryLater():
		return CodeTransient
	}
	return CodeInternal
}

// Error is a typed wire error.
type Error struct {
	Status  int    `json:"-"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// Hint says what to do next, when the daemon knows.
	Hint string `json:"hint,omitempty"`
}

func (e *Error) Error() string {
	if e.Hint != "" {
		return e.Message + "; " + e.Hint
	}
	return e.Message
}

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrDaemonNotRunning is returned when nothing listens on the socket.
var ErrDaemonNotRunning = errors.New("the impress daemon is not running")

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// HasCode reports whether err is an *Error with the given code.
func HasCode(err error, code Code) bool {
	e, ok := AsError(err)
	return ok && e.Code == code
}

// IsNotFound reports whether err is a not_found wire error.
func IsNotFound(err error) bool { return HasCode(err, CodeNotFound) }
