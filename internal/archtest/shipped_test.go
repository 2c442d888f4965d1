package archtest

import (
	"slices"
	"strings"
	"testing"
)

// notShipped are modules and packages that bin/impress must not link:
// each one costs every command its package init and the binary its size,
// for work only something else does. aws-sdk-go came with ffmpeg-go's S3
// helper, which the copy in third_party/ leaves out (third_party/README.md);
// cobra/doc and its markdown renderers make man pages, which
// internal/gendocs does.
var notShipped = []string{
	"github.com/aws/aws-sdk-go",
	"github.com/spf13/cobra/doc",
	"github.com/russross/blackfriday",
	"github.com/cpuguy83/go-md2man",
}

// depsOf lists every package main links, as the release builds it for goos.
func depsOf(t *testing.T, goos, main string) []string {
	t.Helper()
	out, err := goList(t, goos, "-deps", main).Output()
	if err != nil {
		t.Fatalf("go list -deps %s (GOOS=%s): %v", main, goos, err)
	}
	return strings.Fields(string(out))
}

// unwanted returns the packages of deps that notShipped names.
func unwanted(deps []string) []string {
	var out []string
	for _, d := range deps {
		if slices.ContainsFunc(notShipped, func(n string) bool { return under(d, n) }) {
			out = append(out, d)
		}
	}
	return out
}

func TestShippedBinaryLeavesOutToolingDeps(t *testing.T) {
	for _, goos := range []string{"linux", "darwin"} {
		t.Run(goos, func(t *testing.T) {
			t.Parallel()
			deps := depsOf(t, goos, "./cmd/impress")
			if !slices.Contains(deps, module+"/cli") {
				t.Fatalf("go list -deps ./cmd/impress does not list %s/cli: wrong graph", module)
			}
			if bad := unwanted(deps); len(bad) > 0 {
				t.Errorf("bin/impress links %s; move that work out of the shipped command path", strings.Join(bad, ", "))
			}
			// The man page generator does link cobra/doc: the check sees it
			// where it is.
			if bad := unwanted(depsOf(t, goos, "./internal/gendocs")); !slices.Contains(bad, "github.com/spf13/cobra/doc") {
				t.Errorf("internal/gendocs should link cobra/doc and the check should find it; found %q", bad)
			}
		})
	}
}
