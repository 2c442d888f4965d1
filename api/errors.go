package api

import (
	"errors"
	"fmt"
)

// Error codes. They are the stable part of a wire error; the message is for
// people. Each maps to one exit code of product.md (see [Error.ExitCode]).
const (
	CodeInvalid     = "invalid_input"  // bad request, bad spec, unsupported media: exit 2
	CodeNotFound    = "not_found"      // named thing does not exist: exit 2
	CodeConflict    = "conflict"       // exists already / wrong state: exit 1
	CodeCancelled   = "cancelled"      // cancelled or timed out: exit 3
	CodeLoginNeeded = "login_needed"   // no connection, token expired or revoked: exit 4
	CodeRejected    = "rejected"       // refused permanently by the platform or its rules: exit 5
	CodeTransient   = "transient"      // rate-limited or platform failure, retry later: exit 6
	CodeUnconfirmed = "unconfirmed"    // a publish may or may not be live: exit 7
	CodeForbidden   = "forbidden"      // local API refused the caller: exit 1
	CodeRecovery    = "store_recovery" // the store failed its check: exit 1
	CodeInternal    = "internal"       // anything else: exit 1
)

// Error is a typed wire error.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
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

// ExitCode is the CLI exit code for this error (product.md "Output and exit codes").
func (e *Error) ExitCode() int {
	switch e.Code {
	case CodeInvalid, CodeNotFound:
		return 2
	case CodeCancelled:
		return 3
	case CodeLoginNeeded:
		return 4
	case CodeRejected:
		return 5
	case CodeTransient:
		return 6
	case CodeUnconfirmed:
		return 7
	default:
		return 1
	}
}

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
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
func HasCode(err error, code string) bool {
	e, ok := AsError(err)
	return ok && e.Code == code
}

// IsNotFound reports whether err is a not_found wire error.
func IsNotFound(err error) bool { return HasCode(err, CodeNotFound) }
