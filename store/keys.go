package store

// Bucket names. Paths are drawn in doc.go; keep the two in step.
var (
	bucketMeta          = []byte("meta")
	bucketAccount       = []byte("account")
	bucketJobs          = []byte("jobs")
	bucketJobsByConn    = []byte("jobs_by_conn")
	bucketIdempotency   = []byte("idempotency")
	bucketProjects      = []byte("projects")
	bucketProjectNames  = []byte("project_names")
	bucketMedia         = []byte("media")
	bucketRenders       = []byte("renders")
	bucketConns         = []byte("conns")
	bucketConnByAccount = []byte("conn_by_account")
	bucketEvents        = []byte("events")
	bucketEventDedupe   = []byte("event_dedupe")
	bucketKeys          = []byte("keys")
	bucketReceipts      = []byte("receipts")
	bucketPurges        = []byte("purges")
	bucketRetention     = []byte("retention")
	// Created by migration 3.
	bucketRemoved        = []byte("removed")
	bucketSignedRequests = []byte("signed_requests")

	// Sub-buckets of conns/<name>/.
	bucketConnComments = []byte("comments")
	bucketConnThreads  = []byte("threads")
	bucketConnEvents   = []byte("events")

	keySchemaVersion = []byte("schema_version")
	keyCreatedAt     = []byte("created_at")
	keyProfile       = []byte("profile")
	keyConnInfo      = []byte("info")
)

// topLevelBuckets are created by migration 1.
var topLevelBuckets = [][]byte{
	bucketMeta, bucketAccount, bucketJobs, bucketJobsByConn, bucketIdempotency,
	bucketProjects, bucketProjectNames, bucketMedia, bucketRenders, bucketConns,
	bucketConnByAccount, bucketEvents, bucketEventDedupe, bucketKeys, bucketReceipts,
	bucketPurges, bucketRetention,
}
