"""A producer then a rack-aware read_committed consumer, for the follower fetching test (KIP-392).

`produce BOOTSTRAP TOPIC`: creates TOPIC (1 partition, replication factor 3) and writes v0-v199
(1 KB each) and "end" with an idempotent acks=all producer. `produce-transactions BOOTSTRAP TOPIC`:
the same topic with three transactions of 100 records (c0-c99 committed, a0-a99 aborted, d0-d99
committed), then "end". `consume BOOTSTRAP TOPIC CLIENT_RACK`:
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


def produce_transactions(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=3)])[topic].result(timeout=20)
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"{topic}-txn", "acks": "all"})
    producer.init_transactions(30)
    for prefix, commit in (("c", True), ("a", False), ("d", True)):
        producer.begin_transaction()
        for i in range(100):
            producer.produce(topic, value=f"{prefix}{i}:{PADDING}".encode())
        # Delivered before the abort, so the aborted records are in the log (an abort purges unsent ones).
        producer.flush(30)
        if commit:
            producer.commit_transaction(30)
        else:
            producer.abort_transaction(30)
    plain = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    plain.produce(topic, value=b"end")
    plain.flush(30)


def consume(bootstrap, topic, rack):
    rx = {}

    def on_stats(text):
        for name, b in json.loads(text)["brokers"].items():
            # Broker connections only ("host:port/id"), not the GroupCoordinator handle.
            if b.get("nodeid", -1) >= 0 and name.endswith(f"/{b['nodeid']}"):
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
    elif sys.argv[1] == "produce-transactions":
        produce_transactions(sys.argv[2], sys.argv[3])
    else:
        consume(sys.argv[2], sys.argv[3], sys.argv[4])
