//go:build !linux && !darwin

package projects

import "errors"

func cloneFileOS(src, dst string) error { return errNoClone }

// exchangeFilesOS: no atomic exchange here; the caller retires and renames.
func exchangeFilesOS(a, b string) error { return errors.ErrUnsupported }
