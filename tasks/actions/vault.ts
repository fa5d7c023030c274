// Borrower actions: open a vault, deposit, withdraw, borrow, repay, show and list vaults.
import { MaxUint256 } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { TokenInfo } from "../../deploy/breakwater.js";
import {
  formatHealthFactor,
  formatPercent,
  formatTokenAmount,
  formatUsd,
  MAX_UINT256,
  renderKeyValues,
  renderTable,
} from "../../scripts/lib/format.js";
import { amountSymbol, parseAmount } from "../lib/amount.js";
import {
  addressOr,
  requireOwnerOrManager,
  resolveCollateral,
  resolveVault,
  symbolOf,
  tokenByAddress,
  loadContext,
  requireAccount,
  type CommonArgs,
  type ReadTaskContext,
  type TaskContext,
} from "../lib/context.js";
import { readOpenAuction, renderAuctions, type OpenAuction } from "../lib/auctions.js";
import { TaskError } from "../lib/errors.js";
import { emit } from "../lib/output.js";
import { balanceOf, ensureAllowance, readCall, renderTxs, sendTx, type TxSummary } from "../lib/tx.js";

const amountText = (value: bigint, token: TokenInfo) =>
  `${formatTokenAmount(value, token.decimals, 6)} ${token.symbol}`;

/** The collateral named by --asset or by the amount's symbol ("1.5 WETH"); both must agree. */
function pickCollateral(ctx: TaskContext, asset: string, amount: string): TokenInfo {
  const fromAmount = amountSymbol(amount);
  if (asset === "" && fromAmount === undefined) {
    if (ctx.record.collaterals.length === 1) return ctx.record.collaterals[0];
    throw new TaskError(`which collateral? write it in the amount ("1.5 WETH") or pass --asset`);
  }
  const token = resolveCollateral(ctx.record, asset !== "" ? asset : fromAmount!);
  if (fromAmount !== undefined && fromAmount.toLowerCase() !== token.symbol.toLowerCase()) {
    throw new TaskError(`amount "${amount}" is in ${fromAmount} but --asset is ${token.symbol}`);
  }
  return token;
}

async function healthAfter(ctx: TaskContext, id: bigint): Promise<bigint | undefined> {
  try {
    return await ctx.bw.engine.healthFactor(id);
  } catch {
    return undefined; // no usable price: the action itself succeeded
  }
}

function renderAction(title: string, pairs: [string, string][], txs: TxSummary[]): string {
  return `${title}\n${renderKeyValues(pairs)}\n${renderTxs(txs)}`;
}

// ------------------------------------------------------------------ open

interface OpenArgs extends CommonArgs {
  owner: string;
}

export async function open(args: OpenArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const owner = addressOr(args.owner, ctx.signer.address, "--owner");
  const { tx, receipt } = await sendTx(ctx, "open vault", () => ctx.bw.engine.openVault(owner));
  let vault: bigint | undefined;
  for (const log of receipt.logs) {
    const parsed = ctx.bw.engine.interface.parseLog(log);
    if (parsed?.name === "VaultOpened") vault = parsed.args.id as bigint;
  }
  if (vault === undefined) throw new Error("VaultOpened event not found in the receipt");
  const result = { vault, owner, txs: [tx] };
  return emit(args.json, result, (r) => renderAction(`Opened vault ${r.vault}`, [["owner", r.owner]], r.txs));
}

// ------------------------------------------------------------------ deposit

interface AssetAmountArgs extends CommonArgs {
  vault: string;
  amount: string;
  asset: string;
}

export async function deposit(args: AssetAmountArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const id = await resolveVault(ctx, args.vault);
  const token = pickCollateral(ctx, args.asset, args.amount);
  const amount = parseAmount(args.amount, token, { what: "deposit amount" });
  await requireOwnerOrManager(ctx, id);
  const config = await ctx.bw.engine.collateralConfig(token.address);
  if (!config.enabled) throw new TaskError(`${token.symbol} is listed but not enabled for new deposits`);
  const balance = await balanceOf(ctx, token);
  if (balance < amount) {
    throw new TaskError(
      `${ctx.signer.address} holds ${amountText(balance, token)}, less than ${amountText(amount, token)}`,
    );
  }
  const txs: TxSummary[] = [];
  await ensureAllowance(ctx, token, ctx.record.contracts.engine, amount, txs);
  const { tx } = await sendTx(ctx, `deposit ${token.symbol}`, () => ctx.bw.engine.deposit(id, token.address, amount));
  txs.push(tx);
  const result = {
    vault: id,
    asset: token.symbol,
    assetAddress: token.address,
    amount,
    collateralAfter: await ctx.bw.engine.collateralAmount(id, token.address),
    healthFactorAfter: await healthAfter(ctx, id),
    txs,
  };
  return emit(args.json, result, (r) =>
    renderAction(
      `Deposited ${amountText(r.amount, token)} into vault ${r.vault}`,
      [
        [`${token.symbol} in vault`, amountText(r.collateralAfter, token)],
        ["health factor", r.healthFactorAfter === undefined ? "n/a" : formatHealthFactor(r.healthFactorAfter)],
      ],
      r.txs,
    ),
  );
}

// ------------------------------------------------------------------ withdraw

interface WithdrawArgs extends AssetAmountArgs {
  to: string;
}

export async function withdraw(args: WithdrawArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const id = await resolveVault(ctx, args.vault);
  const token = pickCollateral(ctx, args.asset, args.amount);
  const parsed = parseAmount(args.amount, token, { what: "withdraw amount", allowMax: true });
  const receiver = addressOr(args.to, ctx.signer.address, "--to");
  await requireOwnerOrManager(ctx, id);
  const held = await ctx.bw.engine.collateralAmount(id, token.address);
  if (held === 0n) throw new TaskError(`vault ${id} holds no ${token.symbol}`);
  const amount = parsed === "max" ? held : parsed;
  if (amount > held) {
    throw new TaskError(`vault ${id} holds ${amountText(held, token)}, less than ${amountText(amount, token)}`);
  }
  const { tx } = await sendTx(ctx, `withdraw ${token.symbol}`, () =>
    ctx.bw.engine.withdraw(id, token.address, amount, receiver),
  );
  const result = {
    vault: id,
    asset: token.symbol,
    assetAddress: token.address,
    amount,
    receiver,
    collateralAfter: await ctx.bw.engine.collateralAmount(id, token.address),
    healthFactorAfter: await healthAfter(ctx, id),
    txs: [tx],
  };
  return emit(args.json, result, (r) =>
    renderAction(
      `Withdrew ${amountText(r.amount, token)} from vault ${r.vault}`,
      [
        ["receiver", r.receiver],
        [`${token.symbol} in vault`, amountText(r.collateralAfter, token)],
        ["health factor", r.healthFactorAfter === undefined ? "n/a" : formatHealthFactor(r.healthFactorAfter)],
      ],
      r.txs,
    ),
  );
}

// ------------------------------------------------------------------ borrow

interface BorrowArgs extends CommonArgs {
  vault: string;
  amount: string;
  to: string;
}

export async function borrow(args: BorrowArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const base = ctx.record.baseAsset;
  const id = await resolveVault(ctx, args.vault);
  const parsed = parseAmount(args.amount, base, { what: "borrow amount", allowMax: true });
  const receiver = addressOr(args.to, ctx.signer.address, "--to");
  await requireOwnerOrManager(ctx, id);
  let amount: bigint;
  if (parsed === "max") {
    amount = await readCall(ctx, "max borrow", () => ctx.bw.engine.maxBorrow(id));
    if (amount === 0n) throw new TaskError(`vault ${id} cannot borrow more now (max borrow is 0)`);
  } else {
    amount = parsed;
  }
  const { tx } = await sendTx(ctx, `borrow ${base.symbol}`, () => ctx.bw.engine.borrow(id, amount, receiver));
  const result = {
    vault: id,
    amount,
    receiver,
    debtAfter: await ctx.bw.engine.debtOf(id),
    healthFactorAfter: await healthAfter(ctx, id),
    txs: [tx],
  };
  return emit(args.json, result, (r) =>
    renderAction(
      `Borrowed ${amountText(r.amount, base)} against vault ${r.vault}`,
      [
        ["receiver", r.receiver],
        ["debt", amountText(r.debtAfter, base)],
        ["health factor", r.healthFactorAfter === undefined ? "n/a" : formatHealthFactor(r.healthFactorAfter)],
      ],
      r.txs,
    ),
  );
}

// ------------------------------------------------------------------ repay

interface RepayArgs extends CommonArgs {
  vault: string;
  amount: string;
}

export async function repay(args: RepayArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args);
  const base = ctx.record.baseAsset;
  const id = await resolveVault(ctx, args.vault);
  const parsed = parseAmount(args.amount, base, { what: "repay amount", allowMax: true });
  const debt = await ctx.bw.engine.debtOf(id);
  if (debt === 0n) throw new TaskError(`vault ${id} has no debt`);
  // Anyone may repay; "max" (or more than the debt) repays everything, including the interest that
  // accrues until the transaction is mined, hence the 0.1% allowance margin.
  const all = parsed === "max" || parsed >= debt;
  const required = all ? debt : parsed;
  const balance = await balanceOf(ctx, base);
  if (balance < required) {
    throw new TaskError(
      `${ctx.signer.address} holds ${amountText(balance, base)}, less than ${amountText(required, base)}`,
    );
  }
  const margin = all ? debt / 1000n + 1n : 0n;
  const txs: TxSummary[] = [];
  await ensureAllowance(
    ctx,
    base,
    ctx.record.contracts.engine,
    required + margin > balance ? balance : required + margin,
    txs,
  );
  const amount = parsed === "max" ? MaxUint256 : parsed;
  const before = await balanceOf(ctx, base);
  const { tx } = await sendTx(ctx, `repay ${base.symbol}`, () => ctx.bw.engine.repay(id, amount));
  txs.push(tx);
  const repaid = before - (await balanceOf(ctx, base));
  const result = {
    vault: id,
    repaid,
    debtAfter: await ctx.bw.engine.debtOf(id),
    healthFactorAfter: await healthAfter(ctx, id),
    txs,
  };
  return emit(args.json, result, (r) =>
    renderAction(
      `Repaid ${amountText(r.repaid, base)} of vault ${r.vault}`,
      [
        ["debt", amountText(r.debtAfter, base)],
        ["health factor", r.healthFactorAfter === undefined ? "n/a" : formatHealthFactor(r.healthFactorAfter)],
      ],
      r.txs,
    ),
  );
}

// ------------------------------------------------------------------ show

interface ShowArgs extends CommonArgs {
  vault: string;
}

/** Everything about one vault, as JSON-ready data. */
export async function vaultReport(ctx: ReadTaskContext, id: bigint) {
  const { engine, lens, auctionHouse } = ctx.bw;
  const s = await readCall(ctx, `vault ${id} summary`, () => lens.vaultSummary(id));
  const flaggedAt = await engine.marginCallOf(id);
  const params = await auctionHouse.auctionParameters();
  const now = await ctx.now();
  const liquidatableAt = flaggedAt === 0n ? 0n : flaggedAt + params.cureWindow;
  const belowHardFloor = s.healthFactor < params.hardFloor;
  return {
    vault: id,
    owner: s.owner,
    baseAsset: ctx.record.baseAsset.symbol,
    debt: s.debt,
    debtValue: s.debtValue,
    borrowingPower: s.borrowingPower,
    maintenanceValue: s.maintenanceValue,
    healthFactor: s.healthFactor,
    initialHealthFactor: await readCall(ctx, "initial HF", () => engine.initialHealthFactor(id)),
    maxBorrow: s.maxBorrow,
    marginShortfall: s.marginShortfall,
    marginCall: {
      flagged: flaggedAt !== 0n,
      flaggedAt,
      liquidatableAt,
      cureWindowOpen: flaggedAt !== 0n && now < liquidatableAt && !belowHardFloor,
      belowHardFloor,
    },
    openAuctions: await engine.openAuctionsOf(id),
    auctions: await vaultAuctions(ctx, id),
    collaterals: s.collaterals.map((c) => ({
      asset: symbolOf(ctx.record, c.asset),
      assetAddress: c.asset,
      amount: c.amount,
      price: c.price,
      value: c.value,
      initialHaircut: c.initialHaircut,
      maintenanceHaircut: c.maintenanceHaircut,
      liquidationPrice: c.liquidationPrice,
    })),
  };
}

/** The vault's open auctions (one per collateral at most): the seized lot no longer counts in the
 * vault's collateral, so it is shown here with what is left to cover. */
async function vaultAuctions(ctx: ReadTaskContext, id: bigint) {
  const found: OpenAuction[] = [];
  for (const c of ctx.record.collaterals) {
    const auctionId = await ctx.bw.auctionHouse.activeAuctionOf(id, c.address);
    const a = auctionId === 0n ? undefined : await readOpenAuction(ctx, auctionId);
    if (a !== undefined) found.push(a);
  }
  return found;
}

type VaultReport = Awaited<ReturnType<typeof vaultReport>>;

export function renderVault(ctx: ReadTaskContext, r: VaultReport): string {
  const base = ctx.record.baseAsset;
  const mc = r.marginCall;
  const marginCall = !mc.flagged
    ? r.marginShortfall
      ? "not flagged (in shortfall: can be flagged)"
      : "none"
    : mc.belowHardFloor
      ? `flagged, below the hard floor: liquidatable now`
      : mc.cureWindowOpen
        ? `flagged, cure window open until ${new Date(Number(mc.liquidatableAt) * 1000).toISOString()}`
        : "flagged, cure window over: liquidatable";
  const head = renderKeyValues([
    ["owner", r.owner],
    ["debt", `${amountText(r.debt, base)} (${formatUsd(r.debtValue)})`],
    ["borrowing power", formatUsd(r.borrowingPower)],
    ["maintenance value", formatUsd(r.maintenanceValue)],
    ["health factor", formatHealthFactor(r.healthFactor) + (r.marginShortfall ? "  (margin shortfall)" : "")],
    ["initial HF", formatHealthFactor(r.initialHealthFactor)],
    ["max borrow", amountText(r.maxBorrow, base)],
    ["margin call", marginCall],
    ["open auctions", r.openAuctions.toString()],
  ]);
  const rows = r.collaterals.map((c) => {
    const token = tokenByAddress(ctx.record, c.assetAddress);
    return [
      c.asset,
      token === undefined ? c.amount.toString() : formatTokenAmount(c.amount, token.decimals, 6),
      formatUsd(c.price),
      formatUsd(c.value),
      formatPercent(c.initialHaircut),
      formatPercent(c.maintenanceHaircut),
      c.liquidationPrice === 0n ? "—" : formatUsd(c.liquidationPrice),
    ];
  });
  const table =
    rows.length === 0
      ? "  (no collateral)"
      : renderTable(
          [
            { header: "asset" },
            { header: "amount", align: "right" },
            { header: "price", align: "right" },
            { header: "value", align: "right" },
            { header: "init. haircut", align: "right" },
            { header: "maint. haircut", align: "right" },
            { header: "liq. price", align: "right" },
          ],
          rows,
        );
  const auctions =
    r.auctions.length === 0
      ? ""
      : "\n\nUnder auction (seized, no longer in the collateral above)\n" + renderAuctions(ctx, r.auctions);
  return `Vault ${r.vault}\n${head}\n\n${table}${auctions}`;
}

export async function show(args: ShowArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args, { readOnly: true });
  const id = await resolveVault(ctx, args.vault);
  const report = await vaultReport(ctx, id);
  return emit(args.json, report, (r) => renderVault(ctx, r));
}

// ------------------------------------------------------------------ list

interface ListArgs extends CommonArgs {
  owner: string;
  all: boolean;
}

export async function list(args: ListArgs, hre: HardhatRuntimeEnvironment) {
  const ctx = await loadContext(hre, args, { readOnly: true });
  const owner = args.all
    ? undefined
    : args.owner !== ""
      ? addressOr(args.owner, "", "--owner")
      : await requireAccount(ctx, "pass --owner <address> or --all");
  const count = await ctx.bw.engine.vaultCount();
  const vaults = [];
  for (let id = 1n; id <= count; id++) {
    const o = await ctx.bw.engine.ownerOf(id);
    if (owner !== undefined && o !== owner) continue;
    let healthFactor: bigint | undefined;
    try {
      healthFactor = await ctx.bw.engine.healthFactor(id);
    } catch {
      healthFactor = undefined;
    }
    vaults.push({ vault: id, owner: o, debt: await ctx.bw.engine.debtOf(id), healthFactor });
  }
  const base = ctx.record.baseAsset;
  return emit(args.json, { owner: owner ?? null, vaults }, (r) =>
    r.vaults.length === 0
      ? `No vaults${owner === undefined ? "" : ` owned by ${owner}`}`
      : renderTable(
          [
            { header: "vault", align: "right" },
            { header: "owner" },
            { header: "debt", align: "right" },
            { header: "HF", align: "right" },
          ],
          r.vaults.map((v) => [
            v.vault.toString(),
            v.owner,
            amountText(v.debt, base),
            v.healthFactor === undefined
              ? "n/a"
              : v.healthFactor === MAX_UINT256
                ? "∞"
                : formatHealthFactor(v.healthFactor),
          ]),
        ),
  );
}
