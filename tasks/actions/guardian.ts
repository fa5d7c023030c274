// Guardian actions on the circuit breaker: pause / unpause actions, freeze / unfreeze assets, trip and
// clear price-drop breakers, show the breaker state. Pause and freeze are the guardian's; unpause,
// unfreeze and clear-trip are governance's (through the timelock when the role is delayed); trip is
// permissionless.
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { ACTIONS, ORACLE_FAILURES } from "../../scripts/lib/errors.js";
import { formatTokenAmount, formatUsd, renderKeyValues, renderTable } from "../../scripts/lib/format.js";
import { parseDuration } from "../lib/amount.js";
import { loadContext, resolveCollateral, symbolOf, type CommonArgs, type TaskContext } from "../lib/context.js";
import { TaskError } from "../lib/errors.js";
import { describeGoverned, governedCall } from "../lib/governance.js";
import { emit } from "../lib/output.js";
import { renderTxs, sendTx } from "../lib/tx.js";

function parseAction(input: string): number {
  const i = ACTIONS.findIndex((a) => a.toLowerCase() === input.trim().toLowerCase().replace(/[-_ ]/g, ""));
  if (i < 0) throw new TaskError(`unknown action "${input}" (one of: ${ACTIONS.join(", ")})`);
  return i;
}

async function duration(ctx: TaskContext, input: string): Promise<bigint> {
  const max = BigInt((await ctx.bw.circuitBreaker.globalConfig()).maxPauseDuration);
  if (input === "") return max;
  const d = parseDuration(input, "--duration");
  if (d > max) throw new TaskError(`--duration ${d} s is above the maximum pause duration ${max} s`);
  return d;
}

const iso = (t: bigint) => (t === 0n ? "—" : new Date(Number(t) * 1000).toISOString());

interface ActionArgs extends CommonArgs {
  action: string;
  duration?: string;
  execute?: boolean;
}

interface AssetArgs extends CommonArgs {
  asset: string;
  duration?: string;
  execute?: boolean;
}

const exec = (args: { execute?: boolean }) => ({ execute: args.execute === true });

export async function pause(args: ActionArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const action = parseAction(args.action);
  const seconds = await duration(ctx, args.duration ?? "");
  const r = await governedCall(ctx, ctx.bw.circuitBreaker, "pause", [action, seconds], exec(args));
  const until = (await ctx.bw.circuitBreaker.globalView()).pausedUntil[action];
  const result = { action: ACTIONS[action], duration: seconds, pausedUntil: until, ...r };
  return emit(
    args.json,
    result,
    (x) => `${describeGoverned(x)}\n  ${x.action} paused until ${iso(x.pausedUntil)}\n${renderTxs(x.txs)}`,
  );
}

export async function unpause(args: ActionArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const action = parseAction(args.action);
  const now = await ctx.now();
  const until = (await ctx.bw.circuitBreaker.globalView()).pausedUntil[action];
  if (!args.execute && until <= now) throw new TaskError(`${ACTIONS[action]} is not paused`);
  const r = await governedCall(ctx, ctx.bw.circuitBreaker, "unpause", [action], exec(args));
  const result = {
    action: ACTIONS[action],
    pausedUntil: (await ctx.bw.circuitBreaker.globalView()).pausedUntil[action],
    ...r,
  };
  return emit(args.json, result, (x) => `${describeGoverned(x)}\n${renderTxs(x.txs)}`);
}

export async function freeze(args: AssetArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const token = resolveCollateral(ctx.record, args.asset);
  const seconds = await duration(ctx, args.duration ?? "");
  const r = await governedCall(ctx, ctx.bw.circuitBreaker, "freeze", [token.address, seconds], exec(args));
  const view = await ctx.bw.circuitBreaker.assetView(token.address);
  const result = { asset: token.symbol, duration: seconds, frozenUntil: view.frozenUntil, ...r };
  return emit(
    args.json,
    result,
    (x) => `${describeGoverned(x)}\n  ${x.asset} frozen until ${iso(x.frozenUntil)}\n${renderTxs(x.txs)}`,
  );
}

export async function unfreeze(args: AssetArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const token = resolveCollateral(ctx.record, args.asset);
  if (!args.execute && !(await ctx.bw.circuitBreaker.assetView(token.address)).frozen) {
    throw new TaskError(`${token.symbol} is not frozen`);
  }
  const r = await governedCall(ctx, ctx.bw.circuitBreaker, "unfreeze", [token.address], exec(args));
  const result = { asset: token.symbol, frozen: (await ctx.bw.circuitBreaker.assetView(token.address)).frozen, ...r };
  return emit(args.json, result, (x) => `${describeGoverned(x)}\n${renderTxs(x.txs)}`);
}

export async function trip(args: AssetArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const token = resolveCollateral(ctx.record, args.asset);
  const { tx } = await sendTx(ctx, `trip ${token.symbol}`, () => ctx.bw.circuitBreaker.trip(token.address));
  const view = await ctx.bw.circuitBreaker.assetView(token.address);
  const result = { asset: token.symbol, tripped: view.tripped, trippedUntil: view.trippedUntil, txs: [tx] };
  return emit(
    args.json,
    result,
    (x) => `Tripped the ${x.asset} price-drop breaker until ${iso(x.trippedUntil)}\n${renderTxs(x.txs)}`,
  );
}

export async function clearTrip(args: AssetArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const token = resolveCollateral(ctx.record, args.asset);
  if (!args.execute && !(await ctx.bw.circuitBreaker.assetView(token.address)).tripped) {
    throw new TaskError(`the ${token.symbol} breaker is not tripped`);
  }
  const r = await governedCall(ctx, ctx.bw.circuitBreaker, "clearTrip", [token.address], exec(args));
  const view = await ctx.bw.circuitBreaker.assetView(token.address);
  const result = { asset: token.symbol, tripped: view.tripped, graceUntil: view.graceUntil, ...r };
  return emit(args.json, result, (x) => `${describeGoverned(x)}\n${renderTxs(x.txs)}`);
}

export async function show(args: CommonArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args, { readOnly: true });
  const cb = ctx.bw.circuitBreaker;
  const now = await ctx.now();
  const g = await cb.globalView();
  const assets = [];
  for (const c of ctx.record.collaterals) {
    const v = await cb.assetView(c.address);
    assets.push({
      asset: symbolOf(ctx.record, v.asset),
      assetAddress: v.asset,
      frozen: v.frozen,
      frozenUntil: v.frozenUntil,
      tripped: v.tripped,
      trippedUntil: v.trippedUntil,
      oracleFailed: v.oracleFailed,
      oracleFailure: ORACLE_FAILURES[Number(v.oracleFailure)] ?? v.oracleFailure.toString(),
      graceUntil: v.graceUntil,
      debtUnderAuction: v.debtUnderAuction,
      debtUnderAuctionCap: v.debtUnderAuctionCap,
      bucketAvailable: v.bucketAvailable,
      bucketCapacity: v.bucketCapacity,
      windowHighPrice: v.windowHighPrice,
      tripPrice: v.tripPrice,
    });
  }
  const result = {
    now,
    pauses: ACTIONS.map((a, i) => ({ action: a, pausedUntil: g.pausedUntil[i], paused: g.pausedUntil[i] > now })),
    globalDebtUnderAuction: g.globalDebtUnderAuction,
    globalDebtUnderAuctionCap: g.globalDebtUnderAuctionCap,
    globalGraceUntil: g.globalGraceUntil,
    config: {
      globalDebtUnderAuctionCap: g.config.globalDebtUnderAuctionCap,
      maxPauseDuration: g.config.maxPauseDuration,
      pauseCooldown: g.config.pauseCooldown,
      gracePeriod: g.config.gracePeriod,
    },
    assets,
  };
  const base = ctx.record.baseAsset;
  const baseText = (v: bigint) => `${formatTokenAmount(v, base.decimals, 2)} ${base.symbol}`;
  return emit(args.json, result, (r) =>
    [
      "Circuit breaker",
      renderKeyValues([
        [
          "paused",
          r.pauses
            .filter((p) => p.paused)
            .map((p) => `${p.action} until ${iso(p.pausedUntil)}`)
            .join(", ") || "nothing",
        ],
        ["debt under auction", `${baseText(r.globalDebtUnderAuction)} of ${baseText(r.globalDebtUnderAuctionCap)}`],
        ["grace until", r.globalGraceUntil > r.now ? iso(r.globalGraceUntil) : "—"],
        [
          "max pause / cooldown / grace",
          `${r.config.maxPauseDuration} s / ${r.config.pauseCooldown} s / ${r.config.gracePeriod} s`,
        ],
      ]),
      "",
      renderTable(
        [
          { header: "asset" },
          { header: "frozen" },
          { header: "tripped" },
          { header: "oracle" },
          { header: "grace" },
          { header: "under auction", align: "right" },
          { header: "bucket", align: "right" },
          { header: "trip price", align: "right" },
        ],
        r.assets.map((a) => [
          a.asset,
          a.frozen ? `until ${iso(a.frozenUntil)}` : "no",
          a.tripped ? `until ${iso(a.trippedUntil)}` : "no",
          a.oracleFailed ? `failed (${a.oracleFailure})` : a.oracleFailure === "None" ? "ok" : a.oracleFailure,
          a.graceUntil > r.now ? `until ${iso(a.graceUntil)}` : "—",
          `${baseText(a.debtUnderAuction)} / ${baseText(a.debtUnderAuctionCap)}`,
          `${formatUsd(a.bucketAvailable, 0)} / ${formatUsd(a.bucketCapacity, 0)}`,
          formatUsd(a.tripPrice),
        ]),
      ),
    ].join("\n"),
  );
}
