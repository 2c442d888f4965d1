package api

import (
	"errors"
	"fmt"
)

// Code is a wire error code: the stable part of a wire error, which
// callers branch on; the message is for people. The CLI maps each code to
// its exit code (one table, in package cli); the daemon maps each to an
// HTTP status. Both tables are tested against [Codes].
type Code string

// The wire codes. A new one goes into [Codes] too.
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

// Codes returns every wire code, so that a mapping from codes (the CLI's
// exit codes) can be tested against all of them.
func Codes() []Code {
	return []Code{CodeInvalid, CodeNotFound, CodeConflict, CodeCancelled, CodeLoginNeeded, CodeRejected,
		CodeTransient, CodeUnconfirmed, CodeForbidden, CodeRecovery, CodeInternal}
}

// FailureClass is how a client of an outside platform classifies a failed
// call (package meta's Class has these methods). api imports no such
// client: any type with these methods fits, and [CodeForClass] turns it
// into a wire code. At most one of the four holds; none means the client
// could not place the failure.
type FailureClass interface {
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

// CodeForClass is the wire code of a failure of class c. A call that may
// have taken effect is checked first: it must never pass for a plain
// failure that is safe to repeat.
func CodeForClass(c FailureClass) Code {
	switch {
	case c.MayHaveActed():
		return CodeUnconfirmed
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
