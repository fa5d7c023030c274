// Figures of one run, computed from the per-block records measured on chain.
import type { RunResult } from "./sim.js";
import type { Scenario } from "./scenario.js";

export interface Metrics {
  variant: string;
  /** Largest fall of the shocked asset's pair price below its start, fraction. */
  peakDrawdown: number;
  /** Fall of the pair price at the end of the run, fraction. */
  finalDrop: number;
  /** finalDrop / shock size. */
  amplification: number;
  /**
   * Batches of vaults falling into shortfall, the shock's first, then each on a new leg down of the
   * oracle price (at least 1% below the previous wave's) after liquidation selling since that wave.
   */
  liquidationWaves: number;
  collateralSoldUsd: number;
  collateralSold: Record<string, number>;
  badDebtUsd: number;
  badDebtCoveredUsd: number;
  badDebtSocialisedUsd: number;
  vaultsLiquidated: number;
  vaultsCured: number;
  /** Steps from the shock until the run went quiet (null: not within maxBlocks). */
  blocksToStabilise: number | null;
  blocks: number;
  kicks: number;
  takes: number;
  resets: number;
  trips: number;
  deferredKicks: number;
  keeperProfitUsd: number;
  penaltiesUsd: number;
  keeperIncentivesUsd: number;
  txs: number;
  wallSeconds: number;
  reconciled: boolean;
}

export function computeMetrics(run: RunResult, scenario: Scenario): Metrics {
  const asset = scenario.shock.asset;
  const p0 = run.startPrice[asset];
  const prices = run.blocks.map((b) => b.ammPrice[asset]);
  const min = Math.min(p0, ...prices);
  const last = prices.length > 0 ? prices[prices.length - 1] : p0;
  const finalDrop = 1 - last / p0;
  const sum = (f: (b: RunResult["blocks"][number]) => number) => run.blocks.reduce((a, b) => a + f(b), 0);
  const sold: Record<string, number> = {};
  for (const b of run.blocks) for (const [k, v] of Object.entries(b.sold)) sold[k] = (sold[k] ?? 0) + v;
  return {
    variant: run.variant,
    peakDrawdown: 1 - min / p0,
    finalDrop,
    amplification: finalDrop / scenario.shock.size,
    liquidationWaves: run.blocks.filter((b) => b.wave === true).length,
    collateralSoldUsd: sum((b) => b.soldUsd),
    collateralSold: sold,
    badDebtUsd: run.insurance.badDebtCoveredUsd + run.insurance.badDebtSocialisedUsd,
    badDebtCoveredUsd: run.insurance.badDebtCoveredUsd,
    badDebtSocialisedUsd: run.insurance.badDebtSocialisedUsd,
    vaultsLiquidated: run.liquidatedVaults.length,
    vaultsCured: run.curedVaults.length,
    blocksToStabilise: run.stabilisedAtStep === null ? null : run.stabilisedAtStep - scenario.shock.startBlock,
    blocks: run.blocks.length,
    kicks: sum((b) => b.kicks),
    takes: sum((b) => b.takes),
    resets: sum((b) => b.resets),
    trips: sum((b) => b.trips),
    deferredKicks: sum((b) => b.deferredKicks),
    keeperProfitUsd: run.keeperProfitUsd,
    penaltiesUsd: run.insurance.penaltiesUsd,
    keeperIncentivesUsd: run.insurance.keeperIncentivesUsd,
    txs: run.txs,
    wallSeconds: run.wallMs / 1000,
    reconciled: run.reconciliation.every((r) => r.ok),
  };
}
