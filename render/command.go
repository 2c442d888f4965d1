package render

import (
	"strings"

	"github.com/impress-dev/impress/api"
)

// Command is one ffmpeg run, built by [Build], [RemuxCommand],
// [CoverCommand] and friends, and executed by [Run]. Building is pure:
// nothing touches the disk until Run.
type Command struct {
	// Op names the command in errors and progress: "render", "remux",
	// "cover", "loudness analysis", "image".
	Op string
	// Args are ffmpeg's arguments after the program name, without the
	// options Run always adds (-nostdin -hide_banner -nostats -progress
	// pipe:1 -y -loglevel). When Output is set the last argument is
	// "file:"+Output; Run swaps it for a temporary name in the same
	// directory and renames on success.
	Args []string
	// Output is the absolute path of the file the command produces; empty
	// for commands that only measure (loudness analysis).
	Output string
	// Files are written into WorkDir by Run before ffmpeg starts (drawtext
	// text files): the filter graph names them, never their content.
	Files []TempFile
	// WorkDir is the private directory (0700) the graph's files live in.
	WorkDir string
	// Duration is the expected output length in seconds, for Progress.Percent.
	Duration float64
	// LogLevel for ffmpeg's stderr; empty means "warning".
	LogLevel string
	// GraphOption is how Run hands the -filter_complex graph to ffmpeg in
	// a file ([GraphOptionScript] when empty; see [GraphScriptOption]).
	GraphOption string
	// NoSync leaves the output unsynced: the caller makes it durable when
	// it needs to (the daemon fsyncs a render before it records it in the
	// cache, off the user's wait; see RenderRequest.NoSync).
	NoSync bool
	// Warnings are what the layout found (text under Instagram's UI, a
	// text cut short); the command runs anyway.
	Warnings []Warning
}

// Warning is something a render makes as asked that may still not look
// right: a text, caption or overlay under Instagram's interface, a text
// cut to max_lines or shrunk. Rule is a stable identifier; Key and Line
// point at the spec. It is the wire type itself, so the daemon hands a
// render's warnings over as they are.
type Warning = api.Warning

// Warning rules.
const (
	WarnSafeZone  = "safe_zone"      // under Instagram's UI on the preset's player
	WarnTruncated = "text_truncated" // lines dropped, the last ending in "…"
	WarnShrunk    = "text_shrunk"    // fit: shrink lowered the size
)

// TempFile is a file a command's filter graph reads.
type TempFile struct {
	Name string // base name inside Command.WorkDir
	Data []byte
}

// globalArgs are the options every run gets, in front of Args.
func (c *Command) globalArgs() []string {
	lvl := c.LogLevel
	if lvl == "" {
		lvl = "warning"
	}
	return []string{"-nostdin", "-hide_banner", "-nostats", "-loglevel", "level+" + lvl, "-progress", "pipe:1", "-y"}
}

// Argv returns the full command line Run executes (before the temporary
// output name is swapped in), for logs, `--dry-run` and benchmarks.
func (c *Command) Argv(ffmpegPath string) []string {
	return append(append([]string{ffmpegPath}, c.globalArgs()...), c.Args...)
}

// String renders Argv for humans, shell-quoted.
func (c *Command) String() string { return ShellJoin(c.Argv("ffmpeg")) }

// ShellJoin quotes argv for a POSIX shell (single quotes where needed), for
// logs a user can paste to re-run a command.
func ShellJoin(argv []string) string {
	parts := make([]string, len(argv))
	for i, p := range argv {
		parts[i] = shellQuote(p)
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
