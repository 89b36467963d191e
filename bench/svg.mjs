// Small hand-written SVG charts for the bench reports: grouped bars, latency percentile curves and
// values over time.
// No dependencies; the output is plain SVG 1.1 that GitHub and browsers render.

const COLORS = ["#1f77b4", "#aec7e8", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const FONT = 'font-family="sans-serif" font-size="12"';

function esc(s) {
  return String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A "nice" axis maximum: 1, 2 or 5 times a power of ten, at least `max`. */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max);
}

function legend(labels, x, y) {
  return labels
    .map(
      (l, i) =>
        `<rect x="${x}" y="${y + i * 18}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>` +
        `<text x="${x + 18}" y="${y + i * 18 + 10}" ${FONT}>${esc(l)}</text>`,
    )
    .join("\n");
}

/** The plot area of a chart: its margins and the width and height left between them. */
function plotArea(width, height, { left, top, bottom, right }) {
  return { left, top, plotW: width - left - right, plotH: height - top - bottom };
}

/** A horizontal grid line at `y` with its axis label left of the plot. */
function gridLine({ left, plotW }, y, label) {
  return [
    `<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#ddd"/>`,
    `<text x="${left - 6}" y="${y + 4}" text-anchor="end" ${FONT}>${label}</text>`,
  ];
}

/** The y-axis unit, written upwards at the left edge. */
function unitLabel({ top, plotH }, unit) {
  return `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle" ${FONT}>${esc(unit)}</text>`;
}

function xAxisLine({ left, top, plotW, plotH }) {
  return `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#000"/>`;
}

/** The document: the title, `body`, and the series legend right of the plot area. */
function chartDoc(width, height, title, { left, top, plotW }, series, body) {
  return svgDoc(width, height, [
    `<text x="${width / 2}" y="22" text-anchor="middle" font-family="sans-serif" font-size="15">${esc(title)}</text>`,
    ...body,
    legend(
      series.map((s) => s.label),
      left + plotW + 15,
      top,
    ),
  ]);
}

/**
 * Grouped vertical bars: one group per entry of `groups`, one bar per series, each bar labelled with
 * its value.
 */
export function barChart({ title, groups, series, unit, width = 900, height = 420 }) {
  const area = plotArea(width, height, { left: 60, top: 40, bottom: 60, right: 190 });
  const { left, top, plotW, plotH } = area;
  const max = niceMax(Math.max(...series.flatMap((s) => s.values)));
  const groupW = plotW / groups.length;
  const barW = (groupW * 0.8) / series.length;
  const parts = [];
  for (let t = 0; t <= 5; t++) {
    const v = (max * t) / 5;
    parts.push(...gridLine(area, top + plotH - (plotH * t) / 5, +v.toPrecision(3)));
  }
  groups.forEach((g, gi) => {
    const gx = left + gi * groupW + groupW * 0.1;
    series.forEach((s, si) => {
      const v = s.values[gi] ?? 0;
      const h = (plotH * v) / max;
      const x = gx + si * barW;
      const y = top + plotH - h;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"/>`,
      );
      parts.push(
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-family="sans-serif" font-size="9">${Math.round(v)}</text>`,
      );
    });
    // Two lines (first word, then the rest) so that long group names do not run into each other.
    const cx = (left + gi * groupW + groupW / 2).toFixed(1);
    const [head, ...rest] = String(g).split(" ");
    parts.push(
      `<text text-anchor="middle" ${FONT}><tspan x="${cx}" y="${top + plotH + 18}">${esc(head)}</tspan><tspan x="${cx}" y="${top + plotH + 33}">${esc(rest.join(" "))}</tspan></text>`,
    );
  });
  return chartDoc(width, height, title, area, series, [unitLabel(area, unit), xAxisLine(area), ...parts]);
}

/**
 * Latency by percentile, HdrHistogram-style: x is the percentile on a log scale of 1/(1-p) (50 %,
 * 90 %, 99 %, 99.9 %, 99.99 %), y the latency in ms on a log scale. Each series has points
 * [{ percentile, ms }].
 */
export function percentileChart({ title, series, width = 900, height = 440 }) {
  const area = plotArea(width, height, { left: 70, top: 40, bottom: 50, right: 260 });
  const { left, top, plotW, plotH } = area;
  const xMaxNines = 5;
  const xOf = (p) => left + (plotW * Math.min(xMaxNines, Math.log10(1 / Math.max(1e-5, 1 - p / 100)))) / xMaxNines;
  const all = series.flatMap((s) => s.points.map((pt) => pt.ms)).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all, 1)));
  const yOf = (ms) =>
    top + plotH - (plotH * (Math.log10(Math.max(ms, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const parts = [];
  for (let d = lo; d <= hi; d *= 10) {
    parts.push(...gridLine(area, yOf(d), `${+d.toPrecision(3)} ms`));
  }
  for (const p of [0, 90, 99, 99.9, 99.99, 99.999]) {
    const x = xOf(p);
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="#ddd"/>`);
    parts.push(`<text x="${x}" y="${top + plotH + 18}" text-anchor="middle" ${FONT}>${p} %</text>`);
  }
  series.forEach((s, i) => {
    const pts = s.points.map((pt) => `${xOf(pt.percentile).toFixed(1)},${yOf(pt.ms).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${pts}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`);
  });
  return chartDoc(width, height, title, area, series, [
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" ${FONT}>percentile</text>`,
    ...parts,
  ]);
}

/**
 * Values over time: one polyline per series, each with points [{ x, y }] (x in seconds), linear axes
 * from zero.
 */
export function lineChart({ title, series, xLabel = "seconds", unit, width = 900, height = 420 }) {
  const area = plotArea(width, height, { left: 70, top: 40, bottom: 50, right: 260 });
  const { left, top, plotW, plotH } = area;
  const xMax = niceMax(Math.max(...series.flatMap((s) => s.points.map((p) => p.x))));
  const yMax = niceMax(Math.max(...series.flatMap((s) => s.points.map((p) => p.y))));
  const xOf = (x) => left + (plotW * x) / xMax;
  const yOf = (y) => top + plotH - (plotH * y) / yMax;
  const parts = [];
  for (let t = 0; t <= 5; t++) {
    const y = yOf((yMax * t) / 5);
    const x = xOf((xMax * t) / 5);
    parts.push(...gridLine(area, y, +((yMax * t) / 5).toPrecision(3)));
    parts.push(
      `<text x="${x}" y="${top + plotH + 18}" text-anchor="middle" ${FONT}>${+((xMax * t) / 5).toPrecision(3)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const pts = s.points.map((p) => `${xOf(p.x).toFixed(1)},${yOf(p.y).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${pts}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`);
  });
  return chartDoc(width, height, title, area, series, [
    unitLabel(area, unit),
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle" ${FONT}>${esc(xLabel)}</text>`,
    xAxisLine(area),
    ...parts,
  ]);
}

function svgDoc(width, height, body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="100%" height="100%" fill="#fff"/>\n${body.join("\n")}\n</svg>\n`;
}
