package tui

import "github.com/charmbracelet/lipgloss"

// Styles is every look the editor uses. It is a value built once and
// handed down; components never build styles of their own in View, which
// keeps a redraw cheap.
type Styles struct {
	App       lipgloss.Style
	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Title     lipgloss.Style
	Header    lipgloss.Style
	Selected  lipgloss.Style
	Dim       lipgloss.Style
	Label     lipgloss.Style
	Error     lipgloss.Style
	Warn      lipgloss.Style
	OK        lipgloss.Style
	Footer    lipgloss.Style
	Key       lipgloss.Style
	Box       lipgloss.Style
	Help      lipgloss.Style
	Focus     lipgloss.Style
}

// DefaultStyles are the editor's colours (ANSI 256 numbers, which
// lipgloss degrades or drops to match the terminal).
func DefaultStyles() Styles {
	accent := lipgloss.Color("212")
	dim := lipgloss.Color("245")
	return Styles{
		App:       lipgloss.NewStyle(),
		Tab:       lipgloss.NewStyle().Foreground(dim).Padding(0, 1),
		TabActive: lipgloss.NewStyle().Foreground(accent).Bold(true).Padding(0, 1).Underline(true),
		Title:     lipgloss.NewStyle().Bold(true),
		Header:    lipgloss.NewStyle().Foreground(dim).Bold(true),
		Selected:  lipgloss.NewStyle().Foreground(accent).Bold(true),
		Dim:       lipgloss.NewStyle().Foreground(dim),
		Label:     lipgloss.NewStyle().Foreground(lipgloss.Color("111")),
		Error:     lipgloss.NewStyle().Foreground(lipgloss.Color("203")).Bold(true),
		Warn:      lipgloss.NewStyle().Foreground(lipgloss.Color("214")),
		OK:        lipgloss.NewStyle().Foreground(lipgloss.Color("78")),
		Footer:    lipgloss.NewStyle().Foreground(dim),
		Key:       lipgloss.NewStyle().Foreground(accent),
		Box:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		Help:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1),
		Focus:     lipgloss.NewStyle().Foreground(accent),
	}
}

// queryTerminal asks the terminal for its background colour, which
// lipgloss caches, before the program takes the terminal over. Asked any
// later (bubbles' textarea picks adaptive colours in View), the answer
// would arrive on the program's input as keys nobody typed, after a wait
// for termenv's 5 s timeout. bubbletea v1 asked in an init(), in every
// command, which made each one wait 5 s on a pty that never answers; the
// copy in third_party/bubbletea leaves that to us, and only `impress edit`
// gets here.
func queryTerminal() { _ = lipgloss.HasDarkBackground() }
