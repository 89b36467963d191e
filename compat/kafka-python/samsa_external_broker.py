"""pytest plugin: points kafka-python 2.0.2's KafkaFixture at a running Samsa broker.

Its own KAFKA_URI switch returns a bare ExternalService without the client factories the tests use,
so instead this keeps KafkaFixture and replaces only the parts that spawn Kafka and ZooKeeper from a
Kafka distribution. SAMSA_BOOTSTRAP (host:port) names the broker's PLAINTEXT listener and
SAMSA_SASL_BOOTSTRAP its SASL_PLAINTEXT listener, which knows the fixture's user (alice) for PLAIN
and SCRAM-SHA-256/512.
"""
import os

from test import fixtures


class _NoChild(object):
    """Stands in for the Kafka process the SASL tests dump the logs of."""

    def dump_logs(self):
        pass


def _open(self):
    if self.running:
        return
    if self.sasl_enabled and self.transport != "SASL_PLAINTEXT":
        raise RuntimeError("Samsa's kafka-python set-up has no %s listener" % self.transport)
    self.child = _NoChild()
    address = os.environ["SAMSA_SASL_BOOTSTRAP" if self.sasl_enabled else "SAMSA_BOOTSTRAP"]
    host, port = address.rsplit(":", 1)
    self.host, self.port = host, int(port)
    (self._client,) = self.get_clients(1, client_id="_internal_client")
    self.running = True


def _stop(self):
    if self._client is not None:
        self._client.close()
        self._client = None
    self.running = False


def _close(self):
    _stop(self)


def _get_topic_names(self):
    # The fixture lists topics with Kafka's TopicCommand over ZooKeeper; ask the broker instead.
    (admin,) = self.get_admin_clients(1)
    try:
        return admin.list_topics()
    finally:
        admin.close()


fixtures.KafkaFixture.open = _open
fixtures.KafkaFixture.get_topic_names = _get_topic_names
fixtures.KafkaFixture.stop = _stop
fixtures.KafkaFixture.close = _close
