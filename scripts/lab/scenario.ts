// Cascade-lab scenarios: typed, validated JSON files in scripts/lab/scenarios/<name>.json.
// Every error names the offending field, e.g. `scenario.shock.size: must be in (0, 1), got 1.5`.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDeployParameters, type DeployParameters } from "../../deploy/parameters.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const SCENARIOS_DIR = path.join(HERE, "scenarios");
export const DEFAULT_SCENARIO = "eth-crash";

export type ShockKind = "instant" | "slide" | "flash" | "outage";
export const SHOCK_KINDS: readonly ShockKind[] = ["instant", "slide", "flash", "outage"];

/** One collateral's markets: the on-chain Uniswap V2 pair and the external venue arbitrageurs use. */
export interface MarketSpec {
  /** USD value of each side of the Uniswap V2 pair at the start. */
  ammDepthUsd: number;
  /** USD value of each side of the external (off-chain, constant-product) venue. */
  externalDepthUsd: number;
  /**
   * Resilience of the wider market: the fraction of the log gap between the external venue's price and
   * the fundamental (exogenous) price that other traders close each block, in [0, 1). 0 (the default):
   * every sale leaves a permanent price impact; above 0, impact decays, as on real markets.
   */
  resilience: number;
}

export interface PopulationSpec {
  /** Number of vaults (one owner each). */
  vaults: number;
  /** Number of lenders supplying the pool. */
  lenders: number;
  /** Pool supply = total borrowed / utilisation. */
  utilisation: number;
  /** Share of vaults whose main collateral is each asset (normalised). */
  mix: Record<string, number>;
  /** Share of vaults that also hold a second collateral (30% of their value). */
  secondCollateralShare: number;
  /** Collateral value per vault in USD, drawn log-uniformly. */
  sizeUsd: { min: number; max: number };
  /** Fraction of borrowing power used: shares of vaults at the edge [0.9, 0.995], middle [0.6, 0.9]; the rest [0.2, 0.6]. */
  leverage: { edge: number; middle: number };
}

export interface ShockSpec {
  kind: ShockKind;
  /** Collateral symbol hit by the shock. */
  asset: string;
  /** Exogenous price drop, a fraction in (0, 1). */
  size: number;
  /** Lab step at which the shock starts. */
  startBlock: number;
  /** Steps over which a slide is spread (1 for the other kinds). */
  durationBlocks: number;
  /** Flash crash: steps over which the external price returns to where it was. */
  recoveryBlocks: number;
  /** Oracle outage: steps during which the feed keeper stops updating (from startBlock). */
  outageBlocks: number;
}

export interface AgentsSpec {
  keeper: {
    /** Least profit of a flash take, USD. */
    minProfitUsd: number;
    /** Most kicks / takes the keeper sends per block (block space). */
    maxKicksPerBlock: number;
    maxTakesPerBlock: number;
  };
  arbitrage: {
    enabled: boolean;
    /** Fraction of the log price gap between the pair and the external venue closed per block, (0, 1]. */
    speed: number;
  };
  borrowers: {
    /** Probability that the owner of a vault in shortfall cures it. */
    cureProbability: number;
    /** Blocks an owner takes to react, drawn uniformly. */
    reactionBlocks: { min: number; max: number };
    /** Health factor an owner repays to. */
    cureHealthFactor: number;
  };
}

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  /** Seconds between lab blocks. */
  blockSeconds: number;
  /** Most lab steps per variant. */
  maxBlocks: number;
  /** Gas limit of every lab block (block space shared by all agents). */
  blockGasLimit: number;
  markets: Record<string, MarketSpec>;
  population: PopulationSpec;
  shock: ShockSpec;
  agents: AgentsSpec;
  oracle: {
    /** Feed keeper sets each feed to the average of the pair's last N start-of-block spot prices. */
    twapBlocks: number;
    /** Override of every feed's staleness limit [s] (optional). */
    staleness?: number;
  };
  /** Naive variant: fixed discount below the oracle price at which whole positions are sold. */
  naive: { discount: number };
  /** Overrides of deploy/parameters/hardhat.json for the Breakwater variant (and the shared risk settings). */
  protocol: ProtocolOverrides;
  stabilise: {
    /** Steps with no liquidation activity and a steady price that end a run. */
    quietBlocks: number;
    /** Largest per-block relative price move that counts as steady. */
    priceTolerance: number;
  };
}

/** Deep-partial overrides, merged into the deployment parameters (which then validate themselves too). */
export interface ProtocolOverrides {
  liquidation?: Record<string, unknown>;
  breakers?: Record<string, unknown>;
  collaterals?: Record<
    string,
    { risk?: Record<string, unknown>; auction?: Record<string, unknown>; breaker?: Record<string, unknown> }
  >;
}

export class ScenarioError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "ScenarioError";
  }
}

type Obj = Record<string, unknown>;

function obj(v: unknown, field: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ScenarioError(field, "expected an object");
  return v as Obj;
}

function noExtra(o: Obj, allowed: string[], field: string) {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key))
      throw new ScenarioError(`${field}.${key}`, `unknown field (expected one of ${allowed.join(", ")})`);
  }
}

function str(o: Obj, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== "string" || v.length === 0)
    throw new ScenarioError(`${field}.${key}`, "expected a non-empty string");
  return v;
}

function num(o: Obj, key: string, field: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new ScenarioError(`${field}.${key}`, `expected a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** A number in an interval; `open` marks excluded ends, e.g. "()" for (min, max). */
function range(o: Obj, key: string, field: string, min: number, max: number, ends: "()" | "[]" | "(]" | "[)" = "[]") {
  const v = num(o, key, field);
  const lowOk = ends[0] === "(" ? v > min : v >= min;
  const highOk = ends[1] === ")" ? v < max : v <= max;
  if (!lowOk || !highOk) {
    throw new ScenarioError(`${field}.${key}`, `must be in ${ends[0]}${min}, ${max}${ends[1]}, got ${v}`);
  }
  return v;
}

function int(o: Obj, key: string, field: string, min: number, max: number): number {
  const v = num(o, key, field);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ScenarioError(`${field}.${key}`, `must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

function bool(o: Obj, key: string, field: string): boolean {
  const v = o[key];
  if (typeof v !== "boolean") throw new ScenarioError(`${field}.${key}`, "expected true or false");
  return v;
}

function overrides(v: unknown, field: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  return obj(v, field);
}

/**
 * Validates raw JSON into a Scenario. `collaterals` are the listed collateral symbols (from the deployment
 * parameters): markets, mix and the shocked asset must name them.
 */
export function parseScenario(raw: unknown, collaterals: string[], root = "scenario"): Scenario {
  const o = obj(raw, root);
  noExtra(
    o,
    [
      "name",
      "description",
      "seed",
      "blockSeconds",
      "maxBlocks",
      "blockGasLimit",
      "markets",
      "population",
      "shock",
      "agents",
      "oracle",
      "naive",
      "protocol",
      "stabilise",
    ],
    root,
  );
  const known = (symbol: string, field: string) => {
    if (!collaterals.includes(symbol)) {
      throw new ScenarioError(field, `unknown collateral "${symbol}" (listed: ${collaterals.join(", ")})`);
    }
  };

  const m = obj(o.markets, `${root}.markets`);
  const markets: Record<string, MarketSpec> = {};
  for (const symbol of collaterals) {
    const f = `${root}.markets.${symbol}`;
    if (m[symbol] === undefined) throw new ScenarioError(f, "missing: every listed collateral needs a market");
    const mo = obj(m[symbol], f);
    noExtra(mo, ["ammDepthUsd", "externalDepthUsd", "resilience"], f);
    markets[symbol] = {
      ammDepthUsd: range(mo, "ammDepthUsd", f, 1000, 1e12),
      externalDepthUsd: range(mo, "externalDepthUsd", f, 0, 1e13),
      resilience: mo.resilience === undefined ? 0 : range(mo, "resilience", f, 0, 1, "[)"),
    };
  }
  for (const symbol of Object.keys(m)) known(symbol, `${root}.markets.${symbol}`);

  const pf = `${root}.population`;
  const p = obj(o.population, pf);
  noExtra(p, ["vaults", "lenders", "utilisation", "mix", "secondCollateralShare", "sizeUsd", "leverage"], pf);
  const mix = obj(p.mix, `${pf}.mix`);
  const mixOut: Record<string, number> = {};
  let mixTotal = 0;
  for (const symbol of Object.keys(mix)) {
    known(symbol, `${pf}.mix.${symbol}`);
    mixOut[symbol] = range(mix, symbol, `${pf}.mix`, 0, 1);
    mixTotal += mixOut[symbol];
  }
  if (mixTotal <= 0) throw new ScenarioError(`${pf}.mix`, "shares must add up to more than 0");
  const size = obj(p.sizeUsd, `${pf}.sizeUsd`);
  const sizeUsd = {
    min: range(size, "min", `${pf}.sizeUsd`, 200, 1e10),
    max: range(size, "max", `${pf}.sizeUsd`, 200, 1e10),
  };
  if (sizeUsd.max < sizeUsd.min) throw new ScenarioError(`${pf}.sizeUsd.max`, `must be >= min (${sizeUsd.min})`);
  const lev = obj(p.leverage, `${pf}.leverage`);
  const leverage = {
    edge: range(lev, "edge", `${pf}.leverage`, 0, 1),
    middle: range(lev, "middle", `${pf}.leverage`, 0, 1),
  };
  if (leverage.edge + leverage.middle > 1) {
    throw new ScenarioError(
      `${pf}.leverage.middle`,
      `edge + middle must be <= 1, got ${leverage.edge + leverage.middle}`,
    );
  }
  const population: PopulationSpec = {
    vaults: int(p, "vaults", pf, 1, 5000),
    lenders: int(p, "lenders", pf, 1, 100),
    utilisation: range(p, "utilisation", pf, 0, 0.95, "(]"),
    mix: mixOut,
    secondCollateralShare: range(p, "secondCollateralShare", pf, 0, 1),
    sizeUsd,
    leverage,
  };

  const sf = `${root}.shock`;
  const s = obj(o.shock, sf);
  noExtra(s, ["kind", "asset", "size", "startBlock", "durationBlocks", "recoveryBlocks", "outageBlocks"], sf);
  const kind = str(s, "kind", sf);
  if (!SHOCK_KINDS.includes(kind as ShockKind)) {
    throw new ScenarioError(`${sf}.kind`, `expected one of ${SHOCK_KINDS.join(", ")}, got "${kind}"`);
  }
  const asset = str(s, "asset", sf);
  known(asset, `${sf}.asset`);
  const shock: ShockSpec = {
    kind: kind as ShockKind,
    asset,
    size: range(s, "size", sf, 0, 1, "()"),
    startBlock: int(s, "startBlock", sf, 1, 10000),
    durationBlocks: s.durationBlocks === undefined ? 1 : int(s, "durationBlocks", sf, 1, 10000),
    recoveryBlocks: s.recoveryBlocks === undefined ? 0 : int(s, "recoveryBlocks", sf, 0, 10000),
    outageBlocks: s.outageBlocks === undefined ? 0 : int(s, "outageBlocks", sf, 0, 10000),
  };
  if (shock.kind === "flash" && shock.recoveryBlocks < 1) {
    throw new ScenarioError(`${sf}.recoveryBlocks`, "a flash crash needs recoveryBlocks >= 1");
  }
  if (shock.kind === "outage" && shock.outageBlocks < 1) {
    throw new ScenarioError(`${sf}.outageBlocks`, "an oracle outage needs outageBlocks >= 1");
  }
  if (shock.kind === "slide" && shock.durationBlocks < 2) {
    throw new ScenarioError(`${sf}.durationBlocks`, "a gradual slide needs durationBlocks >= 2");
  }

  const af = `${root}.agents`;
  const a = obj(o.agents, af);
  noExtra(a, ["keeper", "arbitrage", "borrowers"], af);
  const k = obj(a.keeper, `${af}.keeper`);
  noExtra(k, ["minProfitUsd", "maxKicksPerBlock", "maxTakesPerBlock"], `${af}.keeper`);
  const arb = obj(a.arbitrage, `${af}.arbitrage`);
  noExtra(arb, ["enabled", "speed"], `${af}.arbitrage`);
  const b = obj(a.borrowers, `${af}.borrowers`);
  noExtra(b, ["cureProbability", "reactionBlocks", "cureHealthFactor"], `${af}.borrowers`);
  const rb = obj(b.reactionBlocks, `${af}.borrowers.reactionBlocks`);
  const reactionBlocks = {
    min: int(rb, "min", `${af}.borrowers.reactionBlocks`, 0, 10000),
    max: int(rb, "max", `${af}.borrowers.reactionBlocks`, 0, 10000),
  };
  if (reactionBlocks.max < reactionBlocks.min) {
    throw new ScenarioError(`${af}.borrowers.reactionBlocks.max`, `must be >= min (${reactionBlocks.min})`);
  }
  const agents: AgentsSpec = {
    keeper: {
      minProfitUsd: range(k, "minProfitUsd", `${af}.keeper`, 0, 1e9),
      maxKicksPerBlock: int(k, "maxKicksPerBlock", `${af}.keeper`, 1, 1000),
      maxTakesPerBlock: int(k, "maxTakesPerBlock", `${af}.keeper`, 1, 1000),
    },
    arbitrage: {
      enabled: bool(arb, "enabled", `${af}.arbitrage`),
      speed: range(arb, "speed", `${af}.arbitrage`, 0, 1, "(]"),
    },
    borrowers: {
      cureProbability: range(b, "cureProbability", `${af}.borrowers`, 0, 1),
      reactionBlocks,
      cureHealthFactor: range(b, "cureHealthFactor", `${af}.borrowers`, 1, 10, "(]"),
    },
  };

  const of = `${root}.oracle`;
  const orc = obj(o.oracle, of);
  noExtra(orc, ["twapBlocks", "staleness"], of);
  const oracle = {
    twapBlocks: int(orc, "twapBlocks", of, 1, 100),
    staleness: orc.staleness === undefined ? undefined : int(orc, "staleness", of, 1, 7 * 86400),
  };

  const nf = `${root}.naive`;
  const n = obj(o.naive, nf);
  noExtra(n, ["discount"], nf);
  const naive = { discount: range(n, "discount", nf, 0.0001, 0.5) };

  const prf = `${root}.protocol`;
  const pr = o.protocol === undefined ? {} : obj(o.protocol, prf);
  noExtra(pr, ["liquidation", "breakers", "collaterals"], prf);
  const protocol: ProtocolOverrides = {
    liquidation: overrides(pr.liquidation, `${prf}.liquidation`),
    breakers: overrides(pr.breakers, `${prf}.breakers`),
  };
  if (pr.collaterals !== undefined) {
    const c = obj(pr.collaterals, `${prf}.collaterals`);
    protocol.collaterals = {};
    for (const symbol of Object.keys(c)) {
      const f = `${prf}.collaterals.${symbol}`;
      known(symbol, f);
      const co = obj(c[symbol], f);
      noExtra(co, ["risk", "auction", "breaker"], f);
      protocol.collaterals[symbol] = {
        risk: overrides(co.risk, `${f}.risk`),
        auction: overrides(co.auction, `${f}.auction`),
        breaker: overrides(co.breaker, `${f}.breaker`),
      };
    }
  }

  const stf = `${root}.stabilise`;
  const st = obj(o.stabilise, stf);
  noExtra(st, ["quietBlocks", "priceTolerance"], stf);

  const blockSeconds = int(o, "blockSeconds", root, 1, 3600);
  const scenario: Scenario = {
    name: str(o, "name", root),
    description: str(o, "description", root),
    seed: int(o, "seed", root, 0, 2 ** 31 - 1),
    blockSeconds,
    maxBlocks: int(o, "maxBlocks", root, 2, 100000),
    blockGasLimit: int(o, "blockGasLimit", root, 5_000_000, 1_000_000_000),
    markets,
    population,
    shock,
    agents,
    oracle,
    naive,
    protocol,
    stabilise: {
      quietBlocks: int(st, "quietBlocks", stf, 1, 10000),
      priceTolerance: range(st, "priceTolerance", stf, 0, 0.5),
    },
  };
  scenarioParameters(scenario); // the protocol overrides must give valid deployment parameters
  if (shock.startBlock + shock.durationBlocks + shock.recoveryBlocks > scenario.maxBlocks) {
    throw new ScenarioError(
      `${root}.maxBlocks`,
      "must leave room for the whole shock (startBlock + durationBlocks + recoveryBlocks)",
    );
  }
  return scenario;
}

/** Names of the shipped scenarios. */
export function listScenarios(): string[] {
  return readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** Reads raw JSON of a scenario given by name (scripts/lab/scenarios/<name>.json) or by path. */
export function readScenarioFile(nameOrPath: string): unknown {
  const file = nameOrPath.endsWith(".json") ? nameOrPath : path.join(SCENARIOS_DIR, `${nameOrPath}.json`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ScenarioError("scenario", `cannot read ${file} (shipped scenarios: ${listScenarios().join(", ")})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ScenarioError("scenario", `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Deep merge of plain objects (arrays and scalars replace). */
export function deepMerge<T>(base: T, patch: unknown): T {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch))
    return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    const prev = out[key];
    out[key] =
      typeof prev === "object" && prev !== null && !Array.isArray(prev) && typeof value === "object" && value !== null
        ? deepMerge(prev, value)
        : value;
  }
  return out as T;
}

/** Builds the deployment parameters of a scenario: hardhat.json with the scenario's protocol overrides. */
export function scenarioParameters(scenario: Scenario): DeployParameters {
  const raw = JSON.parse(readFileSync(path.join(HERE, "..", "..", "deploy", "parameters", "hardhat.json"), "utf8"));
  const o = scenario.protocol;
  if (o.liquidation) raw.liquidation = deepMerge(raw.liquidation, o.liquidation);
  if (o.breakers) raw.breakers = deepMerge(raw.breakers, o.breakers);
  for (const c of raw.collaterals as {
    symbol: string;
    risk: unknown;
    auction: unknown;
    breaker: unknown;
    feed: { staleness: number };
  }[]) {
    const patch = o.collaterals?.[c.symbol];
    if (patch?.risk) c.risk = deepMerge(c.risk, patch.risk);
    if (patch?.auction) c.auction = deepMerge(c.auction, patch.auction);
    if (patch?.breaker) c.breaker = deepMerge(c.breaker, patch.breaker);
    if (scenario.oracle.staleness !== undefined) c.feed.staleness = scenario.oracle.staleness;
  }
  if (scenario.oracle.staleness !== undefined) raw.baseAsset.feed.staleness = scenario.oracle.staleness;
  try {
    return parseDeployParameters(raw);
  } catch (error) {
    throw new ScenarioError("scenario.protocol", (error as Error).message);
  }
}
