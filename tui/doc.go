// Package tui is `impress edit`: a terminal editor for impress projects,
// built with bubbletea (v1), bubbles and lipgloss.
//
// The root [Model] owns one sub-model per screen (projects, timeline,
// preview, render, publish, inbox) as fields and routes each message to
// the one that owns it. Every component has Init, Update, View and
// SetSize; every call to the daemon runs in a tea.Cmd through the small
// [Client] interface declared here (the CLI adapts *api.Client to it, tests
// use a fake), and comes back as a message named xxxMsg (msgs.go); errors
// come back as errMsg and end up on the status line, never as a crash.
// Styles and key bindings travel in a value handed down from the root, so
// nothing here is a package-level variable.
//
// Long daemon jobs (renders, publishes) follow bubbletea's realtime
// pattern: a goroutine feeds a channel from the job's event stream, and a
// command that waits for the next event is re-armed after each one.
// Preview stills are fetched the same way as everything else, off the
// input path, with at most one request in flight; a still that arrives
// after the cursor moved on is dropped.
package tui
