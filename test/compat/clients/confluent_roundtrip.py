"""confluent-kafka (Python, Debian's librdkafka) round trip for the compat suite.

Reads {"bootstrap", "topic", "records": [{key, value, headers: [[k, v]], timestampMs}]} on stdin,
creates the topic with AdminClient, produces every record (acks=all) to partition 0, consumes the
partition back with assign from offset 0, and prints one JSON object with the delivery reports and
the records read. The Node test compares them with what it asked to write.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT_S = 15


def main():
    spec = json.load(sys.stdin)
    bootstrap, topic, records = spec["bootstrap"], spec["topic"], spec["records"]

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)],
                                  operation_timeout=TIMEOUT_S, request_timeout=TIMEOUT_S)
    futures[topic].result(timeout=TIMEOUT_S)

    delivered = []

    def on_delivery(err, msg):
        delivered.append({"error": str(err) if err else None, "offset": msg.offset(),
                          "key": msg.key().decode() if msg.key() is not None else None})

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
                         "message.timeout.ms": TIMEOUT_S * 1000})
    for r in records:
        producer.produce(topic, partition=0, key=r["key"].encode(), value=r["value"].encode(),
                         headers=[(k, v.encode()) for k, v in r["headers"]],
                         timestamp=r["timestampMs"], on_delivery=on_delivery)
    remaining = producer.flush(TIMEOUT_S)
    if remaining:
        raise KafkaException(f"{remaining} records not delivered within {TIMEOUT_S} s")

    # group.id is required by this client even with assign; nothing is committed.
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"compat-{topic}",
                         "enable.auto.commit": False, "enable.partition.eof": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    consumed = []
    deadline = time.monotonic() + TIMEOUT_S
    while len(consumed) < len(records) and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        ts_type, ts = msg.timestamp()
        consumed.append({
            "offset": msg.offset(),
            "key": msg.key().decode() if msg.key() is not None else None,
            "value": msg.value().decode() if msg.value() is not None else None,
            "headers": [[k, v.decode()] for k, v in (msg.headers() or [])],
            "timestampMs": ts,
            "timestampType": ts_type,
        })
    consumer.close()
    json.dump({"delivered": delivered, "consumed": consumed}, sys.stdout)


if __name__ == "__main__":
    main()
