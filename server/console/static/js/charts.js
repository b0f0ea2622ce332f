// The console's charts. Lines over steps or time use uPlot (vendored from npm, see vendor.sh):
// it draws thousands of points fast, with axes, a cursor and a legend. Categorical bars (what
// cleaning removed, per step and reason) and scores with error bars are hand-drawn SVG: labelled
// rows of rectangles are simpler to draw than to bend a time-series library into, and every bar
// stays an element with its own <title> for tooltips and screen readers.

import uPlot from "../vendor/uPlot.esm.js";
import { clear, fmt, h } from "./dom.js";

export const COLORS = ["#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#5c940d", "#e67700"];
const SVG = "http://www.w3.org/2000/svg";
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];

/** Axis ticks: learning rates are tiny (1e-5), losses are not; both stay readable. */
function tickLabel(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e6 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const child of children) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

/**
 * A line chart in `container`: lineChart(el, {series: [{label, color}], xLabel}) -> chart;
 * chart.set(xs, [ys, ...]) redraws. `container.dataset.points` counts the x values drawn.
 */
export function lineChart(container, { series, xLabel = "step", height = 220, time = false }) {
  let plot = null;
  let data = [[], ...series.map(() => [])];
  const options = () => ({
    width: Math.max(container.clientWidth, 240),
    height,
    scales: { x: { time } },
    axes: [
      time ? { label: xLabel } : { label: xLabel, incrs: STEP_INCRS },
      { size: 64, values: (_, ticks) => ticks.map(tickLabel) },
    ],
    series: [
      { label: xLabel },
      ...series.map((sr, i) => ({
        label: sr.label,
        stroke: sr.color || COLORS[i % COLORS.length],
        width: 2,
        points: { show: true, size: 5 },
        value: (_, v) => fmt(v, 4),
      })),
    ],
  });
  const draw = () => {
    if (plot) plot.destroy();
    clear(container);
    plot = new uPlot(options(), data, container);
    container.dataset.points = String(data[0].length);
  };
  const resize = new ResizeObserver(() => {
    if (plot && container.clientWidth) plot.setSize({ width: Math.max(container.clientWidth, 240), height });
  });
  resize.observe(container);
  draw();
  return {
    set(xs, ys) {
      data = [xs, ...ys];
      if (!plot) draw();
      else { plot.setData(data); container.dataset.points = String(xs.length); }
    },
    destroy() { resize.disconnect(); if (plot) plot.destroy(); plot = null; },
  };
}

/** The drawing width: the container's, so that text keeps its size on a phone. */
function widthOf(container) {
  return Math.max(280, Math.min(container.clientWidth || 640, 900));
}

/** Draw now, and again whenever the container's width changes (an SVG drawn for a desktop
    would shrink its text to a few pixels on a phone). */
function drawFitted(container, draw) {
  container.redraw = draw;
  if (!container.widthObserver) {
    let drawnAt = container.clientWidth;
    container.widthObserver = new ResizeObserver(() => {
      const now = container.clientWidth;
      if (now && Math.abs(now - drawnAt) > 16) { drawnAt = now; container.redraw(); }
    });
    container.widthObserver.observe(container);
  }
  return draw();
}

/**
 * Horizontal bars: rows [{label, value, group, detail}] grouped by `group` (one colour each),
 * drawn into `container` as an <svg role="img"> with a legend. On narrow screens each label
 * sits above its bar. Returns the svg.
 */
export function barChart(container, rows, options = {}) {
  return drawFitted(container, () => drawBars(container, rows, options));
}

function drawBars(container, rows, { title = "", unit = "" }) {
  const groups = [...new Set(rows.map((r) => r.group))];
  const colour = (g) => COLORS[groups.indexOf(g) % COLORS.length];
  const width = widthOf(container), narrow = width < 520;
  const labelW = narrow ? 0 : Math.min(230, width * 0.36), valueW = 56;
  const rowH = narrow ? 40 : 26, barH = narrow ? 16 : 20;
  const max = Math.max(1, ...rows.map((r) => r.value));
  const barW = width - labelW - valueW - 8;
  const height = Math.max(rows.length, 1) * rowH + 6;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title || "bar chart" });
  rows.forEach((r, i) => {
    const top = i * rowH + 3, y = narrow ? top + 18 : top + (rowH - barH) / 2;
    const w = Math.max(2, (r.value / max) * barW), x = narrow ? 0 : labelW + 6;
    svg.append(
      s("text", { x: narrow ? 0 : labelW, y: narrow ? top + 12 : y + barH / 2 + 4, "text-anchor": narrow ? "start" : "end" },
        truncate(r.label, narrow ? 60 : Math.floor(labelW / 7))),
      s("rect", { x, y, width: w, height: barH, fill: colour(r.group), class: "bar", rx: 2 },
        s("title", {}, `${r.label}: ${r.value}${unit}${r.detail ? ` (${r.detail})` : ""}`)),
      s("text", { x: x + w + 5, y: y + barH / 2 + 4 }, `${r.value}${unit}`),
    );
  });
  if (!narrow) svg.append(s("line", { x1: labelW + 6, x2: labelW + 6, y1: 0, y2: height, class: "axis" }));
  const legend = h("div", { class: "legend" },
    groups.map((g) => h("span", {}, h("span", { class: "swatch", style: `background:${colour(g)}` }), g)));
  clear(container, svg, legend);
  return svg;
}

/**
 * Scores with error bars: rows [{label, value, stderr}] with value in [0, 1]; each row a dot
 * with a whisker of ±1.96·stderr (95%), clipped to [0, 1]. On narrow screens the label and the
 * value sit above the whisker.
 */
export function errorBarChart(container, rows, options = {}) {
  return drawFitted(container, () => drawErrorBars(container, rows, options));
}

function drawErrorBars(container, rows, { title = "scores" }) {
  const width = widthOf(container), narrow = width < 520;
  const labelW = narrow ? 0 : Math.min(220, width * 0.3), valueW = narrow ? 0 : 120;
  const rowH = narrow ? 46 : 30, top = 22, pad = 14;
  const plotW = width - labelW - valueW - 2 * pad;
  const x = (v) => labelW + pad + Math.min(1, Math.max(0, v)) * plotW;
  const height = top + Math.max(rows.length, 1) * rowH + 6;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title });
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s("line", { x1: x(tick), x2: x(tick), y1: top - 4, y2: height - 4, class: "axis", "stroke-dasharray": tick % 1 ? "2 3" : "none" }),
      s("text", { x: x(tick), y: top - 8, "text-anchor": "middle" }, `${Math.round(tick * 100)}%`));
  }
  rows.forEach((r, i) => {
    const rowTop = top + i * rowH, y = narrow ? rowTop + 32 : rowTop + rowH / 2;
    const half = r.stderr === null || r.stderr === undefined ? 0 : 1.96 * r.stderr;
    const text = `${(100 * r.value).toFixed(1)}%${half ? ` ± ${(100 * half).toFixed(1)}` : ""}`;
    const g = s("g", { class: "score" }, s("title", {}, `${r.label}: ${text} (95% interval)`));
    g.append(
      narrow ? s("text", { x: 0, y: rowTop + 14 }, `${truncate(r.label, 40)}: ${text}`)
        : s("text", { x: labelW, y: y + 4, "text-anchor": "end" }, truncate(r.label, Math.floor(labelW / 7))),
      s("line", { x1: x(r.value - half), x2: x(r.value + half), y1: y, y2: y, class: "whisker" }),
      s("line", { x1: x(r.value - half), x2: x(r.value - half), y1: y - 6, y2: y + 6, class: "whisker" }),
      s("line", { x1: x(r.value + half), x2: x(r.value + half), y1: y - 6, y2: y + 6, class: "whisker" }),
      s("circle", { cx: x(r.value), cy: y, r: 5, fill: COLORS[i % COLORS.length] }),
    );
    if (!narrow) g.append(s("text", { x: labelW + plotW + 2 * pad + 4, y: y + 4 }, text));
    svg.append(g);
  });
  clear(container, svg, h("p", { class: "muted small" }, "Dots: pass rate; whiskers: 95% interval (±1.96 standard errors)."));
  return svg;
}

/** The binomial standard error of a pass rate: sqrt(p(1-p)/n), or null with no items. */
export function binomialStderr(passed, total) {
  if (!total) return null;
  const p = passed / total;
  return Math.sqrt((p * (1 - p)) / total);
}

function truncate(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
