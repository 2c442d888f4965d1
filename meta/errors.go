package meta

import (
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
	if h := c.info().hint; h != "" {
		return h
	}
	return classInfos[ClassOther].hint
}

// ClassOf returns the class of err: the class of a wrapped *Error, or
// ClassOther. Context cancellation is ClassOther: find it with errors.Is
// (a cancelled publish that may have gone live is ClassUnconfirmed and
// wraps the cancellation too, so check the class first).
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
// whose [Class.RetryLater] holds (transient, rate-limited, not-ready,
// recreate).
func IsTransient(err error) bool { return ClassOf(err).RetryLater() }

// invalidf returns an ErrInvalid-wrapping error for operation op.
func invalidf(op, format string, args ...any) error {
	return fmt.Errorf("meta: %s: %w: %s", op, ErrInvalid, fmt.Sprintf(format, args...))
}
