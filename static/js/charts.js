// Inline SVG charts for the report and history pages, and a few DOM helpers
// the report, review and history pages share. No canvas, no libraries: every
// chart is an <svg role="img"> with a <title> and a <desc> that says what it
// shows in words, and a viewBox so it scales with its container.

const NS = "http://www.w3.org/2000/svg";
let uid = 0;

// h makes an HTML element: h("a", {href: "x", class: "y"}, "text", child).
// Attributes whose value is null, undefined or false are left out; on* keys
// that are functions become event listeners.
export function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  append(e, kids);
  return e;
}

function svg(tag, attrs = {}, ...kids) {
  const e = document.createElementNS(NS, tag);
  setAttrs(e, attrs);
  append(e, kids);
  return e;
}

function setAttrs(e, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(e, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : String(k));
  }
}

// sessionParam is the ?session= of the page's URL, or "".
export function sessionParam() {
  return new URLSearchParams(location.search).get("session") || "";
}

// errorKind sorts an error thrown by api() into "gone" (the interview does
// not exist), "not_ready" (its report is still being made) or "other". It
// reads err.status / err.code when api() sets them, else the server's message.
export function errorKind(err) {
  const code = err && (err.code || (err.body && err.body.code));
  const status = err && (err.status || (err.response && err.response.status));
  const msg = String((err && err.message) || "");
  if (code === "report_not_ready" || /no report yet/i.test(msg)) return "not_ready";
  if (code === "not_found" || /not found/i.test(msg)) return "gone";
  if (status === 404) return "gone";
  return "other";
}

// goneMessage is what a link to a deleted or unknown interview shows.
export function goneMessage() {
  return h("div", { class: "notice notice-error", "data-testid": "gone" },
    h("p", {}, "This interview no longer exists."),
    h("p", {}, h("a", { href: "history.html" }, "Go to your interview history")));
}

// clock formats milliseconds as m:ss (h:mm:ss past an hour).
export function clock(ms) {
  const s = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const p = (n) => String(n).padStart(2, "0");
  return hh ? `${hh}:${p(mm)}:${p(ss)}` : `${mm}:${p(ss)}`;
}

// chartWidth is the width in px a chart drawn into el should have: its
// container's, within reason, so text stays legible from phones to desktops.
export function chartWidth(el) {
  const w = Math.round((el && el.clientWidth) || 600);
  return Math.max(300, Math.min(860, w));
}

// redrawOnResize calls draw() again when el's width changes by more than a
// few pixels (debounced). draw is expected to replace el's children.
export function redrawOnResize(el, draw) {
  if (typeof ResizeObserver !== "function") return;
  let last = el.clientWidth, timer = 0;
  new ResizeObserver(() => {
    if (Math.abs(el.clientWidth - last) < 24) return;
    clearTimeout(timer);
    timer = setTimeout(() => { last = el.clientWidth; draw(); }, 150);
  }).observe(el);
}

// niceTicks gives about n round tick values spanning [lo, hi].
export function niceTicks(lo, hi, n = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / Math.max(1, n);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

function frame(o, w, hgt) {
  const id = `chart-${++uid}`;
  const root = svg("svg", {
    viewBox: `0 0 ${w} ${hgt}`, class: `chart ${o.class || ""}`.trim(), role: "img",
    "aria-labelledby": `${id}-t ${id}-d`, "data-testid": o.testid, preserveAspectRatio: "xMidYMid meet",
  });
  root.append(svg("title", { id: `${id}-t` }, o.title), svg("desc", { id: `${id}-d` }, o.desc || ""));
  return root;
}

function axes(root, m, w, hgt, o, yTicks, y, yFmt) {
  const g = svg("g", { class: "axis" });
  for (const t of yTicks) {
    const yy = y(t);
    g.append(svg("line", { x1: m.l, x2: w - m.r, y1: yy, y2: yy, class: "grid" }));
    g.append(svg("text", { x: m.l - 6, y: yy + 4, "text-anchor": "end", class: "tick" }, yFmt(t)));
  }
  g.append(svg("line", { x1: m.l, x2: w - m.r, y1: hgt - m.b, y2: hgt - m.b, class: "baseline" }));
  g.append(svg("line", { x1: m.l, x2: m.l, y1: m.t, y2: hgt - m.b, class: "baseline" }));
  if (o.yLabel) {
    g.append(svg("text", {
      x: 0, y: 0, class: "axis-label", "text-anchor": "middle",
      transform: `translate(14 ${(m.t + hgt - m.b) / 2}) rotate(-90)`,
    }, o.yLabel));
  }
  if (o.xLabel) {
    g.append(svg("text", { x: (m.l + w - m.r) / 2, y: hgt - 6, class: "axis-label", "text-anchor": "middle" }, o.xLabel));
  }
  root.append(g);
}

function legend(root, items, x, w) {
  if (!items || items.length < 2) return;
  const g = svg("g", { class: "legend", "aria-hidden": "true" });
  let cx = x;
  for (const it of items) {
    const width = 22 + 7.2 * it.name.length;
    if (cx + width > w) break;
    g.append(svg("rect", { x: cx, y: 6, width: 12, height: 12, rx: 2, class: `swatch ${it.cls}` }));
    g.append(svg("text", { x: cx + 16, y: 16, class: "legend-text" }, it.name));
    cx += width + 12;
  }
  root.append(g);
}

// lineChart draws one or more series of {x, y, tip} points.
//   o = {title, desc, width, height, xLabel, yLabel, xFormat, yFormat,
//        xMin, xMax, yMin, yMax, band: {from, to, label}, testid,
//        series: [{name, cls, points: [{x, y, tip}]}]}
export function lineChart(o) {
  const w = o.width || 600, hgt = o.height || 260;
  const m = { l: 52, r: 16, t: 28, b: 44 };
  const root = frame(o, w, hgt);
  const pts = o.series.flatMap((s) => s.points);
  let xMin = o.xMin ?? Math.min(...pts.map((p) => p.x));
  let xMax = o.xMax ?? Math.max(...pts.map((p) => p.x));
  if (!isFinite(xMin)) { xMin = 0; xMax = 1; }
  if (xMax <= xMin) { xMin -= 1; xMax += 1; }
  if (o.pad !== false) { const pad = (xMax - xMin) * 0.04; xMin -= pad; xMax += pad; } // keep end dots inside
  const yMin = o.yMin ?? 0;
  const yTop = Math.max(o.yMax ?? 0, ...pts.map((p) => p.y), o.band ? o.band.to : 0, yMin + 1);
  const yTicks = niceTicks(yMin, yTop, 4);
  const yMax = Math.max(yTop, yTicks[yTicks.length - 1]);
  const x = (v) => m.l + ((v - xMin) / (xMax - xMin)) * (w - m.l - m.r);
  const y = (v) => hgt - m.b - ((v - yMin) / (yMax - yMin)) * (hgt - m.t - m.b);
  const yFmt = o.yFormat || ((v) => String(v));
  const xFmt = o.xFormat || ((v) => String(v));
  if (o.band) {
    root.append(svg("rect", {
      x: m.l, width: w - m.l - m.r, y: y(o.band.to), height: Math.max(0, y(o.band.from) - y(o.band.to)), class: "band",
    }, svg("title", {}, o.band.label || "")));
  }
  axes(root, m, w, hgt, o, yTicks, y, yFmt);
  const xTicks = o.xTicks || niceTicks(xMin, xMax, Math.max(2, Math.floor((w - m.l - m.r) / 90)));
  const gx = svg("g", { class: "axis" });
  for (const t of xTicks) {
    if (t < xMin || t > xMax) continue;
    gx.append(svg("line", { x1: x(t), x2: x(t), y1: hgt - m.b, y2: hgt - m.b + 4, class: "baseline" }));
    gx.append(svg("text", { x: x(t), y: hgt - m.b + 16, "text-anchor": "middle", class: "tick" }, xFmt(t)));
  }
  root.append(gx);
  o.series.forEach((s, i) => {
    const cls = s.cls || `series-${i}`;
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    const g = svg("g", { class: `series ${cls}` });
    if (sorted.length > 1) {
      g.append(svg("polyline", { points: sorted.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(" "), class: "line" }));
    }
    for (const p of sorted) {
      g.append(svg("circle", { cx: x(p.x).toFixed(1), cy: y(p.y).toFixed(1), r: 4, class: "dot" },
        svg("title", {}, p.tip || `${s.name}: ${yFmt(p.y)} at ${xFmt(p.x)}`)));
    }
    root.append(g);
  });
  legend(root, o.series.map((s, i) => ({ name: s.name, cls: s.cls || `series-${i}` })), m.l, w);
  return root;
}

// barChart draws grouped bars: one group per category, one bar per series.
//   o = {title, desc, width, height, xLabel, yLabel, yFormat, yMax, testid,
//        categories: [label], threshold: {value, label},
//        series: [{name, cls, values: [number], barClass: (i) => cls, tips: [text]}],
//        legend: [{name, cls}] (defaults to the series)}
export function barChart(o) {
  const w = o.width || 600, hgt = o.height || 240;
  const m = { l: 52, r: 16, t: 28, b: 44 };
  const root = frame(o, w, hgt);
  const all = o.series.flatMap((s) => s.values);
  const yTop = Math.max(1, o.yMax ?? 0, ...all, o.threshold ? o.threshold.value : 0);
  const yTicks = niceTicks(0, yTop, 4);
  const yMax = Math.max(yTop, yTicks[yTicks.length - 1]);
  const y = (v) => hgt - m.b - (v / yMax) * (hgt - m.t - m.b);
  const yFmt = o.yFormat || ((v) => String(v));
  axes(root, m, w, hgt, o, yTicks, y, yFmt);
  const n = Math.max(1, o.categories.length);
  const groupW = (w - m.l - m.r) / n;
  const gap = Math.min(12, groupW * 0.2);
  const barW = Math.max(1, (groupW - gap) / o.series.length);
  const every = Math.max(1, Math.ceil((n * 44) / (w - m.l - m.r)));
  const g = svg("g", { class: "bars" });
  o.categories.forEach((label, i) => {
    const gx = m.l + i * groupW + gap / 2;
    o.series.forEach((s, j) => {
      const v = s.values[i] || 0;
      const cls = (s.barClass && s.barClass(i)) || s.cls || `series-${j}`;
      g.append(svg("rect", {
        x: (gx + j * barW).toFixed(1), y: y(v).toFixed(1), width: Math.max(1, barW - 1).toFixed(1),
        height: Math.max(v > 0 ? 1 : 0, hgt - m.b - y(v)).toFixed(1), class: `bar-rect ${cls}`,
      }, svg("title", {}, (s.tips && s.tips[i]) || `${label}: ${s.name} ${yFmt(v)}`)));
    });
    if (i % every === 0) {
      g.append(svg("text", { x: (gx + (groupW - gap) / 2).toFixed(1), y: hgt - m.b + 16, "text-anchor": "middle", class: "tick" }, label));
    }
  });
  root.append(g);
  if (o.threshold) {
    const ty = y(o.threshold.value);
    root.append(svg("line", { x1: m.l, x2: w - m.r, y1: ty, y2: ty, class: "threshold" }));
    root.append(svg("text", { x: w - m.r - 4, y: ty - 4, "text-anchor": "end", class: "threshold-text" }, o.threshold.label || ""));
  }
  legend(root, o.legend || o.series.map((s, j) => ({ name: s.name, cls: s.cls || `series-${j}` })), m.l, w);
  return root;
}
