package shell

import (
	"os/exec"
	"slices"
	"testing"
)

func TestQuoteIsOneArgument(t *testing.T) {
	for _, s := range []string{"plain", "/a b/c.db", "it's", "$HOME", "a`b`", "", "*", "x\ny"} {
		out, err := exec.Command("sh", "-c", "printf '%s' "+Quote(s)).Output()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if string(out) != s {
			t.Errorf("Quote(%q) = %s, the shell reads %q", s, Quote(s), out)
		}
	}
	if Quote("/usr/bin/ffmpeg") != "/usr/bin/ffmpeg" {
		t.Errorf("a plain path is quoted: %s", Quote("/usr/bin/ffmpeg"))
	}
	if got := Line("mv", "/a b", "/a b.bad"); got != "mv '/a b' '/a b.bad'" {
		t.Errorf("Line = %s", got)
	}
}

func TestCommands(t *testing.T) {
	got := Commands("run `impress a` (or `impress b | c`); an unclosed `tick")
	if want := []string{"impress a", "impress b | c"}; !slices.Equal(got, want) {
		t.Errorf("Commands = %q, want %q", got, want)
	}
	if Commands("no command here") != nil {
		t.Error("prose has no commands")
	}
}
