// Package archtest has no code of its own. Its test reads the module's real
// import graph with `go list` and enforces the dependency rules of style.md
// §2: the leaves (api, store, render, meta, meta/sandbox and the small
// internal packages) import no other impress package, daemon is the hub,
// cli reaches the daemon only through api (plus daemon.Run), and test
// helpers never reach the shipped binary.
//
// A new top-level package fails the test until it gets a rule here: the
// boundaries are hard to move later, so adding one is a deliberate act.
package archtest
