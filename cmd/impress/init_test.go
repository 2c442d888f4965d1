package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// initAllocBudget is how many allocations an impress package may make
// while it initialises. Every command, `impress --help` included, runs
// every linked package's init: regular expressions, templates and tables
// belong in sync.OnceValue (or a function), built when first used. This
// counts allocations, which do not depend on the machine's speed; the
// start-up times are in bench/ and docs/BENCHMARKS.md.
const initAllocBudget = 32

// initBudgetExempt are the packages allowed more, with what they allocate
// today (docs/BENCHMARKS.md, Start-up): render's tables (presets, named
// colours, screens' safe zones). Its regular expressions and the daemon's
// are built on first use.
var initBudgetExempt = map[string]int{
	"render": 48,
}

func TestPackageInitStaysLight(t *testing.T) {
	bin, err := exec.LookPath("impress")
	if err != nil {
		t.Fatalf("impress is not on PATH (testscript puts the test binary there): %v", err)
	}
	cmd := exec.Command(bin, "--help")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("impress --help: %v\n%s", err, stderr.String())
	}
	const prefix = "github.com/impress-dev/impress/"
	seen := 0
	for line := range strings.Lines(stderr.String()) {
		// init PKG @0.1 ms, 0.01 ms clock, 632 bytes, 8 allocs
		f := strings.Fields(line)
		if len(f) < 11 || f[0] != "init" || f[10] != "allocs" {
			continue
		}
		rel, ok := strings.CutPrefix(f[1], prefix)
		if !ok {
			continue
		}
		seen++
		allocs, err := strconv.Atoi(f[9])
		if err != nil {
			t.Fatalf("unreadable inittrace line %q", line)
		}
		budget := initAllocBudget
		top, _, _ := strings.Cut(rel, "/")
		if b, ok := initBudgetExempt[top]; ok {
			budget = b
		}
		if allocs > budget {
			t.Errorf("package %s allocates %d times in its init (%s bytes), budget %d: build its globals on first use (sync.OnceValue)", rel, allocs, f[7], budget)
		}
	}
	// The daemon, render, store, meta... all have package-level state: no
	// line about them means the trace was not read.
	if seen < 3 {
		t.Fatalf("GODEBUG=inittrace=1 reported %d impress packages; stderr:\n%s", seen, stderr.String())
	}
}
