// Keeper actions: list liquidatable vaults and open auctions, flag, kick, take, reset, realise bad
// debt, and `keeper run` (a thin wrapper around the bot in scripts/lib/keeper.ts).
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { formatHealthFactor, formatWad, renderKeyValues, renderTable } from "../../scripts/lib/format.js";
import { parseAmount, parseInteger } from "../lib/amount.js";
import {
  addressOr,
  loadContext,
  resolveAuction,
  resolveCollateral,
  resolveVault,
  symbolOf,
  tokenByAddress,
  type CommonArgs,
  type ReadTaskContext,
} from "../lib/context.js";
import { readOpenAuction, renderAuctions, tokenText, type OpenAuction } from "../lib/auctions.js";
import { TaskError } from "../lib/errors.js";
import { emit } from "../lib/output.js";
import { balanceOf, decoderOf, ensureAllowance, readCall, renderTxs, sendTx, type TxSummary } from "../lib/tx.js";

/** The error name for a 4-byte selector returned by canKick, e.g. "CureWindowActive". */
function reasonName(ctx: ReadTaskContext, selector: string): string {
  if (/^0x0+$/.test(selector)) return "";
  return decoderOf(ctx).errorName(selector) ?? selector;
}

async function openAuctions(ctx: ReadTaskContext) {
  const count = await ctx.bw.auctionHouse.auctionCount();
  const out: OpenAuction[] = [];
  for (let id = 1n; id <= count; id++) {
    const a = await readOpenAuction(ctx, id);
    if (a !== undefined) out.push(a);
  }
  return out;
}

// ------------------------------------------------------------------ list

export async function list(args: CommonArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args, { readOnly: true });
  const { engine, auctionHouse } = ctx.bw;
  const count = await engine.vaultCount();
  const ids = count === 0n ? [] : await ctx.bw.lens.liquidatableVaults(1n, count);
  const cureWindow = (await auctionHouse.auctionParameters()).cureWindow;
  const vaults = [];
  for (const id of ids) {
    const flaggedAt = await engine.marginCallOf(id);
    const kicks = [];
    for (const asset of await engine.collateralsOf(id)) {
      const [ok, reason] = await auctionHouse.canKick(id, asset);
      kicks.push({
        asset: symbolOf(ctx.record, asset),
        assetAddress: asset,
        ok,
        reason: ok ? "" : reasonName(ctx, reason),
      });
    }
    vaults.push({
      vault: id,
      owner: await engine.ownerOf(id),
      debt: await engine.debtOf(id),
      healthFactor: await engine.healthFactor(id),
      flagged: flaggedAt !== 0n,
      liquidatableAt: flaggedAt === 0n ? 0n : flaggedAt + cureWindow,
      kicks,
    });
  }
  const result = { vaultsScanned: count, liquidatable: vaults, auctions: await openAuctions(ctx) };
  const base = ctx.record.baseAsset;
  return emit(args.json, result, (r) => {
    const parts = [`${r.liquidatable.length} of ${r.vaultsScanned} vault(s) below HF 1`];
    if (r.liquidatable.length > 0) {
      parts.push(
        renderTable(
          [
            { header: "vault", align: "right" },
            { header: "HF", align: "right" },
            { header: "debt", align: "right" },
            { header: "flagged" },
            { header: "kick" },
          ],
          r.liquidatable.map((v) => [
            v.vault.toString(),
            formatHealthFactor(v.healthFactor),
            tokenText(v.debt, base),
            v.flagged ? "yes" : "no",
            v.kicks.map((k) => (k.ok ? `${k.asset}: now` : `${k.asset}: ${k.reason}`)).join(", "),
          ]),
        ),
      );
    }
    parts.push(`${r.auctions.length} open auction(s)`);
    if (r.auctions.length > 0) parts.push(renderAuctions(ctx, r.auctions));
    return parts.join("\n");
  });
}

// ------------------------------------------------------------------ flag

interface VaultArgs extends CommonArgs {
  vault: string;
}

export async function flag(args: VaultArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const id = await resolveVault(ctx, args.vault);
  const { tx } = await sendTx(ctx, `flag vault ${id}`, () => ctx.bw.engine.flagMarginCall(id));
  const flaggedAt = await ctx.bw.engine.marginCallOf(id);
  const cureWindow = (await ctx.bw.auctionHouse.auctionParameters()).cureWindow;
  const result = { vault: id, flaggedAt, liquidatableAt: flaggedAt + cureWindow, txs: [tx] };
  return emit(args.json, result, (r) =>
    [
      `Flagged the margin call of vault ${r.vault}`,
      renderKeyValues([["liquidatable at", new Date(Number(r.liquidatableAt) * 1000).toISOString()]]),
      renderTxs(r.txs),
    ].join("\n"),
  );
}

// ------------------------------------------------------------------ kick

interface KickArgs extends VaultArgs {
  asset: string;
  keeper: string;
}

export async function kick(args: KickArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const id = await resolveVault(ctx, args.vault);
  const keeper = addressOr(args.keeper, ctx.signer.address, "--keeper");
  const held = await ctx.bw.engine.collateralsOf(id);
  let asset: string;
  if (args.asset !== "") {
    const token = resolveCollateral(ctx.record, args.asset);
    if (!held.some((a) => a.toLowerCase() === token.address.toLowerCase())) {
      throw new TaskError(`vault ${id} holds no ${token.symbol}`);
    }
    asset = token.address;
  } else {
    if (held.length === 0) throw new TaskError(`vault ${id} holds no collateral to auction`);
    const reasons: string[] = [];
    let chosen: string | undefined;
    for (const a of held) {
      const [ok, reason] = await ctx.bw.auctionHouse.canKick(id, a);
      if (ok) {
        chosen = a;
        break;
      }
      reasons.push(`${symbolOf(ctx.record, a)}: ${reasonName(ctx, reason)}`);
    }
    if (chosen === undefined) throw new TaskError(`vault ${id} cannot be kicked now (${reasons.join(", ")})`);
    asset = chosen;
  }
  const symbol = symbolOf(ctx.record, asset);
  const { tx, receipt } = await sendTx(ctx, `kick vault ${id} ${symbol}`, () =>
    ctx.bw.auctionHouse.kick(id, asset, keeper),
  );
  let started: Record<string, unknown> | undefined;
  let deferred = false;
  for (const log of receipt.logs) {
    const parsed = ctx.bw.auctionHouse.interface.parseLog(log);
    if (parsed?.name === "AuctionStarted") {
      started = {
        auction: parsed.args.auctionId,
        lot: parsed.args.lot,
        debt: parsed.args.debt,
        penalty: parsed.args.penalty,
        top: parsed.args.top,
        keeperReward: parsed.args.keeperReward,
      };
    }
    if (parsed?.name === "KickDeferred") deferred = true;
  }
  const result = {
    vault: id,
    asset: symbol,
    assetAddress: asset,
    keeper,
    deferred,
    auction: started ?? null,
    txs: [tx],
  };
  const base = ctx.record.baseAsset;
  return emit(args.json, result, (r) => {
    if (r.auction === null) {
      return `Kick of vault ${r.vault} ${r.asset} deferred: it tripped the price-drop breaker (KickDeferred)\n${renderTxs(r.txs)}`;
    }
    const a = r.auction as {
      auction: bigint;
      lot: bigint;
      debt: bigint;
      penalty: bigint;
      top: bigint;
      keeperReward: bigint;
    };
    return [
      `Started auction ${a.auction} of vault ${r.vault} ${r.asset}`,
      renderKeyValues([
        ["lot", tokenText(a.lot, tokenByAddress(ctx.record, asset))],
        ["debt", tokenText(a.debt, base)],
        ["penalty", tokenText(a.penalty, base)],
        ["start price", `${formatWad(a.top, 4)} ${base.symbol}`],
        ["keeper reward", tokenText(a.keeperReward, base)],
      ]),
      renderTxs(r.txs),
    ].join("\n");
  });
}

// ------------------------------------------------------------------ take

interface TakeArgs extends CommonArgs {
  auction: string;
  amount: string;
  maxPrice: string;
  to: string;
}

export async function take(args: TakeArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const id = await resolveAuction(ctx, args.auction);
  const receiver = addressOr(args.to, ctx.signer.address, "--to");
  const ah = ctx.bw.auctionHouse;
  const base = ctx.record.baseAsset;
  const st = await readCall(ctx, `auction ${id}`, () => ah.auctionStatus(id));
  if (!st.active) throw new TaskError(`auction ${id} is closed`);
  if (st.needsReset) throw new TaskError(`auction ${id} needs a reset first (keeper reset ${id})`);
  const token = tokenByAddress(ctx.record, st.asset);
  if (token === undefined) throw new TaskError(`auction ${id} sells an unknown asset ${st.asset}`);
  const parsed = args.amount === "" ? "max" : parseAmount(args.amount, token, { what: "take amount", allowMax: true });
  const maxCollateral = parsed === "max" ? st.lot : parsed;
  // Prices only fall during an auction: the current price is a safe default guard.
  const maxPrice =
    args.maxPrice === ""
      ? st.price
      : parseAmount(args.maxPrice, { symbol: base.symbol, decimals: 18 }, { what: "--max-price" });
  if (st.price > maxPrice) {
    throw new TaskError(
      `auction ${id} price ${formatWad(st.price, 4)} ${base.symbol} is above --max-price ${formatWad(maxPrice, 4)}`,
    );
  }
  const [collateral, owe] = await readCall(ctx, "quote take", () => ah.quoteTake(id, maxCollateral, st.price));
  const balance = await balanceOf(ctx, base);
  if (balance < owe) {
    throw new TaskError(
      `taking ${tokenText(collateral, token)} costs ${tokenText(owe, base)}; ${ctx.signer.address} holds ${tokenText(balance, base)}`,
    );
  }
  const txs: TxSummary[] = [];
  // The price only falls until mined, but the debt part accrues interest: a 0.1% allowance margin.
  const allowance = owe + owe / 1000n + 1n;
  await ensureAllowance(ctx, base, ctx.record.contracts.auctionHouse, allowance > balance ? balance : allowance, txs);
  const { tx, receipt } = await sendTx(ctx, `take auction ${id}`, () =>
    ah.take(id, maxCollateral, maxPrice, receiver, "0x"),
  );
  txs.push(tx);
  let bought = { collateral: 0n, paid: 0n, price: 0n, lotLeft: 0n, tabLeft: 0n };
  for (const log of receipt.logs) {
    const p = ah.interface.parseLog(log);
    if (p?.name === "AuctionTaken") {
      bought = {
        collateral: p.args.collateral,
        paid: p.args.paid,
        price: p.args.price,
        lotLeft: p.args.lotLeft,
        tabLeft: p.args.tabLeft,
      };
    }
  }
  const after = await ah.auctionStatus(id);
  const result = { auction: id, vault: st.vault, asset: token.symbol, receiver, ...bought, closed: !after.active, txs };
  return emit(args.json, result, (r) =>
    [
      `Took ${tokenText(r.collateral, token)} from auction ${r.auction} for ${tokenText(r.paid, base)}`,
      renderKeyValues([
        ["price", `${formatWad(r.price, 4)} ${base.symbol}`],
        ["lot left", tokenText(r.lotLeft, token)],
        ["tab left", tokenText(r.tabLeft, base)],
        ["auction", r.closed ? "closed" : "open"],
      ]),
      renderTxs(r.txs),
    ].join("\n"),
  );
}

// ------------------------------------------------------------------ reset

interface ResetArgs extends CommonArgs {
  auction: string;
  keeper: string;
}

export async function reset(args: ResetArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const id = await resolveAuction(ctx, args.auction);
  const keeper = addressOr(args.keeper, ctx.signer.address, "--keeper");
  const st = await readCall(ctx, `auction ${id}`, () => ctx.bw.auctionHouse.auctionStatus(id));
  if (!st.active) throw new TaskError(`auction ${id} is closed`);
  const { tx, receipt } = await sendTx(ctx, `reset auction ${id}`, () => ctx.bw.auctionHouse.reset(id, keeper));
  let top = 0n;
  let keeperReward = 0n;
  for (const log of receipt.logs) {
    const p = ctx.bw.auctionHouse.interface.parseLog(log);
    if (p?.name === "AuctionReset") {
      top = p.args.top;
      keeperReward = p.args.keeperReward;
    }
  }
  const base = ctx.record.baseAsset;
  const result = { auction: id, vault: st.vault, keeper, top, keeperReward, txs: [tx] };
  return emit(args.json, result, (r) =>
    [
      `Reset auction ${r.auction}`,
      renderKeyValues([
        ["new start price", `${formatWad(r.top, 4)} ${base.symbol}`],
        ["keeper reward", tokenText(r.keeperReward, base)],
      ]),
      renderTxs(r.txs),
    ].join("\n"),
  );
}

// ------------------------------------------------------------------ realise bad debt

export async function realiseBadDebt(args: VaultArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const id = await resolveVault(ctx, args.vault);
  const debt = await ctx.bw.engine.debtOf(id);
  if (debt === 0n) throw new TaskError(`vault ${id} has no debt`);
  const { tx, receipt } = await sendTx(ctx, `realise bad debt of vault ${id}`, () => ctx.bw.engine.realiseBadDebt(id));
  let covered = 0n;
  let socialised = 0n;
  for (const log of receipt.logs) {
    const p = ctx.bw.engine.interface.parseLog(log);
    if (p?.name === "BadDebtRealised") {
      covered = p.args.covered;
      socialised = p.args.socialised;
    }
  }
  const base = ctx.record.baseAsset;
  const result = { vault: id, covered, socialised, txs: [tx] };
  return emit(args.json, result, (r) =>
    [
      `Realised the bad debt of vault ${r.vault}`,
      renderKeyValues([
        ["covered by the insurance fund", tokenText(r.covered, base)],
        ["socialised to lenders", tokenText(r.socialised, base)],
      ]),
      renderTxs(r.txs),
    ].join("\n"),
  );
}

// ------------------------------------------------------------------ run (bot)

interface RunArgs extends CommonArgs {
  once: boolean;
  interval: string;
  minProfitBps: string;
}

/** Options of `keeper run`, validated (exported for tests). */
export function runOptions(args: Pick<RunArgs, "interval" | "minProfitBps">) {
  const interval = parseInteger(args.interval, "--interval");
  if (interval === 0n) throw new TaskError("--interval must be greater than zero");
  const minProfitBps = parseInteger(args.minProfitBps, "--min-profit-bps", 10_000n);
  return { pollIntervalMs: Number(interval), minProfitBps: Number(minProfitBps) };
}

export async function run(args: RunArgs, hre: HardhatRuntimeEnvironment) {
  const options = runOptions(args);
  const ctx = await loadContext(hre, args);
  const bot = await import("../../scripts/lib/keeper.js");
  // With --json, log lines go to stderr so stdout stays one JSON document.
  const log = (line: string) => (args.json ? console.error(line) : console.log(`  ${line}`));
  const controller = new AbortController();
  const onSigint = () => {
    log("SIGINT: stopping after the current step");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  let actions;
  try {
    const o = {
      ethers: ctx.ethers,
      bw: ctx.bw,
      signer: ctx.signer,
      minProfitBps: options.minProfitBps,
      pollIntervalMs: options.pollIntervalMs,
      log,
      signal: controller.signal,
    };
    actions = args.once ? await bot.keeperStep(o) : await bot.runKeeper(o);
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
  const result = { keeper: ctx.signer.address, once: args.once, stopped: controller.signal.aborted, actions };
  return emit(args.json, result, (r) =>
    r.actions.length === 0
      ? "Keeper: no action taken"
      : renderTable(
          [
            { header: "action" },
            { header: "vault", align: "right" },
            { header: "auction", align: "right" },
            { header: "tx" },
            { header: "detail" },
          ],
          r.actions.map((a) => [a.kind, a.vault.toString(), a.auctionId?.toString() ?? "", a.txHash, a.detail]),
        ),
  );
}
