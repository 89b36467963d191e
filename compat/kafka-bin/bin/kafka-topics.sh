#!/bin/sh
# Kafka's kafka-topics.sh for librdkafka's tests, backed by Samsa's admin APIs (see ../kafka-topics.mjs).
exec node "$(dirname "$0")/../kafka-topics.mjs" "$@"
