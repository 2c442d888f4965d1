package render

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
)

// XfadeTransitions asks an ffmpeg binary which transitions its xfade filter
// has (`ffmpeg -h filter=xfade`), in its order, without "custom". The
// answer changes only with the binary: it is asked once per binary
// ([MemoTool]). A caller passes it in RenderRequest.Transitions; [Render]
// asks by itself only when a spec uses a transition newer than ffmpeg
// 4.3's.
func XfadeTransitions(ctx context.Context, ffmpeg string) ([]string, error) {
	out, err := MemoTool(ctx, ffmpeg, "-h filter=xfade", func(ctx context.Context, p string) (string, error) {
		out, err := runCapture(ctx, p, []string{"-hide_banner", "-h", "filter=xfade"})
		return string(out), err
	})
	if err != nil {
		return nil, fmt.Errorf("ffmpeg -h filter=xfade: %w", err)
	}
	return parseXfadeHelp([]byte(out)), nil
}

// parseXfadeHelp reads the constants listed under xfade's transition
// option: lines of "name  number  flags  description" after the option's
// own line, up to the next option. No such option (no xfade filter: ffmpeg
// prints "Unknown filter") gives an empty list.
func parseXfadeHelp(out []byte) []string {
	var names []string
	in := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		// option lines are indented by 3 spaces, their constants by 5
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent >= 3 && indent < 5 && f[0] == "transition":
			in = true
		case indent >= 3 && indent < 5:
			in = false
		case in && indent >= 5 && len(f) >= 2 && f[0] != "custom":
			names = append(names, f[0])
		}
	}
	return names
}

// transitionsUsed lists the spec's transitions that an ffmpeg older than
// 7.0 may lack (those after the xfade baseline), with the key of each.
func transitionsUsed(s *Spec) map[string]string {
	out := map[string]string{}
	base := transitionValues[:1+xfadeBaseline]
	for i := range s.Clips {
		if typ := s.Clips[i].TransitionType(); !slices.Contains(base, typ) {
			if _, ok := out[typ]; !ok {
				out[typ] = fmt.Sprintf("clips[%d].transition.type", i)
			}
		}
	}
	return out
}

// NewerTransitions lists the transitions the spec uses (its defaults
// applied) that an ffmpeg older than 7.0 may lack: when it is empty,
// Render needs no [XfadeTransitions] answer for it.
func (s *Spec) NewerTransitions() []string {
	used := transitionsUsed(s.Effective())
	out := make([]string, 0, len(used))
	for n := range used {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// checkTransitions refuses a transition the installed ffmpeg's xfade does
// not have, naming the key, before a graph is built that ffmpeg would
// refuse with a less helpful message. have is the caller's list (nil: ask
// ffmpeg, only when the spec uses a transition newer than the baseline).
func checkTransitions(ctx context.Context, s *Spec, ffmpeg string, have []string) error {
	s = s.Effective() // a default transition counts on every clip it reaches
	used := transitionsUsed(s)
	if len(used) == 0 {
		return nil
	}
	if have == nil {
		var err error
		if have, err = XfadeTransitions(ctx, ffmpeg); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(used))
	for n := range used {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(used[a], used[b]) })
	for _, n := range names {
		if !slices.Contains(have, n) {
			return s.errAt(used[n], "transition %q is not in this ffmpeg's xfade filter (it has %d: %s); choose one of those or install a newer ffmpeg (7.0 has every transition impress knows)",
				n, len(have), strings.Join(have, ", "))
		}
	}
	return nil
}
