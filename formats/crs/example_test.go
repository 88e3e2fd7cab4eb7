package crs_test

import (
	"fmt"

	"github.com/kpbulk/kpbulk/formats/crs"
)

func ExampleParse() {
	md, err := crs.Parse("EPSG:2248") // NAD83 / Maryland (ftUS)
	if err != nil {
		panic(err)
	}
	x, y, _ := md.FromWGS84(-76.6122, 39.2904) // Baltimore
	fmt.Printf("%s: %.2f ftUS E, %.2f ftUS N\n", md.Name(), x, y)
	lon, lat, _ := md.ToWGS84(x, y)
	fmt.Printf("back: %.7f, %.7f\n", lon, lat)
	fmt.Println(md.Accuracy())
	// Output:
	// NAD83 / Maryland (ftUS): 1422093.81 ftUS E, 591585.90 ftUS N
	// back: -76.6122000, 39.2904000
	// NAD83 treated as identical to WGS84 (they differ by about 1-2 m); projection exact to < 1 mm
}
