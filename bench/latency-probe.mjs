// Broker-side events for lining slow messages up with their causes (the tails work, issue 7). Loaded
// into a broker with `NODE_OPTIONS=--import=./bench/latency-probe.mjs LATENCY_PROBE_OUT=FILE`, it
// appends one line per event to FILE, "kind start_ms duration_ms" on CLOCK_MONOTONIC (the clock of
// process.hrtime and of kafka-latency.c's KAFKA_LATENCY_TRACE file):
//   gc1 / gc4 / gc8 ...  a GC of at least 0.5 ms (perf_hooks kinds: 1 scavenge, 4 mark-compact,
//                        8 incremental marking, 16 weak callbacks)
//   stall                the main thread's 1 ms timer came more than 3 ms late (GC, synchronous work,
//                        or no CPU for the process)
//   fdatasync            a group-commit round's fdatasync on the sync threads took at least 2 ms
//                        (timed on the main thread: a main-thread stall lengthens it too)
//   checkpoint...        a periodic checkpoint write (high watermarks, recovery points)
// Then `node bench/latency-trace.mjs TRACE FILE` lists the slow-message episodes with the events
// around them. Only the main thread is probed (workers would report their blocking fdatasync as stalls).
import { appendFileSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { isMainThread } from "node:worker_threads";

const out = process.env.LATENCY_PROBE_OUT;
const STALL_MS = 3;
const FLUSH_EVERY_MS = 500;
/** Lines waiting for the next write; bounded (a stuck file system drops the oldest). */
const MAX_PENDING = 10_000;

if (isMainThread && out !== undefined) {
  const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
  // perf_hooks times are relative to the time origin; shift them onto CLOCK_MONOTONIC.
  const originMs = nowMs() - performance.now();
  const pending = [];
  const record = (kind, startMs, durationMs) => {
    if (pending.length >= MAX_PENDING) pending.shift();
    pending.push(`${kind} ${startMs.toFixed(3)} ${durationMs.toFixed(2)}`);
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.duration >= 0.5) record(`gc${e.detail?.kind}`, e.startTime + originMs, e.duration);
  }).observe({ entryTypes: ["gc"] });
  let lastTickMs = nowMs();
  setInterval(() => {
    const t = nowMs();
    if (t - lastTickMs > 1 + STALL_MS) record("stall", lastTickMs, t - lastTickMs);
    lastTickMs = t;
  }, 1).unref();
  setInterval(() => {
    if (pending.length > 0) appendFileSync(out, `${pending.splice(0).join("\n")}\n`);
  }, FLUSH_EVERY_MS).unref();

  const timed = (proto, name, kind, minMs) => {
    const original = proto[name];
    proto[name] = async function (...args) {
      const start = nowMs();
      try {
        return await original.apply(this, args);
      } finally {
        const d = nowMs() - start;
        if (d >= minMs) record(kind, start, d);
      }
    };
  };
  // The broker loads these same module files, so patching their prototypes here times its calls.
  const storage = new URL("../packages/storage/dist/", import.meta.url);
  const { SyncThreads } = await import(new URL("fs/sync-threads.js", storage).href);
  timed(SyncThreads.prototype, "datasync", "fdatasync", 2);
  const { LogManager } = await import(new URL("log-manager.js", storage).href);
  timed(LogManager.prototype, "checkpointHighWatermarks", "checkpointHighWatermarks", 0);
  timed(LogManager.prototype, "checkpointRecoveryPoints", "checkpointRecoveryPoints", 0);
}
