// Command goparse times distribution's reference.ParseNormalizedNamed, the Debian package the
// conformance oracle links, for the parsing benchmark (bench/parsing.py builds it in GOPATH
// mode, as the oracle is built). It reads one JSON-encoded string per line on stdin, parses
// them all once to warm up, then times `rounds` rounds of `loops` passes over them and prints
// {"names": per round, "valid": N, "seconds": [per round]} as one JSON line.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/docker/distribution/reference"
)

func main() {
	rounds := flag.Int("rounds", 1, "timed rounds")
	loops := flag.Int("loops", 20, "passes over the inputs per round")
	flag.Parse()
	var inputs []string
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for scanner.Scan() {
		var s string
		if err := json.Unmarshal(scanner.Bytes(), &s); err != nil {
			fmt.Fprintln(os.Stderr, "bad input line:", err)
			os.Exit(2)
		}
		inputs = append(inputs, s)
	}
	valid := 0
	for _, s := range inputs {
		if _, err := reference.ParseNormalizedNamed(s); err == nil {
			valid++
		}
	}
	seconds := make([]float64, 0, *rounds)
	for r := 0; r < *rounds; r++ {
		start := time.Now()
		for l := 0; l < *loops; l++ {
			for _, s := range inputs {
				reference.ParseNormalizedNamed(s)
			}
		}
		seconds = append(seconds, time.Since(start).Seconds())
	}
	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"names": len(inputs) * *loops, "valid": valid, "seconds": seconds,
	})
}
