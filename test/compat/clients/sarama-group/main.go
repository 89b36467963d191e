// Sarama (Debian's golang-github-shopify-sarama-dev) consumer group member for the compat suite,
// built in GOPATH mode. Reads {"bootstrap", "topic", "group", "sessionTimeoutMs"} on stdin, joins the
// group (range assignor, Kafka 2.0 protocol), marks and commits every message, and prints one JSON
// line per event on stdout until killed or stdin closes: {"event": "assigned", "partitions": [...]}
// at each generation and {"event": "message", "partition": p, "offset": o} per record. SIGTERM
// closes the group (final commit, LeaveGroup) and prints {"event": "closed"}.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/Shopify/sarama"
)

type spec struct {
	Bootstrap        string `json:"bootstrap"`
	Topic            string `json:"topic"`
	Group            string `json:"group"`
	SessionTimeoutMs int    `json:"sessionTimeoutMs"`
}

var out = json.NewEncoder(os.Stdout)
var outMu sync.Mutex

func emit(v interface{}) {
	outMu.Lock()
	defer outMu.Unlock()
	_ = out.Encode(v)
}

type handler struct{ topic string }

func (h handler) Setup(s sarama.ConsumerGroupSession) error {
	parts := append([]int32(nil), s.Claims()[h.topic]...)
	sort.Slice(parts, func(i, j int) bool { return parts[i] < parts[j] })
	emit(map[string]interface{}{"event": "assigned", "partitions": parts, "generation": s.GenerationID()})
	return nil
}

func (h handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		emit(map[string]interface{}{"event": "message", "partition": m.Partition, "offset": m.Offset})
		s.MarkMessage(m, "")
	}
	return nil
}

func main() {
	raw, err := ioutil.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	var sp spec
	if err := json.Unmarshal(raw, &sp); err != nil {
		fail(err)
	}
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_0_0_0
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.CommitInterval = 200 * time.Millisecond
	cfg.Consumer.Group.Session.Timeout = time.Duration(sp.SessionTimeoutMs) * time.Millisecond
	cfg.Consumer.Group.Heartbeat.Interval = 300 * time.Millisecond
	cfg.Consumer.Return.Errors = true
	group, err := sarama.NewConsumerGroup([]string{sp.Bootstrap}, sp.Group, cfg)
	if err != nil {
		fail(err)
	}
	go func() {
		for e := range group.Errors() {
			fmt.Fprintln(os.Stderr, "group error:", e)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	go func() {
		<-terms
		cancel()
		// Close commits what was marked and leaves the group; an unreachable broker must not hang it.
		time.AfterFunc(5*time.Second, func() { os.Exit(1) })
		if err := group.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close:", err)
		}
		emit(map[string]interface{}{"event": "closed"})
		os.Exit(0)
	}()
	for ctx.Err() == nil {
		if err := group.Consume(ctx, []string{sp.Topic}, handler{sp.Topic}); err != nil {
			fmt.Fprintln(os.Stderr, "consume:", err)
			time.Sleep(200 * time.Millisecond)
		}
	}
	select {}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
