package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/inert"
)

// The exit codes. This file owns them: the daemon answers wire codes
// (package api), and wireExit below turns those into these.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitCancelled   = 3
	ExitLogin       = 4
	ExitRejected    = 5
	ExitTransient   = 6
	ExitUnconfirmed = 7
	ExitInterrupted = 130
)

// wireExit is the one table from wire codes to exit codes; a test walks
// api.Codes() and meta's classes through it.
var wireExit = map[api.Code]int{
	api.CodeInvalid:     ExitUsage,
	api.CodeNotFound:    ExitUsage,
	api.CodeConflict:    ExitFailure,
	api.CodeCancelled:   ExitCancelled,
	api.CodeLoginNeeded: ExitLogin,
	api.CodeRejected:    ExitRejected,
	api.CodeTransient:   ExitTransient,
	api.CodeUnconfirmed: ExitUnconfirmed,
	api.CodeForbidden:   ExitFailure,
	api.CodeRecovery:    ExitFailure,
	api.CodeInternal:    ExitFailure,
}

// exitForCode is the exit code of a wire code; a code this CLI does not
// know (a newer daemon's) is a plain failure.
func exitForCode(c api.Code) int {
	if n, ok := wireExit[c]; ok {
		return n
	}
	return ExitFailure
}

// severity ranks the exit codes, least urgent first, for a command that
// reports the worst of several outcomes (a manifest's items). The order is
// chosen, not the numbers': an unconfirmed item comes first of all, since a
// post may be live and a person must look before anything runs again; a
// transient one before a refusal, since a re-run is what moves the batch
// on (items already published are reused by key, and the refusal is still
// reported then); a refusal before a missing login, a cancel or a usage
// mistake, which stop the same way on every item.
var severity = []int{ExitOK, ExitFailure, ExitUsage, ExitCancelled, ExitLogin, ExitRejected, ExitTransient,
	ExitUnconfirmed, ExitInterrupted}

// worse returns the more urgent of two exit codes by severity.
func worse(a, b int) int {
	if severityRank(b) > severityRank(a) {
		return b
	}
	return a
}

// severityRank is code's place in severity; a code not ranked there counts
// as the most urgent, so that it is never hidden.
func severityRank(code int) int {
	if i := slices.Index(severity, code); i >= 0 {
		return i
	}
	return len(severity)
}

// FlagError is a usage mistake: exit 2, and the usage line is printed.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// flagErrorf builds a FlagError.
func flagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// ExitError carries an explicit exit code with its message.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// exitf returns an error that exits with code.
func exitf(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, args...)}
}

// errSilent exits with its code without printing (the command already did).
type errSilent struct{ code int }

func (e errSilent) Error() string { return "" }

// silentAfterJSON is err for a command that already printed its answer
// on stdout (a failed job under --json): the same exit code, and no
// message after the one JSON document.
func silentAfterJSON(err error) error {
	if err == nil {
		return nil
	}
	return errSilent{code: exitCode(err, false)}
}

// exitCode maps an error to the process exit code.
func exitCode(err error, interrupted bool) int {
	if err == nil {
		return ExitOK
	}
	var s errSilent
	if errors.As(err, &s) {
		return s.code
	}
	if interrupted && (errors.Is(err, context.Canceled) || api.HasCode(err, api.CodeCancelled)) {
		return ExitInterrupted
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		return ExitUsage
	}
	if e, ok := api.AsError(err); ok {
		return exitForCode(e.Code)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ExitCancelled
	}
	return ExitFailure
}

// errorText is an error as a person reads it. A refusal that lists several
// problems, one a line, gets its advice on a line of its own rather than
// glued to the last problem (api.Error joins message and hint with "; ").
// Whatever the error quotes (a Meta message, a name someone else chose) is
// printed inert; its own lines are kept.
func errorText(err error) string {
	s := err.Error()
	if e, ok := api.AsError(err); ok && e.Hint != "" && strings.Contains(e.Message, "\n") {
		s = strings.Replace(s, e.Message+"; "+e.Hint, e.Message+"\n"+e.Hint, 1)
	}
	return inert.Text(s)
}

// errorLine is what Main prints of an error that ends the command.
func errorLine(err error) string { return "impress: " + errorText(err) }
