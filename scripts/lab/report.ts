// Cascade-lab outputs: the side-by-side terminal table, the JSON report and a self-contained HTML report
// (inline SVG charts, no script, no server, no CDN). Every figure comes from the measured runs.
import type { Metrics } from "./metrics.js";
import type { RunResult } from "./sim.js";
import type { Scenario } from "./scenario.js";

export interface LabReport {
  scenario: Scenario;
  generatedAt: string;
  vaults: number;
  setupSeconds: number;
  wallSeconds: number;
  metrics: { naive: Metrics; breakwater: Metrics };
  runs: { naive: RunResult; breakwater: RunResult };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const money = (x: number) => `$${Math.round(x).toLocaleString("en-US")}`;
const num = (x: number, d = 2) => x.toFixed(d);

/** Rows of the side-by-side comparison: label, naive, Breakwater (formatted). */
export function comparisonRows(m: { naive: Metrics; breakwater: Metrics }): [string, string, string][] {
  const row = (label: string, f: (x: Metrics) => string): [string, string, string] => [
    label,
    f(m.naive),
    f(m.breakwater),
  ];
  return [
    row("Peak drawdown", (x) => pct(x.peakDrawdown)),
    row("Final price drop", (x) => pct(x.finalDrop)),
    row("Amplification (final drop / shock)", (x) => num(x.amplification)),
    row("Liquidation waves", (x) => String(x.liquidationWaves)),
    row("Collateral sold (USD proceeds)", (x) => money(x.collateralSoldUsd)),
    row("Bad debt", (x) => money(x.badDebtUsd)),
    row("  covered by insurance fund", (x) => money(x.badDebtCoveredUsd)),
    row("  socialised to lenders", (x) => money(x.badDebtSocialisedUsd)),
    row("Vaults liquidated", (x) => String(x.vaultsLiquidated)),
    row("Vaults cured", (x) => String(x.vaultsCured)),
    row("Blocks to stabilise", (x) => (x.blocksToStabilise === null ? `> ${x.blocks}` : String(x.blocksToStabilise))),
    row("Kicks / takes / resets", (x) => `${x.kicks} / ${x.takes} / ${x.resets}`),
    row("Breaker trips / deferred kicks", (x) => `${x.trips} / ${x.deferredKicks}`),
    row("Penalties to insurance fund", (x) => money(x.penaltiesUsd)),
    row("Keeper profit (flash takes)", (x) => money(x.keeperProfitUsd)),
    row("Accounting reconciles", (x) => (x.reconciled ? "yes" : "NO")),
    row("Blocks / transactions", (x) => `${x.blocks} / ${x.txs}`),
    row("Wall time", (x) => `${x.wallSeconds.toFixed(1)} s`),
  ];
}

export function renderTerminal(r: LabReport): string {
  const rows = comparisonRows(r.metrics);
  const head: [string, string, string] = ["", "naive", "Breakwater"];
  const w = [0, 1, 2].map((i) => Math.max(...[head, ...rows].map((x) => x[i].length)));
  const line = (x: [string, string, string]) => `${x[0].padEnd(w[0])}  ${x[1].padStart(w[1])}  ${x[2].padStart(w[2])}`;
  const sep = "-".repeat(w[0] + w[1] + w[2] + 4);
  const s = r.scenario;
  return [
    `Cascade lab: scenario "${s.name}" (${s.shock.kind} shock of ${pct(s.shock.size)} on ${s.shock.asset}, ${r.vaults} vaults)`,
    sep,
    line(head),
    sep,
    ...rows.map(line),
    sep,
  ].join("\n");
}

export function toJsonReport(r: LabReport): unknown {
  return {
    scenario: r.scenario,
    generatedAt: r.generatedAt,
    vaults: r.vaults,
    setupSeconds: r.setupSeconds,
    wallSeconds: r.wallSeconds,
    metrics: r.metrics,
    comparison: comparisonRows(r.metrics).map(([label, naive, breakwater]) => ({
      label: label.trim(),
      naive,
      breakwater,
    })),
    runs: r.runs,
  };
}

// ------------------------------------------------------------------ SVG charts

const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const COLORS = { naive: "#d62728", breakwater: "#1f77b4", ref: "#7f7f7f" };

interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

function frame(id: string, title: string, inner: string, xLabel: string, yLabel: string, W = 720, H = 300): string {
  return `<figure id="${id}"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<title>${esc(title)}</title><rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>${inner}
<text x="${W / 2}" y="${H - 4}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>
<text x="12" y="${H / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${H / 2})">${esc(yLabel)}</text>
</svg><figcaption>${esc(title)}</figcaption></figure>`;
}

function axes(
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  W: number,
  H: number,
  m: { l: number; r: number; t: number; b: number },
) {
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  let g = `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#000"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#000"/>`;
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + ((y1 - y0) * i) / 4;
    const xv = x0 + ((x1 - x0) * i) / 4;
    g += `<text x="${m.l - 4}" y="${sy(yv) + 3}" text-anchor="end" font-size="10">${fmtTick(yv)}</text>`;
    g += `<line x1="${m.l}" y1="${sy(yv)}" x2="${W - m.r}" y2="${sy(yv)}" stroke="#eee"/>`;
    g += `<text x="${sx(xv)}" y="${H - m.b + 14}" text-anchor="middle" font-size="10">${fmtTick(xv)}</text>`;
  }
  return { sx, sy, g };
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10) return v.toFixed(0);
  return v.toFixed(2);
}

function legend(items: { name: string; color: string }[], W: number): string {
  return items
    .map(
      (it, i) =>
        `<rect x="${W - 190}" y="${12 + i * 16}" width="12" height="3" fill="${it.color}"/><text x="${W - 172}" y="${17 + i * 16}" font-size="11">${esc(it.name)}</text>`,
    )
    .join("");
}

export function lineChart(id: string, title: string, series: Series[], xLabel: string, yLabel: string): string {
  const W = 720;
  const H = 300;
  const m = { l: 60, r: 20, t: 20, b: 34 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const y0 = Math.min(...ys);
  const y1 = Math.max(...ys);
  const pad = (y1 - y0) * 0.05 || 1;
  const { sx, sy, g } = axes(Math.min(...xs), Math.max(...xs), y0 - pad, y1 + pad, W, H, m);
  const paths = series
    .map(
      (s) =>
        `<polyline class="series" data-series="${esc(s.name)}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="4 3"' : ""} points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`,
    )
    .join("");
  return frame(id, title, g + paths + legend(series, W), xLabel, yLabel, W, H);
}

/** Grouped bars: one group per category, one bar per series. */
export function barChart(
  id: string,
  title: string,
  categories: string[],
  series: { name: string; color: string; values: number[] }[],
  xLabel: string,
  yLabel: string,
): string {
  const W = 720;
  const H = 300;
  const m = { l: 60, r: 20, t: 20, b: 34 };
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values));
  const { sy, g } = axes(0, 1, 0, max, W, H, m);
  const groupW = (W - m.l - m.r) / Math.max(1, categories.length);
  const barW = Math.max(1, (groupW * 0.8) / series.length);
  let bars = "";
  categories.forEach((cat, i) => {
    series.forEach((s, j) => {
      const v = s.values[i];
      const x = m.l + i * groupW + groupW * 0.1 + j * barW;
      bars += `<rect class="bar" data-series="${esc(s.name)}" x="${x.toFixed(1)}" y="${sy(v).toFixed(1)}" width="${barW.toFixed(1)}" height="${(H - m.b - sy(v)).toFixed(1)}" fill="${s.color}"><title>${esc(`${s.name} ${cat}: ${fmtTick(v)}`)}</title></rect>`;
    });
    const every = Math.ceil(categories.length / 12);
    if (i % every === 0)
      bars += `<text x="${(m.l + i * groupW + groupW / 2).toFixed(1)}" y="${H - m.b + 14}" text-anchor="middle" font-size="9">${esc(cat)}</text>`;
  });
  // The x ticks of `axes` are meaningless for categories: cover them.
  const cover = `<rect x="${m.l - 20}" y="${H - m.b + 2}" width="${W}" height="16" fill="#fff"/>`;
  return frame(id, title, g + cover + bars + legend(series, W), xLabel, yLabel, W, H);
}

function histogram(values: number[], edges: number[]): number[] {
  const counts = new Array(edges.length - 1).fill(0);
  for (const v of values) {
    for (let i = 0; i < edges.length - 1; i++) {
      const last = i === edges.length - 2;
      if (v >= edges[i] && (v < edges[i + 1] || (last && v <= edges[i + 1]))) {
        counts[i]++;
        break;
      }
    }
  }
  return counts;
}

export function renderHtml(r: LabReport): string {
  const s = r.scenario;
  const asset = s.shock.asset;
  const { naive, breakwater } = r.runs;
  const priceChart = lineChart(
    "chart-price",
    `${asset} price path (Uniswap V2 pair spot, USD)`,
    [
      { name: "naive: pair", color: COLORS.naive, points: naive.blocks.map((b) => [b.step, b.ammPrice[asset]]) },
      {
        name: "Breakwater: pair",
        color: COLORS.breakwater,
        points: breakwater.blocks.map((b) => [b.step, b.ammPrice[asset]]),
      },
      {
        name: "naive: external venue",
        color: COLORS.naive,
        dashed: true,
        points: naive.blocks.map((b) => [b.step, b.referencePrice[asset]]),
      },
      {
        name: "Breakwater: external venue",
        color: COLORS.breakwater,
        dashed: true,
        points: breakwater.blocks.map((b) => [b.step, b.referencePrice[asset]]),
      },
    ],
    "lab block",
    "USD",
  );
  const steps = Math.max(naive.blocks.length, breakwater.blocks.length);
  const bucket = Math.max(1, Math.ceil(steps / 60));
  const cats: string[] = [];
  const vol = (run: RunResult) => {
    const out: number[] = [];
    for (let i = 0; i < steps; i += bucket)
      out.push(run.blocks.slice(i, i + bucket).reduce((a, b) => a + b.soldUsd, 0));
    return out;
  };
  for (let i = 0; i < steps; i += bucket) cats.push(String(i + 1));
  const volumeChart = barChart(
    "chart-volume",
    `Liquidation volume per ${bucket === 1 ? "block" : `${bucket} blocks`} (USD proceeds of collateral sold)`,
    cats,
    [
      { name: "naive", color: COLORS.naive, values: vol(naive) },
      { name: "Breakwater", color: COLORS.breakwater, values: vol(breakwater) },
    ],
    "lab block",
    "USD",
  );
  const hfEdges = [0, 0.5, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 1e9];
  const hfCats = hfEdges.slice(0, -1).map((e, i) => (i === hfEdges.length - 2 ? `>=${e}` : `${e}-${hfEdges[i + 1]}`));
  const hfs = (snaps: RunResult["before"]) => snaps.map((v) => v.healthFactor).filter((x): x is number => x !== null);
  const hfChart = barChart(
    "chart-hf",
    "Health-factor distribution of vaults with debt: before the shock and at the end",
    hfCats,
    [
      { name: "before", color: COLORS.ref, values: histogram(hfs(naive.before), hfEdges) },
      { name: "naive: after", color: COLORS.naive, values: histogram(hfs(naive.after), hfEdges) },
      { name: "Breakwater: after", color: COLORS.breakwater, values: histogram(hfs(breakwater.after), hfEdges) },
    ],
    "health factor",
    "vaults",
  );
  const liq = naive.before
    .filter((v) => v.mainAsset === asset && v.liquidationPrice !== null)
    .map((v) => v.liquidationPrice!);
  const p0 = naive.startPrice[asset];
  const lo = Math.min(p0 * 0.3, ...liq);
  const edges = Array.from({ length: 25 }, (_, i) => lo + ((p0 - lo) * i) / 24);
  const debtAt = (lo: number, hi: number) =>
    naive.before
      .filter(
        (v) =>
          v.mainAsset === asset && v.liquidationPrice !== null && v.liquidationPrice >= lo && v.liquidationPrice < hi,
      )
      .reduce((a, v) => a + v.debtUsd, 0);
  const clusterChart = barChart(
    "chart-liquidation-prices",
    `Liquidation-price clustering: debt of ${asset} vaults by the ${asset} price at which they reach HF 1 (start: $${p0.toFixed(0)})`,
    edges.slice(0, -1).map((e) => e.toFixed(0)),
    [{ name: "debt (USD)", color: "#2ca02c", values: edges.slice(0, -1).map((e, i) => debtAt(e, edges[i + 1])) }],
    `${asset} price (USD)`,
    "debt USD",
  );
  const rows = comparisonRows(r.metrics)
    .map(
      ([l, a, b]) =>
        `<tr><th scope="row">${esc(l)}</th><td class="naive">${esc(a)}</td><td class="breakwater">${esc(b)}</td></tr>`,
    )
    .join("\n");
  const rec = (run: RunResult) =>
    run.reconciliation
      .map(
        (x) =>
          `<tr><td>${esc(x.name)}</td><td>${esc(x.expected)}</td><td>${esc(x.actual)}</td><td>${x.ok ? "ok" : "MISMATCH"}</td></tr>`,
      )
      .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Breakwater cascade lab: ${esc(s.name)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th[scope=row]{text-align:left;font-weight:normal}figure{margin:1.5em 0}figcaption{font-size:13px;color:#555}.naive{color:${COLORS.naive}}.breakwater{color:${COLORS.breakwater}}code{background:#f4f4f4;padding:1px 4px}</style>
</head><body>
<h1>Breakwater cascade lab: <code>${esc(s.name)}</code></h1>
<p>${esc(s.description)}</p>
<p>${r.vaults} vaults; ${esc(s.shock.kind)} shock of ${pct(s.shock.size)} on ${esc(asset)} at block ${s.shock.startBlock}; ${s.blockSeconds} s per lab block. Both variants start from the same chain snapshot. Generated ${esc(r.generatedAt)} in ${r.wallSeconds.toFixed(1)} s.</p>
<h2>Side by side</h2>
<table id="comparison"><thead><tr><th></th><th class="naive">naive</th><th class="breakwater">Breakwater</th></tr></thead><tbody>
${rows}
</tbody></table>
<p><b>naive</b>: the same contracts configured for instant, whole-position liquidation at a fixed ${pct(s.naive.discount)} discount (no cure window, target HF 2 and lot buffer 3, a one-block stair-step curve, no throttle, a price-drop breaker at its 90% bound, no grace period). <b>Breakwater</b>: the deployment defaults with the scenario's overrides.</p>
<h2>Charts</h2>
${priceChart}
${volumeChart}
${hfChart}
${clusterChart}
<h2>Accounting reconciliation (end of each run)</h2>
<h3>naive</h3><table><tr><th>check</th><th>expected</th><th>actual</th><th></th></tr>${rec(naive)}</table>
<h3>Breakwater</h3><table><tr><th>check</th><th>expected</th><th>actual</th><th></th></tr>${rec(breakwater)}</table>
</body></html>
`;
}
