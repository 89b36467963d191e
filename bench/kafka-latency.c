// End-to-end latency of a Kafka-protocol broker at a fixed rate, in C (librdkafka): latency.mjs's
// generator for every Kafka-protocol row. The Node generator (kafka-latency.mjs) measures more of
// itself: its producer spends about 15 us of JavaScript per message (at 120 k msgs/s its send loop
// falls behind), and at 1,000 msgs/s its consumer's p99 was 146-267 ms where this one saw 13 ms
// against the same broker (bench/optimisations-latency.md).
//
// The same shape as kafka-latency.mjs: a producer (acks=1, linger.ms=0) sends --size byte messages to
// partition 0 of the topic at the rate, paced by a 1 ms clock_nanosleep tick, while a consumer thread
// assigned to that partition from its end receives them. Latency = receive time - send time carried
// in the message (CLOCK_MONOTONIC). Prints one JSON line: rate, achieved, count, p50/p99/p99.9/max
// in ms, the percentile curve, and ackP50/ackP99: send to produce acknowledgement (where queueing is).
//
// RATE 0 measures the maximum instead: the producer keeps librdkafka's queue full (a bounded backlog
// of MAX_BACKLOG messages) and the JSON's "delivered" and "consumed" are the acknowledged and the
// received msgs/s over the run, so the broker's maximum is taken in this same configuration.
//
// Client settings, the same for every Kafka-protocol broker (bench/README.md lists them): producer
// acks=1, linger.ms=0 (queue.buffering.max.ms); consumer fetch.wait.max.ms=100 (the long poll is
// answered as soon as data is readable, so this bounds only idle polls), fetch.error.backoff.ms=0;
// both socket.nagle.disable=true.
//
//   kafka-latency BOOTSTRAP TOPIC RATE SECONDS SIZE WARMUP_S LEGACY(0|1)
// Built by latency.mjs: cc -O2 -o .bench-out/kafka-latency bench/kafka-latency.c -lrdkafka -lpthread
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#define TICK_NS 1000000L
#define CONSUMER_READY_S 2
#define DRAIN_S 2
/** Messages queued in the producer at most in the RATE 0 (maximum) mode: about 10 ms at 400 k msgs/s. */
#define MAX_BACKLOG 4000

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "config %s=%s: %s\n", key, value, err);
    exit(2);
  }
}

static rd_kafka_conf_t *base_conf(const char *bootstrap, int legacy) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  set(conf, "metadata.broker.list", bootstrap);
  set(conf, "socket.nagle.disable", "true");
  if (legacy) {
    set(conf, "api.version.request", "false");
    set(conf, "broker.version.fallback", "0.9.0.1");
  }
  return conf;
}

/** CPU ticks of this process's threads (/proc/self/task), by thread id; a thread is at most a core. */
#define MAX_THREADS 64
struct thread_ticks {
  int n;
  long tid[MAX_THREADS];
  long ticks[MAX_THREADS];
};

static void read_thread_ticks(struct thread_ticks *t) {
  t->n = 0;
  DIR *dir = opendir("/proc/self/task");
  if (dir == NULL) return;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL && t->n < MAX_THREADS) {
    if (e->d_name[0] == '.') continue;
    char path[300], buf[1024];
    snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
    FILE *f = fopen(path, "r");
    if (f == NULL) continue;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    // utime and stime are fields 14 and 15; count from the end of the parenthesised name.
    char *p = strrchr(buf, ')');
    unsigned long utime = 0, stime = 0;
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) continue;
    t->tid[t->n] = atol(e->d_name);
    t->ticks[t->n++] = (long)(utime + stime);
  }
  closedir(dir);
}

/** Cores used over `seconds` between two snapshots: all threads, and the busiest one. */
static void generator_cpu(const struct thread_ticks *a, const struct thread_ticks *b, double seconds, double *total,
                          double *busiest) {
  double hz = (double)sysconf(_SC_CLK_TCK);
  *total = 0;
  *busiest = 0;
  for (int i = 0; i < b->n; i++) {
    long before = 0;
    for (int j = 0; j < a->n; j++)
      if (a->tid[j] == b->tid[i]) before = a->ticks[j];
    double cores = (double)(b->ticks[i] - before) / hz / seconds;
    *total += cores;
    if (cores > *busiest) *busiest = cores;
  }
}

struct consumer {
  rd_kafka_t *rk;
  atomic_int stop;
  long warmup;
  long received;
  long capacity;
  /** Latencies in microseconds, after the warm-up. */
  uint32_t *latencies_us;
  long recorded;
  /** KAFKA_LATENCY_TRACE=FILE: one line per recorded message, "sent_ms latency_ms" (CLOCK_MONOTONIC, as
   * Node's process.hrtime), to line slow messages up with broker-side events (bench/latency-probe.mjs). */
  FILE *trace;
};

static void *consume(void *arg) {
  struct consumer *c = arg;
  while (!atomic_load(&c->stop)) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);
    if (m == NULL) continue;
    int64_t sent = 0;
    if (m->err == 0 && m->len >= 8) memcpy(&sent, m->payload, sizeof sent);
    // sent == 0: the producer's warm-up message.
    if (sent != 0) {
      int64_t us = (now_ns() - sent) / 1000;
      if (c->received++ >= c->warmup && c->recorded < c->capacity) {
        c->latencies_us[c->recorded++] = (uint32_t)(us < 1 ? 1 : us > UINT32_MAX ? UINT32_MAX : us);
        if (c->trace != NULL) fprintf(c->trace, "%.3f %.3f\n", (double)sent / 1e6, (double)us / 1e3);
      }
    }
    rd_kafka_message_destroy(m);
  }
  return NULL;
}

/** Produce acknowledgement latencies (send to delivery report), to tell produce-side from fetch-side queueing. */
struct acks {
  /** Acknowledgements of messages sent before this time (the warm-up) are not recorded. */
  int64_t record_from_ns;
  long delivered;
  long capacity;
  long recorded;
  uint32_t *latencies_us;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  struct acks *a = opaque;
  if (m->err == 0) a->delivered++;
  if (m->err || m->len < 8 || a->recorded >= a->capacity) return;
  int64_t sent;
  memcpy(&sent, m->payload, sizeof sent);
  if (sent < a->record_from_ns) return;
  int64_t us = (now_ns() - sent) / 1000;
  a->latencies_us[a->recorded++] = (uint32_t)(us < 1 ? 1 : us > UINT32_MAX ? UINT32_MAX : us);
}

static int by_value(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double percentile_ms(const uint32_t *sorted, long n, double p) {
  if (n == 0) return 0;
  long i = (long)((p / 100.0) * (double)n + 0.5) - 1;
  if (i < 0) i = 0;
  if (i >= n) i = n - 1;
  return sorted[i] / 1000.0;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s BOOTSTRAP TOPIC RATE SECONDS SIZE WARMUP_S LEGACY\n", argv[0]);
    return 2;
  }
  const char *bootstrap = argv[1], *topic = argv[2];
  long rate = atol(argv[3]), seconds = atol(argv[4]), size = atol(argv[5]);
  double warmup_s = atof(argv[6]);
  int legacy = atoi(argv[7]);
  if (rate < 0 || seconds <= 0 || size < 8) {
    fprintf(stderr, "rate must not be negative, seconds must be positive, size at least 8\n");
    return 2;
  }
  int saturate = rate == 0;
  // The maximum mode records at most 1 M latencies (a sample of the first ones after the warm-up).
  long total = saturate ? 1000000 : rate * seconds;
  char err[512];

  struct consumer c = {.warmup = saturate ? 0 : (long)(rate * warmup_s), .capacity = total};
  c.latencies_us = calloc((size_t)total, sizeof *c.latencies_us);
  const char *trace_path = getenv("KAFKA_LATENCY_TRACE");
  if (trace_path != NULL && (c.trace = fopen(trace_path, "w")) == NULL) {
    perror(trace_path);
    return 2;
  }
  rd_kafka_conf_t *cconf = base_conf(bootstrap, legacy);
  char group[64];
  snprintf(group, sizeof group, "latency-%d", (int)getpid());
  set(cconf, "group.id", group);
  set(cconf, "enable.auto.commit", "false");
  set(cconf, "fetch.wait.max.ms", "100");
  set(cconf, "fetch.error.backoff.ms", "0");
  c.rk = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
  if (c.rk == NULL) {
    fprintf(stderr, "consumer: %s\n", err);
    return 1;
  }
  rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_END;
  rd_kafka_resp_err_t assigned = rd_kafka_assign(c.rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (assigned) {
    fprintf(stderr, "assign: %s\n", rd_kafka_err2str(assigned));
    return 1;
  }
  pthread_t consumer_thread;
  pthread_create(&consumer_thread, NULL, consume, &c);

  rd_kafka_conf_t *pconf = base_conf(bootstrap, legacy);
  set(pconf, "queue.buffering.max.ms", "0");
  set(pconf, "acks", "1");
  set(pconf, "queue.buffering.max.messages", "1000000");
  struct acks acks = {.capacity = total};
  if (saturate) set(pconf, "queue.buffering.max.messages", "100000");
  acks.latencies_us = calloc((size_t)total, sizeof *acks.latencies_us);
  rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
  rd_kafka_conf_set_opaque(pconf, &acks);
  rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
  if (producer == NULL) {
    fprintf(stderr, "producer: %s\n", err);
    return 1;
  }
  char *payload = calloc(1, (size_t)size);
  // One acknowledged message before the clock starts: the producer's first send waits for the
  // topic's metadata and the leader's connection (about a second), and a second's worth of
  // messages queued behind it would still be draining when the warm-up ends.
  memset(payload, 0, sizeof(int64_t));
  if (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(payload, (size_t)size),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) ||
      rd_kafka_flush(producer, 30000)) {
    fprintf(stderr, "warm-up message not acknowledged\n");
    return 1;
  }
  acks.delivered = 0;
  acks.recorded = 0;
  sleep(CONSUMER_READY_S);

  long sent = 0, failed = 0;
  struct thread_ticks ticks_start, ticks_end;
  read_thread_ticks(&ticks_start);
  int64_t t0 = now_ns();
  acks.record_from_ns = t0 + (int64_t)(warmup_s * 1e9);
  struct timespec tick;
  clock_gettime(CLOCK_MONOTONIC, &tick);
  int64_t end_ns = t0 + seconds * 1000000000L;
  long received_at_start = c.received;
  while (saturate ? now_ns() < end_ns : sent < total) {
    long due = saturate ? sent + MAX_BACKLOG - (long)rd_kafka_outq_len(producer)
                        : (long)((double)(now_ns() - t0) / 1e9 * (double)rate);
    if (!saturate && due > total) due = total;
    while (sent < due) {
      int64_t ns = now_ns();
      memcpy(payload, &ns, sizeof ns);
      rd_kafka_resp_err_t e = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
                                                RD_KAFKA_V_VALUE(payload, (size_t)size),
                                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e) failed++;
      sent++;
    }
    rd_kafka_poll(producer, 0);
    tick.tv_nsec += TICK_NS;
    if (tick.tv_nsec >= 1000000000L) {
      tick.tv_sec++;
      tick.tv_nsec -= 1000000000L;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
  }
  double elapsed_s = (double)(now_ns() - t0) / 1e9;
  read_thread_ticks(&ticks_end);
  double gen_cores, gen_busiest;
  generator_cpu(&ticks_start, &ticks_end, elapsed_s, &gen_cores, &gen_busiest);
  long delivered_in_run = acks.delivered, received_in_run = c.received - received_at_start;
  rd_kafka_flush(producer, 30000);
  sleep(DRAIN_S);
  atomic_store(&c.stop, 1);
  pthread_join(consumer_thread, NULL);
  if (c.trace != NULL) fclose(c.trace);
  rd_kafka_consumer_close(c.rk);
  rd_kafka_destroy(c.rk);
  rd_kafka_destroy(producer);

  long n = c.recorded;
  qsort(c.latencies_us, (size_t)n, sizeof *c.latencies_us, by_value);
  char note[128] = "";
  if (failed > 0) snprintf(note, sizeof note, "%ld produce calls refused (queue full)", failed);
  else if (!saturate && c.received < total) snprintf(note, sizeof note, "%ld of %ld received", c.received, total);
  printf("{\"rate\":%ld,\"achieved\":%.1f,\"count\":%ld,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f,", rate,
         (double)(sent - failed) / elapsed_s, n, percentile_ms(c.latencies_us, n, 50),
         percentile_ms(c.latencies_us, n, 99), percentile_ms(c.latencies_us, n, 99.9),
         n ? c.latencies_us[n - 1] / 1000.0 : 0);
  static const double curve[] = {0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999};
  printf("\"curve\":[");
  int first = 1;
  for (size_t i = 0; i < sizeof curve / sizeof curve[0]; i++) {
    if (n == 0 || curve[i] >= 100.0 - 100.0 / (double)n) continue;
    printf("%s{\"percentile\":%g,\"ms\":%.3f}", first ? "" : ",", curve[i], percentile_ms(c.latencies_us, n, curve[i]));
    first = 0;
  }
  qsort(acks.latencies_us, (size_t)acks.recorded, sizeof *acks.latencies_us, by_value);
  printf("],\"delivered\":%.1f,\"consumed\":%.1f", (double)delivered_in_run / elapsed_s,
         (double)received_in_run / elapsed_s);
  printf(",\"generatorCores\":%.2f,\"generatorBusiestThread\":%.2f", gen_cores, gen_busiest);
  printf(",\"ackP50\":%.3f,\"ackP99\":%.3f,\"note\":\"%s\",\"detail\":\"\"}\n",
         percentile_ms(acks.latencies_us, acks.recorded, 50), percentile_ms(acks.latencies_us, acks.recorded, 99), note);
  free(payload);
  free(c.latencies_us);
  free(acks.latencies_us);
  return 0;
}
