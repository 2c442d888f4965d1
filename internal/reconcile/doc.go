// Package reconcile decides whether an item impress is about to publish is
// already live on the account, by matching it against the account's recent
// media as Meta lists them. It is pure: no I/O, no clock, no store; the
// daemon lists the media (meta.Client.MediaSince), converts them to [Post]s
// and calls [MatchAll] once per manifest run and connection.
//
// Why not in package meta: meta is the Graph client and knows Meta's
// shapes; this package is impress's policy for duplicates (what counts as
// "the same post", the window, what to do with two candidates), which the
// publish feature owns. It also needs Unicode normalisation
// (golang.org/x/text), which meta, kept to the standard library and
// x/oauth2, does not take on.
//
// # The match rule
//
// A live post matches an item when all of these hold:
//
//   - Normalised captions are equal ([Normalize]: Unicode NFC, invalid
//     UTF-8 replaced, invisible format characters and variation selectors
//     removed, "@" removed, every run of white space — line breaks
//     included, CRLF or not — made one space, ends trimmed). Case, emoji,
//     hashtags and punctuation count. An item without a caption matches
//     only uncaptioned posts.
//   - Same media_type and media_product_type ([Shape]), and for
//     carousels the same number of children when the listing gave them.
//   - The post is inside the window: stamped at or after Now − Window
//     (default [DefaultWindow], 30 days; the setting publish.reconcile_window
//     is the daemon's). A post without a timestamp counts as inside.
//   - Its media id is not already held by another item the local store
//     knows (Options.Exclude).
//
// Stories are never matched: Meta lists them on another edge for 24 h
// only, and they carry no caption ([OutcomeUnlistable]).
//
// # Several items with the same caption and shape
//
// Items of one run that normalise to the same caption and shape form a
// group of k items; m live posts match the group.
//
//	m == 0        every item: none (publish it)
//	k == 1, m == 1 the item: one (found live)
//	k == m > 1    each item gets one post, oldest post to the first item
//	              (input order): every item is live, nothing is
//	              published; Result.Shared says the pairing is by order,
//	              not by content
//	otherwise     every item of the group: ambiguous (m > k: more posts
//	              than items; 0 < m < k: some are live, which ones cannot
//	              be told)
//
// # Decision table for the daemon (issue 12)
//
// The daemon follows it in daemon/publish/publish_reconcile.go: a manifest
// run is reconciled as a whole (POST /v1/publish/reconcile, one listing
// per connection) before its items are submitted; a lone publish is
// checked on its own when it is declared — a --key, or a spec with a
// publish block — since those are what a pipeline re-runs; an ad-hoc
// publish (media files and a --caption, no key) is a person's explicit
// act and is not second-guessed by its caption.
//
// Per item of a publish run, before anything is created at Meta:
//
//	local store        reconcile  live match   action                                   --json                                 exit
//	knows item, done   any        not asked    reuse the recorded post                  "reused": true, permalink              0
//	knows item, mid-   any        not asked    resume the persisted state machine       the job's result                       its own
//	  way (container)                          (its own lost-publish check applies)
//	does not know      on         none         publish                                  "published": true, permalink           0
//	does not know      on         one          record it as done; create nothing        "found_live": true, permalink,         0
//	                                                                                     media_id
//	does not know      on         ambiguous    create nothing; refuse the item          "ambiguous": true,                     7
//	                                                                                     "candidates": [permalink, …] (all)
//	does not know      on         unlistable   publish (a story cannot be matched)      "reconcile": "story"                   0
//	                                (story)
//	does not know      off        not asked    publish                                  "reconcile": "off"                     0
//	  (--force or reconcile: false)
//	does not know      on         unseen       create nothing; refuse the item: the     "unseen": true,                        7
//	                                (listing   listing hit its page cap inside the       "listing_incomplete": true
//	                                 partial)  window (Options.Partial)
//	listing failed     on         —            create nothing for unknown items;        "reconcile": "failed", "error": …      the error's
//	                                           known items proceed                                                             (4, 6, …)
//
// (A published item says "reconcile": "not_live"; the job detail keeps
// the same word. The table first had "reconciled": false for the story and
// off rows; one "reconcile" word per item says which row it was.)
//
// Notes for the daemon side:
//
//   - "reused" keeps its present meaning (the local store had the post);
//     "found_live" is distinct so a CI log shows that Meta, not the store,
//     was the source. Both carry permalink and media_id; a found-live item
//     is recorded in the local store like a published one, so the next
//     run on the same machine reports it as "reused".
//   - An ambiguous item ends unconfirmed, with every candidate
//     permalink and a hint: look at the posts; publish anyway with --force
//     or reconcile: false on the item. Never a third post.
//   - --force skips reconciliation for the command's items; per item,
//     reconcile: false does the same. Neither skips the local store's
//     exactly-once state machine.
//   - One listing per connection per run (not per item), paged only as far
//     as the window, through the daemon's per-connection pacer
//     (MediaSinceOptions.Call).
//   - Exclude gets the media ids the local store holds for other items, so
//     a post impress recorded for item A is never "found" for item B.
//   - The group of identical items spans the whole manifest, not the
//     runner's shard: the daemon is handed the other shards' items
//     (ReconcileRequest.Others) and matches them alongside. Without them a
//     shard holding one of two identical items, run after the other shard
//     posted its twin, would find that post "live" for its own item and
//     never publish it (a flaw of the first version of this table); with
//     them it is ambiguous (unconfirmed), as the same manifest unsharded is.
//     Items with reconciliation off join their group too: their post will
//     carry the caption.
//   - What it cannot know: a post deleted by hand is not listed (the item
//     is published again); a caption edited in the app no longer matches
//     (published again); a post older than the window is not seen.
//   - The lost-publish check (daemon publish_verify.go) matches with
//     [Match] too (a window from the publish attempt, the job's own shape,
//     other jobs' media excluded), so both paths agree on "the same post".
package reconcile
