package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/impress-dev/impress/internal/humantime"
	"github.com/impress-dev/impress/internal/inert"
)

// writeJSON writes exactly one JSON document (README "Output and exit
// codes": nothing else goes to stdout under --json).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// table writes aligned columns. Every cell goes through inert.Line: a
// cell may hold someone else's text (a username, a DM, a caption), and a
// newline, tab or escape sequence in it must neither forge rows and
// columns nor reach the terminal as a command.
// tabwriter writes each cell and each run of padding separately: straight
// to stdout that was two write(2) calls per cell (12,000 for a 1,000-project
// list), so it goes through a buffer.
func table(w io.Writer, header []string, rows [][]string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		for i, cell := range r {
			r[i] = inert.Line(cell)
		}
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// listTable is the human form of a list answer: a table with one row per
// item, or, when there is none, the line empty on stderr (stdout stays
// empty, as a script expects of an empty list).
func listTable[T any](ios *IOStreams, items []T, empty string, header []string, row func(T) []string) error {
	if len(items) == 0 {
		fmt.Fprintln(ios.ErrOut, empty)
		return nil
	}
	rows := make([][]string, 0, len(items))
	for _, it := range items {
		rows = append(rows, row(it))
	}
	return table(ios.Out, header, rows)
}

// ago renders a time for people: "3m ago", or the date when older.
func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if s, ok := humantime.Ago(time.Since(t)); ok {
		return s
	}
	return localTime(t)
}

// localTime is t in local time to the minute, "-" when unset.
func localTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// detailTime is the layout of the times that show commands print (to
// the second).
const detailTime = "2006-01-02 15:04:05"

// style colours text when the stream allows it.
type style struct{ on bool }

func (s style) wrap(code, text string) string {
	if !s.on {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}
func (s style) green(t string) string  { return s.wrap("32", t) }
func (s style) yellow(t string) string { return s.wrap("33", t) }
func (s style) red(t string) string    { return s.wrap("31", t) }
func (s style) bold(t string) string   { return s.wrap("1", t) }
