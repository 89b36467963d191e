"""confluent-kafka (Python) transactions for the compat suite.

Reads a JSON spec on stdin and prints one JSON object:
- {"mode": "produce", "bootstrap", "topic", "txnId", "txns": [{"values": [...], "commit": bool}],
   "leaveOpen": [...values]}: one transactional producer runs the transactions in order; with
   "leaveOpen" it then produces those values in a transaction it never ends and exits (hard).
- {"mode": "consume", "bootstrap", "topic", "partitions", "isolation", "idleS"}: reads every
   partition from the beginning until nothing new arrives for idleS seconds; prints the values.
- {"mode": "fence", "bootstrap", "topic", "txnId"}: producer A opens a transaction, producer B with
   the same transactional.id initializes; prints whether A's commit failed as fenced.
- {"mode": "idempotent", "bootstrap", "topic", "count", "prefix"}: an idempotent (not transactional)
   producer writes prefix0..prefix<count-1> to partition 0, one request at a time.
- {"mode": "ctp", "bootstrap", "input", "output", "group", "txnId", "count", "batch",
   "crashAfter"}: a read_committed group consumer copies input to output, committing the consumed
   offsets in each transaction (send_offsets_to_transaction); with crashAfter it exits without
   ending the transaction after that many records.
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


def producer(spec, txn_id):
    p = Producer({
        "bootstrap.servers": spec["bootstrap"],
        "transactional.id": txn_id,
        "transaction.timeout.ms": spec.get("txnTimeoutMs", 60000),
        "linger.ms": 5,
    })
    p.init_transactions(30)
    return p


def produce(spec):
    p = producer(spec, spec["txnId"])
    for txn in spec["txns"]:
        p.begin_transaction()
        for v in txn["values"]:
            p.produce(spec["topic"], value=v.encode(), partition=txn.get("partition", 0))
        # Flushed first, so an aborted transaction's records are in the log (abort purges unsent ones).
        p.flush(30)
        if txn["commit"]:
            p.commit_transaction(30)
        else:
            p.abort_transaction(30)
    if spec.get("leaveOpen"):
        p.begin_transaction()
        for v in spec["leaveOpen"]:
            p.produce(spec["topic"], value=v.encode(), partition=0)
        p.flush(30)
        print(json.dumps({"ok": True}), flush=True)
        os._exit(0)
    print(json.dumps({"ok": True}))


def consume(spec):
    c = Consumer({
        "bootstrap.servers": spec["bootstrap"],
        "group.id": "unused",
        "isolation.level": spec["isolation"],
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    c.assign([TopicPartition(spec["topic"], p, 0) for p in spec["partitions"]])
    values = []
    last = time.time()
    deadline = time.time() + 60
    while time.time() - last < spec["idleS"] and time.time() < deadline:
        msg = c.poll(0.2)
        if msg is None or msg.error():
            continue
        values.append(msg.value().decode())
        last = time.time()
    c.close()
    print(json.dumps({"values": values}))


def idempotent(spec):
    p = Producer({
        "bootstrap.servers": spec["bootstrap"],
        "enable.idempotence": True,
        "linger.ms": 5,
        "batch.num.messages": 5,
    })
    for i in range(spec["count"]):
        p.produce(spec["topic"], value=f"{spec['prefix']}{i}".encode(), partition=0)
        if i % 5 == 4:
            p.flush(30)
    remaining = p.flush(30)
    print(json.dumps({"ok": remaining == 0}))


def fence(spec):
    a = producer(spec, spec["txnId"])
    a.begin_transaction()
    a.produce(spec["topic"], value=b"zombie", partition=0)
    a.flush(30)
    b = producer(spec, spec["txnId"])
    b.begin_transaction()
    b.produce(spec["topic"], value=b"successor", partition=0)
    b.commit_transaction(30)
    try:
        a.commit_transaction(10)
        print(json.dumps({"fenced": False}))
    except KafkaException as e:
        err = e.args[0]
        print(json.dumps({"fenced": err.fatal() or "fenced" in str(err).lower(), "error": str(err)}))


def ctp(spec):
    c = Consumer({
        "bootstrap.servers": spec["bootstrap"],
        "group.id": spec["group"],
        "isolation.level": "read_committed",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": 6000,
    })
    c.subscribe([spec["input"]])
    p = producer(spec, spec["txnId"])
    done = 0
    deadline = time.time() + 60
    while done < spec["count"] and time.time() < deadline:
        msgs = c.consume(spec["batch"], 0.5)
        msgs = [m for m in msgs if not m.error()]
        if not msgs:
            continue
        p.begin_transaction()
        for m in msgs:
            p.produce(spec["output"], key=m.key(), value=b"out-" + m.value(), partition=m.partition())
            done += 1
            if spec.get("crashAfter") is not None and done >= spec["crashAfter"]:
                p.flush(30)
                print(json.dumps({"done": done, "crashed": True}), flush=True)
                os._exit(0)
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        p.commit_transaction(30)
    c.close()
    print(json.dumps({"done": done}))


def main():
    spec = json.load(sys.stdin)
    try:
        {"produce": produce, "consume": consume, "fence": fence, "idempotent": idempotent, "ctp": ctp}[spec["mode"]](spec)
    except KafkaException as e:
        print(json.dumps({"error": str(e)}))
        sys.exit(1)


if __name__ == "__main__":
    main()
