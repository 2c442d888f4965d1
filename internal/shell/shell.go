// Package shell writes commands for a person to run: the fixes `impress
// doctor` prints and the commands the demo shows. A fix is prose with each
// command in backquotes, written so that it works as printed (a test runs
// every command doctor can print): arguments are quoted for a POSIX shell,
// and a secret comes on stdin, never as an argument.
package shell

import "strings"

// Quote quotes s for a POSIX shell when it needs it: a path with a space
// or a quote stays one argument.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Line is args quoted and joined: one command line.
func Line(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}

// Commands are the backquoted spans of a fix, in order: the commands it
// asks the user to run.
func Commands(fix string) []string {
	var out []string
	for {
		_, rest, ok := strings.Cut(fix, "`")
		if !ok {
			return out
		}
		cmd, after, ok := strings.Cut(rest, "`")
		if !ok {
			return out
		}
		out = append(out, cmd)
		fix = after
	}
}
