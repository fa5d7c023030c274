// `risk report`: reads every vault of a deployment at one block (the engine's own health breakdown:
// debt, prices, values, effective haircuts), then reports total debt and collateral, the leverage
// distribution, liquidation-price clustering, the vaults below HF 1, and the value at risk / expected
// shortfall of bad debt under correlated Monte-Carlo price shocks (maths in scripts/lib/risk.ts).
//
// Every option is validated, and checked against the deployment file, before the first chain call.
import { readFileSync } from "node:fs";
import { JsonRpcProvider, ZeroAddress, type Provider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Breakwater, DeploymentRecord, TokenInfo } from "../../deploy/breakwater.js";
import {
  formatHealthFactor,
  formatInteger,
  formatTokenAmount,
  formatUsd,
  renderKeyValues,
  renderTable,
  SEPARATOR,
  WAD,
} from "../../scripts/lib/format.js";
import { breakwaterDecoder, describe, type ErrorDecoder } from "../../scripts/lib/errors.js";
import {
  checkCorrelation,
  correlatedShocks,
  equicorrelation,
  histogram,
  liquidationRatio,
  mainPosition,
  mean,
  quantile,
  RiskInputError,
  simulateBook,
  sortLosses,
  tailRisk,
  type BookVault,
  type HaircutCurve,
} from "../../scripts/lib/risk.js";
import { connectContext, loadRecord, type LoadedRecord, type RpcEndpoint } from "../lib/context.js";
import { explain, TaskError } from "../lib/errors.js";
import { emit } from "../lib/output.js";

// ------------------------------------------------------------------ options

export interface RiskArgs {
  deployment: string;
  json: boolean;
  paths: string;
  seed: string;
  horizonDays: string;
  vol: string;
  corr: string;
  corrMatrix: string;
  saleDiscount: string;
  concurrency: string;
  batchSize: string;
}

export const DEFAULT_PATHS = 10_000;
export const MIN_PATHS = 100;
export const MAX_PATHS = 1_000_000;
export const DEFAULT_CORRELATION = 0.7;
/** Annualised volatility used for a collateral without `--vol`, by symbol (case-insensitive). */
export const DEFAULT_VOLS: Record<string, number> = {
  WETH: 0.8,
  ETH: 0.8,
  STETH: 0.8,
  WSTETH: 0.8,
  RETH: 0.8,
  CBETH: 0.8,
  WBTC: 0.6,
  BTC: 0.6,
  CBBTC: 0.6,
  TBTC: 0.6,
  USDC: 0.05,
  USDT: 0.05,
  DAI: 0.05,
};
/** Annualised volatility of a collateral whose symbol is not in DEFAULT_VOLS (alt-coin-like). */
export const FALLBACK_VOL = 1.0;
const DAYS_PER_YEAR = 365;

/** Options of the report, validated, before the deployment is known. */
export interface ParsedOptions {
  paths: number;
  seed: number;
  horizonDays: number;
  vols: Map<string, number>; // upper-case symbol -> annual vol
  corr: number | undefined;
  corrMatrix: { file: string; assets: string[]; matrix: number[][] } | undefined;
  saleDiscount: number;
  concurrency: number;
  batchSize: number;
}

const DECIMAL = /^-?\d+(\.\d+)?$|^-?\.\d+$/;

/** "0.8" -> 0.8, "80%" -> 0.8 (when percent is allowed). */
function parseNumber(input: string, what: string, percent = false): number {
  const text = input.trim();
  const isPercent = percent && text.endsWith("%");
  const body = isPercent ? text.slice(0, -1).trim() : text;
  if (!DECIMAL.test(body)) {
    throw new TaskError(`${what} "${input}" is not a number${percent ? ' (e.g. "0.8" or "80%")' : ""}`);
  }
  const value = Number(body);
  return isPercent ? value / 100 : value;
}

function parseCount(input: string, what: string, min: number, max: number): number {
  const text = input.trim();
  if (!/^\d[\d_,]*$/.test(text)) throw new TaskError(`${what} "${input}" is not a whole number`);
  const value = Number(text.replace(/[_,]/g, ""));
  if (value < min) throw new TaskError(`${what} ${value} is below the minimum ${formatInteger(min)}`);
  if (value > max) throw new TaskError(`${what} ${value} is above the maximum ${formatInteger(max)}`);
  return value;
}

/** Validates every option that does not need the deployment (exported for tests). */
export function parseRiskOptions(args: Partial<RiskArgs>): ParsedOptions {
  const paths = parseCount(args.paths || String(DEFAULT_PATHS), "--paths", MIN_PATHS, MAX_PATHS);
  const seed = parseCount(args.seed || "1", "--seed", 0, Number.MAX_SAFE_INTEGER);
  const horizonDays = parseNumber(args.horizonDays || "1", "--horizon-days");
  if (!(horizonDays > 0)) throw new TaskError(`--horizon-days ${args.horizonDays} must be greater than zero`);
  if (horizonDays > 3650) throw new TaskError(`--horizon-days ${horizonDays} is above the maximum 3650`);

  const vols = new Map<string, number>();
  for (const part of (args.vol ?? "").split(",")) {
    if (part.trim() === "") continue;
    const m = /^\s*([^=\s]+)\s*=\s*(.*)$/.exec(part);
    if (m === null) throw new TaskError(`--vol "${part.trim()}" is not SYMBOL=annualVol (e.g. "WETH=0.8,WBTC=60%")`);
    const symbol = m[1].toUpperCase();
    const vol = parseNumber(m[2], `--vol ${m[1]}`, true);
    if (!(vol > 0)) throw new TaskError(`--vol ${m[1]}=${m[2].trim()}: the volatility must be greater than zero`);
    if (vol > 10)
      throw new TaskError(`--vol ${m[1]}=${m[2].trim()}: an annual volatility above 1000% is not plausible`);
    if (vols.has(symbol)) throw new TaskError(`--vol ${m[1]} is given twice`);
    vols.set(symbol, vol);
  }

  const corrText = (args.corr ?? "").trim();
  const matrixFile = (args.corrMatrix ?? "").trim();
  if (corrText !== "" && matrixFile !== "") throw new TaskError("--corr and --corr-matrix exclude each other");
  let corr: number | undefined;
  if (corrText !== "") {
    corr = parseNumber(corrText, "--corr");
    if (!(corr > -1 && corr < 1)) throw new TaskError(`--corr ${corrText} is outside (-1, 1)`);
  }
  let corrMatrix: ParsedOptions["corrMatrix"];
  if (matrixFile !== "") corrMatrix = { file: matrixFile, ...readMatrixFile(matrixFile) };

  const saleDiscount = parseNumber(args.saleDiscount || "0", "--sale-discount", true);
  if (!(saleDiscount >= 0 && saleDiscount < 1)) {
    throw new TaskError(`--sale-discount ${args.saleDiscount} is outside [0, 1)`);
  }
  const concurrency = parseCount(args.concurrency || "32", "--concurrency", 1, 256);
  const batchSize = parseCount(args.batchSize || "100", "--batch-size", 0, 10_000);
  return { paths, seed, horizonDays, vols, corr, corrMatrix, saleDiscount, concurrency, batchSize };
}

/** `{ "assets": ["WETH", ...], "matrix": [[1, 0.8, ...], ...] }`, checked for shape here, for PD later. */
function readMatrixFile(file: string): { assets: string[]; matrix: number[][] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new TaskError(`--corr-matrix ${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TaskError(`--corr-matrix ${file}: not JSON (${(e as Error).message})`);
  }
  const o = parsed as { assets?: unknown; matrix?: unknown };
  if (
    typeof o !== "object" ||
    o === null ||
    !Array.isArray(o.assets) ||
    !o.assets.every((a) => typeof a === "string") ||
    !Array.isArray(o.matrix)
  ) {
    throw new TaskError(
      `--corr-matrix ${file}: expected {"assets": ["WETH", ...], "matrix": [[1, 0.8, ...], ...]} (one row per asset)`,
    );
  }
  return { assets: o.assets as string[], matrix: o.matrix as number[][] };
}

/** The simulated assets (every collateral of the deployment) with their vols and correlation. */
export interface ShockModel {
  assets: TokenInfo[];
  vols: number[];
  volSource: ("option" | "default")[];
  correlation: number[][];
  correlationSource: string;
  chol: number[][];
}

/** Checks the options against the deployment's collaterals (still no chain call). */
export function shockModel(o: ParsedOptions, record: DeploymentRecord): ShockModel {
  const assets = record.collaterals;
  if (assets.length === 0) throw new TaskError("the deployment lists no collateral: nothing to shock");
  const bySymbol = new Map(assets.map((a, i) => [a.symbol.toUpperCase(), i]));
  const listed = assets.map((a) => a.symbol).join(", ");
  for (const symbol of o.vols.keys()) {
    if (symbol === record.baseAsset.symbol.toUpperCase()) {
      throw new TaskError(`--vol ${symbol}: the base asset is not shocked (held at its oracle price)`);
    }
    if (!bySymbol.has(symbol)) throw new TaskError(`--vol ${symbol}: not a collateral of this deployment (${listed})`);
  }
  const vols = assets.map(
    (a) => o.vols.get(a.symbol.toUpperCase()) ?? DEFAULT_VOLS[a.symbol.toUpperCase()] ?? FALLBACK_VOL,
  );
  const volSource = assets.map((a): "option" | "default" =>
    o.vols.has(a.symbol.toUpperCase()) ? "option" : "default",
  );
  const names = assets.map((a) => a.symbol);
  let correlation: number[][];
  let correlationSource: string;
  let label: string;
  if (o.corrMatrix !== undefined) {
    const m = o.corrMatrix;
    label = `--corr-matrix ${m.file}`;
    const order: number[] = [];
    const seen = new Set<number>();
    for (const a of m.assets) {
      const i = bySymbol.get(a.toUpperCase());
      if (i === undefined) throw new TaskError(`${label}: "${a}" is not a collateral of this deployment (${listed})`);
      if (seen.has(i)) throw new TaskError(`${label}: "${a}" is listed twice`);
      seen.add(i);
      order.push(i);
    }
    const missing = assets.filter((_, i) => !seen.has(i)).map((a) => a.symbol);
    if (missing.length > 0)
      throw new TaskError(`${label}: missing ${missing.join(", ")} (every collateral needs a row)`);
    if (m.matrix.length !== assets.length || m.matrix.some((r) => !Array.isArray(r) || r.length !== assets.length)) {
      throw new TaskError(`${label}: the matrix must be ${assets.length}x${assets.length}, one row per listed asset`);
    }
    // Reorder into the deployment's collateral order.
    correlation = assets.map((_, i) => assets.map((__, j) => m.matrix[order.indexOf(i)][order.indexOf(j)]));
    correlationSource = `matrix from ${m.file}`;
  } else {
    const c = o.corr ?? DEFAULT_CORRELATION;
    label = `--corr ${c}`;
    correlation = equicorrelation(assets.length, c);
    correlationSource = `${c} between every pair of collaterals`;
  }
  let chol: number[][];
  try {
    chol = checkCorrelation(correlation, names);
  } catch (e) {
    if (e instanceof RiskInputError) throw new TaskError(`${label}: ${e.message}`);
    throw e;
  }
  return { assets, vols, volSource, correlation, correlationSource, chol };
}

// ------------------------------------------------------------------ read-only connection

/**
 * What the report reads through: the read-only task context (tasks/lib/context.ts: no signer, so it
 * runs where no account key is configured, e.g. Sepolia with only SEPOLIA_RPC_URL; on an HTTP network
 * a plain JsonRpcProvider to the RPC URL) with the two contracts it reads and the error decoder.
 * Every eth_call carries `from: 0x0`, so no sender account is looked up either.
 */
export interface ReadContext {
  hre: HardhatRuntimeEnvironment;
  provider: Provider;
  /** How vault reads are sent: JSON-RPC batches to this URL (HTTP networks), else single calls. */
  rpc?: RpcEndpoint;
  networkName: string;
  deploymentFile: string;
  record: DeploymentRecord;
  engine: Breakwater["engine"];
  oracle: Breakwater["oracle"];
  decoder: ErrorDecoder;
}

// Reads the deployment record before any chain call (tasks/lib/context.ts); exported here for the tests.
export { loadRecord };

/** Checks the record against the chain and connects read-only contracts (connectContext, readOnly). */
export async function connectReadOnly(
  hre: HardhatRuntimeEnvironment,
  loaded: LoadedRecord,
  rpcOverride?: RpcEndpoint,
): Promise<ReadContext> {
  const ctx = await connectContext(hre, loaded, {}, { readOnly: true, rpc: rpcOverride });
  return {
    hre,
    provider: ctx.provider,
    rpc: ctx.rpc,
    networkName: ctx.networkName,
    deploymentFile: ctx.deploymentFile,
    record: ctx.record,
    engine: ctx.bw.engine,
    oracle: ctx.bw.oracle,
    decoder: breakwaterDecoder(ctx.bw),
  };
}

/** A view call; a revert becomes a ChainError with the decoded custom error. */
async function readCall<T>(ctx: ReadContext, label: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw explain(ctx.decoder, e, label);
  }
}

// ------------------------------------------------------------------ reading the chain

/** One vault as read from the engine, exact. */
interface VaultRead {
  id: bigint;
  debt: bigint;
  debtValue: bigint;
  maintenanceValue: bigint;
  collateralValue: bigint;
  positions: { asset: string; amount: bigint; value: bigint; volatilityAddOn: bigint; maintenanceValue: bigint }[];
}

/** Runs `fn` over `items` with at most `limit` calls in flight (results in input order). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Result of one eth_call: the return data, or the error (with its revert data when there is one). */
export type CallResult = { ok: true; data: string } | { ok: false; error: unknown };

/** Executes eth_calls to one contract at one block, in input order. */
export type CallMany = (to: string, datas: string[], blockTag: number) => Promise<CallResult[]>;

/** One eth_call per vault through the connection's provider, `concurrency` in flight. */
export function providerCaller(ctx: ReadContext, concurrency: number): CallMany {
  return (to, datas, blockTag) =>
    mapLimit(datas, concurrency, async (data): Promise<CallResult> => {
      try {
        return { ok: true, data: await ctx.provider.call({ to, data, blockTag, from: ZeroAddress }) };
      } catch (error) {
        return { ok: false, error };
      }
    });
}

/** The server did not answer a JSON-RPC batch as one (some RPC providers refuse batches). */
export class BatchUnsupported extends Error {}

/**
 * JSON-RPC batches over HTTP: `batchSize` eth_calls per POST, `concurrency` POSTs in flight. Throws
 * BatchUnsupported when the server answers a batch with anything but one response per request.
 */
export function httpBatchCaller(
  url: string,
  headers: Record<string, string>,
  batchSize: number,
  concurrency: number,
): CallMany {
  return async (to, datas, blockTag) => {
    const chunks: number[] = [];
    for (let i = 0; i < datas.length; i += batchSize) chunks.push(i);
    const block = "0x" + blockTag.toString(16);
    const parts = await mapLimit(chunks, concurrency, async (first) => {
      const body = datas
        .slice(first, first + batchSize)
        .map((data, k) => ({ jsonrpc: "2.0", id: first + k, method: "eth_call", params: [{ to, data }, block] }));
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        });
      } catch (e) {
        throw new BatchUnsupported(`batch request failed: ${(e as Error).message}`);
      }
      if (!response.ok) throw new BatchUnsupported(`batch request answered HTTP ${response.status}`);
      const answer = (await response.json().catch(() => undefined)) as
        { id: number; result?: string; error?: { code: number; message: string; data?: unknown } }[] | undefined;
      if (!Array.isArray(answer) || answer.length !== body.length) {
        throw new BatchUnsupported("the server did not answer the JSON-RPC batch with one response per call");
      }
      const byId = new Map(answer.map((a) => [a.id, a]));
      return body.map((req): CallResult => {
        const a = byId.get(req.id);
        if (a === undefined) throw new BatchUnsupported(`no response to batched call ${req.id}`);
        if (typeof a.result === "string") return { ok: true, data: a.result };
        return { ok: false, error: a.error ?? { message: "empty response" } };
      });
    });
    return parts.flat();
  };
}

/**
 * Every vault's health breakdown at `blockTag` (the engine's single health computation: debt, prices,
 * values, effective haircuts), through `callMany`. Vaults whose breakdown reverts (an unusable oracle
 * price) are returned in `unpriced` with the decoded reason.
 */
export async function readVaults(ctx: ReadContext, blockTag: number, callMany: CallMany) {
  const { engine } = ctx;
  const count = await readCall(ctx, "vault count", () => engine.vaultCount({ blockTag, from: ZeroAddress }));
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const to = await engine.getAddress();
  const results = await callMany(
    to,
    ids.map((id) => engine.interface.encodeFunctionData("healthBreakdown", [id])),
    blockTag,
  );
  const unpriced: { vault: bigint; reason: string }[] = [];
  const vaults: VaultRead[] = [];
  results.forEach((r, k) => {
    const id = ids[k];
    if (!r.ok) {
      const decoded = ctx.decoder.decode(r.error);
      const message = (r.error as { message?: unknown }).message;
      unpriced.push({
        vault: id,
        reason: decoded === undefined ? String(message ?? r.error).split("\n")[0] : describe(decoded),
      });
      return;
    }
    const h = engine.interface.decodeFunctionResult("healthBreakdown", r.data)[0];
    let collateralValue = 0n;
    const positions = (h.assets as IVaultEngineAssetHealth[]).map((a) => {
      collateralValue += a.value;
      return {
        asset: a.asset,
        amount: a.amount,
        value: a.value,
        volatilityAddOn: a.volatilityAddOn,
        maintenanceValue: a.maintenanceValue,
      };
    });
    vaults.push({
      id,
      debt: h.debt,
      debtValue: h.debtValue,
      maintenanceValue: h.maintenanceValue,
      collateralValue,
      positions,
    });
  });
  return { count, vaults, unpriced };
}

interface IVaultEngineAssetHealth {
  asset: string;
  amount: bigint;
  value: bigint;
  volatilityAddOn: bigint;
  maintenanceValue: bigint;
}

/** Batches over HTTP networks when `batchSize` > 0 (falling back to single calls if refused), else single calls. */
async function readAllVaults(ctx: ReadContext, blockTag: number, options: ParsedOptions) {
  const single = providerCaller(ctx, options.concurrency);
  if (options.batchSize > 0 && ctx.rpc !== undefined) {
    const batched = httpBatchCaller(ctx.rpc.url, ctx.rpc.headers, options.batchSize, Math.min(options.concurrency, 4));
    try {
      return { ...(await readVaults(ctx, blockTag, batched)), transport: `JSON-RPC batches of ${options.batchSize}` };
    } catch (e) {
      if (!(e instanceof BatchUnsupported)) throw e;
      return { ...(await readVaults(ctx, blockTag, single)), transport: `single eth_calls (${e.message})` };
    }
  }
  return { ...(await readVaults(ctx, blockTag, single)), transport: "single eth_calls" };
}

// ------------------------------------------------------------------ report

const HF_EDGES = [1, 1.05, 1.1, 1.25, 1.5, 2, 3];
const DROP_EDGES = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5];
const LEVELS = [0.95, 0.99] as const;

const usdFloat = (wad: bigint) => Number(wad) / 1e18;

function bucketLabel(min: number | null, max: number | null, format: (x: number) => string): string {
  if (min === null) return `< ${format(max!)}`;
  if (max === null) return `>= ${format(min)}`;
  return `${format(min)} - ${format(max)}`;
}
const pct = (x: number, places = 1) => `${(x * 100).toFixed(places)}%`;
const round = (x: number, places: number) => Number(x.toFixed(places));

/** Everything the report needs from the chain, at one block. */
async function readChain(ctx: ReadContext, model: ShockModel, options: ParsedOptions) {
  try {
    const block = await ctx.provider.getBlock("latest");
    const blockTag = block!.number;
    const { engine, oracle } = ctx;
    const at = { blockTag, from: ZeroAddress };
    const base = ctx.record.baseAsset;
    const basePrice = await readCall(ctx, `${base.symbol} price`, () => oracle.getPrice(base.address, at));
    const prices: bigint[] = [];
    const configs: Awaited<ReturnType<typeof engine.collateralConfig>>[] = [];
    for (const a of model.assets) {
      const [price, failure] = await readCall(ctx, `${a.symbol} price`, () => oracle.tryGetPrice(a.address, at));
      prices.push(failure === 0n ? price : 0n);
      configs.push(await readCall(ctx, `${a.symbol} config`, () => engine.collateralConfig(a.address, at)));
    }
    const { count, vaults, unpriced, transport } = await readAllVaults(ctx, blockTag, options);
    return { block: block!, basePrice, prices, configs, count, vaults, unpriced, transport };
  } finally {
    if (ctx.provider instanceof JsonRpcProvider) ctx.provider.destroy();
  }
}

export async function report(args: RiskArgs, hre: HardhatRuntimeEnvironment) {
  const options = parseRiskOptions(args);
  // Resolve the deployment file and check the options against it before any chain call.
  const loaded = await loadRecord(hre, args.deployment ?? "");
  const model = shockModel(options, loaded.record);
  const record = loaded.record;

  const ctx = await connectReadOnly(hre, loaded);
  const started = Date.now();
  const { block, basePrice, prices, configs, count, vaults, unpriced, transport } = await readChain(
    ctx,
    model,
    options,
  );
  const blockTag = block.number;
  const base = ctx.record.baseAsset;
  const readMs = Date.now() - started;

  // Exact totals.
  const assetIndex = new Map(model.assets.map((a, i) => [a.address.toLowerCase(), i]));
  let totalDebt = 0n;
  let totalDebtValue = 0n;
  let totalCollateral = 0n;
  let totalMaintenance = 0n;
  const exposure = model.assets.map(() => ({ amount: 0n, value: 0n, vaultsAsMain: 0 }));
  const below: { vault: bigint; healthFactor: bigint; debt: bigint }[] = [];
  const book: BookVault[] = [];
  const bookReads: VaultRead[] = [];
  const baseFloat = usdFloat(basePrice);
  for (const v of vaults) {
    totalDebt += v.debt;
    totalDebtValue += v.debtValue;
    totalCollateral += v.collateralValue;
    totalMaintenance += v.maintenanceValue;
    const positions = v.positions.map((p) => {
      const i = assetIndex.get(p.asset.toLowerCase());
      if (i === undefined) {
        throw new TaskError(
          `vault ${v.id} holds ${p.asset}, which is not a collateral in ${ctx.deploymentFile}; update the deployment file`,
        );
      }
      exposure[i].amount += p.amount;
      exposure[i].value += p.value;
      const c = configs[i];
      const curve: HaircutCurve = {
        flat: usdFloat(c.maintenanceHaircut + p.volatilityAddOn),
        sizeMultiplier: usdFloat(c.sizeMultiplier),
        sizeCap: usdFloat(c.sizeCap),
        depth: usdFloat(c.marketDepth),
      };
      return { asset: i, value: usdFloat(p.value), curve };
    });
    if (v.debt > 0n) {
      if (v.maintenanceValue < v.debtValue) {
        below.push({ vault: v.id, healthFactor: (v.maintenanceValue * WAD) / v.debtValue, debt: v.debt });
      }
      book.push({ id: Number(v.id), debtValue: usdFloat(v.debtValue), positions });
      bookReads.push(v);
    }
  }

  // Leverage: HF buckets weighted by debt, with the LTV (debt value / market value) of each bucket.
  const marketValues = book.map((v) => {
    let m = 0;
    for (const p of v.positions) m += p.value;
    return m;
  });
  const hfValues = vaults
    .filter((v) => v.debt > 0n)
    .map((v) => Number((v.maintenanceValue * 10n ** 12n) / v.debtValue) / 1e12);
  const debtFloat = book.map((v) => v.debtValue);
  const totalDebtFloat = usdFloat(totalDebtValue);
  const byDebt = histogram(hfValues, HF_EDGES, debtFloat);
  const byCollateral = histogram(hfValues, HF_EDGES, marketValues);
  const leverage = byDebt.map((b, i) => ({
    healthFactor: bucketLabel(b.min, b.max, (x) => x.toFixed(2)),
    minHealthFactor: b.min,
    maxHealthFactor: b.max,
    vaults: b.count,
    debt: round(b.weight / baseFloat, 2),
    debtShare: totalDebtFloat > 0 ? round(b.weight / totalDebtFloat, 6) : 0,
    ltv: byCollateral[i].weight > 0 ? round(b.weight / byCollateral[i].weight, 6) : null,
  }));

  // Liquidation-price clustering of each vault's main collateral.
  const ratios = model.assets.map(() => ({ drops: [] as number[], debts: [] as number[], none: 0, noneDebt: 0 }));
  const perVault = [];
  for (let k = 0; k < book.length; k++) {
    const v = book[k];
    const main = mainPosition(v);
    const read = bookReads[k];
    const r = main < 0 ? null : liquidationRatio(v, main);
    perVault.push({
      vault: read.id,
      debt: read.debt,
      healthFactor: (read.maintenanceValue * WAD) / read.debtValue,
      ltv: read.collateralValue > 0n ? round(usdFloat(read.debtValue) / usdFloat(read.collateralValue), 6) : null,
      mainAsset: main < 0 ? null : model.assets[v.positions[main].asset].symbol,
      // Price of the main collateral [USD] at which HF reaches 1, other prices fixed; null if none.
      liquidationPrice:
        r === null || !Number.isFinite(r) ? null : round(r * usdFloat(prices[v.positions[main].asset]), 8),
      dropToHf1: r === null || !Number.isFinite(r) ? null : round(1 - r, 6),
    });
    if (main < 0) continue;
    const i = v.positions[main].asset;
    exposure[i].vaultsAsMain += 1;
    if (r === null) {
      ratios[i].none += 1;
      ratios[i].noneDebt += v.debtValue;
    } else {
      ratios[i].drops.push(1 - r);
      ratios[i].debts.push(v.debtValue);
    }
  }
  const clustering = model.assets.map((a, i) => {
    const r = ratios[i];
    const price = usdFloat(prices[i]);
    const assetDebt = r.debts.reduce((s, x) => s + x, 0) + r.noneDebt;
    const buckets = histogram(r.drops, DROP_EDGES, r.debts).map((b) => ({
      drop: b.min === null ? "below HF 1 now" : bucketLabel(b.min, b.max, (x) => pct(x, 0)),
      minDrop: b.min,
      maxDrop: b.max,
      // Liquidation prices in this bucket lie in (priceLow, priceHigh]; null = unbounded.
      priceHigh: b.min === null ? null : round(price * (1 - b.min), 6),
      priceLow: b.max === null ? 0 : round(price * (1 - b.max), 6),
      vaults: b.count,
      debt: round(b.weight / baseFloat, 2),
      debtShare: assetDebt > 0 ? round(b.weight / assetDebt, 6) : 0,
    }));
    // Debt-weighted median of the drop to HF 1 (vaults that can be liquidated by this asset alone).
    const order = r.drops.map((_, k) => k).sort((x, y) => r.drops[x] - r.drops[y]);
    let acc = 0;
    let median: number | null = null;
    const liquidatable = r.debts.reduce((s, x) => s + x, 0);
    for (const k of order) {
      acc += r.debts[k];
      if (acc >= liquidatable / 2) {
        median = round(r.drops[k], 6);
        break;
      }
    }
    return {
      asset: a.symbol,
      price: prices[i],
      vaults: r.drops.length + r.none,
      debt: round(assetDebt / baseFloat, 2),
      medianDrop: median,
      buckets,
      notLiquidatableByThisAsset: { vaults: r.none, debt: round(r.noneDebt / baseFloat, 2) },
    };
  });

  // Monte-Carlo.
  const simStarted = Date.now();
  const horizonYears = options.horizonDays / DAYS_PER_YEAR;
  const shocks = correlatedShocks({
    paths: options.paths,
    seed: options.seed,
    vols: model.vols,
    chol: model.chol,
    horizonYears,
  });
  const sim = simulateBook(book, shocks, { saleDiscount: options.saleDiscount });
  const sorted = sortLosses(sim.badDebt);
  const inBase = (usd: number) => round(usd / baseFloat, 6);
  let withLoss = 0;
  for (let p = 0; p < sorted.length; p++) if (sorted[p] > 0) withLoss++;
  const badDebt = {
    mean: inBase(mean(sim.badDebt)),
    probability: round(withLoss / options.paths, 6),
    worst: inBase(sorted[sorted.length - 1]),
    ...Object.fromEntries(
      LEVELS.flatMap((q) => {
        const t = tailRisk(sorted, q);
        const tag = Math.round(q * 100);
        return [
          [`var${tag}`, inBase(t.var)],
          [`es${tag}`, inBase(t.es)],
        ];
      }),
    ),
  } as { mean: number; probability: number; worst: number; var95: number; es95: number; var99: number; es99: number };
  const shortfall = {
    meanVaults: round(mean(sim.shortfallVaults), 4),
    vaults95: quantile(sim.shortfallVaults, 0.95),
    vaults99: quantile(sim.shortfallVaults, 0.99),
    worstVaults: sim.shortfallVaults.reduce((m, x) => Math.max(m, x), 0),
    meanDebt: inBase(mean(sim.shortfallDebt)),
    debt95: inBase(quantile(sim.shortfallDebt, 0.95)),
    debt99: inBase(quantile(sim.shortfallDebt, 0.99)),
  };
  const simulateMs = Date.now() - simStarted;

  const result = {
    network: ctx.networkName,
    deployment: ctx.deploymentFile,
    block: blockTag,
    timestamp: block!.timestamp,
    baseAsset: { symbol: base.symbol, decimals: base.decimals, price: basePrice },
    settings: {
      paths: options.paths,
      seed: options.seed,
      horizonDays: options.horizonDays,
      saleDiscount: options.saleDiscount,
      volatility: Object.fromEntries(model.assets.map((a, i) => [a.symbol, model.vols[i]])),
      volatilitySource: Object.fromEntries(model.assets.map((a, i) => [a.symbol, model.volSource[i]])),
      correlation: {
        assets: model.assets.map((a) => a.symbol),
        matrix: model.correlation,
        source: model.correlationSource,
      },
      model:
        "log-normal price moves over the horizon, m = exp(sigma sqrt(T) z - sigma^2 T / 2), z ~ N(0, correlation); " +
        "base asset fixed at its oracle price; per vault and path bad debt = max(0, debt - (1 - saleDiscount) x " +
        "market value of its collateral after the shock); shortfall = HF < 1 under the maintenance haircuts " +
        "(size add-on at the shocked value, volatility add-on as on chain)",
      units:
        "totals.debt, belowHf1 and vaults[].debt: exact integers in the base asset's smallest unit; " +
        "totals.*Value, prices and baseAsset.price: exact wad USD (1e18); every other debt, bad-debt and " +
        "shortfall figure: floats in whole base-asset tokens; liquidation prices and price bounds: floats in USD",
      quantiles:
        "over the sorted path losses L(1) <= ... <= L(n): VaR_q = L(k) with k = ceil(q n), ES_q = mean of L(k..n)",
    },
    totals: {
      vaults: count,
      vaultsWithDebt: book.length,
      unpriced,
      debt: totalDebt,
      debtValue: totalDebtValue,
      collateralValue: totalCollateral,
      maintenanceValue: totalMaintenance,
      ltv: totalCollateral > 0n ? round(usdFloat(totalDebtValue) / usdFloat(totalCollateral), 6) : null,
    },
    collaterals: model.assets.map((a, i) => ({
      asset: a.symbol,
      address: a.address,
      price: prices[i],
      amount: exposure[i].amount,
      value: exposure[i].value,
      vaultsAsMain: exposure[i].vaultsAsMain,
      annualVol: model.vols[i],
      horizonVol: round(model.vols[i] * Math.sqrt(horizonYears), 6),
    })),
    leverage,
    liquidationPrices: clustering,
    vaults: perVault,
    belowHf1: {
      vaults: below.length,
      debt: below.reduce((s, b) => s + b.debt, 0n),
      list: below,
    },
    monteCarlo: { paths: options.paths, badDebt, shortfall },
    timing: { readMs, simulateMs, transport },
  };

  return emit(args.json, result, (r) => render(r, record));
}

// ------------------------------------------------------------------ table

function render(
  r: {
    network: string;
    deployment: string;
    block: number;
    timestamp: number;
    baseAsset: { symbol: string; decimals: number; price: bigint };
    settings: {
      paths: number;
      seed: number;
      horizonDays: number;
      saleDiscount: number;
      correlation: { assets: string[]; matrix: number[][]; source: string };
      volatilitySource: Record<string, string>;
    };
    totals: {
      vaults: bigint;
      vaultsWithDebt: number;
      unpriced: { vault: bigint; reason: string }[];
      debt: bigint;
      debtValue: bigint;
      collateralValue: bigint;
      maintenanceValue: bigint;
      ltv: number | null;
    };
    collaterals: {
      asset: string;
      price: bigint;
      amount: bigint;
      value: bigint;
      vaultsAsMain: number;
      annualVol: number;
      horizonVol: number;
    }[];
    leverage: { healthFactor: string; vaults: number; debt: number; debtShare: number; ltv: number | null }[];
    liquidationPrices: {
      asset: string;
      price: bigint;
      vaults: number;
      debt: number;
      medianDrop: number | null;
      buckets: {
        drop: string;
        priceLow: number;
        priceHigh: number | null;
        vaults: number;
        debt: number;
        debtShare: number;
      }[];
      notLiquidatableByThisAsset: { vaults: number; debt: number };
    }[];
    belowHf1: { vaults: number; debt: bigint; list: { vault: bigint; healthFactor: bigint; debt: bigint }[] };
    monteCarlo: {
      paths: number;
      badDebt: {
        mean: number;
        probability: number;
        worst: number;
        var95: number;
        es95: number;
        var99: number;
        es99: number;
      };
      shortfall: {
        meanVaults: number;
        vaults95: number;
        vaults99: number;
        worstVaults: number;
        meanDebt: number;
        debt95: number;
        debt99: number;
      };
    };
    timing: { readMs: number; simulateMs: number; transport: string };
  },
  record: DeploymentRecord,
): string {
  const b = r.baseAsset;
  const money = (x: number) =>
    `${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${b.symbol}`;
  const exact = (x: bigint) => `${formatTokenAmount(x, b.decimals, 2)} ${b.symbol}`;
  const price = (x: number) => `$${x.toLocaleString("en-US", { maximumFractionDigits: x >= 100 ? 0 : 4 })}`;
  const t = r.totals;
  const parts: string[] = [];
  parts.push(
    `Risk report: ${r.network}, block ${r.block} (${new Date(r.timestamp * 1000).toISOString()})`,
    renderKeyValues([
      ["deployment", r.deployment],
      [
        "vaults",
        `${formatInteger(t.vaults)} (${t.vaultsWithDebt} with debt` +
          (t.unpriced.length > 0
            ? `, ${t.unpriced.length} unpriced and left out: ${t.unpriced.map((u) => `#${u.vault} ${u.reason}`).join(", ")}`
            : "") +
          ")",
      ],
      ["total debt", `${exact(t.debt)} (${formatUsd(t.debtValue)} at ${formatUsd(b.price, 4)} per ${b.symbol})`],
      [
        "collateral value",
        `${formatUsd(t.collateralValue)} market, ${formatUsd(t.maintenanceValue)} after maintenance haircuts`,
      ],
      ["debt / collateral", t.ltv === null ? "-" : pct(t.ltv, 2)],
      [
        "below HF 1 now",
        r.belowHf1.vaults === 0
          ? "none"
          : `${r.belowHf1.vaults} vault(s), ${exact(r.belowHf1.debt)} debt: ` +
            r.belowHf1.list
              .slice(0, 10)
              .map((v) => `#${v.vault} (HF ${formatHealthFactor(v.healthFactor)})`)
              .join(", ") +
            (r.belowHf1.list.length > 10 ? `, … (${r.belowHf1.list.length - 10} more in --json)` : ""),
      ],
    ]),
  );

  parts.push(
    "",
    `Collaterals and shock model (${r.settings.horizonDays}-day horizon, correlation ${r.settings.correlation.source})`,
    renderTable(
      [
        { header: "asset" },
        { header: "price", align: "right" },
        { header: "held", align: "right" },
        { header: "value", align: "right" },
        { header: "leads", align: "right" },
        { header: "annual vol", align: "right" },
        { header: "horizon sd", align: "right" },
      ],
      r.collaterals.map((c) => {
        const token = record.collaterals.find((x) => x.symbol === c.asset)!;
        return [
          c.asset,
          formatUsd(c.price),
          formatTokenAmount(c.amount, token.decimals, 4),
          formatUsd(c.value),
          `${c.vaultsAsMain} vault(s)`,
          `${pct(c.annualVol, 0)}${r.settings.volatilitySource[c.asset] === "default" ? " (default)" : ""}`,
          pct(c.horizonVol, 2),
        ];
      }),
    ),
  );
  if (r.settings.correlation.source.startsWith("matrix")) {
    const names = r.settings.correlation.assets;
    parts.push(
      renderTable(
        [{ header: "corr" }, ...names.map((n) => ({ header: n, align: "right" as const }))],
        r.settings.correlation.matrix.map((row, i) => [names[i], ...row.map((x) => x.toFixed(2))]),
      ),
    );
  }

  parts.push(
    "",
    "Leverage: vaults with debt by health factor (maintenance haircuts)",
    renderTable(
      [
        { header: "HF" },
        { header: "vaults", align: "right" },
        { header: "debt", align: "right" },
        { header: "share", align: "right" },
        { header: "debt / collateral", align: "right" },
      ],
      r.leverage.map((l) => [
        l.healthFactor,
        String(l.vaults),
        money(l.debt),
        pct(l.debtShare),
        l.ltv === null ? "" : pct(l.ltv),
      ]),
    ),
  );

  // Clustering: one column per collateral that leads at least one vault, one row per drop bucket.
  const led = r.liquidationPrices.filter((c) => c.vaults > 0);
  if (led.length > 0) {
    const cell = (debt: number, vaults: number, share: number) =>
      vaults === 0 ? "-" : `${money(debt)} (${vaults}, ${pct(share, 0)})`;
    parts.push(
      "",
      "Liquidation-price clustering: debt of the vaults led by each collateral (largest value), by the fall in " +
        "that collateral's price that brings HF to 1 (other prices fixed); cells: debt (vaults, share)",
      renderTable(
        [
          { header: "drop to HF 1" },
          ...led.map((c) => ({ header: `${c.asset} (now ${price(Number(c.price) / 1e18)})`, align: "right" as const })),
        ],
        [
          ...led[0].buckets.map((k, row) => [
            k.drop,
            ...led.map((c) => cell(c.buckets[row].debt, c.buckets[row].vaults, c.buckets[row].debtShare)),
          ]),
          [
            "never: other collateral covers",
            ...led.map((c) =>
              cell(
                c.notLiquidatableByThisAsset.debt,
                c.notLiquidatableByThisAsset.vaults,
                c.debt > 0 ? c.notLiquidatableByThisAsset.debt / c.debt : 0,
              ),
            ),
          ],
          SEPARATOR,
          ["debt-weighted median", ...led.map((c) => (c.medianDrop === null ? "-" : pct(c.medianDrop)))],
        ],
      ),
    );
  }

  const mc = r.monteCarlo;
  const bd = mc.badDebt;
  const sf = mc.shortfall;
  parts.push(
    "",
    `Monte-Carlo: ${formatInteger(mc.paths)} paths, seed ${r.settings.seed}; bad debt = debt - ` +
      (r.settings.saleDiscount > 0 ? `${pct(1 - r.settings.saleDiscount)} of ` : "") +
      "market value of the collateral after the shock, per vault, floored at 0",
    renderTable(
      [
        { header: "" },
        { header: "bad debt", align: "right" },
        { header: "vaults below HF 1", align: "right" },
        { header: "their debt", align: "right" },
      ],
      [
        ["mean", money(bd.mean), sf.meanVaults.toFixed(2), money(sf.meanDebt)],
        ["95%: VaR", money(bd.var95), String(sf.vaults95), money(sf.debt95)],
        ["95%: ES", money(bd.es95), "", ""],
        ["99%: VaR", money(bd.var99), String(sf.vaults99), money(sf.debt99)],
        ["99%: ES", money(bd.es99), "", ""],
        ["worst path", money(bd.worst), String(sf.worstVaults), ""],
      ],
    ),
    renderKeyValues([
      ["P(bad debt > 0)", pct(bd.probability, 2)],
      ["VaR / ES", "q-quantile of the path losses / mean of the losses at or beyond it"],
      [
        "time",
        `read ${(r.timing.readMs / 1000).toFixed(2)} s (${r.timing.transport}), simulate ${(r.timing.simulateMs / 1000).toFixed(2)} s`,
      ],
    ]),
  );
  return parts.join("\n");
}
