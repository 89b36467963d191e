// Lines slow messages up with broker-side events (the tails work, issue 7):
//   node bench/latency-trace.mjs TRACE [PROBE] [--slow-ms 3] [--top 25]
// TRACE: kafka-latency.c's KAFKA_LATENCY_TRACE file ("sent_ms latency_ms" per message); PROBE: the
// broker's bench/latency-probe.mjs file ("kind start_ms duration_ms"), both on CLOCK_MONOTONIC.
// Prints the percentiles, then the episodes of slow messages (sent within 20 ms of each other), worst
// first, each with the events from 40 ms before it to its end (offsets in ms from the episode start).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "slow-ms": { type: "string", default: "3" }, top: { type: "string", default: "25" } },
});
const [tracePath, probePath] = positionals;
if (tracePath === undefined) {
  console.error("usage: node bench/latency-trace.mjs TRACE [PROBE] [--slow-ms 3] [--top 25]");
  process.exit(2);
}
const slowMs = Number(values["slow-ms"]);
/** Sends within this many ms of the previous slow one belong to the same episode. */
const EPISODE_GAP_MS = 20;
/** Events this long before an episode can still have caused it (a stall delays what follows). */
const LOOKBACK_MS = 40;

const rows = (path) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.split(" "));
const messages = rows(tracePath)
  .map(([sent, latency]) => ({ sent: Number(sent), latency: Number(latency) }))
  .sort((a, b) => a.sent - b.sent);
const events =
  probePath === undefined
    ? []
    : rows(probePath).map(([kind, start, d]) => ({ kind, start: Number(start), d: Number(d) }));

const sorted = messages.map((m) => m.latency).sort((a, b) => a - b);
const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
console.log(
  `${sorted.length} messages: p50 ${at(50).toFixed(2)} p99 ${at(99).toFixed(2)} p99.9 ${at(99.9).toFixed(2)} max ${sorted.at(-1).toFixed(1)} ms`,
);

const episodes = [];
for (const m of messages) {
  if (m.latency <= slowMs) continue;
  const last = episodes.at(-1);
  if (last !== undefined && m.sent - last.end < EPISODE_GAP_MS) {
    last.end = m.sent;
    last.max = Math.max(last.max, m.latency);
    last.count++;
  } else episodes.push({ start: m.sent, end: m.sent, max: m.latency, count: 1 });
}
const slowCount = episodes.reduce((n, e) => n + e.count, 0);
console.log(`${slowCount} messages over ${slowMs} ms in ${episodes.length} episodes; worst first:`);
const t0 = messages[0]?.sent ?? 0;
for (const e of [...episodes].sort((a, b) => b.max - a.max).slice(0, Number(values.top))) {
  const near = events
    .filter((ev) => ev.start >= e.start - LOOKBACK_MS && ev.start <= e.end + e.max)
    .map((ev) => `${ev.kind}@${(ev.start - e.start).toFixed(1)}:${ev.d.toFixed(1)}`);
  console.log(
    `  t=${((e.start - t0) / 1000).toFixed(3)} s  max ${e.max.toFixed(1)} ms  ${e.count} msgs over ${(e.end - e.start).toFixed(0)} ms  | ${near.join(" ")}`,
  );
}
