"""confluent-kafka (Python) group consumer for the compat suite.

Reads {"bootstrap", "topic", "group", "count"} on stdin, subscribes with the group, consumes `count`
records, commits them synchronously, reads the committed offsets back and closes (LeaveGroup).
Prints one JSON object: the (partition, offset) pairs consumed, the assignment it got and the
committed offsets.
"""
import json
import sys
import time

from confluent_kafka import Consumer, TopicPartition

TIMEOUT_S = 40


def main():
    spec = json.load(sys.stdin)
    assignment = []

    def on_assign(consumer, partitions):
        assignment.extend(p.partition for p in partitions)

    consumer = Consumer({
        "bootstrap.servers": spec["bootstrap"],
        "group.id": spec["group"],
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
    })
    consumer.subscribe([spec["topic"]], on_assign=on_assign)
    consumed = []
    deadline = time.time() + TIMEOUT_S
    while len(consumed) < spec["count"] and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise RuntimeError(str(msg.error()))
        consumed.append([msg.partition(), msg.offset()])
    consumer.commit(asynchronous=False)
    committed = consumer.committed([TopicPartition(spec["topic"], p) for p in sorted(set(assignment))], timeout=10)
    consumer.close()
    print(json.dumps({
        "consumed": consumed,
        "assignment": sorted(assignment),
        "committed": [[tp.partition, tp.offset, str(tp.error) if tp.error else None] for tp in committed],
    }))


if __name__ == "__main__":
    main()
