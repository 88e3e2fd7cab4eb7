package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// streams are the command's standard streams: data on out, chatter and
// progress on errOut. Tests use buffers.
type streams struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	// stdinTTY and stderrTTY say whether to prompt and whether to draw a
	// progress bar.
	stdinTTY  bool
	stderrTTY bool
}

func newStreams() *streams {
	return &streams{
		in:        os.Stdin,
		out:       os.Stdout,
		errOut:    os.Stderr,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}
