package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/rogpeppe/go-internal/testscript"
)

// Commands of the privacy scripts (testdata/script/privacy_*.txtar).

// privValues expands arguments: "@FILE" is the file's trimmed content (a
// token), anything else is itself.
func privValues(ts *testscript.TestScript, args []string) []string {
	var out []string
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "@"); ok {
			a = strings.TrimSpace(ts.ReadFile(name))
		}
		if a == "" {
			ts.Fatalf("empty value from %q", a)
		}
		out = append(out, a)
	}
	return out
}

// forms is v as it may be stored: as is and JSON-escaped.
func forms(v string) [][]byte {
	out := [][]byte{[]byte(v)}
	if esc, _ := json.Marshal(v); string(esc[1:len(esc)-1]) != v {
		out = append(out, esc[1:len(esc)-1])
	}
	return out
}

// privHome looks for each value in every byte of every file (and file
// name) under $IMPRESS_HOME: privhome VALUE... needs each one somewhere;
// ! privhome VALUE... needs none anywhere.
func privHome(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: [!] privhome VALUE|@FILE...")
	}
	home := ts.Getenv("IMPRESS_HOME")
	found := map[string]string{}
	values := privValues(ts, args)
	err := filepath.WalkDir(home, func(path string, de fs.DirEntry, err error) error {
		if err != nil || !de.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil // removed meanwhile
		}
		for _, v := range values {
			for _, f := range forms(v) {
				if bytes.Contains(data, f) || strings.Contains(path, v) {
					found[v] = strings.TrimPrefix(path, home)
				}
			}
		}
		return nil
	})
	ts.Check(err)
	for i, v := range values {
		where, ok := found[v]
		switch {
		case neg && ok:
			ts.Fatalf("%s is still in %s", args[i], where)
		case !neg && !ok:
			ts.Fatalf("%s is nowhere under IMPRESS_HOME", args[i])
		}
	}
}

// privZip looks for values in the uncompressed entries and in the raw
// bytes of a zip: privzip ZIP VALUE... / ! privzip ZIP VALUE...
func privZip(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: [!] privzip ZIP VALUE|@FILE...")
	}
	raw, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	ts.Check(err)
	all := [][]byte{raw}
	for _, f := range zr.File {
		rc, err := f.Open()
		ts.Check(err)
		b, err := io.ReadAll(rc)
		rc.Close()
		ts.Check(err)
		all = append(all, b)
	}
	for i, v := range privValues(ts, args[1:]) {
		ok := false
		for _, b := range all {
			for _, f := range forms(v) {
				ok = ok || bytes.Contains(b, f)
			}
		}
		if ok == neg {
			ts.Fatalf("%s: %s %s", args[0], args[i+1], map[bool]string{true: "is in the zip", false: "is not in the zip"}[ok])
		}
	}
}

// privField sets VAR to the first "KEY": "value" of the last stdout:
// privfield VAR KEY
func privField(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: privfield VAR KEY")
	}
	re := regexp.MustCompile(`"` + regexp.QuoteMeta(args[1]) + `":\s*"([^"]*)"`)
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if m == nil {
		ts.Fatalf("no %q in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

// privDeletion has the sandbox send Meta's data deletion callback for
// USER to the public listener on 127.0.0.1:$PORT, checks the answer
// ({url, confirmation_code}, the url under PUBLIC_URL) and sets VAR to the
// code: privdeletion VAR USER PORT PUBLIC_URL
func privDeletion(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: privdeletion VAR USER PORT PUBLIC_URL")
	}
	body, _ := json.Marshal(map[string]string{"url": "http://127.0.0.1:" + args[2] + "/meta/data-deletion", "user_id": args[1]})
	var out struct {
		Response struct {
			Status int    `json:"status"`
			Body   string `json:"body"`
		} `json:"response"`
	}
	ts.Check(json.Unmarshal(adminPost(ts, "/_sandbox/signed-request", body), &out))
	if out.Response.Status != 200 {
		ts.Fatalf("the callback answered %d: %s", out.Response.Status, out.Response.Body)
	}
	var ans struct {
		URL  string `json:"url"`
		Code string `json:"confirmation_code"`
	}
	ts.Check(json.Unmarshal([]byte(out.Response.Body), &ans))
	if ans.Code == "" || ans.URL != strings.TrimRight(args[3], "/")+"/privacy/deletion/"+ans.Code {
		ts.Fatalf("answer %s", out.Response.Body)
	}
	ts.Setenv(args[0], ans.Code)
}

// privWait waits (20 s deadline) until the purge CODE has its receipt:
// privwait CODE
func privWait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: privwait CODE")
	}
	c := api.NewClient(ts.Getenv("IMPRESS_SOCKET"))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		rc, err := c.PrivacyRequest(ctx, args[0])
		cancel()
		if err == nil && rc.Status == api.RequestDone {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("purge %s did not finish within 20 s", args[0])
}

// privGet fetches URL (with an Accept header) into FILE:
// privget URL ACCEPT FILE
func privGet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: privget URL ACCEPT FILE")
	}
	req, err := http.NewRequest("GET", args[0], nil)
	ts.Check(err)
	req.Header.Set("Accept", args[1])
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), append([]byte(resp.Status+"\n"), b...), 0o600))
}
