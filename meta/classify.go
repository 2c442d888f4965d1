package meta

import (
	"fmt"
	"net/http"
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

// anyCode in a rule matches every error code: the subcode alone decides.
const anyCode = -1 << 31

// rule is one row of the classification table (docs/META.md §10).
type rule struct {
	code, subcode int // subcode 0: the rule is for the code alone
	class         Class
	hint          string
}

// rules is the classification table keyed by (code, subcode). Lookup order
// is in [classify]. The table, its sources and its community-only rows are
// written out in docs/META.md §10 (rate limits §9, messaging window §12).
var rules = [...]rule{
	// Publishing, (code, subcode) pairs.
	{-2, 2207003, ClassRecreate, "Meta timed out downloading the media; use a faster host and a new container"},
	{-2, 2207020, ClassRecreate, "The container expired (older than 24 h); create a new one"},
	{-1, 2207001, ClassRecreate, "Instagram server error; retry with a new container"},
	{-1, 2207032, ClassRecreate, "Instagram failed to create the media; retry with a new container"},
	{-1, 2207053, ClassRecreate, "Unknown upload error; retry with a new container"},
	{1, 2207057, ClassPermanent, "The thumbnail offset is outside the video"},
	{4, 2207051, ClassPermanent, "Instagram blocked the action as spam or restricted; review the account in the Instagram app"},
	{9, 2207042, ClassQuota, "The daily publishing limit is reached; publish later"},
	{24, 2207006, ClassPermanent, "The media was not found; check the token and the account"},
	{24, 2207008, ClassTransient, "Temporary media builder error; retry in a minute or two"},
	{25, 2207050, ClassPermanent, "The Instagram account is restricted or inactive; log into the Instagram app and resolve it"},
	{100, 2207023, ClassPermanent, "Unknown media type; use REELS, STORIES or CAROUSEL"},
	{100, 2207028, ClassPermanent, "A carousel needs 2 to 10 items"},
	{100, 2207035, ClassPermanent, "Product tag problem"},
	{100, 2207036, ClassPermanent, "Product tag problem"},
	{100, 2207037, ClassPermanent, "Product tag problem"},
	{100, 2207040, ClassPermanent, "More than 20 @mentions"},
	{100, 2207089, ClassPermanent, "This media cannot be published on its own; use REELS for videos"},
	{100, 33, ClassPermanent, "The object does not exist or is not accessible (seen transiently on fresh media during Meta incidents)"},
	{352, 2207026, ClassPermanent, "Unsupported video format; transcode to H.264/AAC, ≤1920 px wide, 128 kbps audio, fast start"},
	{9004, 2207052, ClassPermanent, "Meta could not download the media URL; it must be public, direct, and not blocked for facebookexternalhit"},
	{9007, 2207027, ClassNotReady, "The media is not ready for publishing yet; wait for FINISHED"},
	{36000, 2207004, ClassPermanent, "The image is larger than 8 MB"},
	{36001, 2207005, ClassPermanent, "Unsupported image format; use JPEG"},
	{36003, 2207009, ClassPermanent, "Image aspect ratio outside 4:5 to 1.91:1"},
	{36004, 2207010, ClassPermanent, "The caption is longer than 2,200 characters"},
	{10, 2534022, ClassPermanent, "The message is outside the 24-hour messaging window"},

	// Publishing subcodes seen with varying codes [Postiz map].
	{anyCode, 2207077, ClassRecreate, "Meta failed to download or process the video; retry with a new container"},
	{anyCode, 2207082, ClassRecreate, "Meta failed to download or process the video; retry with a new container"},
	{anyCode, 2207085, ClassRecreate, "Meta failed to download or process the video; retry with a new container"},
	{anyCode, 2207018, ClassPermanent, "Tagging a collaborator failed"},
	{anyCode, 2207081, ClassPermanent, "Trial reels are not available for this account"},

	// Token subcodes (docs/META.md §3, §10): whatever the code, the session is gone.
	{anyCode, 458, ClassLoginNeeded, "The app was removed from the account; log in again"},
	{anyCode, 459, ClassLoginNeeded, "The account is checkpointed; log into Instagram/Facebook, then log in again"},
	{anyCode, 460, ClassLoginNeeded, "The password changed; log in again"},
	{anyCode, 463, ClassLoginNeeded, "The token expired; log in again"},
	{anyCode, 464, ClassLoginNeeded, "The user is not confirmed; log in again"},
	{anyCode, 467, ClassLoginNeeded, "The token is invalid (logged out or revoked); log in again"},
	{anyCode, 492, ClassLoginNeeded, "The session is invalid; log in again"},

	// Codes alone.
	{190, 0, ClassLoginNeeded, "The Meta token is invalid or expired; log in again"},
	{102, 0, ClassLoginNeeded, "The Meta session is invalid; log in again"},
	{1, 0, ClassTransient, ""},
	{2, 0, ClassTransient, ""},
	{-1, 0, ClassTransient, ""},
	{-2, 0, ClassTransient, ""},
	{4, 0, ClassRateLimited, "The app hit Meta's rate limit; slow down"},
	{17, 0, ClassRateLimited, "The account hit Meta's rate limit; slow down"},
	{32, 0, ClassRateLimited, "The page hit Meta's rate limit; slow down"},
	{341, 0, ClassRateLimited, "The application limit is reached; slow down"},
	{613, 0, ClassRateLimited, "A Meta rate limit was hit; slow down"},
	{9, 0, ClassQuota, "The daily publishing limit is reached; publish later"},
	{3, 0, ClassPermanent, "The app lacks the capability for this call"},
	{10, 0, ClassPermanent, "The app or user lacks the permission for this action"},
	{24, 0, ClassPermanent, ""},
	{25, 0, ClassPermanent, ""},
	{100, 0, ClassPermanent, ""},
	{352, 0, ClassPermanent, "Unsupported video format; transcode"},
	{368, 0, ClassPermanent, "Temporarily blocked for policy violations"},
	{9004, 0, ClassPermanent, "Meta could not download the media URL"},
	{9007, 0, ClassNotReady, "The media is not ready for publishing yet; wait for FINISHED"},
	{36000, 0, ClassPermanent, "The image is larger than 8 MB"},
	{36001, 0, ClassPermanent, "Unsupported image format; use JPEG"},
	{36003, 0, ClassPermanent, "Image aspect ratio outside 4:5 to 1.91:1"},
	{36004, 0, ClassPermanent, "The caption is longer than 2,200 characters"},
	// The flat error shape of api.instagram.com/oauth/access_token carries
	// the HTTP status as code ("Matching code was not found or was already used").
	{400, 0, ClassPermanent, ""},
}

// classify sets e.class and e.hint. Order: exact (code, subcode); subcode
// with any code (then, for Meta's 7-digit publishing subcodes, the subcode
// with another code); the code alone or its range (80001-80014
// business-use-case limits, 200-299 permissions) when it means login
// needed, rate-limited, quota or not-ready; is_transient; the code's other
// classes; HTTP status; network failure.
func (e *Error) classify() {
	e.class, e.hint = classify(e.Code, e.Subcode, e.Transient, e.HTTPStatus, e.cause != nil)
}

func classify(code, subcode int, transient bool, status int, network bool) (Class, string) {
	if subcode != 0 {
		for _, r := range rules {
			if r.code == code && r.subcode == subcode {
				return r.class, r.hint
			}
		}
		for _, r := range rules {
			if r.code == anyCode && r.subcode == subcode {
				return r.class, r.hint
			}
		}
		if subcode >= 1000000 {
			for _, r := range rules {
				if r.subcode == subcode {
					return r.class, r.hint
				}
			}
		}
	}
	cc, ch := ClassOther, ""
	if code != 0 {
		cc, ch = ruleFor(code)
		switch {
		case cc != ClassOther:
		case code >= 80001 && code <= 80014:
			cc, ch = ClassRateLimited, "A business-use-case rate limit was hit; slow down"
		case code >= 200 && code <= 299:
			cc, ch = ClassPermanent, "A permission is missing or was not granted; log in again granting it"
		}
	}
	// A code that says what to do (log in, slow down, wait) beats
	// is_transient, which Meta also sets on rate limits; for generic codes
	// such as 100, Meta's is_transient is the better guide.
	switch cc {
	case ClassLoginNeeded, ClassRateLimited, ClassQuota, ClassNotReady:
		return cc, ch
	}
	if transient {
		return ClassTransient, ""
	}
	if cc != ClassOther {
		return cc, ch
	}
	switch {
	case status == http.StatusUnauthorized:
		return ClassLoginNeeded, ""
	case status == http.StatusTooManyRequests:
		return ClassRateLimited, ""
	case status >= 500:
		return ClassTransient, ""
	case status == 0 && network:
		return ClassTransient, ""
	}
	return ClassOther, ""
}

func ruleFor(code int) (Class, string) {
	for _, r := range rules {
		if r.code == code && r.subcode == 0 {
			return r.class, r.hint
		}
	}
	return ClassOther, ""
}

// Classify returns the class of a Meta (code, subcode) pair alone, as the
// table in this package has it. Use [ClassOf] for an error value.
func Classify(code, subcode int) Class {
	c, _ := classify(code, subcode, false, 0, false)
	return c
}

// publishClass adjusts the class of a failed media_publish. Only an answer
// that proves Meta did nothing ([Class.DidNotAct]: a refusal, a login to
// renew, a limit, a container not ready or dead) keeps its class; whatever
// else failed may have published the media — a lost response, a 5xx, codes
// 1/2/-1, is_transient, an error this package cannot place — and becomes
// unconfirmed. A dead container reported as code -1 (Instagram server
// error) is such a failure too. Only a request proven not to have left this
// machine stays transient. The decision follows the class's outcome, not a
// list of classes here: a new refusal class stays a refusal.
func publishClass(e *Error) {
	if e.class.DidNotAct() && !(e.class == ClassRecreate && e.Code == -1) {
		return
	}
	if e.cause != nil && e.HTTPStatus == 0 && notSent(e.cause) {
		e.class = ClassTransient
		return
	}
	e.class = ClassUnconfirmed
	e.hint = ClassUnconfirmed.hint()
}
