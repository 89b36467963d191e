// End-to-end latency of NATS JetStream at a fixed rate with NATS's Go client: the compiled
// counterpart of bench/kafka-latency.c, so that NATS and the Kafka-protocol brokers are measured
// with native clients of the same weight (nats-latency.mjs --generator go runs it against the
// nats-server it started, with the stream already created).
//
// A publisher sends SIZE byte messages to the subject at RATE, paced by a 1 ms ticker (what is due
// since the start leaves at each tick), with async publish acknowledgements (at most
// maxPendingAcks outstanding), while an ordered push consumer (deliver new) in the same process
// receives them. Latency = receive time - send time carried in the message (Go's monotonic clock).
// Prints one JSON line in kafka-latency.c's shape.
//
//	nats-latency URL SUBJECT RATE SECONDS SIZE WARMUP_S
//
// Built by nats-latency.mjs: GO111MODULE=off GOPATH=/usr/share/gocode go build -o .bench-out/nats-latency
// bench/nats-latency.go (Debian's golang-github-nats-io-go-nats-dev).
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

const (
	maxPendingAcks  = 10000
	consumerReadyMs = 1000
	drainMs         = 2000
)

type point struct {
	Percentile float64 `json:"percentile"`
	Ms         float64 `json:"ms"`
}

type result struct {
	Rate     int64   `json:"rate"`
	Achieved float64 `json:"achieved"`
	Count    int     `json:"count"`
	P50      float64 `json:"p50"`
	P99      float64 `json:"p99"`
	P999     float64 `json:"p999"`
	Max      float64 `json:"max"`
	Curve    []point `json:"curve"`
	Note     string  `json:"note"`
	Detail   string  `json:"detail"`
}

func percentileMs(sorted []int64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	i := int(p/100*float64(n)+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= n {
		i = n - 1
	}
	return float64(sorted[i]) / 1000
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 7 {
		fail("usage: %s URL SUBJECT RATE SECONDS SIZE WARMUP_S", os.Args[0])
	}
	url, subject := os.Args[1], os.Args[2]
	rate, _ := strconv.ParseInt(os.Args[3], 10, 64)
	seconds, _ := strconv.ParseInt(os.Args[4], 10, 64)
	size, _ := strconv.Atoi(os.Args[5])
	warmupS, _ := strconv.ParseFloat(os.Args[6], 64)
	if rate <= 0 || seconds <= 0 || size < 8 {
		fail("rate and seconds must be positive, size at least 8")
	}
	total := rate * seconds
	base := time.Now()

	// Separate connections, as the Kafka generators use a producer and a consumer client.
	sc, err := nats.Connect(url)
	if err != nil {
		fail("consumer connect: %v", err)
	}
	sjs, err := sc.JetStream()
	if err != nil {
		fail("consumer jetstream: %v", err)
	}
	warmup := int(float64(rate) * warmupS)
	var mu sync.Mutex
	received := 0
	latencies := make([]int64, 0, total)
	sub, err := sjs.Subscribe(subject, func(m *nats.Msg) {
		if len(m.Data) < 8 {
			return
		}
		us := (int64(time.Since(base)) - int64(binary.BigEndian.Uint64(m.Data))) / 1000
		if us < 1 {
			us = 1
		}
		mu.Lock()
		if received >= warmup {
			latencies = append(latencies, us)
		}
		received++
		mu.Unlock()
	}, nats.OrderedConsumer(), nats.DeliverNew())
	if err != nil {
		fail("subscribe: %v", err)
	}
	time.Sleep(consumerReadyMs * time.Millisecond)

	pc, err := nats.Connect(url)
	if err != nil {
		fail("publisher connect: %v", err)
	}
	pjs, err := pc.JetStream(nats.PublishAsyncMaxPending(maxPendingAcks))
	if err != nil {
		fail("publisher jetstream: %v", err)
	}
	failed := 0
	var sent int64
	t0 := time.Now()
	ticker := time.NewTicker(time.Millisecond)
	for sent < total {
		due := int64(time.Since(t0).Seconds() * float64(rate))
		if due > total {
			due = total
		}
		for ; sent < due; sent++ {
			payload := make([]byte, size)
			binary.BigEndian.PutUint64(payload, uint64(time.Since(base)))
			// Blocks while maxPendingAcks are outstanding (the server is behind).
			if _, err := pjs.PublishAsync(subject, payload); err != nil {
				failed++
			}
		}
		<-ticker.C
	}
	elapsed := time.Since(t0).Seconds()
	ticker.Stop()
	select {
	case <-pjs.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
	}
	time.Sleep(drainMs * time.Millisecond)
	_ = sub.Unsubscribe()
	pc.Close()
	sc.Close()

	mu.Lock()
	defer mu.Unlock()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	n := len(latencies)
	r := result{Rate: rate, Achieved: float64(sent-int64(failed)) / elapsed, Count: n, Curve: []point{}}
	r.P50, r.P99, r.P999 = percentileMs(latencies, 50), percentileMs(latencies, 99), percentileMs(latencies, 99.9)
	if n > 0 {
		r.Max = float64(latencies[n-1]) / 1000
	}
	for _, p := range []float64{0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999} {
		if n == 0 || p >= 100-100/float64(n) {
			continue
		}
		r.Curve = append(r.Curve, point{p, math.Round(percentileMs(latencies, p)*1000) / 1000})
	}
	if failed > 0 {
		r.Note = fmt.Sprintf("%d publishes failed", failed)
	} else if int64(received) < total {
		r.Note = fmt.Sprintf("%d of %d received", received, total)
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}
