// Typed deployment parameters: one JSON file per network in deploy/parameters/<network>.json.
// Amounts and ratios are human-readable decimal strings ("0.15", "2500"); validation names the
// offending field so a bad file fails before any transaction is sent.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const PARAMETERS_DIR = path.join(HERE, "parameters");

/** "deployer" stands for the account that runs the deployment. */
export type AccountRef = "deployer" | `0x${string}`;

export interface MockTokenParams {
  name: string;
  symbol: string;
  decimals: number;
}

export interface FeedParams {
  /** Existing Chainlink feed; omit on local chains to deploy a MockV3Aggregator. */
  address?: string;
  /** For a mock feed: decimals and initial price in USD. */
  mockDecimals?: number;
  mockPrice?: string;
  /** Optional secondary feed (existing address) and its limits. */
  secondary?: string;
  secondaryStaleness?: number;
  maxDeviation?: string;
  /** Max age of an answer [s]. */
  staleness: number;
  /** Plausible price range in USD. */
  minPrice: string;
  maxPrice: string;
}

export interface RiskParams {
  initialHaircut: string;
  maintenanceHaircut: string;
  volatilityMultiplier: string;
  volatilityCap: string;
  sizeMultiplier: string;
  sizeCap: string;
  /** USD that can be sold with acceptable slippage. */
  marketDepth: string;
  /** Max debt attributed to this collateral, in base-asset units. */
  debtCeiling: string;
}

export interface AssetParams {
  symbol: string;
  /** Existing token; omit on local chains to deploy a mintable mock. */
  address?: string;
  mock?: MockTokenParams;
  feed: FeedParams;
}

export interface AuctionParams {
  /** Charged on top of the debt covered, e.g. "0.08". */
  penalty: string;
  /** Start price = oracle price x startBuffer, e.g. "1.1". */
  startBuffer: string;
  /** Reset once the price is below start x ratio. */
  resetPriceRatio: string;
  /** Reset once older than this [s]. */
  maxDuration: number;
}

export interface BreakerParams {
  /** Trip when the price falls more than this below the tracker's window high, e.g. "0.2". */
  maxDrop: string;
  /** How long a trip lasts [s]. */
  cooldown: number;
  /** Bucket refill period [s]. */
  refillPeriod: number;
  /** Max debt under auction for this asset, in base-asset units. */
  debtUnderAuctionCap: string;
  /** Max collateral value (USD) put up for auction per refill period. */
  bucketCapacity: string;
}

export interface CollateralParams extends AssetParams {
  risk: RiskParams;
  auction: AuctionParams;
  breaker: BreakerParams;
}

export interface BreakersParams {
  /** Max debt under auction across all assets, in base-asset units. */
  globalDebtUnderAuctionCap: string;
  /** Longest guardian pause or freeze [s]. */
  maxPauseDuration: number;
  /** Time before a guardian can pause the same thing again [s]. */
  pauseCooldown: number;
  /** Liquidation delay after a pause, freeze, trip or oracle failure ends [s]. */
  gracePeriod: number;
}

export type CurveParams =
  { kind: "linear"; duration: number } | { kind: "exponential" | "stairstep"; cut: string; step: number };

export interface LiquidationParams {
  targetHealthFactor: string;
  hardFloor: string;
  lotBuffer: string;
  /** Cure window after a margin call [s]; 0 disables margin calls. */
  cureWindow: number;
  keeperChip: string;
  /** Flat keeper tip, in base-asset units. */
  keeperTip: string;
  /** Smallest auction tab, in base-asset units. */
  dust: string;
  /** Price curve shared by every collateral. */
  curve: CurveParams;
}

export interface DeployParameters {
  /** True only for chains where mocks and price setters are acceptable. */
  local: boolean;
  governance: {
    admin: AccountRef;
    /** Execution delay of the admin role [s]: the timelock on admin actions. */
    adminDelay: number;
    riskManager: AccountRef;
    riskManagerDelay: number;
    guardian: AccountRef;
  };
  baseAsset: AssetParams;
  pool: {
    name: string;
    symbol: string;
    reserveFactor: string;
    rateModel: { baseRatePerYear: string; slopeLowPerYear: string; slopeHighPerYear: string; kink: string };
  };
  engine: { minDebt: string; maxCollateralsPerVault: number };
  oracle: {
    ewmaLambda: string;
    minPokeInterval: number;
    windowLength: number;
    sequencerFeed?: string;
    sequencerGracePeriod?: number;
  };
  liquidation: LiquidationParams;
  breakers: BreakersParams;
  collaterals: CollateralParams[];
}

export class ParameterError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`deploy parameters: ${field}: ${message}`);
    this.name = "ParameterError";
  }
}

const DECIMAL = /^\d+(\.\d+)?$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function obj(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ParameterError(field, "expected an object");
  }
  return value as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== "string" || v.length === 0)
    throw new ParameterError(`${field}.${key}`, "expected a non-empty string");
  return v;
}

function decimal(o: Record<string, unknown>, key: string, field: string, max?: number): string {
  const v = str(o, key, field);
  if (!DECIMAL.test(v)) throw new ParameterError(`${field}.${key}`, `expected a decimal number string, got "${v}"`);
  if (max !== undefined && Number(v) > max) throw new ParameterError(`${field}.${key}`, `must be <= ${max}, got ${v}`);
  return v;
}

function int(o: Record<string, unknown>, key: string, field: string, min: number, max: number): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ParameterError(`${field}.${key}`, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function optAddress(o: Record<string, unknown>, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || !ADDRESS.test(v)) throw new ParameterError(`${field}.${key}`, "expected a 0x address");
  return v;
}

function account(o: Record<string, unknown>, key: string, field: string): AccountRef {
  const v = str(o, key, field);
  if (v !== "deployer" && !ADDRESS.test(v))
    throw new ParameterError(`${field}.${key}`, `expected "deployer" or an address`);
  return v as AccountRef;
}

function feed(value: unknown, field: string, local: boolean): FeedParams {
  const o = obj(value, field);
  const address = optAddress(o, "address", field);
  const result: FeedParams = {
    address,
    staleness: int(o, "staleness", field, 1, 7 * 86400),
    minPrice: decimal(o, "minPrice", field),
    maxPrice: decimal(o, "maxPrice", field),
  };
  if (address === undefined) {
    if (!local) throw new ParameterError(`${field}.address`, "required on non-local networks");
    result.mockDecimals = int(o, "mockDecimals", field, 0, 36);
    result.mockPrice = decimal(o, "mockPrice", field);
  }
  const secondary = optAddress(o, "secondary", field);
  if (secondary !== undefined) {
    result.secondary = secondary;
    result.secondaryStaleness = int(o, "secondaryStaleness", field, 1, 7 * 86400);
    result.maxDeviation = decimal(o, "maxDeviation", field, 0.5);
  }
  if (Number(result.maxPrice) <= Number(result.minPrice)) {
    throw new ParameterError(`${field}.maxPrice`, "must be greater than minPrice");
  }
  return result;
}

function asset(value: unknown, field: string, local: boolean): AssetParams {
  const o = obj(value, field);
  const address = optAddress(o, "address", field);
  const result: AssetParams = { symbol: str(o, "symbol", field), address, feed: feed(o.feed, `${field}.feed`, local) };
  if (address === undefined) {
    if (!local) throw new ParameterError(`${field}.address`, "required on non-local networks");
    const m = obj(o.mock, `${field}.mock`);
    result.mock = {
      name: str(m, "name", `${field}.mock`),
      symbol: str(m, "symbol", `${field}.mock`),
      decimals: int(m, "decimals", `${field}.mock`, 0, 36),
    };
  }
  return result;
}

function breaker(value: unknown, field: string): BreakerParams {
  const o = obj(value, field);
  return {
    maxDrop: decimal(o, "maxDrop", field, 0.9),
    cooldown: int(o, "cooldown", field, 60, 7 * 86400),
    refillPeriod: int(o, "refillPeriod", field, 60, 7 * 86400),
    debtUnderAuctionCap: decimal(o, "debtUnderAuctionCap", field),
    bucketCapacity: decimal(o, "bucketCapacity", field),
  };
}

function breakers(value: unknown, field: string): BreakersParams {
  const o = obj(value, field);
  return {
    globalDebtUnderAuctionCap: decimal(o, "globalDebtUnderAuctionCap", field),
    maxPauseDuration: int(o, "maxPauseDuration", field, 3600, 14 * 86400),
    pauseCooldown: int(o, "pauseCooldown", field, 0, 7 * 86400),
    gracePeriod: int(o, "gracePeriod", field, 0, 4 * 3600),
  };
}

function auction(value: unknown, field: string): AuctionParams {
  const o = obj(value, field);
  return {
    penalty: decimal(o, "penalty", field, 0.25),
    startBuffer: decimal(o, "startBuffer", field, 2),
    resetPriceRatio: decimal(o, "resetPriceRatio", field, 1),
    maxDuration: int(o, "maxDuration", field, 300, 7 * 86400),
  };
}

function curve(value: unknown, field: string): CurveParams {
  const o = obj(value, field);
  const kind = str(o, "kind", field);
  if (kind === "linear") return { kind, duration: int(o, "duration", field, 60, 7 * 86400) };
  if (kind === "exponential" || kind === "stairstep") {
    return { kind, cut: decimal(o, "cut", field, 1), step: int(o, "step", field, 1, 3600) };
  }
  throw new ParameterError(`${field}.kind`, `expected "linear", "exponential" or "stairstep", got "${kind}"`);
}

function liquidation(value: unknown, field: string): LiquidationParams {
  const o = obj(value, field);
  return {
    targetHealthFactor: decimal(o, "targetHealthFactor", field, 2),
    hardFloor: decimal(o, "hardFloor", field, 1),
    lotBuffer: decimal(o, "lotBuffer", field, 3),
    cureWindow: int(o, "cureWindow", field, 0, 86400),
    keeperChip: decimal(o, "keeperChip", field, 0.05),
    keeperTip: decimal(o, "keeperTip", field),
    dust: decimal(o, "dust", field),
    curve: curve(o.curve, `${field}.curve`),
  };
}

function risk(value: unknown, field: string): RiskParams {
  const o = obj(value, field);
  return {
    initialHaircut: decimal(o, "initialHaircut", field, 1),
    maintenanceHaircut: decimal(o, "maintenanceHaircut", field, 1),
    volatilityMultiplier: decimal(o, "volatilityMultiplier", field),
    volatilityCap: decimal(o, "volatilityCap", field, 1),
    sizeMultiplier: decimal(o, "sizeMultiplier", field),
    sizeCap: decimal(o, "sizeCap", field, 1),
    marketDepth: decimal(o, "marketDepth", field),
    debtCeiling: decimal(o, "debtCeiling", field),
  };
}

/** Validates raw JSON into typed parameters; throws ParameterError naming the field. */
export function parseDeployParameters(raw: unknown): DeployParameters {
  const o = obj(raw, "$");
  if (typeof o.local !== "boolean") throw new ParameterError("local", "expected true or false");
  const local = o.local;
  const g = obj(o.governance, "governance");
  const p = obj(o.pool, "pool");
  const rm = obj(p.rateModel, "pool.rateModel");
  const e = obj(o.engine, "engine");
  const orc = obj(o.oracle, "oracle");
  if (!Array.isArray(o.collaterals) || o.collaterals.length === 0) {
    throw new ParameterError("collaterals", "expected a non-empty array");
  }
  const collaterals = o.collaterals.map((c, i) => {
    const field = `collaterals[${i}]`;
    return {
      ...asset(c, field, local),
      risk: risk(obj(c, field).risk, `${field}.risk`),
      auction: auction(obj(c, field).auction, `${field}.auction`),
      breaker: breaker(obj(c, field).breaker, `${field}.breaker`),
    };
  });
  const symbols = new Set<string>();
  for (const [i, c] of collaterals.entries()) {
    if (symbols.has(c.symbol)) throw new ParameterError(`collaterals[${i}].symbol`, `duplicate symbol ${c.symbol}`);
    symbols.add(c.symbol);
  }
  return {
    local,
    governance: {
      admin: account(g, "admin", "governance"),
      adminDelay: int(g, "adminDelay", "governance", 0, 30 * 86400),
      riskManager: account(g, "riskManager", "governance"),
      riskManagerDelay: int(g, "riskManagerDelay", "governance", 0, 30 * 86400),
      guardian: account(g, "guardian", "governance"),
    },
    baseAsset: asset(o.baseAsset, "baseAsset", local),
    pool: {
      name: str(p, "name", "pool"),
      symbol: str(p, "symbol", "pool"),
      reserveFactor: decimal(p, "reserveFactor", "pool", 0.5),
      rateModel: {
        baseRatePerYear: decimal(rm, "baseRatePerYear", "pool.rateModel"),
        slopeLowPerYear: decimal(rm, "slopeLowPerYear", "pool.rateModel"),
        slopeHighPerYear: decimal(rm, "slopeHighPerYear", "pool.rateModel"),
        kink: decimal(rm, "kink", "pool.rateModel", 1),
      },
    },
    engine: {
      minDebt: decimal(e, "minDebt", "engine"),
      maxCollateralsPerVault: int(e, "maxCollateralsPerVault", "engine", 1, 16),
    },
    oracle: {
      ewmaLambda: decimal(orc, "ewmaLambda", "oracle", 1),
      minPokeInterval: int(orc, "minPokeInterval", "oracle", 1, 86400),
      windowLength: int(orc, "windowLength", "oracle", 60, 7 * 86400),
      sequencerFeed: optAddress(orc, "sequencerFeed", "oracle"),
      sequencerGracePeriod:
        orc.sequencerFeed === undefined ? undefined : int(orc, "sequencerGracePeriod", "oracle", 0, 86400),
    },
    liquidation: liquidation(o.liquidation, "liquidation"),
    breakers: breakers(o.breakers, "breakers"),
    collaterals,
  };
}

/** Hardhat 3 calls the in-process network "default"; its parameters live in hardhat.json. */
export function parameterFileName(networkName: string): string {
  return networkName === "default" ? "hardhat" : networkName;
}

/** Reads deploy/parameters/<network>.json. */
export function loadDeployParameters(networkName: string): DeployParameters {
  const file = path.join(PARAMETERS_DIR, `${parameterFileName(networkName)}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read deployment parameters ${file}: ${(error as Error).message}`);
  }
  return parseDeployParameters(raw);
}
