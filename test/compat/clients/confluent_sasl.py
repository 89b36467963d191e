"""confluent-kafka (python) over a SASL or SSL listener: produce records, consume them back.

stdin: {"config": {librdkafka settings}, "topic": str, "count": int}
stdout: {"delivered": int, "consumed": [values], "error": str|null}
With wrong credentials the first error (an authentication failure) ends it with "error" set.
"""
import json
import sys

from confluent_kafka import Consumer, KafkaError, Producer

args = json.load(sys.stdin)
errors = []


def on_error(err):
    errors.append(err)


common = dict(args["config"], error_cb=on_error)
producer = Producer(dict(common, **{"message.timeout.ms": 15000}))
delivered = []
for i in range(args["count"]):
    producer.produce(args["topic"], value=("v%d" % i).encode(), on_delivery=lambda e, m: delivered.append(e))
    producer.poll(0)
    if errors:
        break
remaining = producer.flush(15)
auth = [e for e in errors if e.code() == KafkaError._AUTHENTICATION]
if auth:
    print(json.dumps({"delivered": 0, "consumed": [], "error": auth[0].str()}))
    sys.exit(0)
assert remaining == 0 and all(e is None for e in delivered), (remaining, delivered)

consumer = Consumer(dict(common, **{"group.id": "sasl-" + args["topic"], "auto.offset.reset": "earliest"}))
consumer.subscribe([args["topic"]])
consumed = []
for _ in range(60):
    msg = consumer.poll(1.0)
    if msg is None:
        if len(consumed) >= args["count"]:
            break
        continue
    if msg.error():
        continue
    consumed.append(msg.value().decode())
    if len(consumed) >= args["count"]:
        break
consumer.close()
print(json.dumps({"delivered": len(delivered), "consumed": consumed, "error": None}))
