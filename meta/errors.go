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

// Class says what a caller should do about an error. It is derived from
// Meta's (code, subcode) pair, is_transient, the HTTP status and, for
// network failures, from whether the request could have reached Meta.
//
// A class knows nothing of exit codes or wire codes: callers read its
// traits ([Class.LoginNeeded], [Class.Refused], [Class.RetryLater],
// [Class.MayHaveActed], [Class.DidNotAct]) and map them to their own
// outcomes. [Classes] lists every class, so that such a mapping can be
// tested against all of them.
type Class int

const (
	// ClassOther is an error this package cannot place.
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

	numClasses // not a class: the length of classInfos
)

// outcome is what a class says about the failed call. Every class has
// exactly one, chosen on purpose: the zero value is no outcome, and
// TestEveryClassHasItsTraits fails for a class left without one.
type outcome int

const (
	_ outcome = iota
	// unplaced: an error this package cannot place.
	unplaced
	// loginRefused: Meta refused the credentials; nothing was done.
	loginRefused
	// refused: Meta refused the request as it is; nothing was done, and
	// asking again the same way is refused again.
	refused
	// deferred: Meta answered that it did not act now (a limit, a
	// container not ready or dead); a later or a new attempt may work.
	deferred
	// failedInFlight: Meta or the network failed; whether the call took
	// effect is not known, but trying again later may work.
	failedInFlight
	// mayHaveActed: the call may have taken effect (a publish may be live).
	mayHaveActed
)

// classInfo is one row of the class table.
type classInfo struct {
	name    string
	outcome outcome
	hint    string // the generic advice, when no rule gave a better one
}

// classInfos is the class table, one row per class, indexed by class. A
// class added to the const block without a row here has an empty row and
// fails TestEveryClassHasItsTraits.
var classInfos = [numClasses]classInfo{
	ClassOther:       {"other", unplaced, "The request to Meta failed"},
	ClassTransient:   {"transient", failedInFlight, "Meta or the network failed temporarily; try again later"},
	ClassRateLimited: {"rate-limited", deferred, "Meta is rate-limiting this app or account; slow down and try again later"},
	ClassLoginNeeded: {"login-needed", loginRefused, "The Meta login expired or was revoked; log in again"},
	ClassPermanent:   {"permanent", refused, "Meta refused the request"},
	ClassQuota:       {"quota", refused, "The daily publishing limit is reached; publish later"},
	ClassNotReady:    {"not-ready", deferred, "The media is still being processed; wait and publish again"},
	ClassRecreate:    {"recreate", deferred, "Meta could not process the media; create a new container and try again"},
	ClassUnconfirmed: {"unconfirmed", mayHaveActed, "The publish may or may not have gone live; check before retrying"},
}

// Classes returns every class, in declaration order.
func Classes() []Class {
	out := make([]Class, numClasses)
	for i := range out {
		out[i] = Class(i)
	}
	return out
}

func (c Class) info() classInfo {
	if c < 0 || c >= numClasses {
		return classInfo{}
	}
	return classInfos[c]
}

func (c Class) String() string {
	if n := c.info().name; n != "" {
		return n
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// LoginNeeded reports whether the user must log in again before anything
// works (login-needed).
func (c Class) LoginNeeded() bool { return c.info().outcome == loginRefused }

// Refused reports whether Meta refused the request for good: asking again
// the same way is refused again (permanent, quota).
func (c Class) Refused() bool { return c.info().outcome == refused }

// RetryLater reports whether trying again later may succeed (transient,
// rate-limited, not-ready, recreate).
func (c Class) RetryLater() bool {
	o := c.info().outcome
	return o == deferred || o == failedInFlight
}

// MayHaveActed reports whether the failed call may have taken effect at
// Meta anyway (unconfirmed): check before doing it again.
func (c Class) MayHaveActed() bool { return c.info().outcome == mayHaveActed }

// DidNotAct reports whether Meta's answer proves that the call did nothing
// (login-needed, permanent, quota, rate-limited, not-ready, recreate). A
// failed media_publish of any other class may have published: see
// publishClass.
func (c Class) DidNotAct() bool {
	switch c.info().outcome {
	case loginRefused, refused, deferred:
		return true
	}
	return false
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
