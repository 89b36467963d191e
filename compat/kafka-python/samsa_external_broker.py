"""pytest plugin: points kafka-python 2.0.2's KafkaFixture at a running Samsa broker.

Its own KAFKA_URI switch returns a bare ExternalService without the client factories the tests use,
so instead this keeps KafkaFixture and replaces only the parts that spawn Kafka and ZooKeeper from a
Kafka distribution. SAMSA_BOOTSTRAP (host:port) names the broker.
"""
import os

from test import fixtures


def _open(self):
    if self.running:
        return
    if self.sasl_enabled:
        # Samsa has no SASL listener yet: fail here, with the reason, rather than at connect time.
        raise RuntimeError("Samsa has no SASL listener (%s)" % self.sasl_mechanism)
    host, port = os.environ["SAMSA_BOOTSTRAP"].rsplit(":", 1)
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


fixtures.KafkaFixture.open = _open
fixtures.KafkaFixture.stop = _stop
fixtures.KafkaFixture.close = _close
