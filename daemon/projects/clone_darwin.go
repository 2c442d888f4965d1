package projects

import (
	"errors"

	"golang.org/x/sys/unix"
)

// cloneFileOS makes dst a clone of src (clonefile(2): APFS).
func cloneFileOS(src, dst string) error { return unix.Clonefile(src, dst, 0) }

// exchangeFilesOS: no atomic exchange here; the caller retires and renames.
func exchangeFilesOS(a, b string) error { return errors.ErrUnsupported }
