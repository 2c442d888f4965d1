// Package meta is impress's client for Meta's Instagram Platform APIs: login
// and tokens, content publishing, comments and messages. It imports only the
// standard library and golang.org/x/oauth2, and never logs.
//
// # Flavours and hosts
//
// A connection is made with one of two login products ([Flavour]):
//
//   - [FlavourInstagram], "Instagram API with Instagram Login": authorize at
//     www.instagram.com/oauth/authorize, exchange the code at
//     api.instagram.com/oauth/access_token, everything else at
//     graph.instagram.com (long-lived exchange ig_exchange_token, refresh
//     ig_refresh_token, Graph calls). The account id is /me's user_id, and
//     "me" works in paths.
//   - [FlavourFacebook], "Instagram API with Facebook Login": the dialog at
//     www.facebook.com/<ver>/dialog/oauth, tokens and Graph calls at
//     graph.facebook.com, resumable bytes at rupload.facebook.com. The IG
//     account id comes from the user's Pages ([Client.Pages]). Calls carry
//     appsecret_proof when an app secret is configured.
//
// [Config.Endpoint] (IMPRESS_META_ENDPOINT) replaces every one of these
// hosts with a single base URL and leaves the paths as Meta has them, which
// is how the sandbox (package meta/sandbox) and test servers are used. The
// Graph API version is [Config.Version], default [DefaultVersion].
//
// # Tokens
//
// One http.RoundTripper writes the token into requests, in the form each
// endpoint wants: "Authorization: Bearer" for Graph calls (or the
// access_token parameter with [Config.TokenInQuery]), the access_token
// parameter for ig_exchange_token, ig_refresh_token and debug_token, and
// "Authorization: OAuth" for rupload. Redirects are never followed, so a
// token only goes to the host this package chose. Pagination returns
// cursors, not Meta's "next" URLs, for the same reason.
//
// No error, panic or String() from this package contains a token, app
// secret, OAuth code, code_verifier, appsecret_proof, client_secret or
// fb_exchange_token: every error is rebuilt from scrubbed text (known secret
// values plus the shapes [Redact] knows), and the URL inside a *url.Error is
// redacted before it leaves the package. [Token] and [Page] hide their
// tokens from fmt and log/slog.
//
// # Errors
//
// Failures are *[Error]: Meta's envelope (message, type, code,
// error_subcode, is_transient, error_user_title, error_user_msg,
// fbtrace_id) plus the HTTP status, or a network failure with a redacted
// cause. [Error.Class] comes from a table keyed by (code, subcode) built from
// docs/META.md §10:
//
//	transient     1, 2, -1, -2, 24/2207008, is_transient, HTTP 5xx, network errors
//	rate-limited  4, 17, 32, 341, 613, 80001-80014, HTTP 429
//	login-needed  190 (any subcode), 102, subcodes 458-467 and 492, HTTP 401
//	permanent     100, 10, 200-299, 368, 352/2207026, 2207050, 2207051, image/caption limits, ...
//	quota         9/2207042 (daily publishing limit)
//	not-ready     9007/2207027 (publish before FINISHED: wait, then publish)
//	recreate      2207020 expired, 2207001/2207003/2207032/2207053, 2207077/82/85
//	unconfirmed   media_publish failed without saying whether it went live
//
// A code that says what to do (login-needed, rate-limited, quota,
// not-ready) wins over is_transient, which Meta also sets on rate limits.
//
// [IsLoginNeeded], [IsRateLimited], [IsTransient], [IsQuotaExceeded],
// [IsNotReady] and [IsUnconfirmed] test an error; a class's traits
// ([Class.LoginNeeded], [Class.Refused], [Class.RetryLater],
// [Class.MayHaveActed], [Class.DidNotAct]) say what it means, and [Classes]
// lists them all. This package knows no exit codes: the daemon maps classes
// to wire codes and the CLI maps those to exit codes. [Error.UserMessage]
// is built from error_user_msg when Meta sent one.
//
// # Retries
//
// Idempotent calls (GETs, DELETEs, hide/unhide, token exchanges that do not
// consume a code) are retried on transient and rate-limit errors with
// exponential backoff and jitter per [RetryPolicy]; a rate limit whose
// estimated_time_to_regain_access exceeds the policy's cap is returned at
// once with [Error.RetryAfter]. Nothing that creates something is retried
// here: not container creation, not comments or messages, not the code
// exchange, and never media_publish — a lost publish response may hide a
// live post, so the caller re-reads the container ([Client.ContainerStatus]
// → PUBLISHED) and the recent media ([Client.ListMedia]) and decides.
// [Client.WaitContainer] polls a container with growing intervals (5 s to
// 30 s) bounded by ctx and a total wait; [Client.Upload] resumes broken
// uploads from Meta's offset.
//
// # Listing media
//
// [Client.ListMedia] reads one page of an account's media (newest first,
// cursor-paged). [Client.MediaSince] walks pages until they reach past a
// time window, the media end, or a page cap, and says whether it saw the
// whole window ([MediaListing.Complete]); each page goes through the
// caller's [MediaSinceOptions.Call], so the daemon's pacer spaces them.
// It feeds reconciliation (docs/META.md §15): is an item already live?
//
// # Rate-limit usage
//
// X-App-Usage, X-Business-Use-Case-Usage, X-Ad-Account-Usage and
// x-fb-ads-insights-throttle are parsed after every call into [Usage]
// ([Client.LastUsage], [Config.OnUsage]); callers slow down when
// [Usage.High] (≥ 80 %).
package meta
