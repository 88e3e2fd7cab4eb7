// Command readers benchmarks kpbulk's source readers: it generates a
// 100,000-row × 15-column source per format in a temporary directory, reads
// each one in a child process (so peak memory is that read's alone) and
// prints rows/s and peak RSS, then reads it again while building its
// entities through a mapping (see mapped.go), side by side with GDAL's
// ogr2ogr converting the same file to CSV when ogr2ogr is on the PATH.
//
// Peak memory: Linux carries a process's RSS high-water mark across exec,
// and Go starts children sharing the parent's memory until exec, so a
// child's rusage includes its parent's peak. The sources are therefore
// generated in a child too (the parent stays small), and the kpbulk child
// reports its own VmHWM from /proc/self/status where there is one.
//
//	go run ./bench/readers [-rows 100000] [-formats csv,xlsx] [-repeat 3] [-keep]
//
// With -repeat N each read runs N times and the fastest run is shown (the
// usual defence against a busy machine).
//
// A format is one entry of the formats slice (see format); other readers
// add theirs from their own file with an init function.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kpbulk/kpbulk/formats/rows"
)

// format is one line of the table.
type format struct {
	name string // table label and -formats key, e.g. "xlsx"
	ext  string // file extension of the generated source, e.g. ".xlsx"
	// generate writes a source of n rows and cols columns at path.
	generate func(path string, n, cols int) error
	// open opens it with kpbulk's reader.
	open func(path string) (rows.Reader, error)
	// ogr lists ogr2ogr's arguments before "-f CSV out in" (e.g. open
	// options), nil for none.
	ogr []string
}

// formats is the table, in print order. Readers of other packages append
// to it from an init function in their own file of this command.
var formats []format

const cols = 15

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-child" {
		os.Exit(child(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "-generate" {
		os.Exit(generateChild(os.Args[2:]))
	}
	n := flag.Int("rows", 100000, "data rows per generated source")
	only := flag.String("formats", "", "comma-separated formats to run (default: all)")
	keep := flag.Bool("keep", false, "keep the generated files and print their directory")
	repeat := flag.Int("repeat", 1, "runs per measurement; the fastest is shown")
	flag.Parse()
	if err := run(*n, *only, *keep, max(*repeat, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "readers:", err)
		os.Exit(1)
	}
}

// result of one measured run.
type result struct {
	rows    int
	elapsed time.Duration
	maxRSS  int64 // bytes; 0 when unknown
	err     error
}

func run(n int, only string, keep bool, repeat int) error {
	dir, err := os.MkdirTemp("", "kpbulk-bench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("sources in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ogr, _ := exec.LookPath("ogr2ogr")

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "format\tsize MB\trows\tread s\trows/s\tpeak MB\tread+map s\trows/s\tpeak MB\togr2ogr s\togr rows/s\togr peak MB\t\n")
	for _, f := range formats {
		if only != "" && !contains(strings.Split(only, ","), f.name) {
			continue
		}
		src := filepath.Join(dir, "bench-"+f.name+f.ext)
		t0 := time.Now()
		gen := exec.Command(self, "-generate", f.name, src, strconv.Itoa(n))
		gen.Stdout, gen.Stderr = os.Stderr, os.Stderr
		if err := gen.Run(); err != nil {
			return fmt.Errorf("%s: generate: %w", f.name, err)
		}
		fmt.Fprintf(os.Stderr, "%s: generated in %.1fs\n", f.name, time.Since(t0).Seconds())
		size := fileSize(src)

		k := fastest(repeat, func() result { return measure(exec.Command(self, "-child", f.name, src), true) })
		if k.err != nil {
			return fmt.Errorf("%s: read: %w", f.name, k.err)
		}
		mp := fastest(repeat, func() result { return measure(exec.Command(self, "-child", f.name, src, "map"), true) })
		if mp.err != nil {
			return fmt.Errorf("%s: read and map: %w", f.name, mp.err)
		}
		ogrCols := "\tn/a\tn/a\tn/a"
		if ogr != "" {
			out := filepath.Join(dir, "ogr-"+f.name+".csv")
			args := append(append([]string{"-f", "CSV"}, f.ogr...), out, src)
			o := fastest(repeat, func() result {
				os.RemoveAll(out) // the CSV driver refuses to overwrite
				return measure(exec.Command(ogr, args...), false)
			})
			if o.err != nil {
				ogrCols = "\tfailed\t\t"
				fmt.Fprintf(os.Stderr, "%s: ogr2ogr: %v\n", f.name, o.err)
			} else {
				ogrCols = fmt.Sprintf("\t%.2f\t%.0f\t%s", o.elapsed.Seconds(), float64(n)/o.elapsed.Seconds(), mb(o.maxRSS))
			}
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%d\t%.2f\t%.0f\t%s\t%.2f\t%.0f\t%s%s\t\n", f.name, float64(size)/1e6, k.rows,
			k.elapsed.Seconds(), float64(k.rows)/k.elapsed.Seconds(), mb(k.maxRSS),
			mp.elapsed.Seconds(), float64(mp.rows)/mp.elapsed.Seconds(), mb(mp.maxRSS), ogrCols)
	}
	return tw.Flush()
}

// fastest runs m n times and returns the quickest successful result (or
// the first failure).
func fastest(n int, m func() result) result {
	var best result
	for i := 0; i < n; i++ {
		r := m()
		if r.err != nil {
			return r
		}
		if i == 0 || r.elapsed < best.elapsed {
			best = r
		}
	}
	return best
}

// measure runs cmd and reports its wall time and peak RSS; a kpbulk child
// prints the row count it read.
func measure(cmd *exec.Cmd, child bool) result {
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	t0 := time.Now()
	err := cmd.Run()
	res := result{elapsed: time.Since(t0), err: err, maxRSS: maxRSS(cmd.ProcessState)}
	if err == nil && child {
		var hwm int64
		if _, err := fmt.Sscan(out.String(), &res.rows, &hwm); err != nil {
			res.err = fmt.Errorf("child output %q: %w", out.String(), err)
		}
		if hwm > 0 {
			res.maxRSS = hwm
		}
	}
	return res
}

// generateChild writes one source: -generate FORMAT FILE ROWS.
func generateChild(args []string) int {
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: readers -generate FORMAT FILE ROWS")
		return 2
	}
	n, err := strconv.Atoi(args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for _, f := range formats {
		if f.name == args[0] {
			if err := f.generate(args[1], n, cols); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintln(os.Stderr, "unknown format", args[0])
	return 2
}

// vmHWM returns this process's peak RSS from /proc/self/status (Linux),
// 0 elsewhere.
func vmHWM() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// child reads one source to the end and prints the number of rows and
// its own peak RSS in bytes (0 if unknown). With a third argument "map" it
// builds the source's entities through a mapping instead and prints their
// number.
func child(args []string) int {
	if len(args) != 2 && (len(args) != 3 || args[2] != "map") {
		fmt.Fprintln(os.Stderr, "usage: readers -child FORMAT FILE [map]")
		return 2
	}
	for _, f := range formats {
		if f.name != args[0] {
			continue
		}
		if len(args) == 3 {
			n, err := mapSource(f, args[1])
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			fmt.Println(n, vmHWM())
			return 0
		}
		r, err := f.open(args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer r.Close()
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			n++
		}
		fmt.Println(n, vmHWM())
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown format", args[0])
	return 2
}

func mb(b int64) string {
	if b <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}

func fileSize(p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return st.Size()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}
