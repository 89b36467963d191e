"""confluent-kafka (Python) group member that runs until told to stop, for the compat suite.

Reads {"bootstrap", "topic", "group", "config"?, "commit_every_s"?} on stdin, subscribes and prints
one JSON line per event: {"event": "assign"|"revoke", "partitions"}, {"event": "message",
"partition", "offset"}, {"event": "committed"} after each synchronous commit. It commits what it
consumed every `commit_every_s` and before giving partitions up in a rebalance. On SIGTERM it
commits, closes (LeaveGroup) and prints {"event": "closed"}; SIGKILL leaves its last commits behind.
"""
import json
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaException


def emit(event):
    print(json.dumps(event), flush=True)


def main():
    spec = json.load(sys.stdin)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    config = {
        "bootstrap.servers": spec["bootstrap"],
        "group.id": spec["group"],
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
    config.update(spec.get("config", {}))
    consumer = Consumer(config)
    pending = [False]

    def commit():
        if not pending[0]:
            return
        pending[0] = False
        try:
            consumer.commit(asynchronous=False)
            emit({"event": "committed"})
        except KafkaException as e:
            # Partitions already taken away: their next owner re-reads from the last commit.
            emit({"event": "commit-failed", "message": str(e)})

    def on_assign(_, partitions):
        emit({"event": "assign", "partitions": sorted(p.partition for p in partitions)})

    def on_revoke(_, partitions):
        commit()
        emit({"event": "revoke", "partitions": sorted(p.partition for p in partitions)})

    consumer.subscribe([spec["topic"]], on_assign=on_assign, on_revoke=on_revoke)
    commit_every_s = spec.get("commit_every_s", 0.5)
    last_commit = time.time()
    while not stopping:
        msg = consumer.poll(0.2)
        if msg is not None:
            if msg.error():
                emit({"event": "error", "message": str(msg.error())})
            else:
                emit({"event": "message", "partition": msg.partition(), "offset": msg.offset()})
                pending[0] = True
        if time.time() - last_commit >= commit_every_s:
            commit()
            last_commit = time.time()
    commit()
    consumer.close()
    emit({"event": "closed"})


if __name__ == "__main__":
    main()
