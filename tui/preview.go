package tui

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
)

// frameKey names one preview still: which source frame, how it fills the
// frame, and at what pixel size.
type frameKey struct {
	path string
	at   float64
	fit  string
	w, h int
}

// previewModel draws the frame under the timeline cursor. Stills come
// from the daemon (ffmpeg) in a command, never on the input path; at most
// one request is in flight, the newest wish waits behind it, and a still
// that no longer matches the wish is dropped. So holding an arrow key
// costs one ffmpeg run at a time, and the picture catches up when the
// key is released.
type previewModel struct {
	c *common

	want     frameKey
	inflight bool
	have     frameKey
	frame    *api.PreviewFrame
	drawn    string // the half-block picture of frame, drawn once
	err      string
	fetches  int // stills asked for (tests and the status line)

	play     *jobWatch
	playNote string

	width, height int
}

func newPreview(c *common) *previewModel { return &previewModel{c: c} }

func (m *previewModel) Init() tea.Cmd { return nil }

func (m *previewModel) SetSize(w, h int) { m.width, m.height = w, h }

// pixelSize fits the output's aspect into a cells area, two pixels per
// cell vertically (the half block).
func pixelSize(cw, ch int, aspect float64) (int, int) {
	pw, ph := float64(cw), float64(2*ch)
	var w, h float64
	if pw/ph > aspect {
		h, w = ph, ph*aspect
	} else {
		w, h = pw, pw/aspect
	}
	wi, hi := int(w), int(h)&^1
	wi = min(max(wi, 2), api.PreviewMaxWidth)
	hi = min(max(hi, 2), api.PreviewMaxHeight)
	return wi, hi
}

// keyFor is the still wanted for the timeline's cursor in a cw x ch area.
func keyFor(t *timelineModel, cw, ch int) (frameKey, bool) {
	path, at, fit, ok := t.target()
	if !ok || cw < 2 || ch < 1 {
		return frameKey{}, false
	}
	w, h := pixelSize(cw, ch, t.aspect())
	return frameKey{path: path, at: at, fit: fit, w: w, h: h}, true
}

// request asks for the still k unless it is shown or coming already.
func (m *previewModel) request(k frameKey) tea.Cmd {
	if k == m.want {
		return nil
	}
	m.want = k
	if m.inflight || k == m.have {
		return nil
	}
	return m.fetch(k)
}

func (m *previewModel) fetch(k frameKey) tea.Cmd {
	m.inflight = true
	m.fetches++
	c := m.c
	ctx, timeout := c.ctx, c.opts.CallTimeout
	return func() tea.Msg {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		f, err := c.client.PreviewFrame(cctx, api.PreviewRequest{Path: k.path, At: k.at, Width: k.w, Height: k.h, Fit: k.fit})
		return frameMsg{key: k, frame: f, err: err}
	}
}

func (m *previewModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case frameMsg:
		m.inflight = false
		if msg.key == m.want {
			m.have = msg.key
			if msg.err != nil {
				m.frame, m.drawn, m.err = nil, "", errorLine("preview", msg.err)
			} else {
				m.frame, m.err = msg.frame, ""
				m.drawn = drawHalfBlocks(msg.frame, m.c.color)
			}
			return nil
		}
		// Stale: the cursor moved on while ffmpeg worked.
		if m.want != (frameKey{}) && m.want != m.have {
			return m.fetch(m.want)
		}
	case jobEventMsg:
		if m.play != nil && msg.watch == m.play.id {
			m.playNote = fmt.Sprintf("preview render: %s %.0f%%", msg.ev.Stage, msg.ev.Percent)
			if msg.ev.Job != nil && msg.ev.Job.Terminal() {
				return tea.Batch(m.play.next(), m.playJobDone(msg.ev.Job))
			}
			return m.play.next()
		}
	case jobEndedMsg:
		if m.play != nil && msg.watch == m.play.id {
			m.play = nil
			if msg.err != nil {
				m.playNote = ""
				return func() tea.Msg { return errMsg{op: "preview render", err: msg.err} }
			}
		}
	case renderStartedMsg:
		if !msg.preview {
			return nil
		}
		if msg.start.Result != nil {
			return m.startPlayer(msg.start.Result.Output)
		}
		if msg.start.Job != nil {
			w, cmd := m.c.watchJob(msg.start.Job.ID)
			m.play.stop()
			m.play, m.playNote = w, "preview render queued"
			return cmd
		}
	case playerMsg:
		m.playNote = "playing " + baseName(msg.file)
	}
	return nil
}

func (m *previewModel) playJobDone(j *api.Job) tea.Cmd {
	if j.State != api.JobDone {
		m.playNote = ""
		msg := "preview render " + j.State
		if j.Error != nil {
			return func() tea.Msg { return errMsg{op: "preview render", err: j.Error} }
		}
		return statusCmd(msg)
	}
	if r := api.ResultOf(j); r != nil {
		return m.startPlayer(r.Output)
	}
	return statusCmd("preview render done, but the job has no output")
}

// playKey starts a preview render of the project and plays it.
func (m *previewModel) playKey(k tea.KeyMsg, t *timelineModel) tea.Cmd {
	if !key.Matches(k, m.c.keys.Play) {
		return nil
	}
	if len(m.c.opts.Player) == 0 {
		return statusCmd("no player configured: set IMPRESS_PLAYER (e.g. \"mpv\") to play preview renders")
	}
	if !t.loaded() {
		return statusCmd("open a project first")
	}
	c, name := m.c, t.d.spec.Name
	return c.call("preview render", func(ctx context.Context) (tea.Msg, error) {
		st, err := c.client.StartRender(ctx, api.RenderRequest{Project: name, Preview: true, Display: name})
		if err != nil {
			return nil, err
		}
		return renderStartedMsg{start: st, preview: true}, nil
	})
}

// startPlayer runs the configured player on file without waiting for it:
// it opens its own window, and the editor stays usable.
func (m *previewModel) startPlayer(file string) tea.Cmd {
	argv := append(append([]string(nil), m.c.opts.Player...), file)
	return func() tea.Msg {
		cmd := exec.Command(argv[0], argv[1:]...)
		if err := cmd.Start(); err != nil {
			return errMsg{op: "player", err: err}
		}
		go cmd.Wait() // reap it whenever the user closes it
		return playerMsg{file: file}
	}
}

// View draws the still, or says why there is none.
func (m *previewModel) View() string {
	st := m.c.styles
	switch {
	case m.err != "":
		return st.Error.Render(truncate(m.err, m.width))
	case m.drawn == "":
		if m.inflight {
			return st.Dim.Render("rendering the frame…")
		}
		return st.Dim.Render("no frame")
	}
	s := m.drawn
	if m.want != m.have {
		s += "\n" + st.Dim.Render("…")
	}
	return s
}

// drawHalfBlocks draws an RGB frame with ▀: the top pixel is the
// character's foreground, the one below its background. Escape codes are
// written only when a colour changes, which keeps a full-screen still to
// a few tens of kilobytes.
func drawHalfBlocks(f *api.PreviewFrame, mode ColorMode) string {
	if f == nil || f.Width <= 0 || f.Height <= 0 || len(f.RGB) < f.Width*f.Height*3 {
		return ""
	}
	var b strings.Builder
	b.Grow(f.Width * f.Height * 12)
	px := func(x, y int) (int, int, int) {
		if y >= f.Height {
			return 0, 0, 0
		}
		i := (y*f.Width + x) * 3
		return int(f.RGB[i]), int(f.RGB[i+1]), int(f.RGB[i+2])
	}
	const shades = " .:-=+*#%@"
	for y := 0; y < f.Height; y += 2 {
		lastFG, lastBG := "", ""
		for x := 0; x < f.Width; x++ {
			r1, g1, b1 := px(x, y)
			r2, g2, b2 := px(x, y+1)
			switch mode {
			case ColorNone:
				l := (luma(r1, g1, b1) + luma(r2, g2, b2)) / 2
				b.WriteByte(shades[min(len(shades)-1, int(l*float64(len(shades))))])
				continue
			case Color256:
				fg, bg := "38;5;"+strconv.Itoa(xterm256(r1, g1, b1)), "48;5;"+strconv.Itoa(xterm256(r2, g2, b2))
				writeSGR(&b, fg, bg, &lastFG, &lastBG)
			default:
				fg := "38;2;" + strconv.Itoa(r1) + ";" + strconv.Itoa(g1) + ";" + strconv.Itoa(b1)
				bg := "48;2;" + strconv.Itoa(r2) + ";" + strconv.Itoa(g2) + ";" + strconv.Itoa(b2)
				writeSGR(&b, fg, bg, &lastFG, &lastBG)
			}
			b.WriteString("▀")
		}
		if mode != ColorNone {
			b.WriteString("\x1b[0m")
		}
		if y+2 < f.Height {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func writeSGR(b *strings.Builder, fg, bg string, lastFG, lastBG *string) {
	switch {
	case fg != *lastFG && bg != *lastBG:
		b.WriteString("\x1b[" + fg + ";" + bg + "m")
	case fg != *lastFG:
		b.WriteString("\x1b[" + fg + "m")
	case bg != *lastBG:
		b.WriteString("\x1b[" + bg + "m")
	}
	*lastFG, *lastBG = fg, bg
}

func luma(r, g, b int) float64 {
	return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)) / 256
}

// xterm256 is the nearest colour of the xterm palette's 6x6x6 cube or
// its grey ramp.
func xterm256(r, g, b int) int {
	levels := [6]int{0, 95, 135, 175, 215, 255}
	idx := func(v int) int {
		if v < 48 {
			return 0
		}
		if v < 115 {
			return 1
		}
		return (v - 35) / 40
	}
	ri, gi, bi := idx(r), idx(g), idx(b)
	cr, cg, cb := levels[ri], levels[gi], levels[bi]
	grey := (r + g + b) / 3
	gi2 := 23
	if grey < 238 {
		gi2 = max(0, (grey-8)/10)
	}
	gv := 8 + 10*gi2
	dist := func(x, y, z int) int { return (r-x)*(r-x) + (g-y)*(g-y) + (b-z)*(b-z) }
	if dist(gv, gv, gv) < dist(cr, cg, cb) {
		return 232 + gi2
	}
	return 16 + 36*ri + 6*gi + bi
}
