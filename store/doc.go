// Package store is impress's persistent state: one bbolt file that only the
// daemon opens.
//
// # Rules
//
//   - One [DB] owns the *bolt.DB. Open takes bbolt's file lock with a timeout;
//     a second opener gets [ErrLocked] ("another impress daemon is running").
//   - Only View/Update closures, through [DB.view] and [DB.update], which also
//     hold the compaction lock. No network or ffmpeg work inside a
//     transaction, no nested transactions.
//   - Values are JSON of unexported …Record types, decoded inside the
//     closure (bbolt's byte slices die with the transaction).
//   - IDs come from NextSequence, stored big-endian (itob) so keys sort in
//     creation order.
//   - Never NoSync. Deleted bytes stay in bbolt's free pages, so anything that
//     must really disappear is followed by [DB.Compact], which copies the
//     live data into a new file and renames it over the old one.
//   - Personal data of a connection lives in that connection's subtree under
//     conns/<name>/ so that purging it is one DeleteBucket plus the index
//     entries listed below as "→ conn". A purge that forgets an index leaks,
//     so every index that points into a connection is listed here.
//
// # Schema
//
// Update this drawing with every change, together with a migration in
// migrations.go and a test case for it.
//
//	meta/                      schema_version : uint64 BE (latest applied migration)
//	                           created_at     : RFC 3339
//	account/                   profile : JSON(accountRecord)
//	jobs/                      <id uint64 BE> : JSON(jobRecord)            render and publish jobs
//	jobs_by_conn/<conn>/       <id uint64 BE> : ""                          → conn (publish jobs of a connection)
//	idempotency/               <key> : <job id uint64 BE>                   → conn via the job's record
//	projects/                  <id uint64 BE> : JSON(projectRecord)
//	project_names/             <name> : <id uint64 BE>                      unique index
//	media/                     <sha256 hex> : JSON(mediaRecord)             content-addressed media store
//	renders/                   <cache key> : JSON(renderRecord)             render cache
//	conns/<name>/              info : JSON(Conn)                            flavour, account ids, state, sealed token and profile
//	conns/<name>/comments/     <media id>\x00<comment id> : JSON(Blob)      cached comments and replies (community.go)
//	conns/<name>/threads/      <thread id> : JSON(Blob)                     DM thread summaries (community.go)
//	conns/<name>/events/       <event seq uint64 BE> : JSON(Blob)           webhook events (events.go)
//	conn_by_account/           <ig or fb user id> : <conn name>             → conn (deletion callbacks)
//	events/                    <seq uint64 BE> : <conn name>                → conn (global monotonic event ids;
//	                                                                          never delete the bucket: its sequence is the id)
//	event_dedupe/              <sha256 of delivery key> : <seq uint64 BE>   → conn via events/
//	keys/                      <conn name> : sealed data key                destroyed by purge (crypto-shredding)
//	receipts/                  <code> : JSON(receiptRecord)                 purge receipts, no personal data
//	                           <code>.secret : sealed bytes                 what a re-scan looks for, kept sealed only while
//	                                                                          the receipt's findings are open (privacy.go)
//	purges/                    <code> : JSON(PurgeRecord)                   purges in progress (resumed at start)
//	                           <code>.secret : sealed bytes                 what the purge scans for, sealed by the daemon (privacy.go)
//	retention/                 <kind> : duration string                     policy overrides
//	removed/                   <conn name> : JSON(RemovedConn)              why a connection went: purge, Meta's deletion
//	                                                                          request or deauthorize, when, code (callbacks.go)
//	signed_requests/           <digest> : JSON(SeenRequest)                 signed callbacks answered, until stale (replays)
//
// A Blob is {at, data}: data sealed by the daemon with the connection's data
// key, at (write time) in clear for retention sweeps (PruneComments,
// PruneThreads, PruneEvents).
//
// The buckets above exist from migration 1 on (removed/ and
// signed_requests/ from migration 3), even where the feature that fills
// them arrives later, so that features never race to create them.
package store
