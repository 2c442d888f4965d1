package render

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// manyClips is a spec of n clips over the golden media: video ranges that
// repeat and stills, by turns, with a fade into every odd clip.
func manyClips(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nname: many\nclips:\n")
	for i := range n {
		if i%2 == 0 || i == n-1 {
			fmt.Fprintf(&b, "  - video: /media/intro.mp4\n    in: %d\n    out: %d.5\n", i%5, i%5+1)
		} else {
			b.WriteString("  - image: /media/product.jpg\n    duration: 0.4\n    transition: {type: fade, duration: 0.2}\n")
		}
	}
	return b.String()
}

var graphLabel = regexp.MustCompile(`\[(s\d+)\]`)

// TestBuildManyClips: long specs build into a well-formed graph. Upstream
// ffmpeg-go took two distinct chains whose summed hashes matched for one
// node and refused the 38-clip spec ("setsar with multiple outgoing
// edges"; third_party/README.md); every label must be made once and used
// once, and every input used.
func TestBuildManyClips(t *testing.T) {
	for _, n := range []int{38, 200, MaxClips} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, err := ParseSpec([]byte(manyClips(n)), "many.yaml")
			if err != nil {
				t.Fatal(err)
			}
			cmd, err := Build(s, BuildOptions{Preset: presets["reels"], Media: goldenMedia(), Output: goldenOut})
			if err != nil {
				t.Fatal(err)
			}
			graph := cmd.Args[slices.Index(cmd.Args, "-filter_complex")+1]
			seen := map[string]int{}
			for _, m := range graphLabel.FindAllStringSubmatch(graph, -1) {
				seen[m[1]]++
			}
			for i, a := range cmd.Args {
				if m := graphLabel.FindStringSubmatch(a); m != nil && cmd.Args[i-1] == "-map" {
					seen[m[1]]++
				}
			}
			for l, k := range seen {
				if k != 2 {
					t.Fatalf("label %s appears %d times, want made once and used once", l, k)
				}
			}
			inputs := 0
			for _, a := range cmd.Args {
				if a == "-i" {
					inputs++
				}
			}
			for i := range inputs {
				if !strings.Contains(graph, fmt.Sprintf("[%d:", i)) {
					t.Errorf("input %d is not used by the graph", i)
				}
			}
		})
	}
}

// BenchmarkBuildManyClips is Build alone (no probe, no ffmpeg) for long
// specs: the graph and its argv through ffmpeg-go. It grows with the clip
// count, no faster (docs/BENCHMARKS.md, Planning).
// go test ./render -run '^$' -bench BuildManyClips -benchmem
func BenchmarkBuildManyClips(b *testing.B) {
	for _, n := range []int{200, MaxClips} {
		s, err := ParseSpec([]byte(manyClips(n)), "many.yaml")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("clips=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Build(s, BuildOptions{Preset: presets["reels"], Media: goldenMedia(), Output: goldenOut}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
