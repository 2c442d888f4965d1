package privacy

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/daemon/internal/mediastore"
)

// The files a scan reads: every regular file under the data and state
// directories, and the config file; each by its class (privacy_scan.go).
// A finding names the file (relative to its directory, identifiers in the
// name masked), the kind of identifier and where in the file — a line, an
// offset, the JSON key or the store bucket around it — never the
// identifier or the text next to it, which may be someone else's.

// scanFiles looks for what sc holds in every file impress wrote.
func (s *Service) scanFiles(sc *scanner) (*api.ScanResult, error) {
	res := &api.ScanResult{At: s.Now().UTC()}
	type hit struct{ file, kind string }
	hits := map[hit]string{}
	add := func(file string, id int32, where string) {
		h := hit{sc.mask(file), sc.kinds[id]}
		if _, ok := hits[h]; !ok {
			hits[h] = sc.mask(where)
		}
	}
	seen := map[string]bool{}
	scan := func(label, path, rel string) error {
		abs, _ := filepath.Abs(path)
		if seen[abs] {
			return nil
		}
		seen[abs] = true
		name := label + "/" + filepath.ToSlash(rel)
		nameHit := func(id int32, _, _ int) bool { add(name, id, "the file name"); return true }
		sc.bytes.each([]byte(rel), true, nameHit)
		sc.words.each([]byte(rel), false, false, func(id int32, p, e int) bool { return nameHit(id, p, e) })
		n, err := s.scanFile(sc, s.classOf(abs), abs, func(id int32, where string) { add(name, id, where) })
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile (a temporary file)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		res.Files++
		res.Bytes += n
		return nil
	}
	for _, root := range [][2]string{{"data", s.Paths.DataDir}, {"state", s.Paths.StateDir}} {
		err := filepath.WalkDir(root[1], func(path string, de fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if de.IsDir() || !de.Type().IsRegular() {
				return nil
			}
			rel, _ := filepath.Rel(root[1], path)
			return scan(root[0], path, rel)
		})
		if err != nil {
			return res, err
		}
	}
	if cf := s.Paths.ConfigFile; cf != "" {
		if fi, err := os.Stat(cf); err == nil && fi.Mode().IsRegular() {
			if err := scan("config", cf, filepath.Base(cf)); err != nil {
				return res, err
			}
		}
	}
	// The store as records: whole words where a record holds people's
	// data (its bytes were read above, with the other files).
	if !sc.words.empty() && s.DB != nil {
		name := "data/" + filepath.ToSlash(relTo(s.Paths.DataDir, s.Paths.DBFile()))
		err := s.DB.Walk(func(path [][]byte, k, v []byte) error {
			where := "record in " + bucketPath(path)
			if id, ok := sc.words.first(k); ok && len(path) > 0 {
				add(name, id, "key of a "+where)
			}
			if len(v) == 0 {
				return nil
			}
			if !sc.words.maybeIn(v) {
				return nil // the cheap test first: a sealed value's base64 holds no word
			}
			if v[0] == '{' || v[0] == '[' {
				if id, key, found, ok := sc.words.inJSON(v); ok {
					if found {
						add(name, id, where+`, in "`+key+`"`)
					}
					return nil
				}
			}
			if id, ok := sc.words.first(v); ok {
				add(name, id, where)
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	for h, where := range hits {
		res.Findings = append(res.Findings, api.ScanFinding{File: h.file, Kind: h.kind, Context: where})
	}
	sort.Slice(res.Findings, func(i, j int) bool {
		a, b := res.Findings[i], res.Findings[j]
		return a.File < b.File || a.File == b.File && a.Kind < b.Kind
	})
	return res, nil
}

func relTo(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return rel
	}
	return filepath.Base(path)
}

// classOf says what a file impress wrote can hold.
func (s *Service) classOf(abs string) string {
	under := func(dir string) bool {
		rel, err := filepath.Rel(dir, abs)
		return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
	}
	base := filepath.Base(abs)
	switch {
	case abs == filepath.Clean(s.Paths.DBFile()):
		return classRecords
	case under(mediastore.Root(s.Paths.DataDir)), under(mediastore.RendersDir(s.Paths.DataDir)):
		return classMedia
	case abs == filepath.Clean(s.Paths.ConfigFile):
		return classConfig
	case under(s.Paths.StateDir) && (strings.HasPrefix(base, filepath.Base(s.Paths.LogFile())) || base == "daemon.out"):
		return classLog
	}
	return classText
}

// scanFile reads one file by its class, reporting each finding with where
// it is; it returns the bytes read.
func (s *Service) scanFile(sc *scanner, class, path string, found func(id int32, where string)) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if class == classMedia {
		if sc.media.empty() {
			fi, err := f.Stat()
			if err != nil {
				return 0, err
			}
			return fi.Size(), nil
		}
		return sc.media.scanReader(f, nil, func(id int32, off int64, _ int) {
			found(id, fmt.Sprintf("offset %d of the media bytes", off))
		})
	}
	var w *words
	if class == classText {
		w = &sc.words // no structure to go by: whole words anywhere
	}
	n, err := sc.bytes.scanReader(f, w, func(id int32, off int64, line int) {
		switch class {
		case classRecords:
			found(id, fmt.Sprintf("offset %d", off)+keyBefore(f, off))
		default:
			found(id, fmt.Sprintf("line %d", line)+keyBefore(f, off))
		}
	})
	if err != nil || sc.words.empty() {
		return n, err
	}
	switch class {
	case classLog:
		if _, err := f.Seek(0, 0); err != nil {
			return n, err
		}
		rd := bufio.NewReaderSize(f, 64<<10)
		for line := 1; ; line++ {
			l, err := rd.ReadBytes('\n')
			if len(l) > 0 {
				if id, key, ok := sc.words.inLogLine(l); ok {
					where := fmt.Sprintf("line %d", line)
					if key != "" {
						where += `, in "` + key + `"`
					}
					found(id, where)
				}
			}
			if err != nil {
				break
			}
		}
	case classConfig:
		data, err := os.ReadFile(path)
		if err != nil {
			return n, err
		}
		if id, key, ok := sc.words.inYAML(data); ok {
			found(id, "the value of "+key)
		}
	}
	return n, nil
}

// jsonKeyRE is a JSON key, as impress's records and logs spell them.
// Compiled on first use (package globals cost every command).
var jsonKeyRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"([A-Za-z_][A-Za-z0-9_]{0,39})"\s*:`) })

// keyBefore names the JSON key nearest before off in f, when there is
// one close by: `, in "caption"`.
func keyBefore(f *os.File, off int64) string {
	from := max(0, off-512)
	buf := make([]byte, off-from)
	n, _ := f.ReadAt(buf, from)
	ms := jsonKeyRE().FindAllSubmatch(buf[:n], -1)
	if len(ms) == 0 {
		return ""
	}
	return `, in "` + string(ms[len(ms)-1][1]) + `"`
}
