package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key binding of the editor, grouped by screen. The help
// overlay lists all of them and the footer the short set of the screen in
// front, both from this one value, so they cannot drift apart.
type KeyMap struct {
	// Global (when no text field has the focus; ctrl+c always).
	Quit, ForceQuit, Help, Back key.Binding
	Screen1, Screen2, Screen3   key.Binding
	Screen4, Screen5, Screen6   key.Binding
	Up, Down, Reload            key.Binding
	Undo, Redo, Save            key.Binding
	// Projects.
	Open, New, Rename, Delete, Filter key.Binding
	Yes                               key.Binding
	// Timeline.
	MoveUp, MoveDown                   key.Binding
	Left, Right, FrameLeft, FrameRight key.Binding
	InFrameBack, InFrameFwd            key.Binding
	InSecBack, InSecFwd                key.Binding
	OutFrameBack, OutFrameFwd          key.Binding
	OutSecBack, OutSecFwd              key.Binding
	Fit, SpeedUp, SpeedDown            key.Binding
	VolumeUp, VolumeDown, Mute         key.Binding
	Transition, TransitionLen, Zoom    key.Binding
	Add, Remove, NextPane              key.Binding
	Edit, Toggle                       key.Binding
	Render, Publish                    key.Binding
	// Preview.
	Play key.Binding
	// Render.
	Cancel key.Binding
	// Publish.
	DryRun, DoPublish, Field key.Binding
	// Inbox.
	Reply, Hide key.Binding
	// Forms and text fields.
	Submit, NextField, PrevField key.Binding
}

func kb(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// DefaultKeyMap is the editor's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit:      kb("q", "quit", "q"),
		ForceQuit: kb("ctrl+c", "quit at once", "ctrl+c"),
		Help:      kb("?", "help", "?"),
		Back:      kb("esc", "back / close", "esc"),
		Screen1:   kb("1", "projects", "1"),
		Screen2:   kb("2", "timeline", "2"),
		Screen3:   kb("3", "preview", "3"),
		Screen4:   kb("4", "render", "4"),
		Screen5:   kb("5", "publish", "5"),
		Screen6:   kb("6", "inbox", "6"),
		Up:        kb("↑/k", "up", "up", "k"),
		Down:      kb("↓/j", "down", "down", "j"),
		Reload:    kb("ctrl+l", "reload", "ctrl+l"),
		Undo:      kb("u", "undo", "u", "ctrl+z"),
		Redo:      kb("ctrl+r", "redo", "ctrl+r", "ctrl+y"),
		Save:      kb("ctrl+s", "save now", "ctrl+s"),

		Open:   kb("enter", "open", "enter"),
		New:    kb("n", "new", "n"),
		Rename: kb("R", "rename", "R"),
		Delete: kb("d", "delete", "d", "delete"),
		Filter: kb("/", "filter", "/"),
		Yes:    kb("y", "confirm", "y"),

		MoveUp:        kb("K", "move clip up", "K", "shift+up"),
		MoveDown:      kb("J", "move clip down", "J", "shift+down"),
		Left:          kb("←/h", "cursor −1 s", "left", "h"),
		Right:         kb("→/l", "cursor +1 s", "right", "l"),
		FrameLeft:     kb("H", "cursor −1 frame", "H", "shift+left"),
		FrameRight:    kb("L", "cursor +1 frame", "L", "shift+right"),
		InFrameBack:   kb("[", "in −1 frame", "["),
		InFrameFwd:    kb("]", "in +1 frame", "]"),
		InSecBack:     kb("{", "in −1 s", "{"),
		InSecFwd:      kb("}", "in +1 s", "}"),
		OutFrameBack:  kb(",", "out −1 frame (image: length)", ","),
		OutFrameFwd:   kb(".", "out +1 frame (image: length)", "."),
		OutSecBack:    kb("<", "out −1 s (image: length)", "<"),
		OutSecFwd:     kb(">", "out +1 s (image: length)", ">"),
		Fit:           kb("f", "fit crop/pad/blur", "f"),
		SpeedUp:       kb("s", "speed up", "s"),
		SpeedDown:     kb("S", "speed down", "S"),
		VolumeUp:      kb("+", "volume +10%", "+", "="),
		VolumeDown:    kb("-", "volume −10%", "-"),
		Mute:          kb("m", "mute / unmute", "m"),
		Transition:    kb("t", "next transition (e: by name)", "t"),
		TransitionLen: kb("T", "transition length", "T"),
		Zoom:          kb("z", "image zoom", "z"),
		Add:           kb("a", "add from file", "a"),
		Remove:        kb("x", "delete item", "x"),
		NextPane:      kb("tab", "clips/texts/captions/music", "tab"),
		Edit:          kb("e", "edit item (clips: transition by name, fit, length)", "e"),
		Toggle:        kb("w", "toggle (words, duck, share)", "w"),
		Render:        kb("r", "render", "r"),
		Publish:       kb("p", "publish screen", "p"),

		Play: kb("o", "play preview render", "o"),

		Cancel: kb("esc", "cancel render", "esc"),

		DryRun:    kb("D", "dry run", "D"),
		DoPublish: kb("P", "publish (asks y)", "P"),
		Field:     kb("e", "edit field", "e", "enter"),

		Reply: kb("r", "reply", "r"),
		Hide:  kb("h", "hide / unhide", "h"),

		Submit:    kb("enter", "save field", "enter"),
		NextField: kb("tab", "next field", "tab", "down"),
		PrevField: kb("shift+tab", "previous field", "shift+tab", "up"),
	}
}

// helpGroup is one titled block of the help overlay.
type helpGroup struct {
	title string
	keys  []key.Binding
}

// groups lists every binding for the help overlay.
func (k KeyMap) groups() []helpGroup {
	return []helpGroup{
		{"Global", []key.Binding{k.Screen1, k.Screen2, k.Screen3, k.Screen4, k.Screen5, k.Screen6, k.Help, k.Back, k.Quit, k.ForceQuit, k.Reload}},
		{"Projects", []key.Binding{k.Up, k.Down, k.Open, k.New, k.Rename, k.Delete, k.Yes, k.Filter}},
		{"Timeline", []key.Binding{k.Up, k.Down, k.MoveUp, k.MoveDown, k.Left, k.Right, k.FrameLeft, k.FrameRight,
			k.InFrameBack, k.InFrameFwd, k.InSecBack, k.InSecFwd, k.OutFrameBack, k.OutFrameFwd, k.OutSecBack, k.OutSecFwd,
			k.Fit, k.SpeedUp, k.SpeedDown, k.VolumeUp, k.VolumeDown, k.Mute, k.Transition, k.TransitionLen, k.Zoom,
			k.Edit, k.Add, k.Remove, k.NextPane, k.Undo, k.Redo, k.Save, k.Render, k.Publish}},
		{"Texts · Captions · Music", []key.Binding{k.Add, k.New, k.Edit, k.Remove, k.Toggle, k.VolumeUp, k.VolumeDown}},
		{"Preview", []key.Binding{k.Up, k.Down, k.Left, k.Right, k.FrameLeft, k.FrameRight, k.Play}},
		{"Render", []key.Binding{k.Render, k.Cancel}},
		{"Publish", []key.Binding{k.Up, k.Down, k.Field, k.Toggle, k.DryRun, k.DoPublish, k.Yes}},
		{"Inbox", []key.Binding{k.NextPane, k.Up, k.Down, k.Reply, k.Hide}},
		{"Forms and fields", []key.Binding{k.NextField, k.PrevField, k.Submit, k.Back}},
	}
}
