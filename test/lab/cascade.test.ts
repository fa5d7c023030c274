import { expect } from "chai";
import { network } from "hardhat";
import { runLab } from "../../scripts/lab/lab.js";
import { listedCollaterals, loadScenario } from "../../scripts/lab/load.js";
import { renderHtml, toJsonReport, type LabReport } from "../../scripts/lab/report.js";
import {
  deepMerge,
  listScenarios,
  parseScenario,
  readScenarioFile,
  type Scenario,
} from "../../scripts/lab/scenario.js";

const { ethers } = await network.create();

/** The default scenario shrunk to a few dozen vaults and a short horizon (a large 30% shock). */
function smallScenario(): Scenario {
  const raw = deepMerge(readScenarioFile("eth-crash") as Record<string, unknown>, {
    name: "test-small",
    maxBlocks: 90,
    blockSeconds: 60,
    population: { vaults: 40, lenders: 3 },
    markets: {
      WETH: { ammDepthUsd: 2_000_000, externalDepthUsd: 4_000_000 },
      WBTC: { ammDepthUsd: 2_000_000, externalDepthUsd: 4_000_000 },
      LINK: { ammDepthUsd: 500_000, externalDepthUsd: 1_000_000 },
    },
    shock: { kind: "instant", asset: "WETH", size: 0.3, startBlock: 2 },
    protocol: {
      collaterals: {
        WETH: { risk: { marketDepth: "2000000" }, breaker: { bucketCapacity: "200000" } },
        WBTC: { risk: { marketDepth: "2000000" }, breaker: { bucketCapacity: "200000" } },
        LINK: { risk: { marketDepth: "500000" }, breaker: { bucketCapacity: "50000" } },
      },
    },
  });
  return parseScenario(raw, listedCollaterals());
}

describe("Cascade lab", function () {
  this.timeout(300_000);
  let report: LabReport;

  before(async function () {
    report = await runLab(ethers, smallScenario());
  });

  it("naive: a large shock liquidates in more than one wave and amplifies the drop", function () {
    const m = report.metrics.naive;
    expect(m.vaultsLiquidated).to.be.greaterThan(0);
    expect(m.liquidationWaves).to.be.greaterThan(1);
    expect(m.amplification).to.be.greaterThan(1);
    expect(m.collateralSoldUsd).to.be.greaterThan(0);
  });

  it("Breakwater: the same shock is amplified less and leaves less bad debt", function () {
    const { naive, breakwater } = report.metrics;
    expect(breakwater.amplification).to.be.lessThan(naive.amplification);
    expect(breakwater.badDebtUsd).to.be.lessThan(naive.badDebtUsd);
    expect(breakwater.peakDrawdown).to.be.lessThan(naive.peakDrawdown);
  });

  it("accounting reconciles exactly at the end of both runs", function () {
    for (const run of [report.runs.naive, report.runs.breakwater]) {
      expect(run.reconciliation.length).to.be.greaterThan(5);
      for (const r of run.reconciliation) expect(r.actual, `${run.variant}: ${r.name}`).to.equal(r.expected);
      // Bad debt is split exactly between the insurance fund and the lenders.
      const bad = run.blocks.reduce((a, b) => a + b.badDebtUsd, 0);
      const split = run.insurance.badDebtCoveredUsd + run.insurance.badDebtSocialisedUsd;
      expect(Math.abs(bad - split)).to.be.lessThan(1e-6);
    }
  });

  it("the HTML report holds its four charts and the figures of the JSON report", function () {
    const html = renderHtml(report);
    const json = toJsonReport(report) as { comparison: { label: string; naive: string; breakwater: string }[] };
    for (const id of ["chart-price", "chart-volume", "chart-hf", "chart-liquidation-prices"]) {
      expect(html).to.match(new RegExp(`<figure id="${id}"><svg`));
    }
    expect(html).to.not.match(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(json.comparison.length).to.be.greaterThan(10);
    const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    for (const row of json.comparison) {
      expect(html).to.include(
        `<td class="naive">${esc(row.naive)}</td><td class="breakwater">${esc(row.breakwater)}</td>`,
      );
    }
  });
});

describe("Cascade lab scenarios", function () {
  const collaterals = listedCollaterals();
  const base = () => readScenarioFile("eth-crash") as Record<string, unknown>;
  const rejects = (patch: unknown, message: string) =>
    expect(() => parseScenario(deepMerge(base(), patch), collaterals)).to.throw(message);

  it("ships at least four valid named scenarios, the default among them", function () {
    const names = listScenarios();
    expect(names.length).to.be.greaterThanOrEqual(4);
    expect(names).to.include("eth-crash");
    const kinds = new Set(names.map((n) => loadScenario(n).shock.kind));
    expect([...kinds].sort()).to.deep.equal(["flash", "instant", "outage", "slide"]);
  });

  it("rejects bad files with errors naming the field", function () {
    rejects({ shock: { size: 1.5 } }, "scenario.shock.size: must be in (0, 1), got 1.5");
    rejects({ shock: { size: 0 } }, "scenario.shock.size: must be in (0, 1)");
    rejects(
      { shock: { kind: "meteor" } },
      'scenario.shock.kind: expected one of instant, slide, flash, outage, got "meteor"',
    );
    rejects({ shock: { asset: "DOGE" } }, 'scenario.shock.asset: unknown collateral "DOGE"');
    rejects({ population: { vaults: 0 } }, "scenario.population.vaults: must be an integer in [1, 5000], got 0");
    rejects(
      { population: { leverage: { edge: 0.8, middle: 0.5 } } },
      "scenario.population.leverage.middle: edge + middle must be <= 1",
    );
    rejects(
      { agents: { arbitrage: { speed: "fast" } } },
      'scenario.agents.arbitrage.speed: expected a number, got "fast"',
    );
    rejects(
      { markets: { WETH: { ammDepthUsd: 10 } } },
      "scenario.markets.WETH.ammDepthUsd: must be in [1000, 1000000000000], got 10",
    );
    rejects({ oracle: { twapBlocks: 1, speed: 2 } }, "scenario.oracle.speed: unknown field");
    rejects(
      { shock: { kind: "flash", recoveryBlocks: 0 } },
      "scenario.shock.recoveryBlocks: a flash crash needs recoveryBlocks >= 1",
    );
    rejects(
      { protocol: { collaterals: { WETH: { auction: { penalty: "0.9" } } } } },
      "scenario.protocol: deploy parameters: collaterals[0].auction.penalty: must be <= 0.25",
    );
    expect(() => parseScenario({ ...base(), markets: { WETH: base().markets } }, collaterals)).to.throw(
      "scenario.markets.WETH.WETH: unknown field",
    );
  });
});
