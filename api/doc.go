// Package api is the wire contract between the impress CLI (and TUI) and the
// impress daemon, plus a Go client for it.
//
// The daemon serves HTTP on a unix socket under the /v1/ prefix. Requests
// and responses are JSON with snake_case fields and RFC 3339 UTC times.
// Failures are always
//
//	{"error":{"code":"not_found","message":"project \"demo\" not found"}}
//
// with a matching HTTP status; [Client] decodes them to *[Error], whose
// [Error.Code] callers branch on (never on the message). [Codes] lists the
// codes; the CLI maps each to an exit code, and [CodeForClass] maps a
// platform client's failure class (package meta's) to one.
//
// Long jobs (renders, publishes) stream newline-delimited JSON: one event
// object per line, and a terminal {"error":…} line if the job fails after
// the 200 status was sent. [Client.Stream] hands each event to a callback;
// an error from the callback or a cancelled context ends the request, and
// the daemon cancels the job's work through the request's context.
//
// This package imports no other impress package: its types are the wire,
// versioned independently of the store's records.
package api
