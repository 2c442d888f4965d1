//go:build !unix

package secrets

import "io/fs"

const oNoFollow = 0

func ownerUID(fs.FileInfo) (int, bool) { return 0, false }
