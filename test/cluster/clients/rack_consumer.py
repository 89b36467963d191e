"""A producer then a rack-aware read_committed consumer, for the follower fetching test (KIP-392).

`produce BOOTSTRAP TOPIC`: creates TOPIC (1 partition, replication factor 3) and writes v0-v199
(1 KB each) and "end" with an idempotent acks=all producer. `consume BOOTSTRAP TOPIC CLIENT_RACK`:
consumes from the beginning with isolation.level=read_committed and client.rack up to "end";
prints one JSON line: the values (up to ":") consumed in order and the bytes received per broker id (from librdkafka's statistics).
"""
import json
import sys
import time

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

# 1 KB records, so the bytes fetched dwarf metadata and group traffic in the per-broker counts.
PADDING = "x" * 1000


def produce(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=3)])[topic].result(timeout=20)

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
    for i in range(200):
        producer.produce(topic, value=f"v{i}:{PADDING}".encode())
    producer.produce(topic, value=b"end")
    producer.flush(20)


def consume(bootstrap, topic, rack):
    rx = {}

    def on_stats(text):
        for name, b in json.loads(text)["brokers"].items():
            if b.get("nodeid", -1) >= 0:
                rx[b["nodeid"]] = b["rxbytes"]

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"{topic}-g", "auto.offset.reset": "earliest",
                         "isolation.level": "read_committed", "client.rack": rack,
                         "statistics.interval.ms": 500, "stats_cb": on_stats, "enable.auto.commit": False})
    consumer.subscribe([topic])
    values = []
    deadline = time.time() + 40
    while time.time() < deadline and (not values or values[-1] != "end"):
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            values.append(msg.value().decode().split(":")[0])
    # One more statistics round so the last fetches are counted.
    stats_until = time.time() + 1.5
    while time.time() < stats_until:
        consumer.poll(0.2)
    consumer.close()
    print(json.dumps({"values": values, "rxbytes": rx}))


if __name__ == "__main__":
    if sys.argv[1] == "produce":
        produce(sys.argv[2], sys.argv[3])
    else:
        consume(sys.argv[2], sys.argv[3], sys.argv[4])
