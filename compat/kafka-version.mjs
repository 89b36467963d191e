/**
 * The Kafka release whose API versions Samsa's ApiVersions answer matches (COMPATIBILITY.md lists
 * them): librdkafka's tests gate themselves on it (TEST_KAFKA_VERSION).
 */
export const CLAIMED_KAFKA_VERSION = "3.7.0";
