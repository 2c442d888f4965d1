// Package version reports the build's version. Release builds set Version
// through -ldflags "-X github.com/impress-dev/impress/internal/version.Version=…";
// development builds fall back to the module version or VCS data from
// debug.ReadBuildInfo so that `impress version` is never empty.
package version

import (
	"runtime/debug"
	"sync"
)

// Version is set at link time by goreleaser. "dev" means an unreleased build.
var Version = "dev"

// Commit is set at link time by goreleaser.
var Commit = ""

var once sync.Once
var resolved string

// String returns the version to show users and to compare between the CLI
// and the daemon.
func String() string {
	once.Do(func() {
		resolved = Version
		if resolved != "dev" {
			return
		}
		info, ok := debug.ReadBuildInfo()
		if !ok {
			return
		}
		if v := info.Main.Version; v != "" && v != "(devel)" {
			resolved = v
			return
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				resolved = "dev-" + s.Value[:12]
			}
		}
	})
	return resolved
}
