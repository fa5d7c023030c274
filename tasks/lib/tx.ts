// Sending transactions from tasks: reverts are decoded into the custom error (scripts/lib/errors.ts)
// and every receipt is summarised the same way in the output.
import type { TransactionReceipt } from "ethers";
import { formatInteger } from "../../scripts/lib/format.js";
import { breakwaterDecoder, type ErrorDecoder } from "../../scripts/lib/errors.js";
import { explain } from "./errors.js";
import type { ReadTaskContext, TaskContext } from "./context.js";

export interface TxSummary {
  label: string;
  hash: string;
  block: number;
  gasUsed: bigint;
}

const decoders = new WeakMap<object, ErrorDecoder>();

export function decoderOf(ctx: ReadTaskContext): ErrorDecoder {
  let d = decoders.get(ctx.bw);
  if (d === undefined) {
    d = breakwaterDecoder(ctx.bw);
    decoders.set(ctx.bw, d);
  }
  return d;
}

/** Sends a transaction, waits for it, and decodes a revert (at estimation or mining) into a ChainError. */
export async function sendTx<R extends TransactionReceipt>(
  ctx: TaskContext,
  label: string,
  send: () => Promise<{ hash: string; wait(): Promise<R | null> }>,
): Promise<{ tx: TxSummary; receipt: R }> {
  try {
    const sent = await send();
    const receipt = await sent.wait();
    if (receipt === null) throw new Error(`${label}: transaction ${sent.hash} was not mined`);
    return { tx: { label, hash: receipt.hash, block: receipt.blockNumber, gasUsed: receipt.gasUsed }, receipt };
  } catch (e) {
    throw explain(decoderOf(ctx), e, label);
  }
}

/** Runs a view call, decoding a revert. */
export async function readCall<T>(ctx: ReadTaskContext, label: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw explain(decoderOf(ctx), e, label);
  }
}

/** "tx 0xabc… in block 12 (gas 123,456)" lines. */
export function renderTxs(txs: TxSummary[]): string {
  return txs.map((t) => `  ${t.label}: ${t.hash} (block ${t.block}, gas ${formatInteger(t.gasUsed)})`).join("\n");
}

/** Approves `spender` for `amount` of `token` when the signer's allowance is lower; records the tx. */
export async function ensureAllowance(
  ctx: TaskContext,
  token: { symbol: string; address: string },
  spender: string,
  amount: bigint,
  txs: TxSummary[],
): Promise<void> {
  const erc20 = await ctx.ethers.getContractAt("MockERC20", token.address, ctx.signer);
  const allowance = await erc20.allowance(ctx.signer.address, spender);
  if (allowance >= amount) return;
  const { tx } = await sendTx(ctx, `approve ${token.symbol}`, () => erc20.approve(spender, amount));
  txs.push(tx);
}

/** The signer's balance of `token`. */
export async function balanceOf(ctx: TaskContext, token: { address: string }, who = ctx.signer.address) {
  const erc20 = await ctx.ethers.getContractAt("MockERC20", token.address, ctx.signer);
  return erc20.balanceOf(who);
}
