package meta

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors returned (wrapped) by this package.
var (
	// ErrInvalid marks a request rejected by the client before anything was
	// sent (missing field, 11 carousel children, standalone VIDEO, ...).
	ErrInvalid = errors.New("invalid request")
	// ErrUnsupported marks an operation the connection's flavour does not
	// offer, such as revoking an Instagram Login token.
	ErrUnsupported = errors.New("not supported for this flavour")
	// ErrWaitTimeout is returned by [Client.WaitContainer] when the container
	// was still IN_PROGRESS after the wait budget.
	ErrWaitTimeout = errors.New("container not ready within the wait limit")
)

// Class says what a caller should do about an error. It is derived from
// Meta's (code, subcode) pair, is_transient, the HTTP status and, for
// network failures, from whether the request could have reached Meta.
type Class int

const (
	// ClassOther is an error this package cannot place; exit code 1.
	ClassOther Class = iota
	// ClassTransient: Meta or the network failed; retrying later may work.
	ClassTransient
	// ClassRateLimited: an app, user, page or business-use-case limit
	// (codes 4, 17, 32, 341, 613, 80001-80014). Slow down; see [Error.RetryAfter].
	ClassRateLimited
	// ClassLoginNeeded: the token is expired, revoked or invalid (190 and
	// its subcodes, 102). Refreshing will not help; the user must log in.
	ClassLoginNeeded
	// ClassPermanent: Meta refused the request and will refuse it again
	// (bad parameter, unsupported format, missing permission, policy block).
	ClassPermanent
	// ClassQuota: the daily publishing limit is used up (9 / 2207042).
	// Permanent for today; read [Client.PublishingLimit].
	ClassQuota
	// ClassNotReady: the container is not FINISHED yet (9007 / 2207027).
	// Wait for it ([Client.WaitContainer]) and publish again.
	ClassNotReady
	// ClassRecreate: the container is dead (expired, download or processing
	// failure on Meta's side). Create a new container and try again.
	ClassRecreate
	// ClassUnconfirmed: a media_publish call failed in a way that does not
	// say whether the media went live. Re-read the container (PUBLISHED?)
	// and the recent media before anything else; never blindly retry.
	ClassUnconfirmed
)

func (c Class) String() string {
	switch c {
	case ClassOther:
		return "other"
	case ClassTransient:
		return "transient"
	case ClassRateLimited:
		return "rate-limited"
	case ClassLoginNeeded:
		return "login-needed"
	case ClassPermanent:
		return "permanent"
	case ClassQuota:
		return "quota"
	case ClassNotReady:
		return "not-ready"
	case ClassRecreate:
		return "recreate"
	case ClassUnconfirmed:
		return "unconfirmed"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// ExitCode maps the class to the exit codes of README.md "Output and exit codes".
func (c Class) ExitCode() int {
	switch c {
	case ClassLoginNeeded:
		return 4
	case ClassPermanent, ClassQuota:
		return 5
	case ClassTransient, ClassRateLimited, ClassNotReady, ClassRecreate:
		return 6
	case ClassUnconfirmed:
		return 7
	}
	return 1
}

// Error is a failed call to Meta: a decoded Graph error envelope, an
// Instagram OAuth error, a rupload debug_info, a failed container, or a
// network failure. For a network failure Code is 0 and Unwrap returns the
// redacted cause: a *url.Error whose URL is redacted and whose inner error
// keeps only its text (scrubbed), Timeout() and context cancellation —
// never the original value, which could still hold a secret. No field
// holds a token or secret.
type Error struct {
	Op         string // operation, e.g. "publish", "create container"
	HTTPStatus int    // 0 when no response arrived
	Code       int    // error.code
	Subcode    int    // error.error_subcode
	Type       string // error.type: OAuthException, IGApiException, ...
	Message    string // error.message (scrubbed)
	Transient  bool   // error.is_transient
	UserTitle  string // error.error_user_title
	UserMsg    string // error.error_user_msg
	TraceID    string // error.fbtrace_id: quote it to Meta support
	// RetryAfter is Meta's estimated_time_to_regain_access for rate limits
	// (zero when Meta gave no estimate).
	RetryAfter time.Duration

	class Class
	hint  string
	cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("meta: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	switch {
	case e.Code != 0 || e.Subcode != 0 || e.Message != "":
		msg := e.Message
		if e.Code != 0 || e.Subcode != 0 {
			// Meta's messages often start with "(#code) " already.
			msg = strings.TrimPrefix(msg, fmt.Sprintf("(#%d) ", e.Code))
			fmt.Fprintf(&b, "(#%d", e.Code)
			if e.Subcode != 0 {
				fmt.Fprintf(&b, "/%d", e.Subcode)
			}
			b.WriteString(") ")
		}
		b.WriteString(msg)
		var extra []string
		if e.Type != "" {
			extra = append(extra, e.Type)
		}
		if e.HTTPStatus != 0 {
			extra = append(extra, fmt.Sprintf("http %d", e.HTTPStatus))
		}
		if e.TraceID != "" {
			extra = append(extra, "fbtrace_id "+e.TraceID)
		}
		if len(extra) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(extra, ", "))
		}
		if e.cause != nil {
			b.WriteString(": ")
			b.WriteString(e.cause.Error())
		}
	case e.cause != nil:
		b.WriteString(e.cause.Error())
	case e.HTTPStatus != 0:
		fmt.Fprintf(&b, "unexpected http status %d", e.HTTPStatus)
	default:
		b.WriteString("unknown error")
	}
	return b.String()
}

// Unwrap returns the redacted network cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// Class returns what the caller should do about the error.
func (e *Error) Class() Class { return e.class }

// UserMessage is a sentence for the user: Meta's error_user_title and
// error_user_msg when Meta sent them, otherwise a hint for the known
// (code, subcode) or class followed by Meta's message.
func (e *Error) UserMessage() string {
	if e.UserMsg != "" {
		if e.UserTitle != "" && !strings.HasPrefix(e.UserMsg, e.UserTitle) {
			return e.UserTitle + ": " + e.UserMsg
		}
		return e.UserMsg
	}
	hint := e.hint
	if hint == "" {
		hint = e.class.hint()
	}
	if e.Message != "" && e.Message != hint {
		return hint + " (Meta: " + e.Message + ")"
	}
	return hint
}

// hint is the generic advice for the class.
func (c Class) hint() string {
	switch c {
	case ClassTransient:
		return "Meta or the network failed temporarily; try again later"
	case ClassRateLimited:
		return "Meta is rate-limiting this app or account; slow down and try again later"
	case ClassLoginNeeded:
		return "The Meta login expired or was revoked; log in again"
	case ClassPermanent:
		return "Meta refused the request"
	case ClassQuota:
		return "The daily publishing limit is reached; publish later"
	case ClassNotReady:
		return "The media is still being processed; wait and publish again"
	case ClassRecreate:
		return "Meta could not process the media; create a new container and try again"
	case ClassUnconfirmed:
		return "The publish may or may not have gone live; check before retrying"
	}
	return "The request to Meta failed"
}

// ClassOf returns the class of err: the class of a wrapped *Error, or
// ClassOther. Context cancellation is ClassOther (see [ExitCode]).
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.class
	}
	return ClassOther
}

// IsLoginNeeded reports whether err means the user must log in again.
func IsLoginNeeded(err error) bool { return ClassOf(err) == ClassLoginNeeded }

// IsRateLimited reports whether err is a Meta rate limit.
func IsRateLimited(err error) bool { return ClassOf(err) == ClassRateLimited }

// IsQuotaExceeded reports whether the daily publishing limit is used up.
func IsQuotaExceeded(err error) bool { return ClassOf(err) == ClassQuota }

// IsNotReady reports whether a container was published before FINISHED.
func IsNotReady(err error) bool { return ClassOf(err) == ClassNotReady }

// IsUnconfirmed reports whether a publish may have gone live despite err.
func IsUnconfirmed(err error) bool { return ClassOf(err) == ClassUnconfirmed }

// IsTransient reports whether trying again later may succeed: the classes
// that map to exit code 6 (transient, rate-limited, not-ready, recreate).
func IsTransient(err error) bool { return ClassOf(err).ExitCode() == 6 }

// ExitCode maps err to README.md's exit codes: 0 nil, 2 invalid request,
// 3 cancelled or timed out, 4 login needed, 5 rejected (permanent, quota),
// 6 transient, 7 unconfirmed publish, 1 anything else. Unconfirmed wins over
// cancellation: a publish cut short by Ctrl-C may still have gone live.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	c := ClassOf(err)
	switch {
	case c == ClassUnconfirmed:
		return 7
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrWaitTimeout):
		return 3
	case errors.Is(err, ErrInvalid):
		return 2
	}
	return c.ExitCode()
}

// invalidf returns an ErrInvalid-wrapping error for operation op.
func invalidf(op, format string, args ...any) error {
	return fmt.Errorf("meta: %s: %w: %s", op, ErrInvalid, fmt.Sprintf(format, args...))
}
