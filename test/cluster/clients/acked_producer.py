"""Idempotent acks=all producer for the cluster tests (python3-confluent-kafka, Debian's librdkafka).

Arguments: BOOTSTRAP TOPIC PARTITIONS REPLICATION_FACTOR. Creates the topic, then produces numbered
values round-robin over the partitions until stdin closes, one message every few milliseconds.
Prints one JSON line per acknowledgement ({"p", "o", "v", "t"}: partition, offset, value, time in
ms) and per failed delivery ({"err", "v"}); "created" once the topic exists; "done" with the counts.
"""
import json
import select
import sys
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    bootstrap, topic, partitions, rf = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=rf)],
                                  operation_timeout=15, request_timeout=15)
    futures[topic].result(timeout=20)
    emit({"created": topic})

    acked = 0
    failed = 0

    def on_delivery(err, msg):
        nonlocal acked, failed
        if err is not None:
            failed += 1
            emit({"err": str(err), "v": msg.value().decode()})
        else:
            acked += 1
            emit({"p": msg.partition(), "o": msg.offset(), "v": msg.value().decode(),
                  "t": int(time.time() * 1000)})

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "linger.ms": 2, "message.timeout.ms": 60000, "retry.backoff.ms": 100,
                         "topic.metadata.refresh.interval.ms": 1000})
    n = 0
    while True:
        readable, _, _ = select.select([sys.stdin], [], [], 0)
        if readable and sys.stdin.readline() == "":
            break
        producer.produce(topic, partition=n % partitions, value=f"v{n}".encode(), on_delivery=on_delivery)
        n += 1
        producer.poll(0.005)
    producer.flush(60)
    emit({"done": True, "sent": n, "acked": acked, "failed": failed})


if __name__ == "__main__":
    main()
