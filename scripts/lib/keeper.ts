// Keeper bot library: `keeperStep` makes one pass over the chain (flag, kick, take, reset, realise bad
// debt) and `runKeeper` repeats it until its AbortSignal aborts. Used by the `keeper run` task and the
// tests; it talks to the chain only through the protocol's own views and entry points.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { MaxUint256, type ContractTransactionReceipt, type ContractTransactionResponse } from "ethers";
import type { Breakwater } from "../../deploy/breakwater.js";
import { breakwaterDecoder, type ErrorDecoder } from "./errors.js";
import { formatHealthFactor, formatTokenAmount, formatWad, MAX_UINT256, WAD } from "./format.js";

export interface KeeperOptions {
  ethers: HardhatEthers;
  bw: Breakwater;
  /** Sends every transaction and pays for takes from its own base-asset balance. */
  signer: HardhatEthersSigner;
  /**
   * [wad] USD per whole token of `assetAddress`, at which the keeper could sell collateral (it is also
   * asked for the base asset, to convert to base units). Default: the protocol oracle's price.
   */
  marketPrice?: (assetAddress: string) => Promise<bigint>;
  /** Take only below market price x (1 - minProfitBps / 10,000). Default 100 (1%). */
  minProfitBps?: number;
  /** runKeeper: pause between passes [ms]. Default 5,000. */
  pollIntervalMs?: number;
  log?: (line: string) => void;
  /** Aborting stops runKeeper (and a pass in progress, between two actions). */
  signal?: AbortSignal;
}

export interface KeeperAction {
  kind: "flag" | "kick" | "take" | "reset" | "realiseBadDebt";
  vault: bigint;
  asset?: string;
  auctionId?: bigint;
  txHash: string;
  detail: string;
}

export const DEFAULT_MIN_PROFIT_BPS = 100;
export const DEFAULT_POLL_INTERVAL_MS = 5_000;
const BPS = 10_000n;
/** Vault ids per liquidatableVaults call (each id costs one health computation in the eth_call). */
const VAULT_PAGE = 200n;
/** Parallel eth_calls at most. */
const READ_BATCH = 25;

type AuctionStatus = Awaited<ReturnType<Breakwater["auctionHouse"]["auctionStatus"]>>;

/** Everything one pass shares: connected contracts, parameters, caches and the action sink. */
interface Pass {
  o: KeeperOptions;
  me: string;
  log: (line: string) => void;
  engine: Breakwater["engine"];
  auctionHouse: Breakwater["auctionHouse"];
  cureWindow: bigint;
  minProfitBps: bigint;
  actions: KeeperAction[];
  /** Decodes reverts of any Breakwater contract for the log. */
  errors: ErrorDecoder;
  /** [wad base per whole token], read once per pass and asset. */
  marketInBase: (asset: string) => Promise<bigint>;
}

// ------------------------------------------------------------------ entry points

/** One pass over the chain state; returns the actions taken (failed transactions are only logged). */
export async function keeperStep(o: KeeperOptions): Promise<KeeperAction[]> {
  const actions: KeeperAction[] = [];
  await runPass(o, actions);
  return actions;
}

/**
 * Runs `keeperStep` every `pollIntervalMs` until `o.signal` aborts, then returns every action taken.
 * A pass that fails as a whole (e.g. the RPC is down) is logged and retried at the next interval.
 */
export async function runKeeper(o: KeeperOptions): Promise<KeeperAction[]> {
  const log = o.log ?? (() => {});
  const interval = o.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const all: KeeperAction[] = [];
  const errors = breakwaterDecoder(o.bw);
  log(`keeper ${o.signer.address} running, every ${interval} ms`);
  let passes = 0;
  while (!o.signal?.aborted) {
    passes += 1;
    const before = all.length;
    try {
      await runPass(o, all);
    } catch (err) {
      log(`pass ${passes} failed: ${errors.describeError(err)}`);
    }
    if (all.length > before) log(`pass ${passes}: ${all.length - before} action(s)`);
    await sleep(interval, o.signal);
  }
  log(`keeper stopped after ${passes} pass(es), ${all.length} action(s)`);
  return all;
}

async function runPass(o: KeeperOptions, actions: KeeperAction[]): Promise<void> {
  const p = await openPass(o, actions);
  const aborted = () => o.signal?.aborted === true;
  // Open auctions first (a take can leave bad debt or a vault that needs another auction), then vaults.
  for (const a of await openAuctions(p)) {
    if (aborted()) return;
    await guarded(p, `auction #${a.id}`, () => handleAuction(p, a.id, a.status));
  }
  for (const id of await shortfallVaults(p)) {
    if (aborted()) return;
    await guarded(p, `vault #${id}`, () => handleVault(p, id));
  }
}

async function openPass(o: KeeperOptions, actions: KeeperAction[]): Promise<Pass> {
  const engine = o.bw.engine.connect(o.signer);
  const auctionHouse = o.bw.auctionHouse.connect(o.signer);
  const minProfitBps = o.minProfitBps ?? DEFAULT_MIN_PROFIT_BPS;
  if (!Number.isInteger(minProfitBps) || minProfitBps < 0 || minProfitBps >= 10_000) {
    throw new RangeError(`minProfitBps must be an integer in [0, 10000), got ${minProfitBps}`);
  }
  const params = await auctionHouse.auctionParameters();
  const baseAsset = o.bw.record.baseAsset.address;
  const price = o.marketPrice ?? ((asset: string) => o.bw.oracle.getPrice(asset));
  const prices = new Map<string, Promise<bigint>>();
  const usd = (asset: string) => {
    const key = asset.toLowerCase();
    if (!prices.has(key)) prices.set(key, price(asset));
    return prices.get(key)!;
  };
  return {
    o,
    me: o.signer.address,
    log: o.log ?? (() => {}),
    engine,
    auctionHouse,
    cureWindow: params.cureWindow,
    minProfitBps: BigInt(minProfitBps),
    actions,
    errors: breakwaterDecoder(o.bw),
    marketInBase: async (asset) => ((await usd(asset)) * WAD) / (await usd(baseAsset)),
  };
}

// ------------------------------------------------------------------ vaults: flag, kick, bad debt

/** Vaults with HF < 1 (the auction house's paged batch view; vaults without a usable price are skipped). */
async function shortfallVaults(p: Pass): Promise<bigint[]> {
  const count = await p.engine.vaultCount();
  const pages: bigint[] = [];
  for (let from = 1n; from <= count; from += VAULT_PAGE) pages.push(from);
  const found = await inBatches(pages, (from) => p.o.bw.lens.liquidatableVaults(from, from + VAULT_PAGE - 1n));
  return found.flat();
}

async function handleVault(p: Pass, id: bigint): Promise<void> {
  const [health, flaggedAt, openAuctions, blocking] = await Promise.all([
    p.engine.healthBreakdown(id),
    p.engine.marginCallOf(id),
    p.engine.openAuctionsOf(id),
    p.auctionHouse.blockingAuctionOf(id),
  ]);
  if (health.assets.length === 0) {
    // Debt and nothing left to sell: bad debt once its last auction has closed.
    if (health.debt > 0n && openAuctions === 0n) {
      await send(p, { kind: "realiseBadDebt", vault: id }, () => p.engine.realiseBadDebt(id), describeBadDebt);
    }
    return;
  }
  if (blocking !== 0n) return; // one auction per vault at a time; the auction loop works on it
  if (flaggedAt === 0n && p.cureWindow > 0n) {
    await send(p, { kind: "flag", vault: id }, () => p.engine.flagMarginCall(id), describeFlag);
  }
  // Kick the most valuable collateral the auction house accepts now.
  const byValue = [...health.assets].sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0));
  const refusals: string[] = [];
  for (const a of byValue) {
    const [ok, reason] = await p.auctionHouse.canKick(id, a.asset);
    if (ok) {
      await send(
        p,
        { kind: "kick", vault: id, asset: a.asset },
        () => p.auctionHouse.kick(id, a.asset, p.me),
        describeKick,
      );
      return;
    }
    refusals.push(`${symbolOf(p, a.asset)}: ${p.errors.describeSelector(reason)}`);
  }
  const hf = health.debtValue === 0n ? MAX_UINT256 : (health.maintenanceValue * WAD) / health.debtValue;
  p.log(`vault #${id} (HF ${formatHealthFactor(hf)}) not kickable now: ${refusals.join(", ")}`);
}

// ------------------------------------------------------------------ auctions: take, reset

/** Which auction ids below `from` were closed as of block `block` (`hash`): closed auctions never reopen. */
const closedBelow = new WeakMap<object, { from: bigint; block: number; hash: string }>();

/**
 * Open auctions with their status, read at one block. Ids below the first auction found open last time
 * are skipped while that block is still on the chain (so a reorg or a test snapshot revert rescans).
 */
async function openAuctions(p: Pass): Promise<{ id: bigint; status: AuctionStatus }[]> {
  const provider = p.o.ethers.provider;
  const block = await provider.getBlock("latest");
  if (block === null || block.hash === null) throw new Error("no latest block");
  const at = { blockTag: block.number };
  let from = 1n;
  const cached = closedBelow.get(p.o.bw.auctionHouse);
  if (cached !== undefined && cached.block <= block.number) {
    const then = await provider.getBlock(cached.block);
    if (then?.hash === cached.hash) from = cached.from;
  }
  const count = await p.auctionHouse.auctionCount(at);
  const ids: bigint[] = [];
  for (let id = from; id <= count; id++) ids.push(id);
  const statuses = await inBatches(ids, (id) => p.auctionHouse.auctionStatus(id, at));
  const open = ids.map((id, i) => ({ id, status: statuses[i] })).filter((a) => a.status.active);
  closedBelow.set(p.o.bw.auctionHouse, { from: open[0]?.id ?? count + 1n, block: block.number, hash: block.hash });
  return open;
}

async function handleAuction(p: Pass, id: bigint, s: AuctionStatus): Promise<void> {
  const target = { vault: s.vault, asset: s.asset, auctionId: id };
  if (s.needsReset) {
    await send(p, { kind: "reset", ...target }, () => p.auctionHouse.reset(id, p.me), describeReset);
    return;
  }
  const market = await p.marketInBase(s.asset);
  const maxPrice = (market * (BPS - p.minProfitBps)) / BPS;
  const sym = symbolOf(p, s.asset);
  const label = `auction #${id} (vault #${s.vault}, ${sym})`;
  if (s.price >= maxPrice) {
    p.log(
      `${label}: price ${formatWad(s.price, 4)} not below ${formatWad(maxPrice, 4)} (market ${formatWad(market, 4)}), waiting`,
    );
    return;
  }
  // Ask for the whole lot: the auction house cuts it to what covers the tab at the price when the take
  // is mined (the price only falls meanwhile). A quoted amount would be a partial take by then, which the
  // dust rules can refuse. With too little balance, ask for what it pays for.
  const base = p.o.bw.baseToken.connect(p.o.signer);
  const balance = await base.balanceOf(p.me);
  let maxCollateral = s.lot;
  let [collateral, owe, profit] = await p.auctionHouse.quoteTake(id, maxCollateral, market);
  if (owe > balance) {
    maxCollateral = (collateral * balance) / owe;
    if (maxCollateral === 0n) {
      p.log(`${label}: profitable but the keeper holds no ${baseSymbol(p)}`);
      return;
    }
    [collateral, owe, profit] = await p.auctionHouse.quoteTake(id, maxCollateral, market);
  }
  if (profit <= 0n) {
    p.log(`${label}: no profit at market ${formatWad(market, 4)} after rounding, waiting`);
    return;
  }
  const spender = await p.auctionHouse.getAddress();
  if ((await base.allowance(p.me, spender)) < owe) {
    await (await base.approve(spender, MaxUint256)).wait();
    p.log(`approved the auction house to spend ${baseSymbol(p)}`);
  }
  await send(
    p,
    { kind: "take", ...target },
    () => p.auctionHouse.take(id, maxCollateral, maxPrice, p.me, "0x"),
    (pass, r) =>
      `${describeTake(pass, r, s.asset)}; market ${formatWad(market, 4)}, expected profit ${baseAmount(pass, profit)}`,
  );
}

// ------------------------------------------------------------------ transactions and logging

type Target = Omit<KeeperAction, "txHash" | "detail">;
/** What a receipt tells: a line of detail, and for a kick the auction it started. */
type Described = string | { detail: string; auctionId?: bigint };

/**
 * Sends one transaction, waits for it, records and logs the action. A failure is logged with the decoded
 * custom error and swallowed, so the pass goes on.
 */
async function send(
  p: Pass,
  target: Target,
  tx: () => Promise<ContractTransactionResponse>,
  describe: (p: Pass, receipt: ContractTransactionReceipt) => Described,
): Promise<void> {
  const what =
    `${target.kind} vault #${target.vault}` + (target.auctionId === undefined ? "" : ` auction #${target.auctionId}`);
  let receipt: ContractTransactionReceipt | null;
  try {
    receipt = await (await tx()).wait();
  } catch (err) {
    p.log(`${what} FAILED: ${p.errors.describeError(err)}`);
    return;
  }
  if (receipt === null) throw new Error(`${what}: no receipt`);
  const described = describe(p, receipt);
  const action: KeeperAction = {
    ...target,
    txHash: receipt.hash,
    ...(typeof described === "string" ? { detail: described } : described),
  };
  p.actions.push(action);
  const started =
    target.auctionId === undefined && action.auctionId !== undefined ? ` -> auction #${action.auctionId}` : "";
  p.log(`${what}${started}: ${action.detail} (tx ${receipt.hash})`);
}

/** Runs one item's handler; an unexpected error (a failed read) is logged and the pass continues. */
async function guarded(p: Pass, label: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    p.log(`${label}: skipped, ${p.errors.describeError(err)}`);
  }
}

function eventArgs(p: Pass, receipt: ContractTransactionReceipt, name: string) {
  for (const c of [p.auctionHouse, p.engine]) {
    for (const log of receipt.logs) {
      try {
        const parsed = c.interface.parseLog(log);
        if (parsed?.name === name) return parsed.args;
      } catch {
        // another contract's event
      }
    }
  }
  return undefined;
}

function describeFlag(p: Pass, r: ContractTransactionReceipt): string {
  const e = eventArgs(p, r, "MarginCallFlagged");
  return `margin call at HF ${e ? formatHealthFactor(e.healthFactor as bigint) : "?"}, cure window ${p.cureWindow} s`;
}

function describeKick(p: Pass, r: ContractTransactionReceipt): Described {
  const started = eventArgs(p, r, "AuctionStarted");
  if (started !== undefined) {
    const asset = started.asset as string;
    const detail =
      `lot ${tokenAmount(p, asset, started.lot as bigint)} ${symbolOf(p, asset)}, ` +
      `tab ${baseAmount(p, (started.debt as bigint) + (started.penalty as bigint))}, ` +
      `start price ${formatWad(started.top as bigint, 4)}, reward ${baseAmount(p, started.keeperReward as bigint)}`;
    return { detail, auctionId: started.auctionId as bigint };
  }
  const deferred = eventArgs(p, r, "KickDeferred");
  if (deferred !== undefined) {
    const hf = formatHealthFactor(deferred.healthFactor as bigint);
    return `deferred: the kick tripped the ${symbolOf(p, deferred.asset as string)} price-drop breaker (HF ${hf})`;
  }
  return "no auction started";
}

function describeTake(p: Pass, r: ContractTransactionReceipt, asset: string): string {
  const e = eventArgs(p, r, "AuctionTaken");
  if (e === undefined) return "taken";
  return (
    `bought ${tokenAmount(p, asset, e.collateral as bigint)} ${symbolOf(p, asset)} for ${baseAmount(p, e.paid as bigint)} ` +
    `at ${formatWad(e.price as bigint, 4)}, lot left ${tokenAmount(p, asset, e.lotLeft as bigint)}, tab left ${baseAmount(p, e.tabLeft as bigint)}`
  );
}

function describeReset(p: Pass, r: ContractTransactionReceipt): string {
  const e = eventArgs(p, r, "AuctionReset");
  return e
    ? `restarted at ${formatWad(e.top as bigint, 4)}, reward ${baseAmount(p, e.keeperReward as bigint)}`
    : "reset";
}

function describeBadDebt(p: Pass, r: ContractTransactionReceipt): string {
  const e = eventArgs(p, r, "BadDebtRealised");
  return e
    ? `${baseAmount(p, e.covered as bigint)} covered by the insurance fund, ${baseAmount(p, e.socialised as bigint)} socialised`
    : "realised";
}

// ------------------------------------------------------------------ small helpers

function symbolOf(p: Pass, asset: string): string {
  const t = [p.o.bw.record.baseAsset, ...p.o.bw.record.collaterals].find(
    (c) => c.address.toLowerCase() === asset.toLowerCase(),
  );
  return t?.symbol ?? asset;
}

function baseSymbol(p: Pass): string {
  return p.o.bw.record.baseAsset.symbol;
}

function tokenAmount(p: Pass, asset: string, amount: bigint): string {
  const t = p.o.bw.record.collaterals.find((c) => c.address.toLowerCase() === asset.toLowerCase());
  return t === undefined ? amount.toString() : formatTokenAmount(amount, t.decimals);
}

function baseAmount(p: Pass, amount: bigint): string {
  return `${formatTokenAmount(amount, p.o.bw.record.baseAsset.decimals, 2)} ${baseSymbol(p)}`;
}

/** `fn` over `items`, at most READ_BATCH calls in flight, results in order. */
async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += READ_BATCH) {
    out.push(...(await Promise.all(items.slice(i, i + READ_BATCH).map(fn))));
  }
  return out;
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no timer or listener behind. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
