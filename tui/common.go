package tui

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/impress-dev/impress/api"
)

// ColorMode says how preview stills are drawn.
type ColorMode int

const (
	// ColorAuto asks lipgloss what the terminal supports.
	ColorAuto ColorMode = iota
	// ColorTrue draws 24-bit colour half blocks.
	ColorTrue
	// Color256 draws half blocks in the xterm 256-colour palette.
	Color256
	// ColorNone draws stills as ASCII shades (no colour at all).
	ColorNone
)

// Options configure the editor.
type Options struct {
	// Project is opened at start (empty: the project list).
	Project string
	// StartDir is where the file picker starts; absolute.
	StartDir string
	// Color overrides the terminal's detected colour support.
	Color ColorMode
	// Player is the command line of an external video player (the file is
	// appended); empty means none is configured.
	Player []string
	// Connection is the Instagram connection to use ("" = the default).
	Connection string
	// CallTimeout bounds each short daemon call (default 30 s).
	CallTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Outputs, when set, gets the path of every file rendered during the
	// session once the editor has closed: the render screen breaks a long
	// path over lines, which a terminal copies with the breaks.
	Outputs io.Writer
}

// common is what every component shares: the daemon client, the look,
// the keys and the options. It is built once by [New].
//
// ctx is the program's lifetime. bubbletea commands are closures without
// a context parameter, so the one context they derive theirs from has to
// be kept somewhere; it is set once here and never replaced, and quitting
// the program cancels it, which ends every call and job stream in flight.
type common struct {
	ctx    context.Context
	client Client
	styles Styles
	keys   KeyMap
	color  ColorMode
	opts   Options
	watch  int // last job-watch number handed out
}

func newCommon(ctx context.Context, c Client, o Options) *common {
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	cm := &common{ctx: ctx, client: c, styles: DefaultStyles(), keys: DefaultKeyMap(), color: o.Color, opts: o}
	if cm.color == ColorAuto {
		switch lipgloss.ColorProfile().Name() {
		case "TrueColor":
			cm.color = ColorTrue
		case "ANSI256", "ANSI":
			cm.color = Color256
		default:
			cm.color = ColorNone
		}
	}
	return cm
}

// call runs fn off the input path with a bounded context; an error comes
// back as errMsg for op.
func (c *common) call(op string, fn func(ctx context.Context) (tea.Msg, error)) tea.Cmd {
	ctx, timeout := c.ctx, c.opts.CallTimeout
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		msg, err := fn(cctx)
		if err != nil {
			return errMsg{op: op, err: err}
		}
		return msg
	}
}

// errorLine is an error as the status line shows it: the daemon's
// message and hint, one line.
func errorLine(op string, err error) string {
	var msg string
	if e, ok := api.AsError(err); ok {
		msg = e.Message
		if e.Hint != "" {
			msg += " (" + e.Hint + ")"
		}
	} else if errors.Is(err, api.ErrDaemonNotRunning) {
		msg = "the impress daemon is not running; start it with `impress daemon start`"
	} else {
		msg = err.Error()
	}
	msg = strings.Join(strings.Fields(msg), " ")
	// The daemon names its operation too ("preview: no picture at …"):
	// say it once.
	if op != "" && !strings.HasPrefix(msg, op+": ") {
		msg = op + ": " + msg
	}
	return msg
}

func statusCmd(s string) tea.Cmd { return func() tea.Msg { return statusMsg(s) } }

// truncate cuts s to w cells with an ellipsis.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if n+rw > w-1 {
			break
		}
		b.WriteRune(r)
		n += rw
	}
	return b.String() + "…"
}

// pad fills s with spaces to w cells (cutting it when longer).
func pad(s string, w int) string {
	s = truncate(s, w)
	if n := w - lipgloss.Width(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

// scrollTop is the first row of a rows-high list window that starts at
// top, moved as little as it takes to show the cursor's row.
func scrollTop(top, cursor, rows int) int {
	if cursor < top {
		return cursor
	}
	if cursor >= top+rows {
		return cursor - rows + 1
	}
	return top
}

// oneLine folds a multi-line text to one line for lists.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// newInput is a text field with a steady cursor: a blinking one would
// redraw the screen twice a second for nothing.
func newInput() textinput.Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}

// feed hands msg to a text input and keeps what it returns: the update
// every pane with a text input does while the input has the focus.
func feed(in *textinput.Model, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	return cmd
}
