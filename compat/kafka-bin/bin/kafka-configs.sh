#!/bin/sh
# Kafka's kafka-configs.sh for SCRAM users, backed by Samsa's admin APIs (see ../kafka-configs.mjs).
exec node "$(dirname "$0")/../kafka-configs.mjs" "$@"
