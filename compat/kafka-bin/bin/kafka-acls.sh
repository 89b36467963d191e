#!/bin/sh
# Kafka's kafka-acls.sh for librdkafka's tests, backed by Samsa's ACL APIs (see ../kafka-acls.mjs).
exec node "$(dirname "$0")/../kafka-acls.mjs" "$@"
