"""Transactional producer for the transaction coordinator failover test (python3-confluent-kafka).

Arguments: BOOTSTRAP TOPIC PARTITIONS TRANSACTIONAL_ID. Runs transactions of a few records each
(values "<txn>-<i>") over the partitions until stdin closes; every fourth one is aborted on purpose.
Prints one JSON line per transaction outcome: {"txn", "outcome": "committed"|"aborted", "values",
"t"} ("aborted" also when the client had to abort after an error, with "why"), {"begun": txn} when a
transaction starts, {"ready": true} after init_transactions, and {"fatal": message} before exiting 1
on an error the client cannot recover from. TXN_DEBUG=eos,protocol (say) turns on librdkafka's debug
log on stderr.
"""
import json
import os
import select
import sys
import time

from confluent_kafka import KafkaException, Producer

RECORDS_PER_TXN = 6
OP_TIMEOUT_S = 60


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def stdin_closed():
    readable, _, _ = select.select([sys.stdin], [], [], 0)
    return bool(readable) and sys.stdin.readline() == ""


def main():
    bootstrap, topic, partitions, tid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": tid,
                         "transaction.timeout.ms": 60000, "message.timeout.ms": 60000,
                         "retry.backoff.ms": 100, "linger.ms": 2,
                         "topic.metadata.refresh.interval.ms": 1000,
                         **({"debug": os.environ["TXN_DEBUG"]} if "TXN_DEBUG" in os.environ else {})})
    producer.init_transactions(OP_TIMEOUT_S)
    emit({"ready": True})
    txn = 0
    while not stdin_closed():
        producer.begin_transaction()
        emit({"begun": txn})
        values = [f"{txn}-{i}" for i in range(RECORDS_PER_TXN)]
        try:
            for i, v in enumerate(values):
                producer.produce(topic, partition=(txn + i) % partitions, value=v.encode())
                producer.poll(0.01)
            if txn % 4 == 3:
                abort(producer)
                emit({"txn": txn, "outcome": "aborted", "values": values, "why": "on purpose",
                      "t": int(time.time() * 1000)})
            else:
                commit(producer)
                emit({"txn": txn, "outcome": "committed", "values": values, "t": int(time.time() * 1000)})
        except KafkaException as e:
            err = e.args[0]
            if err.fatal() or not err.txn_requires_abort():
                emit({"fatal": str(err)})
                sys.exit(1)
            abort(producer)
            emit({"txn": txn, "outcome": "aborted", "values": values, "why": str(err),
                  "t": int(time.time() * 1000)})
        txn += 1
    emit({"done": True, "transactions": txn})


def commit(producer):
    """Commits, retrying what the client marks retriable (a coordinator moving away, a timeout)."""
    while True:
        try:
            producer.commit_transaction(OP_TIMEOUT_S)
            return
        except KafkaException as e:
            if not e.args[0].retriable():
                raise
            time.sleep(0.1)


def abort(producer):
    """Aborts once every record sent has its delivery report (librdkafka 2.0.2 times the abort out
    while a delivery report is unserved), retrying what the client marks retriable."""
    while True:
        try:
            producer.flush(OP_TIMEOUT_S)
            producer.abort_transaction(OP_TIMEOUT_S)
            return
        except KafkaException as e:
            if not e.args[0].retriable():
                raise
            time.sleep(0.1)


if __name__ == "__main__":
    main()
