// Package archtest has no code of its own. Its test reads the module's real
// import graph with `go list` and enforces the dependency rules of
// docs/ARCHITECTURE.md: the leaves (api, store, render, meta, meta/sandbox and the small
// internal packages) import no other impress package, daemon is the hub,
// cli reaches the daemon only through api (plus daemon.Run), and test
// helpers never reach the shipped binary.
//
// Inside the daemon (docs/ARCHITECTURE.md): the root may import every
// feature; a feature (daemon/auth, projects, publish, community, privacy)
// imports the leaves and daemon/internal/… only, never another feature or
// the root; daemon/internal/… never imports a feature or the root.
//
// A new top-level package, or a new package directly under daemon, fails
// the test until it gets a rule here: the boundaries are hard to move
// later, so adding one is a deliberate act.
package archtest
