// HdrHistogram recording of latencies (µs), shared by latency.mjs and nats-latency.mjs.
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
