// Local-chain actions (mock feeds, mock tokens, time travel). Each refuses a deployment whose record
// says it is not local (record.local === false), before touching the chain.
import { getAddress, isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { formatTokenAmount, formatUsd, renderKeyValues } from "../../scripts/lib/format.js";
import { amountSymbol, parseAmount, parseDuration, parseUsd } from "../lib/amount.js";
import { allTokens, loadContext, requireLocal, resolveSigner, resolveToken, type CommonArgs } from "../lib/context.js";
import { TaskError } from "../lib/errors.js";
import { emit } from "../lib/output.js";
import { renderTxs, sendTx, type TxSummary } from "../lib/tx.js";

interface SetPriceArgs extends CommonArgs {
  asset: string;
  price: string;
}

export async function setPrice(args: SetPriceArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  requireLocal(ctx, "local set-price");
  const token = resolveToken(ctx.record, args.asset);
  if (!token.mockFeed) throw new TaskError(`${token.symbol}'s feed ${token.feed} is not a mock feed`);
  const price = parseUsd(args.price);
  const feed = await ctx.ethers.getContractAt("MockV3Aggregator", token.feed, ctx.signer);
  const decimals = Number(await feed.decimals());
  const answer = (price * 10n ** BigInt(decimals)) / 10n ** 18n;
  if (answer === 0n) throw new TaskError(`price ${args.price} is below the feed's precision (${decimals} decimals)`);
  const previous = await feed.latestAnswer();
  const { tx } = await sendTx(ctx, `set ${token.symbol} price`, () => feed.updateAnswer(answer));
  const [oraclePrice, failure] = await ctx.bw.oracle.tryGetPrice(token.address);
  const scale = (a: bigint) => (a * 10n ** 18n) / 10n ** BigInt(decimals);
  const result = {
    asset: token.symbol,
    feed: token.feed,
    previousPrice: scale(previous),
    price: scale(answer),
    oraclePrice,
    oracleFailure: Number(failure),
    txs: [tx],
  };
  return emit(args.json, result, (r) =>
    [
      `Set the ${r.asset} feed to ${formatUsd(r.price)} (was ${formatUsd(r.previousPrice)})`,
      renderKeyValues([
        ["oracle price", r.oracleFailure === 0 ? formatUsd(r.oraclePrice) : `unusable (failure ${r.oracleFailure})`],
      ]),
      renderTxs(r.txs),
    ].join("\n"),
  );
}

interface FundArgs extends CommonArgs {
  account: string;
  amounts: string[];
}

export async function fund(args: FundArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  requireLocal(ctx, "local fund");
  const account = isAddress(args.account)
    ? getAddress(args.account)
    : (await resolveSigner(ctx.ethers, args.account)).address;
  if (args.amounts.length === 0) throw new TaskError('give amounts with symbols, e.g. "10000 USDC" "5 WETH"');
  const plan = args.amounts.map((input) => {
    const symbol = amountSymbol(input);
    if (symbol === undefined) throw new TaskError(`amount "${input}" needs a token symbol, e.g. "${input} USDC"`);
    const token = resolveToken(ctx.record, symbol);
    if (!token.mockToken) throw new TaskError(`${token.symbol} is not a mock token: it cannot be minted`);
    return { token, amount: parseAmount(input, token, { what: "fund amount" }) };
  });
  const txs: TxSummary[] = [];
  const funded = [];
  for (const { token, amount } of plan) {
    const erc20 = await ctx.ethers.getContractAt("MockERC20", token.address, ctx.signer);
    const { tx } = await sendTx(ctx, `mint ${token.symbol}`, () => erc20.mint(account, amount));
    txs.push(tx);
    funded.push({ asset: token.symbol, amount, balance: await erc20.balanceOf(account) });
  }
  const result = { account, funded, txs };
  return emit(args.json, result, (r) =>
    [
      `Funded ${r.account}`,
      renderKeyValues(
        r.funded.map((f) => {
          const t = allTokens(ctx.record).find((x) => x.symbol === f.asset)!;
          return [
            f.asset,
            `+${formatTokenAmount(f.amount, t.decimals, 6)} (balance ${formatTokenAmount(f.balance, t.decimals, 6)})`,
          ];
        }),
      ),
      renderTxs(r.txs),
    ].join("\n"),
  );
}

interface AdvanceArgs extends CommonArgs {
  duration: string;
  refreshFeeds: boolean;
}

export async function advanceTime(args: AdvanceArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  requireLocal(ctx, "local advance-time");
  const seconds = parseDuration(args.duration);
  const before = await ctx.now();
  await ctx.ethers.provider.send("evm_increaseTime", [Number(seconds)]);
  await ctx.ethers.provider.send("evm_mine", []);
  const txs: TxSummary[] = [];
  const refreshed: string[] = [];
  if (args.refreshFeeds) {
    // Re-post every mock feed's answer with a fresh timestamp, so prices are not stale after the jump.
    for (const t of allTokens(ctx.record)) {
      if (!t.mockFeed) continue;
      const feed = await ctx.ethers.getContractAt("MockV3Aggregator", t.feed, ctx.signer);
      const answer = await feed.latestAnswer();
      const { tx } = await sendTx(ctx, `refresh ${t.symbol} feed`, () => feed.updateAnswer(answer));
      txs.push(tx);
      refreshed.push(t.symbol);
    }
  }
  const after = await ctx.now();
  const result = { advancedBy: seconds, before, after, refreshed, txs };
  return emit(args.json, result, (r) =>
    [
      `Advanced time by ${r.advancedBy} s: ${new Date(Number(r.after) * 1000).toISOString()}`,
      r.refreshed.length > 0 ? `  refreshed feeds: ${r.refreshed.join(", ")}` : "",
      renderTxs(r.txs),
    ]
      .filter((l) => l !== "")
      .join("\n"),
  );
}
