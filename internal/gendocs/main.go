// Command gendocs writes impress's man pages (impress.1,
// impress-daemon-run.1, …) from the cobra command tree, so the pages can
// never drift from the flags. scripts/gen-docs.sh (`make man`, goreleaser's
// before hook) runs it.
//
// It is a program of its own rather than a hidden `impress` command so that
// cobra/doc and the markdown renderers it pulls in (blackfriday, md2man)
// stay out of bin/impress: every command would otherwise pay for their
// package init. internal/archtest keeps them out.
//
//	go run ./internal/gendocs DIR
//
// The version in the page header is internal/version's, set with -ldflags
// -X like bin/impress's. Hidden commands get no page.
package main

import (
	"fmt"
	"os"

	"github.com/impress-dev/impress/cli"
	"github.com/spf13/cobra/doc"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] == "" || os.Args[1][0] == '-' {
		fmt.Fprintln(os.Stderr, "usage: gendocs DIR (writes one man page per impress command into DIR)")
		os.Exit(2)
	}
	if err := writeMan(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs: "+err.Error())
		os.Exit(1)
	}
}

func writeMan(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	f := cli.NewFactory()
	root := cli.NewRootCmd(f)
	// No "Auto generated" footer with today's date: pages stay
	// byte-identical between runs. The header date honours
	// SOURCE_DATE_EPOCH (cobra/doc) for reproducible releases.
	root.DisableAutoGenTag = true
	// cobra adds `completion` when a command runs; the pages document it
	// as `impress completion --help` shows it.
	root.InitDefaultCompletionCmd()
	header := &doc.GenManHeader{
		Title:   "IMPRESS",
		Section: "1",
		Source:  "impress " + f.Version,
		Manual:  "impress manual",
	}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("man pages: write to %s: %w", dir, err)
	}
	return nil
}
