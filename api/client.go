package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"syscall"
	"time"
)

// Host is the Host header every request to the local API carries. The daemon
// refuses any other: a browser tricked by DNS rebinding would send its own.
const Host = "impress.sock"

// Client talks to the daemon. Its zero value is not usable; use [NewClient].
type Client struct {
	// Socket is the unix socket path.
	Socket string
	// Transport replaces the unix-socket transport; it is for tests.
	Transport http.RoundTripper

	http *http.Client
}

// NewClient returns a client for the daemon listening on socket.
func NewClient(socket string) *Client {
	c := &Client{Socket: socket}
	return c
}

func (c *Client) httpClient() *http.Client {
	if c.http != nil {
		return c.http
	}
	rt := c.Transport
	if rt == nil {
		d := &net.Dialer{Timeout: 5 * time.Second}
		rt = &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "unix", c.Socket)
			},
			DisableCompression: true,
			MaxIdleConns:       4,
			IdleConnTimeout:    30 * time.Second,
		}
	}
	// No client timeout: streams last as long as the job; callers bound
	// requests with their context. Redirects are never followed: the
	// daemon does not send any on purpose, and following one would send
	// the request (with a Referer) somewhere it was not meant to go.
	c.http = &http.Client{Transport: rt, CheckRedirect: refuseRedirect}
	return c.http
}

// refuseRedirect stops the client at a redirect with an error that says so.
func refuseRedirect(req *http.Request, via []*http.Request) error {
	return fmt.Errorf("the daemon answered %s with a redirect to %s; impress does not follow redirects (the path was not taken as sent: a name like \".\" or \"..\" cannot be used)",
		via[len(via)-1].URL.Path, req.URL.Path)
}

func (c *Client) newRequest(ctx context.Context, method, path string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+Host+path, body)
	if err != nil {
		return nil, err
	}
	req.Host = Host
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

func (c *Client) send(req *http.Request) (*http.Response, error) {
	resp, err := c.httpClient().Do(req)
	if err != nil {
		if isNotRunning(err) {
			return nil, ErrDaemonNotRunning
		}
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, fmt.Errorf("daemon request %s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		return nil, decodeError(resp)
	}
	return resp, nil
}

func isNotRunning(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOENT)
}

func decodeError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var env struct {
		Error *Error `json:"error"`
	}
	if err := json.Unmarshal(data, &env); err == nil && env.Error != nil {
		env.Error.Status = resp.StatusCode
		return env.Error
	}
	return &Error{Status: resp.StatusCode, Code: CodeInternal,
		Message: fmt.Sprintf("daemon answered %s: %s", resp.Status, bytes.TrimSpace(data))}
}

// doJSON is Do for the methods that answer one JSON object: it returns it
// decoded as a T.
func doJSON[T any](ctx context.Context, c *Client, method, path string, in any) (*T, error) {
	var out T
	if err := c.Do(ctx, method, path, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// doList is Do for the methods that answer a JSON array.
func doList[T any](ctx context.Context, c *Client, method, path string, in any) ([]T, error) {
	var out []T
	if err := c.Do(ctx, method, path, in, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Do sends one request and decodes the JSON answer into out (which may be nil).
func (c *Client) Do(ctx context.Context, method, path string, in, out any) error {
	req, err := c.newRequest(ctx, method, path, in)
	if err != nil {
		return err
	}
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return nil
}

// Stream sends a request whose answer is NDJSON and calls fn with each event
// line. A line of the form {"error":{…}} ends the stream with that *Error.
// If fn returns an error the request is abandoned (the daemon sees the
// connection close and cancels the work) and that error is returned.
func (c *Client) Stream(ctx context.Context, method, path string, in any, fn func(json.RawMessage) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := c.newRequest(ctx, method, path, in)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/x-ndjson")
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var probe struct {
			Error *Error `json:"error"`
		}
		if err := json.Unmarshal(line, &probe); err == nil && probe.Error != nil && probe.Error.Code != "" {
			probe.Error.Status = resp.StatusCode
			return probe.Error
		}
		if err := fn(append(json.RawMessage(nil), line...)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("stream %s: %w", req.URL.Path, err)
	}
	return nil
}

// StreamEvents is [Client.Stream] with each line decoded into a value of T.
func StreamEvents[T any](ctx context.Context, c *Client, method, path string, in any, fn func(T) error) error {
	return c.Stream(ctx, method, path, in, func(raw json.RawMessage) error {
		var ev T
		if err := json.Unmarshal(raw, &ev); err != nil {
			return fmt.Errorf("decode event: %w", err)
		}
		return fn(ev)
	})
}
