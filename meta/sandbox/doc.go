// Package sandbox is an offline emulator of the parts of Meta's Instagram
// APIs that impress uses, in the spirit of stripe-mock: the demo, the tests
// and users' CI dry runs point IMPRESS_META_ENDPOINT at it.
//
// It is an independent implementation of docs/META.md (it does not
// import package meta), so tests of the client against it catch misreadings
// of the doc on either side. Standard library only; all state is in memory,
// guarded by one mutex, and seeded deterministically.
//
// # Running it
//
//	s := sandbox.New(sandbox.Options{Seed: 1})
//	srv := httptest.NewServer(s)             // tests
//	err := s.ListenAndServe(ctx, "127.0.0.1:8789") // impress sandbox; prints nothing
//	url, err := s.Start("127.0.0.1:0"); defer s.Close()
//	err := s.Serve(ctx, ln)                  // when the caller listens first (to print ln.Addr())
//
// Every Meta host collapses into the one base URL with Meta's own paths and
// a version prefix /vNN.N/ (any version is accepted; unversioned Graph paths
// work too):
//
//	GET  /oauth/authorize                      www.instagram.com: approves at once, 302 to redirect_uri?code=…&state=…#_
//	GET  /vNN.N/dialog/oauth                   www.facebook.com: approves at once, 302 to redirect_uri?code=…&state=…
//	POST /oauth/access_token                   api.instagram.com code exchange (unversioned path = Instagram)
//	GET  /vNN.N/oauth/access_token             graph.facebook.com: code, grant_type=fb_exchange_token, client_credentials
//	GET  /access_token?grant_type=ig_exchange_token        short → long-lived (60 d)
//	GET  /refresh_access_token?grant_type=ig_refresh_token long-lived tokens ≥ 24 h old only
//	GET  /vNN.N/debug_token, /me, /me/accounts, /{page-id}; GET|DELETE /me/permissions[/{perm}]
//	POST /{ig-user-id}/media, /media_publish; GET /{ig-user-id}/content_publishing_limit, /media, /stories
//	GET  /{container-id}?fields=status_code,status,video_status
//	POST|GET /ig-api-upload/vNN.N/{container-id}   rupload (Authorization: OAuth, offset, file_size | file_url)
//	GET  /{media-id}[?fields=…], /{media-id}/children, /{media-id}/insights; POST /{media-id}?comment_enabled=
//	GET|POST /{media-id}/comments; GET|POST /{comment-id}/replies; POST /{comment-id}?hide=; DELETE /{comment-id}
//	GET  /{ig-user-id}?fields=mentioned_comment.comment_id(…){…},mentioned_media.media_id(…){…}; POST /{ig-user-id}/mentions
//	GET  /{ig-user-id}/conversations?platform=instagram, /{conversation-id}[/messages], /{message-id}
//	POST /{ig-user-id}/messages (recipient.id or recipient.comment_id); GET|POST|DELETE /{ig-user-id}/subscribed_apps
//
// "me" is the token's subject: the IG account (Instagram Login), the
// Facebook user, or the Page for a page token. Tokens carry their flavour:
// an Instagram token on a Facebook-only path (and the reverse) fails with
// 190 "Invalid OAuth access token - Cannot parse access token", as it does
// across Meta's hosts.
//
// # Errors and headers
//
// Every Graph error is Meta's envelope {"error":{"message","type","code",
// "error_subcode","is_transient","error_user_title","error_user_msg",
// "fbtrace_id"}} ([GraphError]); error_subcode and the error_user_* members
// are omitted when Meta would not send them. HTTP status is 400, except 403
// for permission errors (code 10/200), 500 for code 1 and 503 for code 2.
// The Instagram code exchange answers errors in its own flat shape
// {"error_type","code","error_message"}; rupload answers {"debug_info":
// {"retriable","type","message"}} plus a "sandbox_detail" member saying why.
// Every Graph response carries X-App-Usage, X-Business-Use-Case-Usage (when
// an IG account is concerned), X-FB-Trace-ID and Facebook-API-Version.
//
// # Behaviour worth knowing
//
//   - Containers: IN_PROGRESS until their media is complete (URL fetched,
//     or upload finished) plus ProcessingTime, then FINISHED; ERROR by knob
//     or failed fetch; EXPIRED 24 h after creation; PUBLISHED after
//     media_publish. A carousel is IN_PROGRESS while any child is.
//   - media_publish on an unfinished container: 9007/2207027 with the
//     doc's exact message; on a published one: 100 "already been
//     published"; expired: -2/2207020; errored: the container's error
//     code (default 9004/2207052); carousel item alone: 100/2207089; quota
//     (rolling 24 h, carousel = 1): 9/2207042. Standalone media_type=VIDEO:
//     100/2207089 "Unsupported media type VIDEO".
//   - Captions: > 2,200 characters or > 30 hashtags → 36004/2207010;
//     > 20 @mentions → 100/2207040. Hashtags are #[letters digits _]+,
//     mentions @[A-Za-z0-9._]+, counted per occurrence.
//   - Media URLs: the sandbox is offline. URLs whose host is loopback
//     (localhost, 127.0.0.0/8, ::1) are fetched with Meta's crawler
//     User-Agent, without following redirects: images while the create
//     call waits (errors 9004/2207052, 36000/2207004 > 8 MB, 36001/2207005
//     not JPEG, 36003/2207009 aspect outside 4:5..1.91:1 for feed images),
//     videos in the background (failure → ERROR "Media download has
//     failed"). Other URLs are accepted unfetched. The outcome (bytes,
//     SHA-256, status) is in [State].
//   - Resumable upload is refused for Instagram-Login tokens ("The
//     parameter video_url is required", the reported real behaviour)
//     unless Options.IGResumable. rupload checks offset/file_size, accepts
//     an offset at or before the received count (earlier bytes are skipped),
//     answers 409 (retriable) while another POST for the container is still
//     streaming, and reports the received count as video_status.
//     uploading_phase.bytes_transferred and on GET of the rupload path.
//     appsecret_proof, when sent, must be hex(HMAC-SHA256(app secret, token)).
//   - Usage headers are percentages of Options.AppCallLimit calls per
//     rolling hour (app) and Options.BUCCallLimit per account per 24 h,
//     unless forced by [Server.SetUsage] or a rate-limit knob.
//   - GET /{ig-user-id}/media lists newest first (by timestamp), without
//     stories or carousel children; since/until take Unix seconds or a
//     date; an unknown field is refused before anything is read, so an
//     empty window still answers 100 "nonexisting field". Posts "from
//     elsewhere" ([Server.AddMedia]) are listed like API posts but do not
//     count against the publishing quota or in [Server.Published].
//   - Lists page with paging.cursors.before/after and next/previous URLs
//     (which repeat access_token as Meta's do); the default page is 5 and
//     limit is capped at 10, so clients must paginate.
//   - DMs: sending needs an inbound message within 24 h (7 days with
//     messaging_type=MESSAGE_TAG&tag=HUMAN_AGENT), else 10/2534022; one
//     private reply per comment within 7 days; only the newest 20 messages
//     of a thread are served.
//   - OAuth: exact redirect_uri matching against Options.RedirectURIs, else
//     a 400 page and no redirect; a wrong client_id gets the same. Codes are
//     single use (IG: 1 h, FB: 10 min). PKCE (S256 or plain) is verified
//     when the authorize request had a code_challenge — Meta documents none
//     for Instagram Login; the sandbox accepts it so the client's PKCE path
//     is testable. The IG code exchange returns the documented
//     {"data":[{access_token,user_id,permissions}]} where user_id is the
//     app-scoped id, which also works as a node id for its own account.
//
// # Webhooks and signed requests
//
// Comments and messages created through the API or the admin API are POSTed
// to the webhook URL as {"object":"instagram","entry":[…]} (changes[] form,
// or flat with WebhookFlat; messaging[] for messages, with is_echo for the
// account's own sends), serialised like Meta's (non-ASCII as \uXXXX, "/" as
// "\/") and signed X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body,
// AppSecret)> (plus legacy X-Hub-Signature sha1). Non-2xx answers are
// retried WebhookRetries times with doubling backoff. [Server.SignedRequest]
// builds a data-deletion/deauthorize signed_request and
// [Server.SendSignedRequest] POSTs it as form field signed_request.
//
// # Admin API (/_sandbox/, JSON; the Go methods do the same)
//
//	GET  /_sandbox/state            State: accounts, media, containers, comments, conversations, tokens (hashed), webhooks
//	GET  /_sandbox/published        {"count","media"}                         Server.Published
//	GET  /_sandbox/live[?account=]  {"count","media"}: live now, whoever posted  Server.Live
//	POST /_sandbox/media            ElsewherePost {account,media_type,caption,children,ago}  Server.AddMedia
//	GET  /_sandbox/routes           this list
//	GET|POST /_sandbox/knobs        {latency,fail_rate,processing_time,publish_quota,usage_pct,ig_resumable,
//	                                 check_video,webhook_url,webhook_flat,require_subscription}  Server.SetLatency, …
//	POST /_sandbox/rate-limit       {calls,code:4|17|32|613|80002,usage_pct,regain_minutes}   Server.RateLimitNext
//	POST /_sandbox/fail-containers  {count,status,code,subcode}               Server.FailNextContainers
//	POST /_sandbox/expire-tokens    {token?,subcode:463|458|459|460|464|467|492}  Server.ExpireTokens, InvalidateTokens
//	POST /_sandbox/drop-publish     {count}                                   Server.DropNextPublishResponse
//	POST /_sandbox/drop-upload      {after_bytes}                             Server.DropNextUpload
//	POST /_sandbox/deny-login       next authorize → error=access_denied      Server.DenyNextLogin
//	POST /_sandbox/login-as         {ig_account,fb_user}                      Server.LoginAs
//	POST /_sandbox/clock            {advance:"25h"}                           Server.Advance
//	POST /_sandbox/comments         {media_id|parent_id,from,text}            Server.AddComment, AddReply
//	POST /_sandbox/messages         {account,from,text}                       Server.AddMessage
//	POST /_sandbox/tokens           TokenRequest → {access_token}             Server.IssueToken
//	POST /_sandbox/signed-request   {url?,user_id,revoke?}                    Server.SendSignedRequest, SignedRequest
//	POST /_sandbox/verify-webhook   {url?}                                    Server.VerifyWebhook
//	POST /_sandbox/flush-webhooks   {timeout}                                 Server.FlushWebhooks
//	POST /_sandbox/reset                                                      Server.Reset
//
// # Seed data
//
// App id [DefaultAppID], secret [DefaultAppSecret], redirect URIs
// http://localhost:8788/callback and http://127.0.0.1:8788/callback.
// IG accounts [IGCreatorID] "sandbox_creator" (Instagram Login default),
// [IGBrandID] "sandbox_brand", [IGSoloID] "sandbox_solo". Facebook user
// [FBOwnerID] manages two Pages (creator and brand), [FBSoloID] one.
// Fans [FanID] "sandbox_fan", [Fan2ID] "night_owl_fan", [Fan3ID]
// "curious_cat_fan". sandbox_creator has a reel ([SeedReelID], 12
// top-level comments with replies, one hidden), an image and a carousel;
// sandbox_brand's reel [SeedBrandReelID] mentions @sandbox_creator in its
// caption and in comment [SeedMentionCommentID]. Conversations:
// [ConvOpenID] (25 messages, last inbound 1 h ago) and [ConvClosedID]
// (last inbound 3 days ago). Ids are fixed; tokens, codes, shortcodes and
// trace ids follow Options.Seed.
package sandbox
