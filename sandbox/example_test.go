package sandbox_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/kpbulk/kpbulk/sandbox"
)

// Start a sandbox on a free loopback port, seed a job, and read it back
// the way any API client would.
func ExampleStart() {
	opts := sandbox.DefaultOptions()
	opts.MinInterval = 0 // no general limit between this example's calls
	run, err := sandbox.Start(opts, "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer run.Close()

	job, err := run.Server.LoadJobJSON(strings.NewReader(
		`{"name":"demo","nodes":{"-Odemonode0000000001":{"latitude":29.29,"longitude":-98.41,"attributes":{"node_type":{"-Imported":"pole"}}}}}`))
	if err != nil {
		panic(err)
	}
	res, err := http.Get(run.URL + "/jobs/" + job + "/nodes/-Odemonode0000000001?api_key=" + run.Key)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	// last_updated is the load time; cut it for a stable output.
	fmt.Println(res.StatusCode, strings.Split(string(body), `,"last_updated"`)[0])
	st := run.Server.Stats()
	fmt.Println(st.Calls, st.Reads, st.TokensSpent)
	// Output:
	// 200 {"status":"success","data":{"id":"-Odemonode0000000001","latitude":29.29,"longitude":-98.41,"attributes":{"node_type":{"-Imported":"pole"}}
	// 1 1 1
}
