package tui

import "github.com/impress-dev/impress/api"

// Messages. Each names what happened; the component that asked for it
// owns it, and the root routes it there.

// errMsg is a failed daemon call or local operation. op says what was
// being done ("save", "render"), for the status line.
type errMsg struct {
	op  string
	err error
}

// statusMsg is a line of information for the status line.
type statusMsg string

// projectsLoadedMsg is the project list with the jobs that tell each
// project's last render and publish.
type projectsLoadedMsg struct {
	projects []api.Project
	jobs     []api.Job
	jobsErr  error
}

// projectOpenedMsg is a project and its spec, ready for the timeline.
type projectOpenedMsg struct {
	project *api.Project
	spec    *api.Spec
}

type projectCreatedMsg struct{ project *api.Project }

type projectDeletedMsg struct{ name string }

type projectRenamedMsg struct{ from, to string }

// specSavedMsg answers one save; gen is the edit generation saved.
type specSavedMsg struct {
	gen     int
	project *api.Project
	err     error
}

// fileChosenMsg is a file picked for a pane (clips, captions, music).
type fileChosenMsg struct {
	pane pane
	path string
}

// assetAddedMsg is a file imported into the project for a pane.
type assetAddedMsg struct {
	pane  pane
	asset api.Asset
}

// frameMsg is a preview still (or why there is none) for key.
type frameMsg struct {
	key   frameKey
	frame *api.PreviewFrame
	err   error
}

// renderStartedMsg answers StartRender: a job to follow, or a cached
// result at once.
type renderStartedMsg struct {
	start   *api.RenderStart
	preview bool
}

// jobEventMsg is one event of the job followed by watch number watch.
type jobEventMsg struct {
	watch int
	ev    api.JobEvent
}

// jobEndedMsg says the event stream of watch ended (err nil: normally).
type jobEndedMsg struct {
	watch int
	err   error
}

type jobCancelledMsg struct{ job *api.Job }

type validationMsg struct{ v *api.Validation }

type connectionsMsg struct{ status *api.AuthStatus }

// publishedMsg answers a publish or a dry run.
type publishedMsg struct {
	res    *api.PublishResult
	dryRun bool
}

// inboxCommentsMsg is the latest comments across recent media.
type inboxCommentsMsg struct {
	items []commentItem
	note  string
}

type inboxThreadsMsg struct{ threads []api.Thread }

// commentDoneMsg answers a reply or a hide.
type commentDoneMsg struct {
	id   string
	what string
	res  *api.CommentResult
}

type messageSentMsg struct {
	thread string
	res    *api.SendResult
}

// playerMsg says the external player was started on file.
type playerMsg struct{ file string }
