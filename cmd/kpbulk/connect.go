package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kpbulk/kpbulk/katapult"
	"github.com/kpbulk/kpbulk/sandbox"
	"github.com/kpbulk/kpbulk/throttle"
)

// sandboxDBPath is where --sandbox keeps its data, relative to the working
// directory (PRODUCT.md section 1).
var sandboxDBPath = filepath.Join(".kpbulk", "sandbox.db")

// connect returns an API client for the command's connection settings and
// a function that releases what it started (the embedded sandbox). The
// throttle's limits come from --min-interval, --refill and --concurrency,
// or from the sandbox's own options with --sandbox.
func (g *globals) connect(ctx context.Context) (*katapult.Client, func(), error) {
	if g.sandbox {
		return g.connectSandbox()
	}
	base, err := g.resolveBaseURL()
	if err != nil {
		return nil, nil, usageErr(err)
	}
	key, err := g.resolveAPIKey()
	if err != nil {
		return nil, nil, usageErr(err)
	}
	th := throttle.New(throttle.Config{
		MinInterval:   g.minInterval,
		Refill:        g.refill,
		FixedInFlight: max(g.concurrency, 0),
		RefillSlack:   refillSlack(base),
	})
	return katapult.New(base, key, katapult.WithThrottle(th)), func() {}, nil
}

func (g *globals) connectSandbox() (*katapult.Client, func(), error) {
	if err := os.MkdirAll(filepath.Dir(sandboxDBPath), 0o755); err != nil {
		return nil, nil, fmt.Errorf("sandbox: %w", err)
	}
	opts := sandbox.DefaultOptions()
	opts.DBPath = sandboxDBPath
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("starting the embedded sandbox (%s): %w", sandboxDBPath, err)
	}
	th := throttle.New(throttle.Config{
		MinInterval:   opts.MinInterval,
		Refill:        opts.Refill,
		FixedInFlight: max(g.concurrency, 0),
	})
	c := katapult.New(run.URL, run.Key, katapult.WithThrottle(th))
	return c, func() {
		if err := run.Close(); err != nil {
			fmt.Fprintln(g.io.errOut, "kpbulk: closing the sandbox:", err)
		}
	}, nil
}

// resolveBaseURL picks --base-url, then $KATAPULT_BASE_URL, then the public
// API, and checks that it is an http(s) URL.
func (g *globals) resolveBaseURL() (string, error) {
	base := g.baseURL
	if base == "" {
		base = strings.TrimSpace(os.Getenv("KATAPULT_BASE_URL"))
	}
	if base == "" {
		return katapult.DefaultBaseURL, nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base URL %q: want http(s)://host/path, e.g. %s", base, katapult.DefaultBaseURL)
	}
	if u.RawQuery != "" {
		return "", fmt.Errorf("base URL %q must not have a query", base)
	}
	return strings.TrimRight(base, "/"), nil
}

// resolveAPIKey reads --api-key-file, else $KATAPULT_API_KEY. The key is
// never taken from a flag value: it would show in ps and shell history.
func (g *globals) resolveAPIKey() (string, error) {
	if g.apiKeyFile != "" {
		b, err := os.ReadFile(g.apiKeyFile)
		if err != nil {
			return "", fmt.Errorf("reading the API key: %w", err)
		}
		key := strings.TrimSpace(string(b))
		if key == "" {
			return "", fmt.Errorf("API key file %s is empty", g.apiKeyFile)
		}
		return key, nil
	}
	if key := strings.TrimSpace(os.Getenv("KATAPULT_API_KEY")); key != "" {
		return key, nil
	}
	return "", errors.New("no API key: set KATAPULT_API_KEY or pass --api-key-file FILE (or try --sandbox)")
}

// refillSlack is how long to wait past a refill's due time before probing:
// a remote server's clock may differ from ours; a loopback one's cannot.
func refillSlack(base string) time.Duration {
	u, err := url.Parse(base)
	if err == nil {
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
			return 5 * time.Millisecond
		}
	}
	return time.Second
}
