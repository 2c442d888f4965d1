package cli

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/internal/safeopen"
	"gopkg.in/yaml.v3"
)

// A manifest is a batch of publishes (README "Manifests (CI)"):
//
//	version: 1
//	connection: main
//	concurrency: 3
//	items:
//	  - spec: specs/monday.yaml     # or file: out/clip.mp4, files: [a.jpg, b.mp4], project: NAME
//	    caption: "Monday drop #new"
//	    at: 2026-12-01T10:00:00Z
//	    key: monday-2026-12-01
//	    reconcile: false            # publish even if a post with this caption is live
//
// CSV has the item keys as its header row; the list columns, files and
// collaborators, separate their values with ";" (a.jpg;b.mp4), since a
// path may hold spaces or commas. Paths are relative to the manifest.

type manifest struct {
	Version     int            `yaml:"version"`
	Connection  string         `yaml:"connection"`
	Concurrency int            `yaml:"concurrency"`
	Items       []manifestItem `yaml:"items"`
}

type manifestItem struct {
	Spec          string   `yaml:"spec"`
	File          string   `yaml:"file"`
	Files         []string `yaml:"files"`
	Project       string   `yaml:"project"`
	Type          string   `yaml:"type"`
	Caption       *string  `yaml:"caption"`
	CaptionFile   string   `yaml:"caption_file"`
	At            string   `yaml:"at"`
	Key           string   `yaml:"key"`
	FirstComment  *string  `yaml:"first_comment"`
	Cover         string   `yaml:"cover"`
	ThumbOffset   *int     `yaml:"thumb_offset"`
	ShareToFeed   *bool    `yaml:"share_to_feed"`
	Collaborators []string `yaml:"collaborators"`
	Connection    string   `yaml:"connection"`
	Reconcile     *bool    `yaml:"reconcile"` // false: skip the live-media check (publish_reconcile.go)

	line int // where the item starts, for messages
}

// manifestColumns are the CSV columns (the item keys).
var manifestColumns = []string{"spec", "file", "files", "project", "type", "caption", "caption_file", "at", "key",
	"first_comment", "cover", "thumb_offset", "share_to_feed", "collaborators", "connection", "reconcile"}

// maxManifestBytes bounds a manifest file: a thousand items with long
// captions are well under it.
const maxManifestBytes = 8 << 20

func loadManifest(path string) (*manifest, error) {
	data, err := safeopen.ReadFile(path, maxManifestBytes)
	if err != nil {
		return nil, exitf(ExitUsage, "manifest %v", err)
	}
	var m *manifest
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		m, err = parseManifestCSV(data)
	} else {
		m, err = parseManifestYAML(data)
	}
	if err != nil {
		return nil, exitf(ExitUsage, "manifest %s: %v", path, err)
	}
	if m.Version != 0 && m.Version != 1 {
		return nil, exitf(ExitUsage, "manifest %s: version %d: this impress reads version 1", path, m.Version)
	}
	if len(m.Items) == 0 {
		return nil, exitf(ExitUsage, "manifest %s: no items", path)
	}
	return m, nil
}

func parseManifestYAML(data []byte) (*manifest, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, err
	}
	dec = yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key is an error with its line, not a silent default
	var m manifest
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	// Remember each item's line for messages.
	if len(root.Content) == 1 {
		doc := root.Content[0]
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if doc.Content[i].Value == "items" {
				for j, it := range doc.Content[i+1].Content {
					if j < len(m.Items) {
						m.Items[j].line = it.Line
					}
				}
			}
		}
	}
	return &m, nil
}

func parseManifestCSV(data []byte) (*manifest, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errors.New("empty CSV: the first row names the columns")
	}
	cols := map[string]int{}
	for i, h := range rows[0] {
		h = strings.TrimSpace(strings.ToLower(h))
		if !slices.Contains(manifestColumns, h) {
			return nil, fmt.Errorf("line 1: unknown column %q (columns: %s)", h, strings.Join(manifestColumns, ", "))
		}
		cols[h] = i
	}
	m := &manifest{Version: 1}
	for n, row := range rows[1:] {
		get := func(k string) string {
			if i, ok := cols[k]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		list := func(k string) []string {
			var out []string
			for _, v := range strings.Split(get(k), ";") {
				if v = strings.TrimSpace(v); v != "" {
					out = append(out, v)
				}
			}
			return out
		}
		it := manifestItem{Spec: get("spec"), File: get("file"), Files: list("files"), Project: get("project"), Type: get("type"),
			CaptionFile: get("caption_file"), At: get("at"), Key: get("key"), Cover: get("cover"),
			Collaborators: list("collaborators"), Connection: get("connection"), line: n + 2}
		if _, ok := cols["caption"]; ok && get("caption") != "" {
			c := row[cols["caption"]] // keep the caption's own spaces
			it.Caption = &c
		}
		if v := get("first_comment"); v != "" {
			it.FirstComment = &v
		}
		if v := get("thumb_offset"); v != "" {
			ms, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("line %d: thumb_offset %q is not a number of milliseconds", n+2, v)
			}
			it.ThumbOffset = &ms
		}
		for _, c := range []struct {
			name string
			to   **bool
		}{{"share_to_feed", &it.ShareToFeed}, {"reconcile", &it.Reconcile}} {
			if v := get(c.name); v != "" {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return nil, fmt.Errorf("line %d: %s %q: want true or false", n+2, c.name, v)
				}
				*c.to = &b
			}
		}
		m.Items = append(m.Items, it)
	}
	return m, nil
}

// identity is the string a shard is chosen by: the key when given, else
// what the item is made of. It does not depend on the item's position, so
// adding items to a manifest moves no other item to another runner.
func (it *manifestItem) identity() string {
	if it.Key != "" {
		return "key:" + it.Key
	}
	cap := ""
	if it.Caption != nil {
		cap = *it.Caption
	}
	return strings.Join([]string{it.Spec, it.File, strings.Join(it.Files, ";"), it.Project, it.Type, cap, it.CaptionFile, it.At}, "\x00")
}

// parseShard reads I/N (1 ≤ I ≤ N).
func parseShard(s string) (i, n int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, flagErrorf("--shard %q: want I/N with 1 ≤ I ≤ N, e.g. 2/4", s)
	}
	return i, n, nil
}

// inShard reports whether an item belongs to share i of n.
func inShard(it *manifestItem, i, n int) bool {
	if n <= 1 {
		return true
	}
	h := fnv.New32a()
	io.WriteString(h, it.identity())
	return int(h.Sum32()%uint32(n)) == i-1
}

// display names an item in results.
func (it *manifestItem) display() string {
	switch {
	case it.Spec != "":
		return it.Spec
	case it.File != "":
		return it.File
	case it.Project != "":
		return it.Project
	}
	return strings.Join(it.Files, "+")
}

// request turns an item into a publish request; paths are relative to dir.
func (it *manifestItem) request(dir string, m *manifest, o *publishOptions, now time.Time) (api.PublishRequest, error) {
	where := fmt.Sprintf("item %s (line %d)", it.display(), it.line)
	n := 0
	for _, set := range []bool{it.Spec != "", it.File != "", len(it.Files) > 0, it.Project != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return api.PublishRequest{}, fmt.Errorf("%s: give exactly one of spec, file, files, project", where)
	}
	abs := func(p string) (string, error) {
		full := p
		if !filepath.IsAbs(full) {
			full = filepath.Join(dir, full)
		}
		if _, err := safeopen.Check(full, safeopen.Options{}); err != nil {
			if hint := listHint(dir, p); hint != "" {
				return "", fmt.Errorf("%s: %v; %s", where, err, hint)
			}
			return "", fmt.Errorf("%s: %v", where, err)
		}
		return full, nil
	}
	req := api.PublishRequest{Connection: firstOf(o.Connection, it.Connection, m.Connection), Type: firstOf(it.Type, o.Type),
		Caption: it.Caption, FirstComment: it.FirstComment, ThumbOffsetMS: it.ThumbOffset, ShareToFeed: it.ShareToFeed,
		Collaborators: it.Collaborators, Key: it.Key, Force: o.Force, DryRun: o.DryRun, NoWait: o.NoWait, Display: it.display(),
		NoReconcile: it.Reconcile != nil && !*it.Reconcile}
	if _, ok := api.LookupPublishType(req.Type); req.Type != "" && !ok {
		return req, fmt.Errorf("%s: type %q: want %s", where, req.Type, api.PublishTypeList())
	}
	switch {
	case it.Project != "":
		req.Targets = []string{it.Project}
	default:
		paths := it.Files
		if it.Spec != "" {
			paths = []string{it.Spec}
		} else if it.File != "" {
			paths = []string{it.File}
		}
		for _, p := range paths {
			a, err := abs(p)
			if err != nil {
				return req, err
			}
			req.Targets = append(req.Targets, a)
		}
	}
	if it.CaptionFile != "" {
		if it.Caption != nil {
			return req, fmt.Errorf("%s: give caption or caption_file, not both", where)
		}
		p, err := abs(it.CaptionFile)
		if err != nil {
			return req, err
		}
		c, err := readCaptionFile(p)
		if err != nil {
			return req, err
		}
		req.Caption = &c
	}
	if it.Cover != "" {
		p, err := abs(it.Cover)
		if err != nil {
			return req, err
		}
		req.Cover = p
	}
	if it.At != "" {
		// A past time is checked with the daemon once every item is read
		// (checkPastAt): the same rule as --at.
		at, err := parseAt(it.At, now)
		if err != nil {
			return req, fmt.Errorf("%s: at %v", where, err)
		}
		req.At = at
	}
	return req, nil
}

// listHint explains a missing path that is a list written with spaces
// ("a.jpg b.mp4" in a CSV cell): when each word names a file, it says how
// a list is written.
func listHint(dir, p string) string {
	words := strings.Fields(p)
	if len(words) < 2 {
		return ""
	}
	for _, w := range words {
		if !filepath.IsAbs(w) {
			w = filepath.Join(dir, w)
		}
		if _, err := safeopen.Check(w, safeopen.Options{}); err != nil {
			return ""
		}
	}
	return fmt.Sprintf("for several files write them separated by \";\" (%s) in CSV, or as a list in YAML (files: [%s])",
		strings.Join(words, ";"), strings.Join(words, ", "))
}

func firstOf(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
