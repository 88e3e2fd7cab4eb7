// Command kpbulk moves data in bulk between files and Katapult Pro jobs
// through the Katapult Pro REST API v3: plan first, apply under the rate
// limits, resume after any interruption without duplicates.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], newStreams()))
}

// run executes one command line and returns the process exit code, so tests
// can drive the CLI in-process.
func run(ctx context.Context, args []string, io *streams) int {
	root := newRootCmd(io)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(io.errOut, "kpbulk:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(io.errOut, "kpbulk:", err)
	return exitFailed
}
