"""confluent-kafka (Python) group consumer for the compat suite.

Reads {"bootstrap", "topic", "group", "count", "config"?, "linger_s"?} on stdin, subscribes with the
group (extra consumer `config` merged in), consumes `count` records, keeps polling `linger_s` more
seconds (so other members can join and rebalance), commits synchronously, reads the committed
offsets back and closes (LeaveGroup, unless static). Also reports its assign/revoke callbacks.
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

    events = []

    def on_assign(consumer, partitions):
        assignment.extend(p.partition for p in partitions)
        events.append(["assign", sorted(p.partition for p in partitions), time.time()])

    def on_revoke(consumer, partitions):
        events.append(["revoke", sorted(p.partition for p in partitions), time.time()])
        for p in partitions:
            if p.partition in assignment:
                assignment.remove(p.partition)

    config = {
        "bootstrap.servers": spec["bootstrap"],
        "group.id": spec["group"],
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
    }
    config.update(spec.get("config", {}))
    consumer = Consumer(config)
    consumer.subscribe([spec["topic"]], on_assign=on_assign, on_revoke=on_revoke)
    consumed = []
    deadline = time.time() + TIMEOUT_S
    while len(consumed) < spec["count"] and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise RuntimeError(str(msg.error()))
        consumed.append([msg.partition(), msg.offset()])
    linger_until = time.time() + spec.get("linger_s", 0)
    while time.time() < linger_until:
        msg = consumer.poll(0.2)
        if msg is not None and not msg.error():
            consumed.append([msg.partition(), msg.offset()])
    if consumed:
        consumer.commit(asynchronous=False)
    held = sorted(set(assignment))
    committed = consumer.committed([TopicPartition(spec["topic"], p) for p in held], timeout=10)
    # close() revokes everything (the callback empties `assignment`), so report what was held before.
    events_before_close = list(events)
    consumer.close()
    print(json.dumps({
        "events": events_before_close,
        "consumed": consumed,
        "assignment": held,
        "committed": [[tp.partition, tp.offset, str(tp.error) if tp.error else None] for tp in committed],
    }))


if __name__ == "__main__":
    main()
