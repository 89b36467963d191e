// Sarama (Debian's golang-github-shopify-sarama-dev) round trip for the compat suite, built in GOPATH
// mode. Reads {"bootstrap", "topic", "version", "records": [{key, value, headers, timestampMs}]} on
// stdin; produces every record to partition 0 with a SyncProducer (acks=all), reads the partition
// back with a partition consumer from the oldest offset, and prints the produced offsets and the
// records read as JSON. An empty "version" keeps Sarama's default protocol version. Optional
// "compression" (gzip, snappy, lz4, zstd) compresses; "batch" sends all records in one request;
// "fetchDefaultBytes" sets the consumer's initial per-partition fetch size.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/Shopify/sarama"
)

type record struct {
	Offset      int64       `json:"offset"`
	Key         string      `json:"key"`
	Value       string      `json:"value"`
	Headers     [][2]string `json:"headers"`
	TimestampMs int64       `json:"timestampMs"`
}

type spec struct {
	Bootstrap   string   `json:"bootstrap"`
	Topic       string   `json:"topic"`
	Version     string   `json:"version"`
	Compression string   `json:"compression"`
	Batch       bool     `json:"batch"`
	FetchBytes  int32    `json:"fetchDefaultBytes"`
	Records     []record `json:"records"`
	// SASL/PLAIN when SASLUser is set: SaslHandshake v1 + SaslAuthenticate from version 1.0.0 on,
	// else SaslHandshake v0 and a bare token.
	SASLUser     string `json:"saslUser"`
	SASLPassword string `json:"saslPassword"`
}

type result struct {
	Version  string   `json:"version"`
	Produced []int64  `json:"produced"`
	Consumed []record `json:"consumed"`
}

const timeout = 15 * time.Second

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sarama:", err)
		os.Exit(1)
	}
}

func run() error {
	var s spec
	if err := json.NewDecoder(os.Stdin).Decode(&s); err != nil {
		return err
	}
	config := sarama.NewConfig()
	if s.Version != "" {
		v, err := sarama.ParseKafkaVersion(s.Version)
		if err != nil {
			return err
		}
		config.Version = v
	}
	config.ClientID = "samsa-compat-sarama"
	if s.SASLUser != "" {
		config.Net.SASL.Enable = true
		config.Net.SASL.Mechanism = sarama.SASLTypePlaintext
		config.Net.SASL.User = s.SASLUser
		config.Net.SASL.Password = s.SASLPassword
	}
	config.Net.DialTimeout = timeout
	config.Producer.RequiredAcks = sarama.WaitForAll
	config.Producer.Return.Successes = true
	config.Producer.Partitioner = sarama.NewManualPartitioner
	config.Producer.Timeout = timeout
	config.Consumer.MaxWaitTime = 200 * time.Millisecond
	if s.FetchBytes > 0 {
		config.Consumer.Fetch.Default = s.FetchBytes
	}
	codecs := map[string]sarama.CompressionCodec{
		"": sarama.CompressionNone, "gzip": sarama.CompressionGZIP, "snappy": sarama.CompressionSnappy,
		"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD,
	}
	codec, ok := codecs[s.Compression]
	if !ok {
		return fmt.Errorf("unknown compression %q", s.Compression)
	}
	config.Producer.Compression = codec
	if s.Batch {
		// One produce request (one message set) for all records.
		config.Producer.Flush.Messages = len(s.Records)
		config.Producer.Flush.Frequency = time.Second
	}

	client, err := sarama.NewClient([]string{s.Bootstrap}, config)
	if err != nil {
		return err
	}
	defer client.Close()

	out := result{Version: config.Version.String()}
	producer, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		return err
	}
	var msgs []*sarama.ProducerMessage
	for _, r := range s.Records {
		msg := &sarama.ProducerMessage{
			Topic:     s.Topic,
			Partition: 0,
			Key:       sarama.StringEncoder(r.Key),
			Value:     sarama.StringEncoder(r.Value),
			Timestamp: time.Unix(0, r.TimestampMs*int64(time.Millisecond)),
		}
		for _, h := range r.Headers {
			msg.Headers = append(msg.Headers, sarama.RecordHeader{Key: []byte(h[0]), Value: []byte(h[1])})
		}
		msgs = append(msgs, msg)
	}
	if s.Batch {
		if err := producer.SendMessages(msgs); err != nil {
			return fmt.Errorf("produce batch: %w", err)
		}
		for _, m := range msgs {
			out.Produced = append(out.Produced, m.Offset)
		}
	} else {
		for _, m := range msgs {
			_, offset, err := producer.SendMessage(m)
			if err != nil {
				return fmt.Errorf("produce %s: %w", m.Key, err)
			}
			out.Produced = append(out.Produced, offset)
		}
	}
	if err := producer.Close(); err != nil {
		return err
	}

	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		return err
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(s.Topic, 0, sarama.OffsetOldest)
	if err != nil {
		return err
	}
	defer pc.Close()
	deadline := time.After(timeout)
	for len(out.Consumed) < len(s.Records) {
		select {
		case m := <-pc.Messages():
			r := record{Offset: m.Offset, Key: string(m.Key), Value: string(m.Value), Headers: [][2]string{}}
			if !m.Timestamp.IsZero() {
				r.TimestampMs = m.Timestamp.UnixNano() / int64(time.Millisecond)
			}
			for _, h := range m.Headers {
				r.Headers = append(r.Headers, [2]string{string(h.Key), string(h.Value)})
			}
			out.Consumed = append(out.Consumed, r)
		case e := <-pc.Errors():
			return e
		case <-deadline:
			return fmt.Errorf("read %d of %d records within %s", len(out.Consumed), len(s.Records), timeout)
		}
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
