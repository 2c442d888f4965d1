package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/impress-dev/impress/api"
)

// Exit codes of product.md.
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
		return e.ExitCode()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ExitCancelled
	}
	return ExitFailure
}
