// Runs a scenario in both variants on the same starting state (one setup, an evm snapshot, a revert
// between the variants) and writes the reports.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { computeMetrics } from "./metrics.js";
import { renderHtml, renderTerminal, toJsonReport, type LabReport } from "./report.js";
import { runVariant, setupLab, type Progress, type RunResult } from "./sim.js";
import type { Scenario } from "./scenario.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPORTS_DIR = path.join(HERE, "..", "..", "reports");

/** Progress bars on stderr (a no-op when stderr is not a terminal, except for a line per phase). */
export function stderrProgress(): Progress {
  let lastPhase = "";
  let lastDraw = 0;
  return (phase, done, total) => {
    const now = Date.now();
    const finished = done >= total;
    if (phase === lastPhase && !finished && now - lastDraw < 100) return;
    lastDraw = now;
    const width = 30;
    const filled = Math.round((Math.min(done, total) / total) * width);
    const bar = `${phase.padEnd(11)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.floor(done)}/${total}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${bar}${finished ? "\n" : ""}`);
    } else if (phase !== lastPhase || finished) {
      if (finished) process.stderr.write(`${bar}\n`);
    }
    lastPhase = phase;
  };
}

export async function runLab(
  ethers: HardhatEthers,
  scenario: Scenario,
  progress: Progress = () => {},
): Promise<LabReport> {
  const started = performance.now();
  const { chain, c } = await setupLab(ethers, scenario, progress);
  const setupSeconds = (performance.now() - started) / 1000;
  const provider = ethers.provider as unknown as { send(m: string, p: unknown[]): Promise<unknown> };
  const snapshot = await provider.send("evm_snapshot", []);
  const runs: Partial<Record<"naive" | "breakwater", RunResult>> = {};
  runs.naive = await runVariant(chain, c, scenario, "naive", progress);
  await provider.send("evm_revert", [snapshot]);
  await chain.init();
  runs.breakwater = await runVariant(chain, c, scenario, "breakwater", progress);
  return {
    scenario,
    generatedAt: new Date().toISOString(),
    vaults: c.plans.length,
    setupSeconds,
    wallSeconds: (performance.now() - started) / 1000,
    metrics: { naive: computeMetrics(runs.naive, scenario), breakwater: computeMetrics(runs.breakwater, scenario) },
    runs: runs as LabReport["runs"],
  };
}

/** Writes reports/<scenario>.json and reports/<scenario>.html; returns their paths. */
export function writeReports(report: LabReport, dir = REPORTS_DIR): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `cascade-${report.scenario.name}.json`);
  const html = path.join(dir, `cascade-${report.scenario.name}.html`);
  writeFileSync(json, JSON.stringify(toJsonReport(report), null, 2) + "\n");
  writeFileSync(html, renderHtml(report));
  return { json, html };
}

export { renderTerminal };
