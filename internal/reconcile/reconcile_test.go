package reconcile

import (
	"strings"
	"testing"
	"time"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
	}{
		{"plain", "Hello #go", "Hello #go"},
		{"trailing newline and spaces", "Hello #go \n\n  ", "Hello #go"},
		{"leading white space", "\t\r\n Hello", "Hello"},
		{"CRLF equals LF", "line one\r\nline two\r\n\r\nline three", "line one line two line three"},
		{"lone CR", "a\rb", "a b"},
		{"runs of spaces and tabs", "a  \t b", "a b"},
		{"NBSP, ideographic space, line separator", "a\u00a0b\u3000c\u2028d", "a b c d"},
		{"NFD composes", "cafe\u0301", "caf\u00e9"},
		{"NFC stays", "caf\u00e9", "caf\u00e9"},
		{"Hangul jamo compose", "\u1100\u1161", "\uac00"},
		{"zero-width space", "re\u200Bel", "reel"},
		{"invisible separator keeps blank lines in the app", "top\n\u2063\nbottom", "top bottom"},
		{"BOM and word joiner", "\ufeffhi\u2060there", "hithere"},
		{"soft hyphen", "co\u00adop", "coop"},
		{"bidi override (hostile)", "abc\u202Edcb", "abcdcb"},
		{"emoji presentation selector", "\u2764\ufe0f love", "\u2764 love"},
		{"keycap with and without VS16", "1\ufe0f\u20e3", "1\u20e3"},
		{"ZWJ family collapses the same on both sides", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\U0001F468\U0001F469\U0001F467"},
		{"flag stays", "\U0001F1EB\U0001F1F7 trip", "\U0001F1EB\U0001F1F7 trip"},
		{"mentions lose @", "with @sandbox_brand and @x.y", "with sandbox_brand and x.y"},
		{"hashtag case is kept", "#Go #GO", "#Go #GO"},
		{"punctuation is kept", "wait... what?!", "wait... what?!"},
		{"invalid UTF-8", "ok\xff\xfe!", "ok\uFFFD!"},
		{"NUL is not white space", "a\x00b", "a\x00b"},
		{"only white space", " \n\t\u200B ", ""},
		{"empty", "", ""},
		{"quote and shell metacharacters", `"'; rm -rf / $(x) %s {{.}}`, `"'; rm -rf / $(x) %s {{.}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Normalize(c.in); got != c.want {
				t.Errorf("Normalize(%+q) = %+q, want %+q", c.in, got, c.want)
			}
			if got := Normalize(Normalize(c.in)); got != c.want {
				t.Errorf("Normalize is not idempotent on %+q: %+q", c.in, got)
			}
		})
	}
	long := strings.Repeat("word \r\n", 2000)
	if got := Normalize(long); len(got) != len("word")*2000+1999 {
		t.Errorf("long caption normalised to %d bytes", len(got))
	}
}

func TestNormalizeKeepsDifferentCaptionsApart(t *testing.T) {
	for _, pair := range [][2]string{
		{"Hello #go", "Hello #Go"},
		{"Hello #go", "Hello #go!"},
		{"part 1", "part 2"},
		{"\U0001F525", "\U0001F525\U0001F525"},
		{"a b", "ab"},
		{"", "x"},
	} {
		if Normalize(pair[0]) == Normalize(pair[1]) {
			t.Errorf("%+q and %+q normalise alike", pair[0], pair[1])
		}
	}
}

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func post(id, caption string, s Shape, ago time.Duration) Post {
	return Post{ID: id, Permalink: "https://www.instagram.com/p/" + id + "/", Caption: caption, Shape: s, Timestamp: now.Add(-ago)}
}

func ids(ps []Post) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return strings.Join(out, ",")
}

func TestMatchSingleItem(t *testing.T) {
	h := time.Hour
	live := []Post{
		post("r1", "Hello #go\n", Reel, 2*h),
		post("i1", "Hello #go", Image, 3*h),
		post("c3", "three", Carousel(3), 4*h),
		post("c2", "three", Carousel(2), 5*h),
		post("old", "last month", Reel, 31*24*h),
		post("dup1", "again", Reel, 6*h),
		post("dup2", "again\r\n", Reel, 7*h),
		post("s1", "", Story, h),
		{ID: "nots", Caption: "no stamp", Shape: Reel},
	}
	for _, c := range []struct {
		name    string
		item    Item
		o       Options
		want    Outcome
		matches string
	}{
		{"reel found despite trailing newline", Item{Caption: "Hello #go", Shape: Reel}, Options{}, OutcomeOne, "r1"},
		{"same caption, other type", Item{Caption: "Hello #go", Shape: Image}, Options{}, OutcomeOne, "i1"},
		{"type decides: no carousel says hello", Item{Caption: "Hello #go", Shape: Carousel(2)}, Options{}, OutcomeNone, ""},
		{"carousel child count decides", Item{Caption: "three", Shape: Carousel(3)}, Options{}, OutcomeOne, "c3"},
		{"carousel of 4 matches neither", Item{Caption: "three", Shape: Carousel(4)}, Options{}, OutcomeNone, ""},
		{"outside the default window", Item{Caption: "last month", Shape: Reel}, Options{}, OutcomeNone, ""},
		{"inside a longer window", Item{Caption: "last month", Shape: Reel}, Options{Window: 40 * 24 * h}, OutcomeOne, "old"},
		{"a shorter window cuts", Item{Caption: "Hello #go", Shape: Reel}, Options{Window: h}, OutcomeNone, ""},
		{"two live posts: ambiguous, both reported oldest first", Item{Caption: "again", Shape: Reel}, Options{}, OutcomeAmbiguous, "dup2,dup1"},
		{"excluded post is not a candidate", Item{Caption: "again", Shape: Reel}, Options{Exclude: map[string]bool{"dup2": true}}, OutcomeOne, "dup1"},
		{"no timestamp counts as inside", Item{Caption: "no stamp", Shape: Reel}, Options{Window: h}, OutcomeOne, "nots"},
		{"stories cannot be matched", Item{Shape: Story}, Options{}, OutcomeUnlistable, ""},
		{"nothing like it", Item{Caption: "brand new", Shape: Reel}, Options{}, OutcomeNone, ""},
		{"partial listing: no match is unseen", Item{Caption: "brand new", Shape: Reel}, Options{Partial: true}, OutcomeUnseen, ""},
		{"partial listing: a match is still a match", Item{Caption: "Hello #go", Shape: Reel}, Options{Partial: true}, OutcomeOne, "r1"},
		{"case matters", Item{Caption: "hello #go", Shape: Reel}, Options{}, OutcomeNone, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.o.Now = now
			c.item.Key = "k"
			r := Match(c.item, live, c.o)
			if r.Key != "k" || r.Outcome != c.want || ids(r.Matches) != c.matches || r.Shared {
				t.Errorf("Match = %v [%s] shared %v, want %v [%s]", r.Outcome, ids(r.Matches), r.Shared, c.want, c.matches)
			}
		})
	}
}

func TestMatchAllGroups(t *testing.T) {
	h := time.Hour
	items := []Item{
		{Key: "a", Caption: "same", Shape: Reel},
		{Key: "b", Caption: "other", Shape: Reel},
		{Key: "c", Caption: "same ", Shape: Reel},
		{Key: "d", Caption: "same", Shape: Image},
	}
	for _, c := range []struct {
		name string
		live []Post
		want map[string]string // key → outcome:ids[:shared]
	}{
		{"nothing live", nil, map[string]string{"a": "none:", "b": "none:", "c": "none:", "d": "none:"}},
		{"group of two, two live: paired oldest first",
			[]Post{post("n", "same", Reel, h), post("o", "same", Reel, 2*h), post("img", "same", Image, h)},
			map[string]string{"a": "one:o:shared", "b": "none:", "c": "one:n:shared", "d": "one:img"}},
		{"group of two, one live: cannot tell which",
			[]Post{post("o", "same", Reel, 2*h), post("x", "other", Reel, h)},
			map[string]string{"a": "ambiguous:o", "b": "one:x", "c": "ambiguous:o", "d": "none:"}},
		{"group of two, three live: more posts than items",
			[]Post{post("p1", "same", Reel, h), post("p2", "same", Reel, 2*h), post("p3", "same", Reel, 3*h)},
			map[string]string{"a": "ambiguous:p3,p2,p1", "c": "ambiguous:p3,p2,p1", "b": "none:", "d": "none:"}},
		{"a post listed twice counts once",
			[]Post{post("x", "other", Reel, h), post("x", "other", Reel, h)},
			map[string]string{"b": "one:x", "a": "none:", "c": "none:", "d": "none:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := MatchAll(items, c.live, Options{Now: now})
			if len(rs) != len(items) {
				t.Fatalf("%d results for %d items", len(rs), len(items))
			}
			for i, r := range rs {
				if r.Key != items[i].Key {
					t.Fatalf("result %d is for %q, want %q (input order)", i, r.Key, items[i].Key)
				}
				got := r.Outcome.String() + ":" + ids(r.Matches)
				if r.Shared {
					got += ":shared"
				}
				if got != c.want[r.Key] {
					t.Errorf("%s: %s, want %s", r.Key, got, c.want[r.Key])
				}
			}
		})
	}
}

func TestMatchHostileCaptions(t *testing.T) {
	h := time.Hour
	captions := []string{
		"🔥🔥 new drop 🔥🔥\n\n#reels #fyp #explore",
		"Line one\r\nLine two\r\n\r\n#crlf",
		"caf\u00e9 \u2764\ufe0f @sandbox_brand",
		"<script>alert(1)</script> '; DROP TABLE posts; --",
		strings.Repeat("ä", 2200),
		"\u202Egnp.exe",
	}
	// What Meta might hand back for each: line endings, trailing white
	// space, NFD, a missing VS16, no "@", invisible separators.
	asListed := []string{
		"🔥🔥 new drop 🔥🔥\n\u2063\n#reels #fyp #explore",
		"Line one\nLine two\n\n#crlf  ",
		"cafe\u0301 \u2764 sandbox_brand",
		"<script>alert(1)</script> '; DROP TABLE posts; --",
		strings.Repeat("a\u0308", 2200),
		"\u202Egnp.exe",
	}
	var live []Post
	var items []Item
	for i := range captions {
		id := string(rune('a' + i))
		live = append(live, post(id, asListed[i], Reel, time.Duration(i+1)*h))
		items = append(items, Item{Key: id, Caption: captions[i], Shape: Reel})
	}
	for i, r := range MatchAll(items, live, Options{Now: now}) {
		if r.Outcome != OutcomeOne || ids(r.Matches) != items[i].Key {
			t.Errorf("caption %d (%+q) matched %v [%s], want its own post", i, captions[i][:min(20, len(captions[i]))], r.Outcome, ids(r.Matches))
		}
	}
	if Match(Item{Caption: "#reels #fyp", Shape: Reel}, live, Options{Now: now}).Outcome != OutcomeNone {
		t.Error("a caption that is part of another must not match it")
	}
}

func TestOutcomeNames(t *testing.T) {
	for o, want := range map[Outcome]string{OutcomeNone: "none", OutcomeOne: "one", OutcomeAmbiguous: "ambiguous",
		OutcomeUnlistable: "unlistable", OutcomeUnseen: "unseen", Outcome(42): "unknown"} {
		if o.String() != want {
			t.Errorf("Outcome(%d) = %q, want %q", int(o), o.String(), want)
		}
	}
}
