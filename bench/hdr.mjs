// HdrHistogram recording of latencies (µs) and the reporting of their summaries, shared by the latency
// benches (latency, produce-latency, kafka-latency, nats-latency).
import hdr from "hdr-histogram-js";

export const HIGHEST_TRACKABLE_US = 60_000_000;
export function newHistogram() {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
  });
}

/** p50/p99/p99.9/max in ms, and the curve for the chart. */
export function summarize(histogram) {
  const ms = (p) => histogram.getValueAtPercentile(p) / 1000;
  return {
    count: histogram.totalCount,
    p50: ms(50),
    p99: ms(99),
    p999: ms(99.9),
    max: histogram.maxValue / 1000,
    curve: [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999]
      .filter((p) => p < 100 - 100 / Math.max(1, histogram.totalCount))
      .map((p) => ({ percentile: p, ms: ms(p) })),
  };
}

/** The p50, p99, p99.9 and max table cells of a summary: ms with two decimals. */
export function percentileCells(summary) {
  return [summary.p50, summary.p99, summary.p999, summary.max].map((ms) => ms.toFixed(2));
}

/** A summary's percentiles on one progress line: "p50 x p99 y p99.9 z max w ms". */
export function percentileText(summary) {
  const [p50, p99, p999, max] = percentileCells(summary);
  return `p50 ${p50} p99 ${p99} p99.9 ${p999} max ${max} ms`;
}

/** Prints the command line that reproduces each row (target and rate above it). */
export function printReproduce(results) {
  console.log("\n# reproduce (brokers as above; topics created first):");
  for (const r of results) console.log(`# ${r.target} at ${r.rate} msgs/s\n${r.command}`);
}
