package projects

import (
	"context"
	"errors"
	"os"

	"github.com/impress-dev/impress/api"
	"github.com/impress-dev/impress/store"
)

// A render's output reaches the cache in two steps. The job renames it
// into <data>/renders, hands it to the user and ends: the cache answers
// for it at once, from memory (renderState.pending). A goroutine then
// fsyncs the file and its cover and only then records it in the store, so
// a crash before that leaves an unrecorded file that the next render of
// the key overwrites, never a record of bytes that did not reach the
// disk. The user no longer waits for the fsync: for a 114 MB remux it
// took ~35 ms, a third of the remux itself (a plain `ffmpeg` run does not
// sync at all). Stop waits for the syncs in flight.

// registerRender makes rec the cache's answer for its key now and durable
// soon: once the job has ended (ended is closed; nil: at once). Syncing
// earlier would hold up the job's own end: the store's commit of it is an
// fdatasync on the same filesystem, and ext4 makes that journal commit
// write out the data whose blocks it allocated meanwhile, the whole
// render (~35 ms for a 114 MB remux, seen as the CLI exiting that long
// after the job's last step).
func (s *Service) registerRender(rec store.Render, ended <-chan api.JobEvent) {
	p := &rec
	s.render.mu.Lock()
	s.render.pending[rec.Key] = p
	s.render.syncs.Add(1)
	s.render.mu.Unlock()
	go func() {
		defer s.render.syncs.Done()
		for range ended { // the job's last events; closed at its end
		}
		err := syncFiles(rec.Path, rec.Cover)
		if err == nil {
			_, err = s.DB.PutRender(rec)
		}
		s.render.mu.Lock()
		if s.render.pending[rec.Key] == p {
			delete(s.render.pending, rec.Key)
		}
		s.render.mu.Unlock()
		if err != nil {
			// the next render of the key renders again
			s.Log.Error("render not kept in the cache", "key", rec.Key, "err", err)
		}
	}()
}

// renderRecord is the cache's record of key: one still being synced, else
// the store's.
func (s *Service) renderRecord(key string) (store.Render, error) {
	s.render.mu.Lock()
	p := s.render.pending[key]
	s.render.mu.Unlock()
	if p != nil {
		return *p, nil
	}
	return s.DB.Render(key)
}

// Stop waits for the renders still being synced into the cache, bounded
// by ctx (the store closes after it).
func (s *Service) Stop(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		s.render.syncs.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.Log.Warn("shutdown: renders left unrecorded in the cache (they render again)")
	}
}

// syncFiles fsyncs each named file ("" skipped).
func syncFiles(paths ...string) error {
	var errs []error
	for _, p := range paths {
		if p == "" {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, f.Sync(), f.Close())
	}
	return errors.Join(errs...)
}
