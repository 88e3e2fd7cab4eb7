//go:build !unix

package main

import "os"

// maxRSS is unknown where the OS gives no rusage.
func maxRSS(*os.ProcessState) int64 { return 0 }
