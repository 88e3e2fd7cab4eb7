package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmarks measure the targets of issue 2 with limits off:
//
//	go test -run '^$' -bench . -benchtime 5s ./sandbox
//
// They report ops/s (calls over real HTTP on loopback), list time and
// resident memory for a 200,000-node job.

func benchServer(b *testing.B, db bool) (*Server, string) {
	b.Helper()
	o := DefaultOptions()
	o.MinInterval = 0
	o.Bucket = 1 << 40
	if db {
		o.DBPath = filepath.Join(b.TempDir(), "bench.db")
	}
	s, err := New(o)
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	b.Cleanup(func() { ts.Close(); s.Close() })
	return s, ts.URL + "/api/v3"
}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

// nodeBody is a node write of typical size: coordinates and six attributes.
func nodeBody(i int) []byte {
	return fmt.Appendf(nil, `{"latitude":%f,"longitude":%f,"add_attributes":{"node_type":"pole","scid":"%06d","pole_tag":"T%d","pole_height":"45","pole_class":"2","note":"surveyed"}}`,
		29+float64(i%1000)/1e4, -98-float64(i/1000)/1e4, i, i)
}

func post(b *testing.B, c *http.Client, url string, body []byte) {
	res, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("POST %s: %d", url, res.StatusCode)
	}
}

func benchUpserts(b *testing.B, db bool) {
	s, url := benchServer(b, db)
	job, _ := s.LoadJobJSON(strings.NewReader(`{"name":"bench"}`))
	c := benchClient()
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			post(b, c, url+"/jobs/"+job+"/nodes/"+fmt.Sprintf("bench_node_%012d", i)+"?api_key=sandbox", nodeBody(i))
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "upserts/s")
}

func BenchmarkNodeUpsert(b *testing.B)       { benchUpserts(b, false) }
func BenchmarkNodeUpsertSQLite(b *testing.B) { benchUpserts(b, true) }

func BenchmarkNodeGet(b *testing.B) {
	s, url := benchServer(b, false)
	job := loadSynthetic(b, s, 1000)
	c := benchClient()
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1)) % 1000
			res, err := c.Get(url + "/jobs/" + job + "/nodes/" + fmt.Sprintf("bench_node_%012d", i) + "?api_key=sandbox")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("GET: %d", res.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "gets/s")
}

// loadSynthetic loads a job of n typical nodes through LoadJobJSON,
// generating the export as it is read so only the job takes memory.
func loadSynthetic(b *testing.B, s *Server, n int) string {
	b.Helper()
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		w.WriteString(`{"name":"bench` + strconv.Itoa(n) + `","nodes":{`)
		for i := range n {
			if i > 0 {
				w.WriteByte(',')
			}
			fmt.Fprintf(w, `"bench_node_%012d":{"latitude":%f,"longitude":%f,"attributes":{"node_type":{"-a%d":"pole"},"scid":{"-b%d":"%06d"},"pole_tag":{"-c%d":"T%d"},"pole_height":{"-d%d":"45"},"pole_class":{"-e%d":"2"},"note":{"-f%d":"surveyed"}}}`,
				i, 29+float64(i%1000)/1e4, -98-float64(i/1000)/1e4, i, i, i, i, i, i, i, i)
		}
		w.WriteString(`}}`)
		pw.CloseWithError(w.Flush())
	}()
	job, err := s.LoadJobJSON(pr)
	if err != nil {
		b.Fatal(err)
	}
	return job
}

// BenchmarkListNodes200k times GET nodes of a 200,000-node job (the whole
// answer read by the client) and reports the process's resident memory
// with the job loaded.
func BenchmarkListNodes200k(b *testing.B) {
	s, url := benchServer(b, false)
	job := loadSynthetic(b, s, 200_000)
	runtime.GC()
	debug.FreeOSMemory()
	loaded := rssBytes("VmRSS:")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	c := benchClient()
	b.ResetTimer()
	var size int64
	for b.Loop() {
		res, err := c.Get(url + "/jobs/" + job + "/nodes?api_key=sandbox")
		if err != nil {
			b.Fatal(err)
		}
		size, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	b.ReportMetric(float64(size)/(1<<20), "MB-answer")
	b.ReportMetric(float64(loaded)/(1<<20), "MB-RSS-loaded")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MB-heap-loaded")
	b.ReportMetric(float64(rssBytes("VmHWM:"))/(1<<20), "MB-RSS-peak")
}

// rssBytes reads a memory line of /proc/self/status: VmRSS (resident now)
// or VmHWM (the peak). Linux only; 0 elsewhere.
func rssBytes(field string) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkReopen200k times starting a sandbox whose database holds a
// 200,000-node job (everything is read into memory at start), and reports
// how long the first save of that job took.
func BenchmarkReopen200k(b *testing.B) {
	db := filepath.Join(b.TempDir(), "big.db")
	o := Options{Key: "k", Bucket: 1, Refill: time.Minute, DBPath: db}
	s, err := New(o)
	if err != nil {
		b.Fatal(err)
	}
	job := loadSynthetic(b, s, 200_000)
	start := time.Now()
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	save := time.Since(start)
	b.ResetTimer()
	for b.Loop() {
		s, err := New(o)
		if err != nil {
			b.Fatal(err)
		}
		if n := len(s.jobs[job].nodes); n != 200_000 {
			b.Fatalf("%d nodes after reopening", n)
		}
		s.Close()
	}
	b.ReportMetric(save.Seconds(), "s-first-save")
}
