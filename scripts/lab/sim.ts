// The cascade lab engine: Breakwater (the real deploy code) next to real Uniswap V2 pairs, a population
// of vaults, and agents acting every block: exogenous flow (the shock), arbitrageurs, a feed keeper that
// sets the Chainlink mock feeds to the pairs' prices, borrowers who cure, and keepers who flag, kick,
// reset and flash-take by selling into the pairs. The liquidation selling moves the pair, the feed
// follows the pair, and the protocol sees that price: the loop is closed on chain.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { getAddress, id as keccakId, Interface, MaxUint256, parseUnits } from "ethers";
import { connectBreakwater, deployBreakwater, wad, type Breakwater } from "../../deploy/breakwater.js";
import type { DeployParameters } from "../../deploy/parameters.js";
import { Chain, decodeLogs, type RawProvider } from "./chain.js";
import {
  amountOut,
  deployFactory,
  ExternalVenue,
  factoryInterface,
  isqrt,
  pairInterface,
  tradeToPrice,
} from "./market.js";
import { describe, ErrorDecoder } from "../lib/errors.js";
import { draw, logUniform, uniform, uniformInt } from "./random.js";
import { scenarioParameters, type Scenario } from "./scenario.js";

const WAD = 10n ** 18n;
const FEED_DECIMALS = 8;
/** The keeper rescans a vault whose estimated health factor is below this (see the scan in runVariant). */
const RESCAN_BELOW = 1.05;
const FULL_SCAN_EVERY = 40;
const SCAN_CHUNK = 60;
/** A new liquidation wave needs the oracle price 1% below its level at the previous wave (see the wave rule). */
const WAVE_DROP = 0.01;

export type Variant = "naive" | "breakwater";

/** Per-block record of one run, everything measured from the chain. */
export interface BlockRecord {
  step: number;
  block: number;
  timestamp: number;
  /** Pair spot price at the end of the block, USD per token, by collateral. */
  ammPrice: Record<string, number>;
  /** Price the protocol's oracle reads at the end of the block (null when it fails). */
  oraclePrice: Record<string, number | null>;
  /** External venue price (the arbitrageurs' reference). */
  referencePrice: Record<string, number>;
  kicks: number;
  deferredKicks: number;
  takes: number;
  resets: number;
  flags: number;
  cures: number;
  /** USD proceeds of collateral sold by keepers into the pairs this block. */
  soldUsd: number;
  /** Collateral sold this block, token units (float), by collateral. */
  sold: Record<string, number>;
  badDebtUsd: number;
  /** Vaults in margin shortfall at the start of the block (as the keeper scanned them). */
  unhealthy: number;
  newlyUnhealthy: number;
  activeAuctions: number;
  trips: number;
  reverted: number;
  txs: number;
  /** A new liquidation wave starts in this block (see metrics.ts). */
  wave?: boolean;
}

export interface VaultSnapshot {
  id: number;
  healthFactor: number | null;
  /** Liquidation price of the main collateral, USD (null when none). */
  liquidationPrice: number | null;
  mainAsset: string;
  debtUsd: number;
}

export interface Reconciliation {
  name: string;
  expected: string;
  actual: string;
  ok: boolean;
}

export interface RunResult {
  variant: Variant;
  blocks: BlockRecord[];
  before: VaultSnapshot[];
  after: VaultSnapshot[];
  startPrice: Record<string, number>;
  liquidatedVaults: number[];
  curedVaults: number[];
  keeperProfitUsd: number;
  insurance: {
    penaltiesUsd: number;
    keeperIncentivesUsd: number;
    badDebtCoveredUsd: number;
    badDebtSocialisedUsd: number;
  };
  reconciliation: Reconciliation[];
  txs: number;
  revertedByLabel: Record<string, number>;
  wallMs: number;
  stabilisedAtStep: number | null;
}

interface VaultPlan {
  owner: string;
  main: string;
  second: string | null;
  valueUsd: number;
  utilisation: number;
}

interface Contracts {
  bw: Breakwater;
  addr: Record<string, string>;
  token: Record<string, string>;
  decimals: Record<string, number>;
  feed: Record<string, string>;
  pair: Record<string, string>;
  /** The collateral is token0 of its pair. */
  isToken0: Record<string, boolean>;
  router: string;
  scanner: string;
  naiveCurve: string;
  symbols: string[];
  base: string;
  deployer: string;
  keeper: string;
  arbitrageur: string;
  exogenous: string;
  lenders: string[];
  plans: VaultPlan[];
  params: DeployParameters;
  ifaces: Record<string, Interface>;
  /** The vaults at the common starting point of both variants (read by the first run). */
  startSnapshot?: VaultSnapshot[];
}

/** A deterministic address for lab agent `label`. */
function agentAddress(label: string): string {
  return getAddress("0x" + keccakId(`breakwater-lab:${label}`).slice(26));
}

export interface Progress {
  (phase: string, done: number, total: number): void;
}

/**
 * Deploys the system, the markets and the population on a fresh in-process chain. The state afterwards is
 * the common starting point of both variants (snapshotted by the caller).
 */
export async function setupLab(
  ethers: HardhatEthers,
  scenario: Scenario,
  progress: Progress = () => {},
): Promise<{ chain: Chain; c: Contracts }> {
  const params = scenarioParameters(scenario);
  const [deployer] = await ethers.getSigners();
  const provider = ethers.provider as unknown as RawProvider;
  progress("deploy", 0, 1);
  const record = await deployBreakwater(ethers, params, { networkName: "default", deployer });
  const bw = await connectBreakwater(ethers, record, deployer);
  const router = await (
    await ethers.deployContract("FlashTakeRouter", [record.contracts.auctionHouse], deployer)
  ).getAddress();
  const scanner = await (
    await ethers.deployContract(
      "LiquidationScanner",
      [record.contracts.engine, record.contracts.auctionHouse],
      deployer,
    )
  ).getAddress();
  const factory = await deployFactory(deployer as HardhatEthersSigner);
  // The naive variant's curve: a stair step of one block, cutting the price by the fixed discount.
  const naiveCurve = await (
    await ethers.deployContract(
      "StairstepCurve",
      [parseUnits((1 - scenario.naive.discount).toFixed(6), 18), scenario.blockSeconds],
      deployer,
    )
  ).getAddress();
  progress("deploy", 1, 1);

  const symbols = record.collaterals.map((t) => t.symbol);
  const base = record.baseAsset.symbol;
  const token: Record<string, string> = { [base]: record.baseAsset.address };
  const decimals: Record<string, number> = { [base]: record.baseAsset.decimals };
  const feed: Record<string, string> = { [base]: record.baseAsset.feed };
  for (const t of record.collaterals) {
    token[t.symbol] = t.address;
    decimals[t.symbol] = t.decimals;
    feed[t.symbol] = t.feed;
  }
  const ifaces = {
    engine: bw.engine.interface as unknown as Interface,
    auctionHouse: bw.auctionHouse.interface as unknown as Interface,
    pool: bw.pool.interface as unknown as Interface,
    fund: bw.insuranceFund.interface as unknown as Interface,
    breaker: bw.circuitBreaker.interface as unknown as Interface,
    oracle: bw.oracle.interface as unknown as Interface,
    token: bw.baseToken.interface as unknown as Interface,
    feed: (await ethers.getContractAt("MockV3Aggregator", record.baseAsset.feed)).interface as unknown as Interface,
    router: (await ethers.getContractAt("FlashTakeRouter", router)).interface as unknown as Interface,
    scanner: (await ethers.getContractAt("LiquidationScanner", scanner)).interface as unknown as Interface,
    pair: pairInterface,
    factory: factoryInterface,
  };

  const chain = new Chain(provider, 1_000_000_000);
  await chain.init();
  await chain.setBlockGasLimit(1_000_000_000); // setup blocks may be big; the cascade uses the scenario's
  const keeper = agentAddress("keeper");
  const arbitrageur = agentAddress("arbitrageur");
  const exogenous = agentAddress("exogenous-flow");
  const lenders = Array.from({ length: scenario.population.lenders }, (_, i) => agentAddress(`lender-${i}`));
  const owners = Array.from({ length: scenario.population.vaults }, (_, i) => agentAddress(`owner-${i}`));
  for (const a of [keeper, arbitrageur, exogenous, ...lenders, ...owners]) await chain.fundAndImpersonate(a);
  const me = deployer.address;
  const t = ifaces.token;
  const price0: Record<string, number> = {};
  for (const sym of [base, ...symbols]) {
    const p = params.collaterals.find((c) => c.symbol === sym)?.feed.mockPrice ?? params.baseAsset.feed.mockPrice!;
    price0[sym] = Number(p);
  }
  const units = (sym: string, amountUsd: number) =>
    parseUnits((amountUsd / price0[sym]).toFixed(decimals[sym]), decimals[sym]);

  // Pairs, seeded at the feed prices with the configured depth on each side.
  const pair: Record<string, string> = {};
  const isToken0: Record<string, boolean> = {};
  for (const sym of symbols) {
    await chain.send(
      me,
      factory,
      factoryInterface.encodeFunctionData("createPair", [token[sym], token[base]]),
      3_000_000,
      "setup",
    );
  }
  await chain.flush();
  for (const sym of symbols) {
    const [p] = await chain.read(factoryInterface, factory, "getPair", [token[sym], token[base]]);
    pair[sym] = p as string;
    const [t0] = await chain.read(pairInterface, pair[sym], "token0");
    isToken0[sym] = (t0 as string).toLowerCase() === token[sym].toLowerCase();
    const depth = scenario.markets[sym].ammDepthUsd;
    await chain.send(me, token[sym], t.encodeFunctionData("mint", [pair[sym], units(sym, depth)]), 100_000, "setup");
    await chain.send(me, token[base], t.encodeFunctionData("mint", [pair[sym], units(base, depth)]), 100_000, "setup");
    await chain.send(me, pair[sym], pairInterface.encodeFunctionData("mint", [me]), 300_000, "setup");
  }
  // Arbitrageur and exogenous flow: ample inventory of everything.
  for (const who of [arbitrageur, exogenous]) {
    for (const sym of [base, ...symbols]) {
      await chain.send(me, token[sym], t.encodeFunctionData("mint", [who, units(sym, 1e12)]), 100_000, "setup");
    }
  }
  await chain.flush();

  // Population plans (seeded).
  const pop = scenario.population;
  const mixTotal = Object.values(pop.mix).reduce((a, b) => a + b, 0);
  const plans: VaultPlan[] = owners.map((owner, i) => {
    let r = draw(scenario.seed, "main", i) * mixTotal;
    let main = symbols[0];
    for (const [sym, share] of Object.entries(pop.mix)) {
      if (r < share) {
        main = sym;
        break;
      }
      r -= share;
    }
    const others = symbols.filter((s) => s !== main);
    const second =
      others.length > 0 && draw(scenario.seed, "second", i) < pop.secondCollateralShare
        ? others[uniformInt(scenario.seed, 0, others.length - 1, "which", i)]
        : null;
    const band = draw(scenario.seed, "band", i);
    const utilisation =
      band < pop.leverage.edge
        ? uniform(scenario.seed, 0.9, 0.995, "u", i)
        : band < pop.leverage.edge + pop.leverage.middle
          ? uniform(scenario.seed, 0.6, 0.9, "u", i)
          : uniform(scenario.seed, 0.2, 0.6, "u", i);
    return {
      owner,
      main,
      second,
      valueUsd: logUniform(scenario.seed, pop.sizeUsd.min, pop.sizeUsd.max, "size", i),
      utilisation,
    };
  });

  // Block 1: mint collateral to owners, approvals, open vaults (the deployer opens them in order: ids 1..N).
  progress("population", 0, 4);
  const engine = record.contracts.engine;
  const poolAddr = record.contracts.pool;
  for (const [i, plan] of plans.entries()) {
    const split =
      plan.second === null
        ? [[plan.main, 1]]
        : [
            [plan.main, 0.7],
            [plan.second, 0.3],
          ];
    for (const [sym, share] of split as [string, number][]) {
      await chain.send(
        me,
        token[sym],
        t.encodeFunctionData("mint", [plan.owner, units(sym, plan.valueUsd * share)]),
        100_000,
        "setup",
      );
      await chain.send(plan.owner, token[sym], t.encodeFunctionData("approve", [engine, MaxUint256]), 100_000, "setup");
    }
    await chain.send(plan.owner, token[base], t.encodeFunctionData("approve", [engine, MaxUint256]), 100_000, "setup");
    await chain.send(me, engine, ifaces.engine.encodeFunctionData("openVault", [plan.owner]), 300_000, "setup");
    if (i % 50 === 0) progress("population", 0.0 + i / plans.length, 4);
  }
  // Lenders: supply = expected borrowing / utilisation.
  const expectedDebt = plans.reduce((a, p) => {
    const h = (sym: string) => Number(params.collaterals.find((c) => c.symbol === sym)!.risk.initialHaircut);
    const power =
      p.second === null ? p.valueUsd * (1 - h(p.main)) : p.valueUsd * (0.7 * (1 - h(p.main)) + 0.3 * (1 - h(p.second)));
    return a + power * p.utilisation;
  }, 0);
  const perLender = (expectedDebt / pop.utilisation / lenders.length) * 1.02;
  for (const l of lenders) {
    await chain.send(me, token[base], t.encodeFunctionData("mint", [l, units(base, perLender)]), 100_000, "setup");
    await chain.send(l, token[base], t.encodeFunctionData("approve", [poolAddr, MaxUint256]), 100_000, "setup");
  }
  await chain.flush();
  const [count] = await chain.read(ifaces.engine, engine, "vaultCount");
  if (Number(count) !== plans.length) throw new Error(`lab setup: ${count} vaults opened, ${plans.length} planned`);

  // Block 2: deposits and pool supply.
  progress("population", 1, 4);
  for (const [i, plan] of plans.entries()) {
    for (const sym of plan.second === null ? [plan.main] : [plan.main, plan.second]) {
      const [bal] = await chain.read(t, token[sym], "balanceOf", [plan.owner]);
      await chain.send(
        plan.owner,
        engine,
        ifaces.engine.encodeFunctionData("deposit", [i + 1, token[sym], bal]),
        400_000,
        "setup",
      );
    }
  }
  for (const l of lenders) {
    await chain.send(
      l,
      poolAddr,
      ifaces.pool.encodeFunctionData("deposit", [units(base, perLender), l]),
      400_000,
      "setup",
    );
  }
  // The feed keeper's first pokes start the oracle's trackers.
  for (const sym of symbols) {
    await chain.send(
      me,
      record.contracts.oracle,
      ifaces.oracle.encodeFunctionData("poke", [token[sym]]),
      300_000,
      "setup",
    );
  }
  await chain.flush();

  // Block 3: borrow the planned fraction of each vault's borrowing power.
  progress("population", 2, 4);
  for (const [i, plan] of plans.entries()) {
    const [max] = await chain.read(ifaces.engine, engine, "maxBorrow", [i + 1]);
    const amount = (BigInt(max as bigint) * BigInt(Math.floor(plan.utilisation * 1e6))) / 1_000_000n;
    if (amount > 0n) {
      await chain.send(
        plan.owner,
        engine,
        ifaces.engine.encodeFunctionData("borrow", [i + 1, amount, plan.owner]),
        700_000,
        "setup",
      );
    }
  }
  const receipts = await chain.flush();
  const failed = receipts.filter((r) => r.status !== "0x1").length;
  if (failed > 0 || chain.reverted.size > 0) {
    throw new Error(
      `lab setup: ${[...chain.reverted.entries()].map(([k, v]) => `${v} ${k}`).join(", ")} transactions reverted`,
    );
  }
  progress("population", 4, 4);

  return {
    chain,
    c: {
      bw,
      addr: record.contracts,
      token,
      decimals,
      feed,
      pair,
      isToken0,
      router,
      scanner,
      naiveCurve,
      symbols,
      base,
      deployer: me,
      keeper,
      arbitrageur,
      exogenous,
      lenders,
      plans,
      params,
      ifaces,
    },
  };
}

/** Applies the naive configuration with the protocol's own governance setters (the deployer is risk manager locally). */
async function configureNaive(chain: Chain, c: Contracts, scenario: Scenario) {
  const cut = 1 - scenario.naive.discount;
  const curveAddr = c.naiveCurve;
  const p = c.params.liquidation;
  const me = c.deployer;
  const dec = c.decimals[c.base];
  // Whole positions: the largest target HF and lot buffer the bounds allow put the whole collateral up and
  // cover (nearly) all the debt; no cure window: kick at once.
  await chain.send(
    me,
    c.addr.auctionHouse,
    c.ifaces.auctionHouse.encodeFunctionData("setAuctionParameters", [
      {
        targetHealthFactor: wad("2"),
        hardFloor: wad(p.hardFloor),
        lotBuffer: wad("3"),
        cureWindow: 0,
        keeperChip: wad(p.keeperChip),
        keeperTip: parseUnits(p.keeperTip, dec),
        dust: parseUnits(p.dust, dec),
      },
    ]),
    500_000,
    "naive-config",
  );
  // Fixed discount: start at the oracle price, one stair step (one block) later `discount` below it; a
  // second step falls below the reset ratio, so a stale auction restarts at the fresh oracle price.
  const resetRatio = Math.pow(cut, 1.5);
  for (const col of c.params.collaterals) {
    await chain.send(
      me,
      c.addr.auctionHouse,
      c.ifaces.auctionHouse.encodeFunctionData("setCollateralAuctionConfig", [
        c.token[col.symbol],
        {
          curve: curveAddr,
          penalty: wad(col.auction.penalty),
          startBuffer: WAD,
          resetPriceRatio: parseUnits(resetRatio.toFixed(6), 18),
          maxDuration: 300,
        },
      ]),
      500_000,
      "naive-config",
    );
    // No throttle (zero caps = no limit), a price-drop breaker that never trips (90%, the bound).
    await chain.send(
      me,
      c.addr.circuitBreaker,
      c.ifaces.breaker.encodeFunctionData("setAssetConfig", [
        c.token[col.symbol],
        { maxDrop: wad("0.9"), cooldown: 60, refillPeriod: 60, debtUnderAuctionCap: 0, bucketCapacity: 0 },
      ]),
      500_000,
      "naive-config",
    );
  }
  const b = c.params.breakers;
  await chain.send(
    me,
    c.addr.circuitBreaker,
    c.ifaces.breaker.encodeFunctionData("setGlobalConfig", [
      {
        globalDebtUnderAuctionCap: 0,
        maxPauseDuration: b.maxPauseDuration,
        pauseCooldown: b.pauseCooldown,
        gracePeriod: 0,
      },
    ]),
    500_000,
    "naive-config",
  );
  await chain.flush();
  if ((chain.reverted.get("naive-config") ?? 0) > 0) throw new Error("naive configuration reverted");
}

/** LiquidationScanner.AuctionQuote. */
interface AuctionQuote {
  auctionId: bigint;
  active: boolean;
  lot: bigint;
  tab: bigint;
  top: bigint;
  startedAt: bigint;
  price: bigint;
  needsReset: boolean;
}

/** A vault as the keeper scans it (LiquidationScanner.VaultState). */
interface VaultState {
  id: number;
  hf: bigint;
  marginCallAt: number;
  blocking: bigint;
  open: number;
  debt: bigint;
  priced: boolean;
}

interface AuctionInfo {
  id: bigint;
  vault: number;
  asset: string;
  /** Start price [wad base per token] and start time, from AuctionStarted / AuctionReset. */
  top: bigint;
  startedAt: number;
  /** Tab left [base units], from AuctionStarted / AuctionTaken. */
  tab: bigint;
}

/** Runs one variant from the current chain state. */
export async function runVariant(
  chain: Chain,
  c: Contracts,
  scenario: Scenario,
  variant: Variant,
  progress: Progress = () => {},
): Promise<RunResult> {
  const started = performance.now();
  const sentBefore = chain.sent;
  chain.reverted.clear();
  // Both variants start from the same state: their "before" snapshot is read once.
  const before = c.startSnapshot ?? (c.startSnapshot = await vaultSnapshots(chain, c));
  if (variant === "naive") await configureNaive(chain, c, scenario);
  await chain.setBlockGasLimit(scenario.blockGasLimit);
  const I = c.ifaces;
  const A = c.addr;
  const base = c.base;
  const baseUnit = 10 ** c.decimals[base];
  const symbols = c.symbols;
  const symOf = new Map<string, string>(symbols.map((s) => [c.token[s].toLowerCase(), s]));
  const sources = new Map<string, Interface>([
    [A.engine.toLowerCase(), I.engine],
    [A.auctionHouse.toLowerCase(), I.auctionHouse],
    [A.pool.toLowerCase(), I.pool],
    [A.insuranceFund.toLowerCase(), I.fund],
    [A.circuitBreaker.toLowerCase(), I.breaker],
    [c.router.toLowerCase(), I.router],
    [c.token[base].toLowerCase(), I.token],
  ]);
  const [ap] = await chain.read(I.auctionHouse, A.auctionHouse, "auctionParameters");
  const auctionParams = ap as unknown as { cureWindow: bigint; hardFloor: bigint; dust: bigint };
  const cureWindow = Number(auctionParams.cureWindow);
  const hardFloor = BigInt(auctionParams.hardFloor);
  const dust = BigInt(auctionParams.dust);
  const cfg: Record<string, { resetPriceRatio: bigint; maxDuration: number }> = {};
  for (const s of symbols) {
    const [x] = await chain.read(I.auctionHouse, A.auctionHouse, "collateralAuctionConfig", [c.token[s]]);
    const k = x as unknown as { resetPriceRatio: bigint; maxDuration: bigint };
    cfg[s] = { resetPriceRatio: BigInt(k.resetPriceRatio), maxDuration: Number(k.maxDuration) };
  }

  // Markets: reserves (token units) as (asset, base), model kept equal to the chain.
  const reserves: Record<string, { asset: bigint; base: bigint }> = {};
  const readReserves = async () => {
    for (const s of symbols) {
      const [r0, r1] = (await chain.read(pairInterface, c.pair[s], "getReserves")) as bigint[];
      reserves[s] = c.isToken0[s] ? { asset: r0, base: r1 } : { asset: r1, base: r0 };
    }
  };
  await readReserves();
  const unitsPerUsd = (s: string) => 10 ** c.decimals[s];
  const spotUsd = (s: string) => Number(reserves[s].base) / baseUnit / (Number(reserves[s].asset) / unitsPerUsd(s));
  const startPrice: Record<string, number> = {};
  const venues: Record<string, ExternalVenue | null> = {};
  const exoPath: Record<string, number> = {}; // exogenous price level (used when there is no external venue)
  for (const s of symbols) {
    startPrice[s] = spotUsd(s);
    exoPath[s] = startPrice[s];
    const depth = scenario.markets[s].externalDepthUsd;
    venues[s] =
      depth > 0
        ? new ExternalVenue(BigInt(Math.round((depth / startPrice[s]) * 1e6)), BigInt(Math.round(depth * 1e6)))
        : null;
  }
  const refPrice = (s: string) => (venues[s] ? venues[s]!.price() : exoPath[s]);

  const spotHistory: Record<string, number[]> = Object.fromEntries(symbols.map((s) => [s, []]));
  const blocks: BlockRecord[] = [];
  const auctions = new Map<bigint, AuctionInfo>();
  const liquidated = new Set<number>();
  const everUnhealthy = new Set<number>();
  const unhealthyNow = new Set<number>();
  const cureSucceeded = new Map<number, number>(); // vault -> step of its cure
  const plannedCures = new Map<number, number>(); // vault -> step at which the owner acts
  const episodes = new Map<number, number>();
  const badDebtCandidates = new Set<number>();
  let keeperProfit = 0n;
  let quiet = 0;
  let stabilisedAtStep: number | null = null;
  const insurance = { penalties: 0n, incentives: 0n, covered: 0n, socialised: 0n };
  let tookSinceLastWave = false;
  const waveRef: Record<string, number | null> = {};
  const shock = scenario.shock;
  const shockEnd = shock.startBlock + shock.durationBlocks + shock.recoveryBlocks;
  const fundAddr = A.insuranceFund.toLowerCase();
  const poolAddr = A.pool.toLowerCase();
  const flows = { fundIn: 0n, fundOut: 0n, poolDeposit: 0n, poolWithdraw: 0n, poolBorrow: 0n, poolRepay: 0n };
  const [fundStart] = await chain.read(I.token, c.token[base], "balanceOf", [A.insuranceFund]);
  const [cashStart] = await chain.read(I.pool, A.pool, "cash");
  const txCounts = { total: 0 };
  const ownerVault = new Map<string, number>(c.plans.map((p, i) => [p.owner.toLowerCase(), i + 1]));
  const me = c.deployer;

  /** Sells `sellAsset` collateral units, or else spends `spendBase` base units, on the pair (model kept equal). */
  const swapTx = async (
    who: string,
    s: string,
    sellAsset: bigint,
    spendBase: bigint,
    label: string,
    priority: number,
  ) => {
    const r = reserves[s];
    const selling = sellAsset > 0n;
    const amountIn = selling ? sellAsset : spendBase;
    if (amountIn <= 0n) return;
    const out = selling ? amountOut(amountIn, r.asset, r.base) : amountOut(amountIn, r.base, r.asset);
    if (out <= 0n) return;
    const tokenIn = selling ? c.token[s] : c.token[base];
    await chain.send(
      who,
      tokenIn,
      I.token.encodeFunctionData("transfer", [c.pair[s], amountIn]),
      100_000,
      label,
      priority,
    );
    // The pair pays out the other token: base when selling collateral, collateral when buying it.
    const outIsToken0 = selling !== c.isToken0[s];
    const [o0, o1] = outIsToken0 ? [out, 0n] : [0n, out];
    await chain.send(
      who,
      c.pair[s],
      pairInterface.encodeFunctionData("swap", [o0, o1, who, "0x"]),
      200_000,
      label,
      priority,
    );
    if (selling) {
      r.asset += amountIn;
      r.base -= out;
    } else {
      r.base += amountIn;
      r.asset -= out;
    }
    return out;
  };

  /** A scanner view over `items`, in chunks: one eth_call is capped at the block gas limit. */
  const readChunked = async <T, R>(items: T[], fn: string, args: (chunk: T[]) => unknown[]): Promise<R[]> => {
    const out: R[] = [];
    for (let i = 0; i < items.length; i += SCAN_CHUNK) {
      const [part] = await chain.read(I.scanner, c.scanner, fn, args(items.slice(i, i + SCAN_CHUNK)));
      out.push(...(part as unknown as R[]));
    }
    return out;
  };

  const scanStats = { ids: 0, carried: 0 };
  if (process.env.LAB_DEBUG) {
    const dec = new ErrorDecoder(Object.values(I));
    const seen = new Map<string, number>();
    chain.onRevert = async (label, hash) => {
      const n = (seen.get(label) ?? 0) + 1;
      seen.set(label, n);
      if (n > 3) return;
      const trace = (await chain.provider.send("debug_traceTransaction", [
        hash,
        { disableStorage: true, disableMemory: true, disableStack: true },
      ])) as { returnValue: string };
      const data = trace.returnValue.startsWith("0x") ? trace.returnValue : "0x" + trace.returnValue;
      const d = dec.decodeData(data);
      console.error(`[${variant}] reverted ${label}: ${d ? describe(d) : data.slice(0, 10)}`);
    };
  }
  let lastFullScan = -1000;
  /** Oracle prices at the end of the last mined block (null while the oracle fails). */
  const oracleSeen: Record<string, number | null> = {};
  for (const s of symbols) {
    const [p, failure] = (await chain.read(I.oracle, A.oracle, "tryGetPrice", [c.token[s]])) as [bigint, bigint];
    oracleSeen[s] = Number(failure) === 0 ? Number(p) / 1e18 : null;
  }
  const known = new Map<number, { hf: number; at: Record<string, number | null> }>();
  /** The keeper's last scanned state of each vault in shortfall. */
  const lastState = new Map<number, VaultState>();
  const hardFloorHf = Number(hardFloor) / 1e18;
  const dustUsd = dust * 10n ** BigInt(18 - c.decimals[base]);
  const touched = new Set<number>();
  const estimateHf = (id: number): number => {
    const k = known.get(id);
    if (k === undefined) return 0;
    const plan = c.plans[id - 1];
    let ratio = 1;
    for (const s of plan.second === null ? [plan.main] : [plan.main, plan.second]) {
      const now = oracleSeen[s];
      const then = k.at[s];
      if (now === null || then === null || then === undefined) return 0;
      ratio = Math.min(ratio, now / then);
    }
    return k.hf * ratio;
  };
  const curveOf = () =>
    variant === "naive"
      ? { kind: "stairstep", cut: 1 - scenario.naive.discount, step: scenario.blockSeconds, duration: 0 }
      : (() => {
          const k = c.params.liquidation.curve;
          return k.kind === "linear"
            ? { kind: "linear", cut: 0, step: 1, duration: k.duration }
            : { kind: k.kind, cut: Number(k.cut), step: k.step, duration: 0 };
        })();
  /** Off-chain estimate of an auction's price factor (the exact price is read on chain before a take). */
  const factorEstimate = (s: string, elapsed: number) => {
    void s;
    const k = curveOf();
    if (k.kind === "linear") return Math.max(0, 1 - elapsed / k.duration);
    if (k.kind === "stairstep") return Math.pow(k.cut, Math.floor(elapsed / k.step));
    return Math.pow(k.cut, elapsed / k.step);
  };

  for (let step = 1; step <= scenario.maxBlocks; step++) {
    const nextTs = chain.timestamp + scenario.blockSeconds;
    let pendingCures = 0;
    // --- 1. exogenous flow (the shock), on both venues, by the same factor
    for (const s of symbols) {
      let ratio = 1;
      if (s === shock.asset) {
        if (shock.kind === "slide") {
          if (step >= shock.startBlock && step < shock.startBlock + shock.durationBlocks) {
            ratio = Math.pow(1 - shock.size, 1 / shock.durationBlocks);
          }
        } else if (step === shock.startBlock) {
          ratio = 1 - shock.size;
        }
        if (shock.kind === "flash" && step > shock.startBlock && step <= shock.startBlock + shock.recoveryBlocks) {
          ratio = Math.pow(1 / (1 - shock.size), 1 / shock.recoveryBlocks);
        }
      }
      if (ratio !== 1) {
        exoPath[s] *= ratio;
        venues[s]?.move(ratio);
        const t = tradeToPrice(reserves[s].asset, reserves[s].base, ratio);
        await swapTx(c.exogenous, s, (t.sellAsset * 1000n) / 997n, (t.spendBase * 1000n) / 997n, "exogenous", 50);
      }
    }
    // --- 1b. the wider market's resilience: other traders pull the external venue back toward the
    // fundamental (exogenous) price, so the impact of forced sales decays instead of staying forever.
    for (const s of symbols) {
      const v = venues[s];
      const k = scenario.markets[s].resilience;
      if (v === null || k === 0) continue;
      const gap = Math.log(exoPath[s] / v.price());
      if (Math.abs(gap) > 1e-6) v.move(Math.exp(k * gap));
    }
    // --- 2. arbitrage between the pair and the external venue
    if (scenario.agents.arbitrage.enabled) {
      for (const s of symbols) {
        const gap = Math.log(refPrice(s) / spotUsd(s));
        if (Math.abs(gap) < 0.004) continue; // inside the pair's fee: no profit
        const ratio = Math.exp(scenario.agents.arbitrage.speed * gap);
        const t = tradeToPrice(reserves[s].asset, reserves[s].base, ratio);
        const got = await swapTx(
          c.arbitrageur,
          s,
          (t.sellAsset * 1000n) / 997n,
          (t.spendBase * 1000n) / 997n,
          "arbitrage",
          40,
        );
        const v = venues[s];
        if (v && got !== undefined) {
          // The arbitrageur unwinds on the external venue: what it bought on the pair it sells there, and back.
          if (t.spendBase > 0n) v.sellAsset(toVenueAsset(s, got));
          else v.buyAsset(toVenueBase(got));
        }
      }
    }
    // --- 3. feed keeper: feeds follow the pairs (TWAP of start-of-block spot prices), then poke
    const outage = shock.kind === "outage" && step >= shock.startBlock && step < shock.startBlock + shock.outageBlocks;
    for (const s of symbols) {
      spotHistory[s].push(spotUsd(s));
      if (spotHistory[s].length > scenario.oracle.twapBlocks) spotHistory[s].shift();
    }
    if (!outage) {
      await chain.send(
        me,
        c.feed[base],
        I.feed.encodeFunctionData("updateAnswer", [10n ** BigInt(FEED_DECIMALS)]),
        250_000,
        "feed",
        30,
      );
      for (const s of symbols) {
        const h = spotHistory[s];
        const twap = h.reduce((a, b) => a + b, 0) / h.length;
        const answer = BigInt(Math.round(twap * 10 ** FEED_DECIMALS));
        await chain.send(me, c.feed[s], I.feed.encodeFunctionData("updateAnswer", [answer]), 250_000, "feed", 30);
        await chain.send(me, A.oracle, I.oracle.encodeFunctionData("poke", [c.token[s]]), 300_000, "poke", 30);
      }
    }

    // --- 4. keepers and borrowers read the chain (state at the end of the previous block)
    // One health factor costs ~2.5 ms of eth_call time (measured), so the keeper does not rescan every
    // vault every block. It keeps each vault's last health factor with the oracle prices it was read at;
    // a health factor moves with its collaterals' prices, so a vault is rescanned when its estimate
    // (last HF x the worst price ratio of its collaterals since) falls below RESCAN_BELOW, when a mined
    // event touched it, and in a full scan every FULL_SCAN_EVERY blocks (which also catches haircut
    // add-ons that grow with volatility).
    const full = step - lastFullScan >= FULL_SCAN_EVERY;
    const ids: number[] = [];
    const carried: VaultState[] = [];
    for (let id = 1; id <= c.plans.length; id++) {
      if (full || touched.has(id)) {
        ids.push(id);
        continue;
      }
      const est = estimateHf(id);
      if (est >= RESCAN_BELOW) continue;
      // A vault in shortfall that the keeper can only wait on (its auction is open, or its cure window
      // runs and it is well above the hard floor) keeps its last state until an event touches it.
      const last = lastState.get(id);
      const cureDue = (plannedCures.get(id) ?? Infinity) <= step;
      const waiting =
        last !== undefined &&
        last.priced &&
        (last.blocking !== 0n ||
          (cureWindow > 0 &&
            last.marginCallAt !== 0 &&
            nextTs < last.marginCallAt + cureWindow &&
            est > hardFloorHf * 1.02));
      if (waiting && !cureDue) carried.push(last);
      else ids.push(id);
    }
    if (full) lastFullScan = step;
    scanStats.ids += ids.length;
    scanStats.carried += carried.length;
    touched.clear();
    const found = await readChunked<number, unknown>(ids, "scanIds", (chunk) => [chunk, MaxUint256]);
    const scanned = (
      found as unknown as {
        id: bigint;
        healthFactor: bigint;
        marginCallAt: bigint;
        blockingAuction: bigint;
        openAuctions: bigint;
        debt: bigint;
        priced: boolean;
      }[]
    ).map((x) => ({
      id: Number(x.id),
      hf: BigInt(x.healthFactor),
      marginCallAt: Number(x.marginCallAt),
      blocking: BigInt(x.blockingAuction),
      open: Number(x.openAuctions),
      debt: BigInt(x.debt),
      priced: x.priced,
    }));
    const withDebt = new Set<number>();
    for (const id of ids) lastState.delete(id);
    for (const v of scanned) {
      withDebt.add(v.id);
      if (v.priced) known.set(v.id, { hf: Number(v.hf) / 1e18, at: { ...oracleSeen } });
      else known.delete(v.id); // unpriced (oracle failure): rescan every block until it is priced again
    }
    for (const id of ids) if (!withDebt.has(id)) known.set(id, { hf: Infinity, at: { ...oracleSeen } });
    for (const v of scanned) lastState.set(v.id, v);
    const states = [...scanned.filter((v) => !v.priced || v.hf < WAD), ...carried];
    let newly = 0;
    const unhealthySet = new Set<number>();
    for (const v of states) {
      if (!v.priced) continue;
      unhealthySet.add(v.id);
      if (!unhealthyNow.has(v.id)) {
        newly++;
        everUnhealthy.add(v.id);
        // The owner decides once per episode whether and when to cure.
        const ep = (episodes.get(v.id) ?? 0) + 1;
        episodes.set(v.id, ep);
        const b = scenario.agents.borrowers;
        if (draw(scenario.seed, "cure", v.id, ep) < b.cureProbability) {
          plannedCures.set(
            v.id,
            step + uniformInt(scenario.seed, b.reactionBlocks.min, b.reactionBlocks.max, "delay", v.id, ep),
          );
        }
      }
    }
    unhealthyNow.clear();
    for (const id of unhealthySet) unhealthyNow.add(id);
    // An owner cures only while the vault is in shortfall: a planned cure lapses once it is healthy again.
    for (const id of [...plannedCures.keys()]) if (!unhealthySet.has(id)) plannedCures.delete(id);

    // Breaker state per asset (Breakwater keepers respect it and record oracle failures/recoveries).
    const blocked: Record<string, boolean> = {};
    const roomLeft: Record<string, bigint> = {};
    const openPairs = new Set([...auctions.values()].map((a) => `${a.vault}:${a.asset}`));
    for (const s of symbols) {
      const [view] = await chain.read(I.breaker, A.circuitBreaker, "assetView", [c.token[s]]);
      const v = view as unknown as {
        tripped: boolean;
        oracleFailed: boolean;
        oracleFailure: bigint;
        graceUntil: bigint;
        debtUnderAuction: bigint;
        debtUnderAuctionCap: bigint;
        bucketAvailable: bigint;
        bucketCapacity: bigint;
      };
      const failing = Number(v.oracleFailure) !== 0;
      // Throttle room [wad usd] for kicks this block: the bucket, and the asset's debt cap (below dust
      // left under it, a kick would revert with AuctionThrottled).
      roomLeft[s] =
        BigInt(v.debtUnderAuctionCap) !== 0n && BigInt(v.debtUnderAuctionCap) - BigInt(v.debtUnderAuction) < dust
          ? 0n
          : BigInt(v.bucketCapacity) === 0n
            ? MaxUint256
            : BigInt(v.bucketAvailable);
      blocked[s] = v.tripped || v.oracleFailed || failing || Number(v.graceUntil) > nextTs;
      if (variant === "breakwater") {
        if (failing && !v.oracleFailed) {
          await chain.send(
            c.keeper,
            A.circuitBreaker,
            I.breaker.encodeFunctionData("recordOracleFailure", [c.token[s]]),
            200_000,
            "oracle-failure",
            10,
          );
        } else if (!failing && v.oracleFailed && !outage) {
          await chain.send(
            c.keeper,
            A.circuitBreaker,
            I.breaker.encodeFunctionData("recordOracleRecovery", [c.token[s]]),
            200_000,
            "oracle-recovery",
            10,
          );
        }
      }
    }

    // Borrowers: cure by repaying down to the cure HF (funds from outside: minted to the owner first).
    for (const v of states) {
      const at = plannedCures.get(v.id);
      if (at === undefined || at > step || !v.priced) continue;
      plannedCures.delete(v.id);
      if (v.blocking !== 0n || v.open > 0 || v.hf === 0n) continue; // already being liquidated
      const target = BigInt(Math.round(scenario.agents.borrowers.cureHealthFactor * 1e6)) * 10n ** 12n;
      const repay = (v.debt * (target - v.hf)) / target + 1n;
      const owner = c.plans[v.id - 1].owner;
      await chain.send(
        me,
        c.token[base],
        I.token.encodeFunctionData("mint", [owner, repay]),
        100_000,
        "cure-funds",
        21,
      );
      if (
        await chain.send(
          owner,
          A.engine,
          I.engine.encodeFunctionData("repay", [v.id, repay]),
          500_000,
          `cure:${v.id}`,
          20,
        )
      ) {
        pendingCures++;
      }
    }

    // Keeper: bad debt, margin calls and kicks.
    let kicksSent = 0;
    for (const v of states.sort((a, b) => (a.hf < b.hf ? -1 : 1))) {
      if (!v.priced || v.blocking !== 0n) continue;
      if (v.hf === 0n && v.open === 0) {
        const [cols] = await chain.read(I.engine, A.engine, "collateralsOf", [v.id]);
        if ((cols as string[]).length === 0) {
          await chain.send(
            c.keeper,
            A.engine,
            I.engine.encodeFunctionData("realiseBadDebt", [v.id]),
            800_000,
            "bad-debt",
            10,
          );
          continue;
        }
      }
      const belowFloor = v.hf < hardFloor;
      if (cureWindow > 0 && !belowFloor) {
        if (v.marginCallAt === 0) {
          await chain.send(
            c.keeper,
            A.engine,
            I.engine.encodeFunctionData("flagMarginCall", [v.id]),
            300_000,
            "flag",
            10,
          );
          continue;
        }
        if (nextTs < v.marginCallAt + cureWindow) continue;
      }
      if (kicksSent >= scenario.agents.keeper.maxKicksPerBlock) continue;
      const plan = c.plans[v.id - 1];
      const held = plan.second === null ? [plan.main] : [plan.main, plan.second];
      if (variant === "breakwater" && !belowFloor && held.every((x) => blocked[x])) continue;
      // Kick the collateral with the largest maintenance value (a one-collateral vault: that one).
      const assets =
        plan.second === null
          ? [{ asset: c.token[plan.main] }]
          : (
              (await chain.read(I.engine, A.engine, "healthBreakdown", [v.id]))[0] as unknown as {
                assets: { asset: string; amount: bigint; maintenanceValue: bigint }[];
              }
            ).assets
              .map((x) => ({ asset: x.asset, amount: x.amount, maintenanceValue: x.maintenanceValue }))
              .filter((x) => BigInt(x.amount) > 0n)
              .sort((x, y) => (BigInt(y.maintenanceValue) > BigInt(x.maintenanceValue) ? 1 : -1));
      for (const x of assets) {
        const s = symOf.get(x.asset.toLowerCase());
        if (s === undefined) continue;
        if (variant === "breakwater" && blocked[s] && !belowFloor) continue;
        if (openPairs.has(`${v.id}:${s}`)) continue; // one auction per vault and collateral
        if (roomLeft[s] < dustUsd) break; // the throttle has no room: the keeper waits for the bucket
        // A kick the bucket cannot hold in full is scaled down to take all of what is left.
        const estimate = (v.debt * 10n ** BigInt(18 - c.decimals[base]) * 143n) / 100n; // tab x lot buffer
        roomLeft[s] = estimate >= roomLeft[s] ? 0n : roomLeft[s] - estimate;
        if (
          await chain.send(
            c.keeper,
            A.auctionHouse,
            I.auctionHouse.encodeFunctionData("kick", [v.id, x.asset, c.keeper]),
            1_200_000,
            "kick",
            10,
          )
        ) {
          kicksSent++;
        }
        break;
      }
    }

    // Keeper: takes (flash, selling into the pair) and resets, best price first.
    let takesSent = 0;
    const minProfit = BigInt(Math.round(scenario.agents.keeper.minProfitUsd * baseUnit));
    // Auctions whose estimated price the pair may pay, or near a reset, quoted on chain in one call.
    const worthQuoting = [...auctions.values()].filter((a) => {
      const s = a.asset;
      const age = nextTs - a.startedAt;
      const est = factorEstimate(s, age);
      const resetRatio = Number(cfg[s].resetPriceRatio) / 1e18;
      const nearReset = age > cfg[s].maxDuration || est < resetRatio * 1.002;
      // Skip auctions whose estimated price is clearly above what the pair pays at the margin.
      return nearReset || (Number(a.top) / 1e18) * est * 0.995 <= spotUsd(s) * 0.997;
    });
    const quotes = await readChunked<AuctionInfo, AuctionQuote>(worthQuoting, "quoteAuctions", (chunk) => [
      chunk.map((a) => a.id),
      nextTs,
    ]);
    for (const [i, a] of worthQuoting.entries()) {
      if (takesSent >= scenario.agents.keeper.maxTakesPerBlock) break;
      const s = a.asset;
      const status = quotes[i];
      if (!status.active) continue;
      const price = BigInt(status.price); // [wad base per token]
      if (status.needsReset) {
        if (!(variant === "breakwater" && blocked[s])) {
          await chain.send(
            c.keeper,
            A.auctionHouse,
            I.auctionHouse.encodeFunctionData("reset", [a.id, c.keeper]),
            600_000,
            "reset",
            10,
          );
        }
        continue;
      }
      const unit = 10n ** BigInt(c.decimals[s]);
      const r = reserves[s];
      // Price in base units per token unit = price * baseUnit / (unit * WAD). Marginal sale price at q equals
      // it when (1000 Ri + 997 q)^2 = 997000 Ri Ro unit WAD / (price baseUnit).
      const bu = BigInt(baseUnit);
      const rhs = (997_000n * r.asset * r.base * unit * WAD) / (price * bu);
      const qStar = (isqrt(rhs) - 1000n * r.asset) / 997n;
      if (qStar <= 0n) continue;
      const lot = BigInt(status.lot);
      const tab = BigInt(status.tab);
      const scale = price * bu;
      const uw = unit * WAD;
      // What the auction house's take would do with a request for `want` collateral (its `_quote`):
      // null when it would revert.
      const quote = (want: bigint): { col: bigint; owe: bigint } | null => {
        let col = want < lot ? want : lot;
        let owe = (col * scale + uw - 1n) / uw;
        if (owe >= tab) {
          owe = tab;
          const byTab = (tab * uw) / scale;
          col = byTab < lot ? byTab : lot;
        } else if (col < lot) {
          if (tab - owe < dust) {
            if (tab <= dust) return null;
            owe = tab - dust;
            col = (owe * uw) / scale;
          }
          if (((lot - col) * scale) / uw < dust) return null;
        }
        return col === 0n || owe === 0n ? null : { col, owe };
      };
      // Candidates: sell up to where the pair's marginal price meets the auction's, the whole tab, the
      // whole lot; keep the most profitable one the auction house accepts.
      const tabCollateral = (tab * uw + scale - 1n) / scale;
      let best: { want: bigint; col: bigint; owe: bigint; proceeds: bigint } | null = null;
      for (const want of [qStar, tabCollateral, lot]) {
        const k = quote(want);
        if (k === null || k.col >= r.asset) continue;
        const proceeds = amountOut(k.col, r.asset, r.base);
        if (proceeds < k.owe + minProfit) continue;
        if (best === null || proceeds - k.owe > best.proceeds - best.owe) best = { want, ...k, proceeds };
      }
      if (best === null) continue;
      const q = best.col;
      const proceeds = best.proceeds;
      if (
        await chain.send(
          c.keeper,
          c.router,
          I.router.encodeFunctionData("flashTake", [a.id, best.want, price, c.pair[s], minProfit]),
          1_000_000,
          "take",
          10,
        )
      ) {
        takesSent++;
        r.asset += q;
        r.base -= proceeds;
      }
    }

    // --- 5. mine, then read what happened
    const mined = await chain.mine(scenario.blockSeconds);
    txCounts.total += mined.receipts.length;
    const rec: BlockRecord = {
      step,
      block: mined.number,
      timestamp: mined.timestamp,
      ammPrice: {},
      oraclePrice: {},
      referencePrice: {},
      kicks: 0,
      deferredKicks: 0,
      takes: 0,
      resets: 0,
      flags: 0,
      cures: 0,
      soldUsd: 0,
      sold: Object.fromEntries(symbols.map((s) => [s, 0])),
      badDebtUsd: 0,
      unhealthy: unhealthySet.size,
      newlyUnhealthy: newly,
      activeAuctions: 0,
      trips: 0,
      reverted: mined.receipts.filter((x) => x.status !== "0x1").length,
      txs: mined.receipts.length,
    };
    for (const r of mined.receipts) {
      if (r.status !== "0x1") continue;
      // Cure transactions are sent by owners to the engine's repay.
      const vault = ownerVault.get(r.from.toLowerCase());
      if (vault !== undefined && r.to?.toLowerCase() === A.engine.toLowerCase()) {
        rec.cures++;
        cureSucceeded.set(vault, step);
        touched.add(vault);
      }
    }
    void pendingCures;
    for (const e of decodeLogs(mined.logs, sources)) {
      const has = (name: string) => e.fragment.inputs.some((x) => x.name === name);
      const touchedVault = has("vault")
        ? Number(e.args.vault)
        : has("auctionId")
          ? auctions.get(BigInt(e.args.auctionId))?.vault
          : has("id") && e.address === A.engine.toLowerCase()
            ? Number(e.args.id)
            : undefined;
      if (touchedVault !== undefined && touchedVault > 0) touched.add(touchedVault);
      switch (e.name) {
        case "AuctionStarted": {
          const id = BigInt(e.args.auctionId);
          const vault = Number(e.args.vault);
          auctions.set(id, {
            id,
            vault,
            asset: symOf.get(String(e.args.asset).toLowerCase())!,
            top: BigInt(e.args.top),
            startedAt: mined.timestamp,
            tab: BigInt(e.args.debt) + BigInt(e.args.penalty),
          });
          liquidated.add(vault);
          rec.kicks++;
          insurance.incentives += BigInt(e.args.keeperReward);
          break;
        }
        case "AuctionReset": {
          const a = auctions.get(BigInt(e.args.auctionId));
          if (a) {
            a.top = BigInt(e.args.top);
            a.startedAt = mined.timestamp;
          }
          rec.resets++;
          insurance.incentives += BigInt(e.args.keeperReward);
          break;
        }
        case "KickDeferred":
          rec.deferredKicks++;
          break;
        case "AuctionTaken": {
          rec.takes++;
          const a = auctions.get(BigInt(e.args.auctionId));
          if (a) a.tab = BigInt(e.args.tabLeft);
          break;
        }
        case "AuctionSettled":
          auctions.delete(BigInt(e.args.auctionId));
          badDebtCandidates.add(Number(e.args.vault));
          break;
        case "FlashTake": {
          const a = auctions.get(BigInt(e.args.auctionId));
          const s = a?.asset ?? symbols[0];
          rec.soldUsd += Number(e.args.proceeds) / baseUnit;
          rec.sold[s] += Number(e.args.collateral) / unitsPerUsd(s);
          keeperProfit += BigInt(e.args.proceeds) - BigInt(e.args.owe);
          break;
        }
        case "MarginCallFlagged":
          rec.flags++;
          break;
        case "BadDebtRealised":
          rec.badDebtUsd += (Number(e.args.covered) + Number(e.args.socialised)) / baseUnit;
          insurance.covered += BigInt(e.args.covered);
          insurance.socialised += BigInt(e.args.socialised);
          break;
        case "Tripped":
          rec.trips++;
          break;
        case "Transfer":
          if (e.address === c.token[base].toLowerCase()) {
            const from = String(e.args.from).toLowerCase();
            const to = String(e.args.to).toLowerCase();
            const v = BigInt(e.args.value);
            if (to === fundAddr) flows.fundIn += v;
            if (from === fundAddr) flows.fundOut += v;
            if (to === fundAddr && from === c.router.toLowerCase()) insurance.penalties += v;
          }
          break;
        case "Deposit":
          if (e.address === poolAddr) flows.poolDeposit += BigInt(e.args.assets);
          break;
        case "Withdraw":
          if (e.address === poolAddr) flows.poolWithdraw += BigInt(e.args.assets);
          break;
        case "Borrowed":
          if (e.address === poolAddr) flows.poolBorrow += BigInt(e.args.assets);
          break;
        case "Repaid":
          if (e.address === poolAddr) flows.poolRepay += BigInt(e.args.assets);
          break;
      }
    }
    if (rec.newlyUnhealthy > 0) {
      // A liquidation wave: vaults falling into shortfall on a new leg down of the price the protocol
      // sees (at least WAVE_DROP below its level at the previous wave) after liquidation selling since
      // that wave. The first batch of vaults in shortfall (the shock's) is the first wave.
      const first = !blocks.some((b) => b.wave === true);
      const newLeg = symbols.some((s) => {
        const now = oracleSeen[s];
        const ref = waveRef[s];
        return now !== null && ref !== null && now <= ref * (1 - WAVE_DROP);
      });
      if (first || (tookSinceLastWave && newLeg)) {
        rec.wave = true;
        tookSinceLastWave = false;
        Object.assign(waveRef, oracleSeen);
      }
    }
    if (rec.takes > 0) tookSinceLastWave = true;
    rec.activeAuctions = auctions.size;
    await readReserves();
    for (const s of symbols) {
      rec.ammPrice[s] = spotUsd(s);
      rec.referencePrice[s] = refPrice(s);
      const [p, failure] = (await chain.read(I.oracle, A.oracle, "tryGetPrice", [c.token[s]])) as [bigint, bigint];
      rec.oraclePrice[s] = Number(failure) === 0 ? Number(p) / 1e18 : null;
      oracleSeen[s] = rec.oraclePrice[s];
    }
    blocks.push(rec);

    // Quiet: past the shock, no liquidation activity, nothing waiting, prices steady.
    const prev = blocks.length > 1 ? blocks[blocks.length - 2] : undefined;
    const steady =
      prev !== undefined &&
      symbols.every((s) => Math.abs(rec.ammPrice[s] / prev.ammPrice[s] - 1) <= scenario.stabilise.priceTolerance);
    // Auctions with a tab below dust (no keeper profit at a fixed discount, no market impact) and the
    // vaults only they are liquidating do not keep a run from being quiet; resets move nothing either.
    const liveAuctions = [...auctions.values()].filter((a) => a.tab >= dust);
    const dustOnly = new Set([...auctions.values()].filter((a) => a.tab < dust).map((a) => a.vault));
    for (const a of liveAuctions) dustOnly.delete(a.vault);
    const active =
      rec.kicks + rec.takes + rec.flags + rec.badDebtUsd + rec.deferredKicks > 0 ||
      liveAuctions.length > 0 ||
      [...unhealthySet].some((id) => !dustOnly.has(id)) ||
      plannedCures.size > 0;
    if (step > shockEnd && !active && steady && !outage) {
      quiet++;
      if (stabilisedAtStep === null) stabilisedAtStep = step;
    } else {
      quiet = 0;
      stabilisedAtStep = null;
    }
    progress(variant, step, scenario.maxBlocks);
    if (process.env.LAB_DEBUG && step % 20 === 0)
      console.error(
        `[${variant} ${step}] kicks ${rec.kicks} takes ${rec.takes} resets ${rec.resets} flags ${rec.flags} deferred ${rec.deferredKicks} bad ${rec.badDebtUsd.toFixed(0)} auctions ${auctions.size} unhealthy ${unhealthySet.size} cures ${plannedCures.size} steady ${steady} txs ${rec.txs} reverted ${rec.reverted} timing ${JSON.stringify(chain.timing)}`,
      );
    if (quiet >= scenario.stabilise.quietBlocks) break;
  }
  progress(variant, scenario.maxBlocks, scenario.maxBlocks);

  if (process.env.LAB_DEBUG) {
    console.error(`[${variant}] scanned ${scanStats.ids} vault states, carried ${scanStats.carried}`);
    if (unhealthyNow.size > 0) {
      const [st] = await chain.read(I.scanner, c.scanner, "scanIds", [[...unhealthyNow], MaxUint256]);
      for (const x of st as unknown as VaultState[])
        console.error(
          `[${variant}] unhealthy at the end: ${String(x)} plan ${JSON.stringify(c.plans[Number(x.id) - 1])}`,
        );
    }
    console.error(`[${variant}] reverted by label ${JSON.stringify(Object.fromEntries(chain.reverted))}`);
    console.error(`[${variant}] calls ${JSON.stringify(Object.fromEntries(chain.callTiming))}`);
    for (const a of auctions.values()) {
      const [st] = await chain.read(I.auctionHouse, A.auctionHouse, "auctionStatus", [a.id]);
      console.error(`[${variant}] open auction ${a.id} vault ${a.vault} ${a.asset}: ${String(st)}`);
    }
  }
  const after = await vaultSnapshots(chain, c);
  const reconciliation = await reconcile(
    chain,
    c,
    auctions,
    insurance,
    flows,
    BigInt(fundStart as bigint),
    BigInt(cashStart as bigint),
  );
  const cured = [...cureSucceeded.entries()].filter(([v, at]) => {
    // Cured: repaid while in shortfall and not liquidated afterwards.
    void at;
    return !liquidated.has(v) || false;
  });
  const toUsd = (x: bigint) => Number(x) / baseUnit;
  return {
    variant,
    blocks,
    before,
    after,
    startPrice,
    liquidatedVaults: [...liquidated].sort((a, b) => a - b),
    curedVaults: cured.map(([v]) => v).sort((a, b) => a - b),
    keeperProfitUsd: toUsd(keeperProfit),
    insurance: {
      penaltiesUsd: toUsd(insurance.penalties),
      keeperIncentivesUsd: toUsd(insurance.incentives),
      badDebtCoveredUsd: toUsd(insurance.covered),
      badDebtSocialisedUsd: toUsd(insurance.socialised),
    },
    reconciliation,
    txs: chain.sent - sentBefore,
    revertedByLabel: Object.fromEntries(
      [...chain.reverted.entries()].map(([k, v]) => [k.startsWith("cure:") ? "cure" : k, v]),
    ),
    wallMs: performance.now() - started,
    stabilisedAtStep,
  };

  function toVenueAsset(s: string, tokenUnits: bigint): bigint {
    // Venue units: micro-tokens and micro-USD.
    return BigInt(Math.round((Number(tokenUnits) / unitsPerUsd(s)) * 1e6));
  }
  function toVenueBase(baseUnits: bigint): bigint {
    return BigInt(Math.round((Number(baseUnits) / baseUnit) * 1e6));
  }
}

/** Health factor, main collateral liquidation price and debt of every vault. */
async function vaultSnapshots(chain: Chain, c: Contracts): Promise<VaultSnapshot[]> {
  const [hfs] = await chain.read(c.ifaces.scanner, c.scanner, "healthFactors", [1, c.plans.length]);
  const lens = c.bw.lens.interface as unknown as Interface;
  const out: VaultSnapshot[] = [];
  for (const [i, hfRaw] of (hfs as bigint[]).entries()) {
    const id = i + 1;
    const plan = c.plans[i];
    const hf = BigInt(hfRaw);
    let liq: number | null = null;
    let debtUsd = 0;
    if (hf !== MaxUint256 && hf !== MaxUint256 - 1n) {
      const [lp] = await chain.read(lens, c.addr.lens, "liquidationPrice", [id, c.token[plan.main]]);
      liq = BigInt(lp as bigint) === 0n ? null : Number(lp) / 1e18;
      const [d] = await chain.read(c.ifaces.engine, c.addr.engine, "debtOf", [id]);
      debtUsd = Number(d) / 10 ** c.decimals[c.base];
    }
    out.push({
      id,
      healthFactor: hf === MaxUint256 || hf === MaxUint256 - 1n ? null : Number(hf) / 1e18,
      liquidationPrice: liq,
      mainAsset: plan.main,
      debtUsd,
    });
  }
  return out;
}

/** Exact end-of-run accounting checks, all read from the chain. */
async function reconcile(
  chain: Chain,
  c: Contracts,
  auctions: Map<bigint, AuctionInfo>,
  insurance: { penalties: bigint; incentives: bigint; covered: bigint; socialised: bigint },
  flows: {
    fundIn: bigint;
    fundOut: bigint;
    poolDeposit: bigint;
    poolWithdraw: bigint;
    poolBorrow: bigint;
    poolRepay: bigint;
  },
  fundStart: bigint,
  cashStart: bigint,
): Promise<Reconciliation[]> {
  const I = c.ifaces;
  const A = c.addr;
  const out: Reconciliation[] = [];
  const check = (name: string, expected: bigint, actual: bigint) =>
    out.push({ name, expected: expected.toString(), actual: actual.toString(), ok: expected === actual });
  const r = async (iface: Interface, to: string, fn: string, args: unknown[] = []) =>
    BigInt((await chain.read(iface, to, fn, args))[0] as bigint);

  const cash = await r(I.pool, A.pool, "cash");
  const totalAssets = await r(I.pool, A.pool, "totalAssets");
  const totalDebt = await r(I.pool, A.pool, "totalDebt");
  check("pool: totalAssets = cash + totalDebt", cash + totalDebt, totalAssets);
  check("pool: cash = base-asset balance of the pool", await r(I.token, c.token[c.base], "balanceOf", [A.pool]), cash);
  check(
    "pool: cash change = deposits - withdrawals - borrowed + repaid (events)",
    cashStart + flows.poolDeposit - flows.poolWithdraw - flows.poolBorrow + flows.poolRepay,
    cash,
  );
  // Debt ledger: the pool's scaled debt is the vaults' plus the open auctions'.
  let scaled = 0n;
  for (let id = 1; id <= c.plans.length; id++) scaled += await r(I.engine, A.engine, "scaledDebtOf", [id]);
  const lots: Record<string, bigint> = Object.fromEntries(c.symbols.map((s) => [s, 0n]));
  for (const a of auctions.values()) {
    const [x] = await chain.read(I.auctionHouse, A.auctionHouse, "auction", [a.id]);
    const au = x as unknown as { scaledDebt: bigint; lot: bigint };
    scaled += BigInt(au.scaledDebt);
    lots[a.asset] += BigInt(au.lot);
  }
  check(
    "debt: pool scaled debt = vaults' + open auctions' scaled debt",
    await r(I.pool, A.pool, "totalScaledDebt"),
    scaled,
  );
  for (const s of c.symbols) {
    let held = lots[s];
    for (let id = 1; id <= c.plans.length; id++)
      held += await r(I.engine, A.engine, "collateralAmount", [id, c.token[s]]);
    check(
      `collateral ${s}: engine balance = vault collateral + open auction lots`,
      await r(I.token, c.token[s], "balanceOf", [A.engine]),
      held,
    );
  }
  const fundEnd = await r(I.token, c.token[c.base], "balanceOf", [A.insuranceFund]);
  check(
    "insurance fund: balance change = transfers in - transfers out",
    fundStart + flows.fundIn - flows.fundOut,
    fundEnd,
  );
  check("insurance fund: inflows = liquidation penalties", insurance.penalties, flows.fundIn);
  return out;
}
