package render

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/impress-dev/impress/internal/safeopen"
)

// Resolve makes every media path (and font file) of the spec absolute —
// relative paths are relative to baseDir, normally the directory of the
// spec file — and checks that each names a regular file. A missing file is a *SpecError naming the
// key and its line. Resolve changes s in place; it does not look inside the
// files (see [Sniff] and [Probe]).
func (s *Spec) Resolve(baseDir string) error {
	base, err := filepath.Abs(baseDir)
	if err != nil {
		return fmt.Errorf("resolve spec: base dir %q: %w", baseDir, err)
	}
	res := func(path string, p *string) error {
		if *p == "" {
			return nil
		}
		abs := *p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(base, abs)
		}
		abs = filepath.Clean(abs)
		// only stat: the files are opened (safely) when they are sniffed
		_, err := safeopen.Check(abs, safeopen.Options{})
		var se *safeopen.Error
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return s.errAt(path, "file not found: %s", *p)
		case errors.As(err, &se):
			return s.errAt(path, "%s is %s", *p, strings.TrimPrefix(se.Reason, "cannot open: "))
		case err != nil:
			return s.errAt(path, "cannot read %s: %v", *p, err)
		}
		*p = abs
		return nil
	}
	for _, r := range s.MediaRefs() {
		if err := res(r.Key, r.Path); err != nil {
			return err
		}
	}
	for _, f := range s.fontRefs() {
		if isFontPath(*f.Path) {
			if err := res(f.Key, f.Path); err != nil {
				return err
			}
		}
	}
	return nil
}

// LoadSpec reads, parses and resolves a spec file: the usual way in. A
// path that is not a regular file of at most MaxSpecBytes is a *SpecError.
func LoadSpec(path string) (*Spec, error) {
	data, err := ReadSpecFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSpec(data, path)
	if err != nil {
		return nil, err
	}
	if err := s.Resolve(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return s, nil
}

// ReadSpecFile reads a spec file without blocking on what is not a file
// (a FIFO) and without reading more than a spec may be: the daemon's and
// LoadSpec's one way to read one. Problems are a *SpecError on the file.
func ReadSpecFile(path string) ([]byte, error) {
	data, err := safeopen.ReadFile(path, MaxSpecBytes)
	var se *safeopen.Error
	switch {
	case errors.As(err, &se):
		return nil, newSpecError(path, 0, "", "%s", se.Reason)
	case err != nil:
		return nil, newSpecError(path, 0, "", "%v", err)
	}
	return data, nil
}

// isFontPath tells a font file from a fontconfig name: a path has a
// directory or a font file's extension ("DejaVu Sans Bold" has neither).
func isFontPath(f string) bool {
	if strings.ContainsAny(f, `/\`) {
		return true
	}
	switch strings.ToLower(filepath.Ext(f)) {
	case ".ttf", ".otf", ".ttc", ".otc":
		return true
	}
	return false
}

// absPath returns a clean absolute path.
func absPath(p string) (string, error) {
	if p == "" {
		return "", errors.New("empty path")
	}
	return filepath.Abs(p)
}
