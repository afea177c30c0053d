// churn allocates short-lived memory so that the garbage collector runs: crossgo bench --artifacts measures its
// start-up, peak RSS and GC cycles per target.
package main

import (
	"fmt"
	"os"
	"strconv"
)

var keep [][]byte

func main() {
	rounds := 200
	if len(os.Args) > 1 {
		if n, err := strconv.Atoi(os.Args[1]); err == nil {
			rounds = n
		}
	}
	total := 0
	for r := 0; r < rounds; r++ {
		chunk := make([][]byte, 256)
		for i := range chunk {
			chunk[i] = make([]byte, 1024)
			chunk[i][0] = byte(i)
		}
		keep = append(keep[:0], chunk[len(chunk)-1])
		total += len(chunk)
	}
	fmt.Println("allocated", total, "KiB in", rounds, "rounds")
}
