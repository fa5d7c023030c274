// Lender actions: deposit into and withdraw from the lending pool, show the pool.
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import {
  formatPercent,
  formatTokenAmount,
  formatUnitsFixed,
  ratePerSecondToApr,
  renderKeyValues,
} from "../../scripts/lib/format.js";
import { parseAmount } from "../lib/amount.js";
import { addressOr, loadContext, type CommonArgs, type ReadTaskContext } from "../lib/context.js";
import { TaskError } from "../lib/errors.js";
import { emit } from "../lib/output.js";
import { balanceOf, ensureAllowance, renderTxs, sendTx, type TxSummary } from "../lib/tx.js";

interface AmountArgs extends CommonArgs {
  amount: string;
  to: string;
}

function baseText(ctx: ReadTaskContext, value: bigint): string {
  const b = ctx.record.baseAsset;
  return `${formatTokenAmount(value, b.decimals, 6)} ${b.symbol}`;
}

/** Pool shares in whole units: the pool's own decimals (base decimals + its virtual-share offset). */
async function sharesText(ctx: ReadTaskContext, shares: bigint): Promise<string> {
  const decimals = Number(await ctx.bw.pool.decimals());
  return `${formatTokenAmount(shares, decimals, 6)} ${await ctx.bw.pool.symbol()}`;
}

async function position(ctx: ReadTaskContext, account: string) {
  const shares = await ctx.bw.pool.balanceOf(account);
  return {
    account,
    shares,
    assets: await ctx.bw.pool.convertToAssets(shares),
    maxWithdraw: await ctx.bw.pool.maxWithdraw(account),
  };
}

export async function deposit(args: AmountArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const base = ctx.record.baseAsset;
  const amount = parseAmount(args.amount, base, { what: "deposit amount" });
  const receiver = addressOr(args.to, ctx.signer.address, "--to");
  const balance = await balanceOf(ctx, base);
  if (balance < amount) {
    throw new TaskError(`${ctx.signer.address} holds ${baseText(ctx, balance)}, less than ${baseText(ctx, amount)}`);
  }
  const txs: TxSummary[] = [];
  await ensureAllowance(ctx, base, ctx.record.contracts.pool, amount, txs);
  const sharesBefore = await ctx.bw.pool.balanceOf(receiver);
  const { tx } = await sendTx(ctx, `pool deposit ${base.symbol}`, () => ctx.bw.pool.deposit(amount, receiver));
  txs.push(tx);
  const after = await position(ctx, receiver);
  const result = { amount, receiver, sharesMinted: after.shares - sharesBefore, position: after, txs };
  const minted = await sharesText(ctx, result.sharesMinted);
  return emit(args.json, result, (r) =>
    [
      `Deposited ${baseText(ctx, r.amount)} into the pool`,
      renderKeyValues([
        ["receiver", r.receiver],
        ["shares minted", minted],
        ["position", baseText(ctx, r.position.assets)],
      ]),
      renderTxs(r.txs),
    ].join("\n"),
  );
}

export async function withdraw(args: AmountArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const base = ctx.record.baseAsset;
  const parsed = parseAmount(args.amount, base, { what: "withdraw amount", allowMax: true });
  const receiver = addressOr(args.to, ctx.signer.address, "--to");
  const owner = ctx.signer.address;
  const shares = await ctx.bw.pool.balanceOf(owner);
  if (shares === 0n) throw new TaskError(`${owner} holds no pool shares`);
  const maxWithdraw = await ctx.bw.pool.maxWithdraw(owner);
  const balanceBefore = await balanceOf(ctx, base, receiver);
  let sent: TxSummary;
  if (parsed === "max") {
    const maxRedeem = await ctx.bw.pool.maxRedeem(owner);
    if (maxRedeem === 0n) throw new TaskError(`nothing can be withdrawn now (pool cash or pauses)`);
    ({ tx: sent } = await sendTx(ctx, "pool redeem", () => ctx.bw.pool.redeem(maxRedeem, receiver, owner)));
  } else {
    if (parsed > maxWithdraw) {
      throw new TaskError(`${owner} can withdraw at most ${baseText(ctx, maxWithdraw)} now`);
    }
    ({ tx: sent } = await sendTx(ctx, `pool withdraw ${base.symbol}`, () =>
      ctx.bw.pool.withdraw(parsed, receiver, owner),
    ));
  }
  const received = (await balanceOf(ctx, base, receiver)) - balanceBefore;
  const result = {
    amount: received,
    receiver,
    sharesBurnt: shares - (await ctx.bw.pool.balanceOf(owner)),
    position: await position(ctx, owner),
    txs: [sent],
  };
  const burnt = await sharesText(ctx, result.sharesBurnt);
  return emit(args.json, result, (r) =>
    [
      `Withdrew ${baseText(ctx, r.amount)} from the pool`,
      renderKeyValues([
        ["receiver", r.receiver],
        ["shares burnt", burnt],
        ["position left", baseText(ctx, r.position.assets)],
      ]),
      renderTxs(r.txs),
    ].join("\n"),
  );
}

interface ShowArgs extends CommonArgs {
  account: string;
}

export async function show(args: ShowArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args, { readOnly: true });
  const { pool, insuranceFund } = ctx.bw;
  const base = ctx.record.baseAsset;
  const shareDecimals = Number(await pool.decimals());
  const oneShare = 10n ** BigInt(shareDecimals);
  const borrowRate = await pool.borrowRatePerSecond();
  const supplyRate = await pool.supplyRatePerSecond();
  // The position of --account, else of the acting account; none on a network without accounts.
  const account = args.account !== "" ? addressOr(args.account, "", "--account") : await ctx.account();
  const result = {
    pool: ctx.record.contracts.pool,
    asset: base.symbol,
    totalAssets: await pool.totalAssets(),
    totalSupply: await pool.totalSupply(),
    cash: await pool.cash(),
    totalDebt: await pool.totalDebt(),
    utilisation: await pool.utilisation(),
    borrowRatePerSecond: borrowRate,
    borrowApr: ratePerSecondToApr(borrowRate),
    supplyRatePerSecond: supplyRate,
    supplyApr: ratePerSecondToApr(supplyRate),
    reserveFactor: await pool.reserveFactor(),
    shareDecimals,
    sharePrice: await pool.convertToAssets(oneShare),
    borrowIndex: await pool.currentBorrowIndex(),
    insuranceFundAssets: await insuranceFund.availableAssets(),
    position: account === undefined ? null : await position(ctx, account),
  };
  return emit(args.json, result, (r) =>
    [
      `Lending pool (${base.symbol})`,
      renderKeyValues([
        ["total assets", baseText(ctx, r.totalAssets)],
        ["cash", baseText(ctx, r.cash)],
        ["debt", baseText(ctx, r.totalDebt)],
        ["utilisation", formatPercent(r.utilisation)],
        ["borrow APR", formatPercent(r.borrowApr)],
        ["supply APR", formatPercent(r.supplyApr)],
        ["reserve factor", formatPercent(r.reserveFactor)],
        ["share price", `${formatUnitsFixed(r.sharePrice, base.decimals, { places: 6 })} ${base.symbol}`],
        ["insurance fund", baseText(ctx, r.insuranceFundAssets)],
        r.position === null
          ? ["position", "no account configured for this network: pass --account <address>"]
          : [
              `position of ${r.position.account}`,
              `${baseText(ctx, r.position.assets)} (withdrawable ${baseText(ctx, r.position.maxWithdraw)})`,
            ],
      ]),
    ].join("\n"),
  );
}
