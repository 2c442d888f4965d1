package feature

import (
	"errors"
	"os/exec"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/render"
	"github.com/impress-dev/impress/store"
)

// ToolFix is the install hint for a missing ffmpeg or ffprobe; its
// commands work as printed (doctor prints it).
const ToolFix = "install ffmpeg (Debian/Ubuntu: `sudo apt-get install ffmpeg fonts-dejavu-core`; macOS: `brew install ffmpeg`), or point ffmpeg.path and ffprobe.path at yours (impress config set)"

// RenderError maps the render package's refusals to wire codes: a bad spec
// or a file that is not media is invalid_input, a missing tool
// names the fix; other errors pass through.
func RenderError(err error) error {
	if _, ok := api.AsError(err); ok {
		return err
	}
	switch {
	case render.IsSpecError(err), render.IsMediaError(err):
		return &api.Error{Code: api.CodeInvalid, Message: err.Error()}
	case errors.Is(err, render.ErrToolMissing), errors.Is(err, exec.ErrNotFound):
		return &api.Error{Code: api.CodeInternal, Message: err.Error(), Hint: ToolFix}
	}
	return err
}

// AccountToAPI maps the workspace's account profile to the wire (the
// root's /v1/account and privacy's export).
func AccountToAPI(a store.Account) api.Account {
	return api.Account{Email: a.Email, Company: a.Company, Store: a.Store, Contact: a.Contact, UpdatedAt: a.UpdatedAt}
}

// ProjectNotFound is the not_found of a project name.
func ProjectNotFound(name string) *api.Error {
	return &api.Error{Code: api.CodeNotFound, Message: "project \"" + name + "\" not found",
		Hint: "`impress project list` shows the projects"}
}
