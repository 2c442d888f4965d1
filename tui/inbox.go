package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/inert"
)

// How far back the inbox looks: the newest media and, across them, the
// newest comments. Meta's rate limits make "everything" a bad default.
const (
	inboxMedia    = 5
	inboxComments = 60
)

// commentItem is a comment with the media it is on.
type commentItem struct {
	media   string // media caption's first line, or its id
	comment api.Comment
	reply   bool // a reply to another comment
}

// inboxModel lists the latest comments across recent media (reply, hide)
// and DM thread summaries (reply while Instagram's 24 h window is open).
type inboxModel struct {
	c       *common
	tab     int // 0 comments, 1 messages
	items   []commentItem
	threads []api.Thread
	row     [2]int
	top     [2]int
	loaded  bool
	loading int
	note    string
	failed  [2]string // why a list could not be loaded

	input   textinput.Model
	typing  bool
	sending bool

	width, height int
}

func newInbox(c *common) *inboxModel {
	in := newInput()
	in.Prompt = "reply> "
	in.CharLimit = 2200
	return &inboxModel{c: c, input: in}
}

func (m *inboxModel) Init() tea.Cmd { return nil }

func (m *inboxModel) SetSize(w, h int) {
	m.width, m.height = w, h
	m.input.Width = max(10, w-10)
}

func (m *inboxModel) capturing() bool { return m.typing }

// enter loads the inbox the first time it is shown.
func (m *inboxModel) enter() tea.Cmd {
	if m.loaded || m.loading > 0 {
		return nil
	}
	return m.reload()
}

func (m *inboxModel) reload() tea.Cmd {
	m.loaded, m.loading, m.failed = true, 2, [2]string{}
	c, conn := m.c, m.c.opts.Connection
	comments := c.call("comments", func(ctx context.Context) (tea.Msg, error) {
		media, err := c.client.MediaList(ctx, conn)
		if err != nil {
			return nil, err
		}
		var items []commentItem
		note := ""
		for i, md := range media {
			if i == inboxMedia {
				note = fmt.Sprintf("comments of the newest %d media", inboxMedia)
				break
			}
			if md.MediaID == "" {
				continue
			}
			list, err := c.client.Comments(ctx, api.CommentsQuery{Connection: conn, Media: md.MediaID})
			if err != nil {
				return nil, err
			}
			label := shown(md.Caption)
			if label == "" {
				label = shown(md.MediaID)
			}
			for _, cm := range list.Comments {
				items = append(items, commentItem{media: label, comment: cm})
				for _, r := range cm.Replies {
					items = append(items, commentItem{media: label, comment: r, reply: true})
				}
			}
		}
		// Newest threads first, replies kept under their comment.
		sort.SliceStable(items, func(i, j int) bool {
			return threadTime(items, i).After(threadTime(items, j))
		})
		if len(items) > inboxComments {
			items, note = items[:inboxComments], fmt.Sprintf("the newest %d comments", inboxComments)
		}
		return inboxCommentsMsg{items: items, note: note}, nil
	})
	threads := c.call("messages", func(ctx context.Context) (tea.Msg, error) {
		ts, err := c.client.Threads(ctx, conn, false)
		if err != nil {
			return nil, err
		}
		return inboxThreadsMsg{threads: ts}, nil
	})
	return tea.Batch(comments, threads)
}

// threadTime is the time of the top-level comment an item belongs to, so
// sorting keeps a reply under its parent.
func threadTime(items []commentItem, i int) time.Time {
	for i > 0 && items[i].reply {
		i--
	}
	return items[i].comment.Timestamp
}

func (m *inboxModel) rows() int {
	if m.tab == 0 {
		return len(m.items)
	}
	return len(m.threads)
}

func (m *inboxModel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case inboxCommentsMsg:
		m.loading--
		m.items, m.note = msg.items, msg.note
		m.row[0] = min(m.row[0], max(0, len(m.items)-1))
		return nil
	case inboxThreadsMsg:
		m.loading--
		m.threads = msg.threads
		m.row[1] = min(m.row[1], max(0, len(m.threads)-1))
		return nil
	case errMsg:
		switch msg.op {
		case "comments":
			m.loading--
			m.failed[0] = errorLine("", msg.err)
		case "messages":
			m.loading--
			m.failed[1] = errorLine("", msg.err)
		}
		if m.sending {
			m.sending = false
		}
		return nil
	case commentDoneMsg:
		m.sending = false
		for i := range m.items {
			if m.items[i].comment.ID == msg.id && msg.res != nil && msg.res.Hidden != nil {
				m.items[i].comment.Hidden = *msg.res.Hidden
			}
		}
		return statusCmd(msg.what)
	case messageSentMsg:
		m.sending = false
		return statusCmd("message sent")
	case tea.KeyMsg:
		return m.key(msg)
	}
	if m.typing {
		return feed(&m.input, msg)
	}
	return nil
}

func (m *inboxModel) key(k tea.KeyMsg) tea.Cmd {
	keys := m.c.keys
	if m.typing {
		switch {
		case key.Matches(k, keys.Back):
			m.typing = false
			m.input.Blur()
			return nil
		case key.Matches(k, keys.Submit):
			text := strings.TrimSpace(m.input.Value())
			if text == "" {
				return statusCmd("write a reply first, or esc")
			}
			m.typing = false
			m.input.Blur()
			return m.send(text)
		}
		return feed(&m.input, k)
	}
	n := m.rows()
	r := &m.row[m.tab]
	switch {
	case key.Matches(k, keys.NextPane):
		m.tab = 1 - m.tab
	case key.Matches(k, keys.Up):
		*r = max(*r-1, 0)
	case key.Matches(k, keys.Down):
		*r = min(*r+1, max(n-1, 0))
	case key.Matches(k, keys.Reload):
		return m.reload()
	case key.Matches(k, keys.Reply):
		if n == 0 || m.sending {
			return nil
		}
		if m.tab == 1 {
			t := m.threads[*r]
			if !t.ReplyAllowed {
				closed := "its 24 h window has closed"
				if !t.ReplyWindowClosesAt.IsZero() {
					closed = "its 24 h window closed at " + t.ReplyWindowClosesAt.Local().Format("2006-01-02 15:04")
				}
				return statusCmd("Instagram allows no reply to " + orDash(shown(t.Participant)) + ": " + closed)
			}
		}
		m.typing = true
		m.input.SetValue("")
		return m.input.Focus()
	case key.Matches(k, keys.Hide):
		if m.tab != 0 || n == 0 || m.sending {
			return nil
		}
		cm := m.items[*r].comment
		c, conn, hide := m.c, m.c.opts.Connection, !cm.Hidden
		what := map[bool]string{true: "comment hidden", false: "comment shown again"}[hide]
		m.sending = true
		return c.call("hide", func(ctx context.Context) (tea.Msg, error) {
			res, err := c.client.HideComment(ctx, conn, cm.ID, hide)
			if err != nil {
				return nil, err
			}
			if res.Hidden == nil {
				res.Hidden = &hide
			}
			return commentDoneMsg{id: cm.ID, what: what, res: res}, nil
		})
	}
	m.scroll()
	return nil
}

func (m *inboxModel) send(text string) tea.Cmd {
	c, conn := m.c, m.c.opts.Connection
	m.sending = true
	if m.tab == 0 {
		it := m.items[m.row[0]]
		id := it.comment.ID
		if it.reply && it.comment.ParentID != "" {
			id = it.comment.ParentID // Instagram nests one level: answer the thread
		}
		return c.call("reply", func(ctx context.Context) (tea.Msg, error) {
			res, err := c.client.ReplyComment(ctx, conn, id, text)
			if err != nil {
				return nil, err
			}
			return commentDoneMsg{id: id, what: "reply posted", res: res}, nil
		})
	}
	th := m.threads[m.row[1]].ID
	return c.call("send", func(ctx context.Context) (tea.Msg, error) {
		res, err := c.client.SendMessage(ctx, conn, th, text)
		if err != nil {
			return nil, err
		}
		return messageSentMsg{thread: th, res: res}, nil
	})
}

func (m *inboxModel) listHeight() int { return max(1, m.height-3) }

func (m *inboxModel) scroll() {
	t := m.tab
	m.top[t] = scrollTop(m.top[t], m.row[t], m.listHeight())
}

func (m *inboxModel) View() string {
	st := m.c.styles
	var b strings.Builder
	tabs := []string{fmt.Sprintf("Comments %d", len(m.items)), fmt.Sprintf("Messages %d", len(m.threads))}
	for i, t := range tabs {
		if i == m.tab {
			b.WriteString(st.TabActive.Render(t))
		} else {
			b.WriteString(st.Tab.Render(t))
		}
	}
	if m.loading > 0 {
		b.WriteString(st.Dim.Render("  loading…"))
	} else if m.note != "" && m.tab == 0 {
		b.WriteString(st.Dim.Render("  " + m.note))
	}
	b.WriteString("\n")
	h := m.listHeight()
	if f := m.failed[m.tab]; f != "" {
		b.WriteString(m.c.styles.Error.Render(truncate("  could not load: "+f, m.width)) + "\n" +
			m.c.styles.Dim.Render("  ctrl+l tries again") + "\n")
		return strings.TrimRight(b.String(), "\n")
	}
	if m.tab == 0 {
		if len(m.items) == 0 && m.loading == 0 {
			b.WriteString(st.Dim.Render("  no comments on your recent media") + "\n")
		}
		for i := m.top[0]; i < len(m.items) && i < m.top[0]+h; i++ {
			it := m.items[i]
			cm := it.comment
			ind := ""
			if it.reply {
				ind = "  ↳ "
			}
			flag := ""
			if cm.Hidden {
				flag = " [hidden]"
			}
			line := fmt.Sprintf("%s@%s%s: %s", ind, orDash(shown(cm.Username)), flag, shown(cm.Text))
			if !it.reply {
				line += "  · on " + it.media
			}
			m.line(&b, i == m.row[0], line)
		}
	} else {
		if len(m.threads) == 0 && m.loading == 0 {
			b.WriteString(st.Dim.Render("  no conversations") + "\n")
		}
		for i := m.top[1]; i < len(m.threads) && i < m.top[1]+h; i++ {
			t := m.threads[i]
			win := "open"
			if !t.ReplyAllowed {
				win = "closed"
			}
			unread := ""
			if t.Unread != nil && *t.Unread {
				unread = "● "
			}
			who := "them"
			if t.LastFromMe {
				who = "you"
			}
			line := fmt.Sprintf("%s%-14s %2d msgs  reply %s  %s: %s", unread, truncate(orDash(shown(t.Participant)), 14), t.MessageCount, win, who, shown(t.LastMessage))
			m.line(&b, i == m.row[1], line)
		}
	}
	if m.typing {
		b.WriteString(m.input.View() + "\n" + st.Footer.Render("enter send · esc cancel"))
	}
	return strings.TrimRight(b.String(), "\n")
}

// shown is someone else's text (a comment, a DM, a username, a caption
// from elsewhere) as one inert line: its escape sequences must not reach
// the terminal, where they would act instead of being read
// (internal/inert).
func shown(s string) string { return inert.Line(oneLine(s)) }

func (m *inboxModel) line(b *strings.Builder, sel bool, s string) {
	if sel {
		b.WriteString(m.c.styles.Selected.Render("▸ ") + truncate(s, m.width-2) + "\n")
		return
	}
	b.WriteString("  " + truncate(s, m.width-2) + "\n")
}
