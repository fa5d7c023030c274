// Governance actions: set each risk parameter through the AccessManager (directly, or scheduled and
// executed after the delay of a timelocked role), execute a scheduled call, show every parameter.
import { getAddress, isAddress, isHexString, type Result } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { TaskArguments } from "hardhat/types/tasks";
import { ROLES } from "../../deploy/breakwater.js";
import {
  formatPercent,
  formatTokenAmount,
  formatUsd,
  formatWad,
  renderKeyValues,
  SECONDS_PER_YEAR,
} from "../../scripts/lib/format.js";
import { parseAmount, parseDuration, parseFraction, parseInteger } from "../lib/amount.js";
import { loadContext, resolveCollateral, type CommonArgs, type TaskContext } from "../lib/context.js";
import { TaskError } from "../lib/errors.js";
import { describeGoverned, governedCall, governedData, roleName } from "../lib/governance.js";
import { emit } from "../lib/output.js";
import { SETTERS, type FieldSpec, type SetterSpec } from "../lib/params.js";
import { renderTxs } from "../lib/tx.js";

type Value = bigint | boolean | string;

/** A struct returned by ethers (a Result) as a plain object by field name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const asObject = (r: unknown): Record<string, any> => (r as Result).toObject();
type Struct = Record<string, Value>;

interface GovArgs extends CommonArgs {
  execute: boolean;
  asset?: string;
  value?: string;
  [field: string]: unknown;
}

function parseField(ctx: TaskContext, f: FieldSpec, input: string): Value {
  const what = `--${f.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  switch (f.kind) {
    case "bool": {
      const t = input.trim().toLowerCase();
      if (t === "true" || t === "yes" || t === "1") return true;
      if (t === "false" || t === "no" || t === "0") return false;
      throw new TaskError(`${what} "${input}" is not true or false`);
    }
    case "fraction":
      return parseFraction(input, what);
    case "wad":
      return parseFraction(input, what, undefined);
    case "usd":
      return parseAmount(
        input.replace(/^\$/, "").replace(/\s*usd$/i, ""),
        { symbol: "USD", decimals: 18 },
        { what, allowZero: true },
      );
    case "base":
      return parseAmount(input, ctx.record.baseAsset, { what, allowZero: true });
    case "duration":
      return parseDuration(input, what, true);
    case "address":
      if (!isAddress(input)) throw new TaskError(`${what} "${input}" is not an address`);
      return getAddress(input);
    case "apr":
      return parseFraction(input, what, undefined) / SECONDS_PER_YEAR;
  }
}

/** The setter's current values, read from the chain. */
async function current(ctx: TaskContext, spec: SetterSpec, asset: string): Promise<Struct> {
  const { engine, auctionHouse, circuitBreaker, rateModel, oracle } = ctx.bw;
  const pick = (r: Record<string, unknown>, extra: string[] = []): Struct =>
    Object.fromEntries([...spec.fields.map((f) => f.name), ...extra].map((k) => [k, r[k] as Value]));
  switch (spec.fn) {
    case "setCollateralConfig":
      return pick(asObject(await engine.collateralConfig(asset)), ["decimals"]);
    case "setCollateralAuctionConfig":
      return pick(asObject(await auctionHouse.collateralAuctionConfig(asset)));
    case "setAssetConfig":
      return pick(asObject(await circuitBreaker.assetConfig(asset)));
    case "setAuctionParameters":
      return pick(asObject(await auctionHouse.auctionParameters()));
    case "setGlobalConfig":
      return pick(asObject(await circuitBreaker.globalConfig()));
    case "setParameters":
      return pick(asObject(await rateModel.parameters()));
    case "setTrackerParameters":
      return pick(asObject(await oracle.trackerParameters()));
  }
  throw new Error(`no reader for ${spec.fn}`);
}

/** Action of `gov <setter>`: the current struct with the given fields replaced, sent through governance. */
export function setter(id: string) {
  return async (taskArgs: TaskArguments, hre: HardhatRuntimeEnvironment) => {
    const args = taskArgs as GovArgs;
    const spec = SETTERS.find((s) => s.id === id)!;
    const ctx = await loadContext(hre, args);
    const asset = spec.perAsset ? resolveCollateral(ctx.record, args.asset ?? "") : undefined;
    const changes: Struct = {};
    for (const f of spec.fields) {
      const input = args[f.name];
      if (typeof input === "string" && input !== "") changes[f.name] = parseField(ctx, f, input);
    }
    if (Object.keys(changes).length === 0 && !args.execute) {
      const names = spec.fields.map((f) => `--${f.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      throw new TaskError(`nothing to change: pass at least one of ${names.join(", ")}`);
    }
    const before = await current(ctx, spec, asset?.address ?? "");
    const after = { ...before, ...changes };
    const contract = ctx.bw[spec.contract];
    const callArgs = spec.spread
      ? spec.fields.map((f) => after[f.name])
      : asset !== undefined
        ? [asset.address, after]
        : [after];
    const r = await governedCall(ctx, contract, spec.fn, callArgs, { execute: args.execute });
    const result = {
      setter: spec.id,
      asset: asset?.symbol ?? null,
      before,
      after,
      changes,
      ...r,
      now: await current(ctx, spec, asset?.address ?? ""),
    };
    return emit(args.json, result, (x) =>
      [
        describeGoverned(x),
        renderKeyValues(Object.keys(x.changes).map((k) => [k, `${String(x.before[k])} -> ${String(x.after[k])}`])),
        renderTxs(x.txs),
      ].join("\n"),
    );
  };
}

interface ValueArgs extends CommonArgs {
  value: string;
  execute: boolean;
}

async function single(
  args: ValueArgs,
  hre: HardhatRuntimeEnvironment,
  kind: "minDebt" | "maxCollaterals" | "reserveFactor",
) {
  const ctx = await loadContext(hre, args);
  const { engine, pool } = ctx.bw;
  let r;
  let value: bigint;
  if (kind === "minDebt") {
    value = parseAmount(args.value, ctx.record.baseAsset, { what: "min debt", allowZero: true });
    r = await governedCall(ctx, engine, "setMinDebt", [value], args);
  } else if (kind === "maxCollaterals") {
    value = parseInteger(args.value, "max collaterals per vault");
    if (value === 0n) throw new TaskError("max collaterals per vault must be greater than zero");
    r = await governedCall(ctx, engine, "setMaxCollateralsPerVault", [value], args);
  } else {
    value = parseFraction(args.value, "reserve factor");
    r = await governedCall(ctx, pool, "setReserveFactor", [value], args);
  }
  const now =
    kind === "minDebt"
      ? await engine.minDebt()
      : kind === "maxCollaterals"
        ? await engine.maxCollateralsPerVault()
        : await pool.reserveFactor();
  const result = { parameter: kind, value, current: now, ...r };
  return emit(
    args.json,
    result,
    (x) => `${describeGoverned(x)}\n  ${x.parameter} now ${x.current}\n${renderTxs(x.txs)}`,
  );
}

export const setMinDebt = (a: ValueArgs, h: HardhatRuntimeEnvironment) => single(a, h, "minDebt");
export const setMaxCollaterals = (a: ValueArgs, h: HardhatRuntimeEnvironment) => single(a, h, "maxCollaterals");
export const setReserveFactor = (a: ValueArgs, h: HardhatRuntimeEnvironment) => single(a, h, "reserveFactor");

interface ExecuteArgs extends CommonArgs {
  target: string;
  data: string;
}

export async function execute(args: ExecuteArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  if (!isAddress(args.target)) throw new TaskError(`target "${args.target}" is not an address`);
  if (!isHexString(args.data) || args.data.length < 10) throw new TaskError(`data "${args.data}" is not calldata`);
  const r = await governedData(ctx, getAddress(args.target), args.data, { execute: true });
  return emit(args.json, r, (x) => `${describeGoverned(x)}\n${renderTxs(x.txs)}`);
}

const RAY = 10n ** 27n;
const ceilDivRay = (x: bigint) => (x + RAY - 1n) / RAY;

export async function show(args: CommonArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args, { readOnly: true });
  const { engine, auctionHouse, circuitBreaker, rateModel, pool, oracle, accessManager } = ctx.bw;
  const collaterals = [];
  for (const c of ctx.record.collaterals) {
    collaterals.push({
      asset: c.symbol,
      assetAddress: c.address,
      risk: asObject(await engine.collateralConfig(c.address)),
      auction: asObject(await auctionHouse.collateralAuctionConfig(c.address)),
      breaker: asObject(await circuitBreaker.assetConfig(c.address)),
      // Scaled debt after the current borrow index, rounded up (as the ceiling check counts it).
      debtBacked: ceilDivRay((await engine.scaledDebtBackedBy(c.address)) * (await pool.currentBorrowIndex())),
    });
  }
  const rate = asObject(await rateModel.parameters());
  // The acting account's roles; none to show on a network without accounts.
  const address = await ctx.account();
  const roles = [];
  if (address !== undefined) {
    for (const [name, id] of Object.entries(ROLES)) {
      const [member, delay] = await accessManager.hasRole(id, address);
      roles.push({ role: name, member, executionDelay: delay });
    }
  }
  const result = {
    engine: { minDebt: await engine.minDebt(), maxCollateralsPerVault: await engine.maxCollateralsPerVault() },
    pool: { reserveFactor: await pool.reserveFactor() },
    rateModel: {
      baseRate: rate.baseRate as bigint,
      slopeLow: rate.slopeLow as bigint,
      slopeHigh: rate.slopeHigh as bigint,
      kink: rate.kink as bigint,
      baseRatePerYear: BigInt(rate.baseRate) * SECONDS_PER_YEAR,
      slopeLowPerYear: BigInt(rate.slopeLow) * SECONDS_PER_YEAR,
      slopeHighPerYear: BigInt(rate.slopeHigh) * SECONDS_PER_YEAR,
    },
    tracker: asObject(await oracle.trackerParameters()),
    auctionParameters: asObject(await auctionHouse.auctionParameters()),
    breakerGlobal: asObject(await circuitBreaker.globalConfig()),
    collaterals,
    account: address === undefined ? null : { address, roles },
  };
  const base = ctx.record.baseAsset;
  const b = (v: unknown) => `${formatTokenAmount(BigInt(v as bigint), base.decimals, 2)} ${base.symbol}`;
  const p = (v: unknown) => formatPercent(BigInt(v as bigint));
  const w = (v: unknown) => formatWad(BigInt(v as bigint), 4);
  return emit(args.json, result, (r) => {
    const ap = r.auctionParameters;
    const bg = r.breakerGlobal;
    const lines = [
      "Governance parameters",
      renderKeyValues([
        ["min debt", b(r.engine.minDebt)],
        ["max collaterals / vault", String(r.engine.maxCollateralsPerVault)],
        ["reserve factor", p(r.pool.reserveFactor)],
        [
          "rates per year",
          `base ${p(r.rateModel.baseRatePerYear)}, low ${p(r.rateModel.slopeLowPerYear)}, high ${p(r.rateModel.slopeHighPerYear)}, kink ${p(r.rateModel.kink)}`,
        ],
        [
          "tracker",
          `lambda ${w(r.tracker.ewmaLambda)}, min poke ${r.tracker.minPokeInterval} s, window ${r.tracker.windowLength} s`,
        ],
        [
          "liquidation",
          `target HF ${w(ap.targetHealthFactor)}, hard floor ${w(ap.hardFloor)}, lot buffer ${w(ap.lotBuffer)}, cure ${ap.cureWindow} s`,
        ],
        ["keepers / dust", `chip ${p(ap.keeperChip)}, tip ${b(ap.keeperTip)}, dust ${b(ap.dust)}`],
        [
          "breakers",
          `global cap ${b(bg.globalDebtUnderAuctionCap)}, max pause ${bg.maxPauseDuration} s, cooldown ${bg.pauseCooldown} s, grace ${bg.gracePeriod} s`,
        ],
      ]),
    ];
    for (const c of r.collaterals) {
      lines.push(
        `\n${c.asset}`,
        renderKeyValues([
          ["enabled", String(c.risk.enabled)],
          ["haircuts", `initial ${p(c.risk.initialHaircut)}, maintenance ${p(c.risk.maintenanceHaircut)}`],
          [
            "add-ons",
            `volatility x${w(c.risk.volatilityMultiplier)} cap ${p(c.risk.volatilityCap)}, size x${w(c.risk.sizeMultiplier)} cap ${p(c.risk.sizeCap)}`,
          ],
          ["market depth", formatUsd(BigInt(c.risk.marketDepth as bigint), 0)],
          ["debt ceiling", `${b(c.risk.debtCeiling)} (used ${b(c.debtBacked)})`],
          [
            "auction",
            `penalty ${p(c.auction.penalty)}, start x${w(c.auction.startBuffer)}, reset below ${p(c.auction.resetPriceRatio)}, max ${c.auction.maxDuration} s`,
          ],
          [
            "breaker",
            `max drop ${p(c.breaker.maxDrop)}, cooldown ${c.breaker.cooldown} s, cap ${b(c.breaker.debtUnderAuctionCap)}, bucket ${formatUsd(BigInt(c.breaker.bucketCapacity as bigint), 0)}`,
          ],
        ]),
      );
    }
    if (r.account === null) {
      lines.push("\nRoles: no account configured for this network");
    } else {
      lines.push(
        `\nRoles of ${r.account.address}`,
        renderKeyValues(
          r.account.roles.map((x) => [x.role, x.member ? `member, execution delay ${x.executionDelay} s` : "—"]),
        ),
      );
    }
    return lines.join("\n");
  });
}

export { roleName };
