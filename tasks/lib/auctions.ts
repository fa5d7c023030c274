// Open auctions as the tasks report them (`keeper list`, `vault show`): one record per auction from
// `auctionStatus`, and the table both print.
import type { TokenInfo } from "../../deploy/breakwater.js";
import { formatTokenAmount, formatWad, renderTable } from "../../scripts/lib/format.js";
import { symbolOf, tokenByAddress, type ReadTaskContext } from "./context.js";
import { readCall } from "./tx.js";

/** `value` in `token`'s units with its symbol; the raw integer for a token the deployment does not list. */
export const tokenText = (value: bigint, token: TokenInfo | undefined) =>
  token === undefined ? value.toString() : `${formatTokenAmount(value, token.decimals, 6)} ${token.symbol}`;

/** Auction `id` as the tasks report it, or undefined once it is closed. */
export async function readOpenAuction(ctx: ReadTaskContext, id: bigint) {
  const st = await readCall(ctx, `auction ${id}`, () => ctx.bw.auctionHouse.auctionStatus(id));
  if (!st.active) return undefined;
  return {
    auction: id,
    vault: st.vault,
    asset: symbolOf(ctx.record, st.asset),
    assetAddress: st.asset,
    lot: st.lot,
    debt: st.debt,
    penalty: st.penalty,
    tab: st.tab,
    price: st.price,
    top: st.top,
    startedAt: st.startedAt,
    needsReset: st.needsReset,
  };
}

export type OpenAuction = NonNullable<Awaited<ReturnType<typeof readOpenAuction>>>;

/** One row per auction: id, vault, lot, tab, current price and whether it needs a reset. */
export function renderAuctions(ctx: ReadTaskContext, auctions: OpenAuction[]): string {
  const base = ctx.record.baseAsset;
  return renderTable(
    [
      { header: "auction", align: "right" },
      { header: "vault", align: "right" },
      { header: "lot", align: "right" },
      { header: "tab", align: "right" },
      { header: "price", align: "right" },
      { header: "reset?" },
    ],
    auctions.map((a) => [
      a.auction.toString(),
      a.vault.toString(),
      tokenText(a.lot, tokenByAddress(ctx.record, a.assetAddress)),
      tokenText(a.tab, base),
      `${formatWad(a.price, 4)} ${base.symbol}`,
      a.needsReset ? "needs reset" : "",
    ]),
  );
}
