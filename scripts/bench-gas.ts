// Interim `npm run bench:gas`: receipt gasUsed of steady-state engine, pool and liquidation
// operations on the in-process network, printed as a table and written to reports/gas.json.
//   npx hardhat run scripts/bench-gas.ts
//
// Steady state: a first user warms every shared slot (pool ledger and index, per-asset debt
// attribution, token balances of engine and pool) and keeps debt outstanding against every
// collateral, so the second user's figures do not include one-off zero-to-non-zero writes of
// global storage. Every transaction is mined 12 s after the previous one (fixed timestamps), so
// each one accrues interest exactly like a live system, and the figures are reproducible.
//
// Liquidations: the same sequence (margin call, kick, full and partial take, reset, bad debt) runs
// twice, on vaults of the first user and then of the second; only the second round is recorded.
// The insurance fund holds pool shares (as the reserve factor leaves it) and receives the penalties
// in base asset, so every keeper reward and the bad-debt cover are really paid: from its base-asset
// balance first, then by redeeming pool shares (each row's note says which).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ContractTransactionResponse } from "ethers";
import { MaxUint256 } from "ethers";
import { network } from "hardhat";
import { formatInteger, renderTable, toJson } from "./lib/format.js";
import { deployLocalSystem } from "./lib/local.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPORT = path.join(HERE, "..", "reports", "gas.json");
const BLOCK_TIME = 12;

const { ethers, networkHelpers, networkName } = await network.create();
const [deployer, lender, warm, user, keeper] = await ethers.getSigners();
const s = await deployLocalSystem(ethers, { deployer, networkName });
const { engine, pool } = s;
const addr = (symbol: string) => s.info[symbol].address;
const U = s.units;

let timestamp = BigInt(await networkHelpers.time.latest()) + 1000n;
/** Mines `tx` at the next fixed timestamp and returns its receipt's gasUsed. */
async function mined(tx: () => Promise<ContractTransactionResponse>): Promise<bigint> {
  timestamp += BigInt(BLOCK_TIME);
  await networkHelpers.time.setNextBlockTimestamp(timestamp);
  const receipt = await (await tx()).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("transaction failed");
  return receipt.gasUsed;
}

// The simulated span (~4 hours with the two liquidation rounds) stays inside the feeds' 24 h
// staleness limit (the base asset's feed is never refreshed).
const everyone = { [s.baseSymbol]: "5000000", WETH: "10000", WBTC: "1000", LINK: "1000000" };
for (const who of [lender, warm, user, keeper]) await s.fund(who, everyone);
await mined(() => pool.connect(lender).deposit(U(s.baseSymbol, "2000000"), lender.address));

// ------------------------------------------------------------------ warm-up (first user)

const nextId = async () => (await engine.vaultCount()) + 1n;
const warmSingle = await nextId();
await mined(() => engine.connect(warm).openVault(warm.address));
await mined(() => engine.connect(warm).deposit(warmSingle, addr("WETH"), U("WETH", "20")));
await mined(() => engine.connect(warm).deposit(warmSingle, addr("WETH"), U("WETH", "5")));
await mined(() => engine.connect(warm).borrow(warmSingle, U(s.baseSymbol, "20000"), warm.address));
await mined(() => engine.connect(warm).repay(warmSingle, U(s.baseSymbol, "2000")));
await mined(() => engine.connect(warm).withdraw(warmSingle, addr("WETH"), U("WETH", "1"), warm.address));
const warmMulti = await nextId();
await mined(() => engine.connect(warm).openVault(warm.address));
await mined(() => engine.connect(warm).deposit(warmMulti, addr("WETH"), U("WETH", "10")));
await mined(() => engine.connect(warm).deposit(warmMulti, addr("WBTC"), U("WBTC", "1")));
await mined(() => engine.connect(warm).deposit(warmMulti, addr("LINK"), U("LINK", "2000")));
await mined(() => engine.connect(warm).borrow(warmMulti, U(s.baseSymbol, "30000"), warm.address));
await mined(() => pool.connect(warm).deposit(U(s.baseSymbol, "10000"), warm.address));
await mined(() => pool.connect(warm).withdraw(U(s.baseSymbol, "5000"), warm.address, warm.address));
// The first user keeps debt against WETH, WBTC and LINK: every shared slot stays non-zero.

// ------------------------------------------------------------------ measured (second user)

interface Measurement {
  operation: string;
  gas: bigint;
  note: string;
}
const results: Measurement[] = [];
const record = (operation: string, gas: bigint, note = "") => results.push({ operation, gas, note });
const asUser = engine.connect(user);

/** A view's cost two ways: eth_estimateGas (what the brief's budget uses) and a mined call. */
async function viewCost(label: string, id: bigint, note: string) {
  const estimate = await engine.healthFactor.estimateGas(id);
  record(`${label} (estimateGas)`, estimate, `${note}; incl. 21,000 intrinsic`);
  const used = await mined(() => engine.connect(user).healthFactor.send(id));
  record(`${label} (as tx)`, used, `${note}; receipt gasUsed, incl. 21,000 intrinsic`);
}

const v1 = await nextId();
record("openVault", await mined(() => asUser.openVault(user.address)), "new vault id");
record(
  "deposit_first",
  await mined(() => asUser.deposit(v1, addr("WETH"), U("WETH", "10"))),
  "WETH, first deposit into the vault",
);
record("deposit_topup", await mined(() => asUser.deposit(v1, addr("WETH"), U("WETH", "5"))), "WETH, same asset again");
record(
  "borrow",
  await mined(() => asUser.borrow(v1, U(s.baseSymbol, "10000"), user.address)),
  "1 collateral, first borrow of the vault",
);
await viewCost("healthFactor_1_collateral", v1, "view, vault with debt and 1 collateral");
record("repay_partial", await mined(() => asUser.repay(v1, U(s.baseSymbol, "2000"))), "2,000 of 10,000");
record(
  "withdraw_with_debt",
  await mined(() => asUser.withdraw(v1, addr("WETH"), U("WETH", "1"), user.address)),
  "partial, health check",
);
record("repay_full", await mined(() => asUser.repay(v1, MaxUint256)), "type(uint256).max");
record(
  "withdraw_no_debt",
  await mined(() => asUser.withdraw(v1, addr("WETH"), U("WETH", "1"), user.address)),
  "partial, no health check",
);
record(
  "pool_deposit",
  await mined(() => pool.connect(user).deposit(U(s.baseSymbol, "100000"), user.address)),
  "ERC-4626 deposit, lender's first shares",
);
record(
  "pool_withdraw",
  await mined(() => pool.connect(user).withdraw(U(s.baseSymbol, "50000"), user.address, user.address)),
  "ERC-4626 withdraw, partial",
);

const v3 = await nextId();
await mined(() => asUser.openVault(user.address));
await mined(() => asUser.deposit(v3, addr("WETH"), U("WETH", "10")));
await mined(() => asUser.deposit(v3, addr("WBTC"), U("WBTC", "1")));
await mined(() => asUser.deposit(v3, addr("LINK"), U("LINK", "2000")));
record(
  "borrow_3_collaterals",
  await mined(() => asUser.borrow(v3, U(s.baseSymbol, "10000"), user.address)),
  "WETH + WBTC + LINK, first borrow of the vault",
);
await viewCost("healthFactor_3_collaterals", v3, "view, vault with debt and 3 collaterals");

// Sanity: the measured flows did what they claim.
if ((await engine.debtOf(v1)) !== 0n) throw new Error("vault 1 should be debt-free");
if ((await engine.collateralsOf(v3)).length !== 3) throw new Error("vault 3 should hold 3 collaterals");

// ------------------------------------------------------------------ liquidations

const { auctionHouse, insuranceFund } = s;
const base = s.baseSymbol;
const weth = addr("WETH");
const fundAddress = await insuranceFund.getAddress();
// Takers pay the auction house's pull from their own balance.
await mined(() => s.tokens[base].connect(keeper).approve(auctionHouse.getAddress(), MaxUint256));
// The insurance fund's reserve: pool shares, enough for every keeper reward and bad-debt cover below.
await mined(() => pool.connect(lender).deposit(U(base, "500000"), fundAddress));

/** Moves the clock on by `seconds`, mining an empty block there (so views see the new time). */
async function wait(seconds: number | bigint) {
  timestamp += BigInt(seconds);
  await networkHelpers.time.increaseTo(timestamp);
}
const PRICES = { WETH: "3000", WBTC: "60000", LINK: "15" };
async function setPrices(prices: Partial<Record<string, string>>) {
  for (const [symbol, usd] of Object.entries(prices)) {
    const feed = s.feeds[symbol].connect(deployer);
    const answer = ethers.parseUnits(usd!, Number(await feed.decimals()));
    await mined(() => feed.updateAnswer(answer));
  }
}

const asKeeper = { engine: engine.connect(keeper), auctionHouse: auctionHouse.connect(keeper) };
const kick = (id: bigint, asset: string) => mined(() => asKeeper.auctionHouse.kick(id, asset, keeper.address));
async function activeAuction(id: bigint, asset: string): Promise<bigint> {
  const auctionId = await auctionHouse.activeAuctionOf(id, asset);
  if (auctionId === 0n) throw new Error(`no auction for vault ${id}`);
  return auctionId;
}
/** Buys up to `collateral` of auction `auctionId` for the keeper (no price limit: the clock is fixed). */
const take = (auctionId: bigint, collateral: bigint) =>
  mined(() => asKeeper.auctionHouse.take(auctionId, collateral, MaxUint256, keeper.address, "0x"));

/** 20 WETH, 45,000 borrowed: HF 1.17 at $3,000, 0.96 at $2,550. */
async function singleVault(owner: typeof user): Promise<bigint> {
  const id = await nextId();
  const e = engine.connect(owner);
  await mined(() => e.openVault(owner.address));
  await mined(() => e.deposit(id, weth, U("WETH", "20")));
  await mined(() => e.borrow(id, U(base, "45000"), owner.address));
  return id;
}

/** 20 WETH + 0.1 WBTC + 100 LINK, 50,000 borrowed: HF 1.14 at $3,000 WETH, 0.99 at $2,550. */
async function multiVault(owner: typeof user): Promise<bigint> {
  const id = await nextId();
  const e = engine.connect(owner);
  await mined(() => e.openVault(owner.address));
  await mined(() => e.deposit(id, weth, U("WETH", "20")));
  await mined(() => e.deposit(id, addr("WBTC"), U("WBTC", "0.1")));
  await mined(() => e.deposit(id, addr("LINK"), U("LINK", "100")));
  await mined(() => e.borrow(id, U(base, "50000"), owner.address));
  return id;
}

type Shape = "1_collateral" | "3_collaterals";
const SHAPES: Shape[] = ["1_collateral", "3_collaterals"];

/** One full liquidation sequence on fresh vaults of `owner`; returns the gas of each operation. */
async function liquidationRound(owner: typeof user): Promise<Map<string, bigint>> {
  const gas = new Map<string, bigint>();
  const open = (shape: Shape) => (shape === "1_collateral" ? singleVault(owner) : multiVault(owner));
  await setPrices(PRICES);
  const full: Record<Shape, bigint> = { "1_collateral": await open("1_collateral"), "3_collaterals": 0n };
  full["3_collaterals"] = await open("3_collaterals");
  const partial: Record<Shape, bigint> = { "1_collateral": await open("1_collateral"), "3_collaterals": 0n };
  partial["3_collaterals"] = await open("3_collaterals");
  const bad: Record<Shape, bigint> = { "1_collateral": await open("1_collateral"), "3_collaterals": 0n };
  bad["3_collaterals"] = await open("3_collaterals");

  // WETH -15%: in margin shortfall, above the hard floor: flag, wait out the cure window, kick.
  await setPrices({ WETH: "2550" });
  for (const shape of SHAPES) {
    gas.set(`flagMarginCall_${shape}`, await mined(() => asKeeper.engine.flagMarginCall(full[shape])));
    await mined(() => asKeeper.engine.flagMarginCall(partial[shape]));
  }
  await wait((await auctionHouse.auctionParameters()).cureWindow);
  const fundCash = () => s.tokens[base].balanceOf(fundAddress);
  for (const shape of SHAPES) {
    if ((await fundCash()) !== 0n) throw new Error("the fund should pay the kick reward from pool shares");
    gas.set(`kick_${shape}`, await kick(full[shape], weth));
    if ((await engine.collateralAmount(full[shape], weth)) === 0n) throw new Error("kick should seize part of WETH");
    await kick(partial[shape], weth);
  }
  // Ten minutes on, the price (start x 1.1, -1% a minute) is just under the oracle's.
  await wait(600);
  for (const shape of SHAPES) {
    const fullId = await activeAuction(full[shape], weth);
    gas.set(`take_full_${shape}`, await take(fullId, (await auctionHouse.auction(fullId)).lot));
    if ((await auctionHouse.auction(fullId)).lot !== 0n) throw new Error("full take left the auction open");
    if ((await engine.marginCallOf(full[shape])) !== 0n) throw new Error("full take should cure the margin call");
    const partialId = await activeAuction(partial[shape], weth);
    const lot = (await auctionHouse.auction(partialId)).lot;
    gas.set(`take_partial_${shape}`, await take(partialId, lot / 4n));
    if ((await auctionHouse.auction(partialId)).lot !== lot - lot / 4n) throw new Error("partial take");
  }
  // An hour later the price is below half the start price: the auctions need a reset.
  await wait(3600);
  for (const shape of SHAPES) {
    const partialId = await activeAuction(partial[shape], weth);
    if (!(await auctionHouse.auctionStatus(partialId)).needsReset) throw new Error("auction should need a reset");
    if ((await fundCash()) < U(base, "1000")) throw new Error("the fund should pay the reset reward from cash");
    gas.set(`reset_${shape}`, await mined(() => asKeeper.auctionHouse.reset(partialId, keeper.address)));
    if ((await auctionHouse.auction(partialId)).startedAt !== timestamp) throw new Error("reset");
  }

  // Every collateral -50%: below the hard floor, so kicked at once; each kick seizes a whole
  // position. The lots sell below their tabs, leaving debt on a vault without collateral.
  await setPrices({ WETH: "1500", WBTC: "30000", LINK: "7.5" });
  for (const shape of SHAPES) {
    const id = bad[shape];
    // One auction per vault at a time: sell each whole position in turn.
    for (const asset of await engine.collateralsOf(id)) {
      await kick(id, asset);
      const auctionId = await activeAuction(id, asset);
      await wait(660);
      await take(auctionId, (await auctionHouse.auction(auctionId)).lot);
    }
    if ((await engine.collateralsOf(id)).length !== 0 || (await engine.openAuctionsOf(id)) !== 0n) {
      throw new Error(`vault ${id} should hold no collateral and no auction`);
    }
    const debt = await engine.debtOf(id);
    const cash = await fundCash();
    if (cash === 0n || cash >= debt) throw new Error("the fund should pay from cash and from pool shares");
    gas.set(`realiseBadDebt_${shape}`, await mined(() => asKeeper.engine.realiseBadDebt(id)));
    if ((await engine.scaledDebtOf(id)) !== 0n) throw new Error(`vault ${id} debt not realised`);
  }
  await setPrices(PRICES);
  return gas;
}

const NOTES: Record<string, (shape: Shape) => string> = {
  flagMarginCall: (shape) => `HF ${shape === "1_collateral" ? "0.96" : "0.99"} (above the 0.9 hard floor)`,
  kick: () => "WETH after the cure window, part of it; keeper paid from fund shares",
  take_full: () => "whole tab, 10 min in; rest of the lot returned, margin call cured",
  take_partial: () => "a quarter of the lot, 10 min in",
  reset: () => "price < 50% of the start, 70 min in; keeper paid from fund cash",
  realiseBadDebt: (shape) =>
    `${shape === "1_collateral" ? "its lot" : "all 3 lots"} sold under the tab; fund cash + shares cover it`,
};
const fundBefore = await insuranceFund.availableAssets();
await liquidationRound(warm); // warm-up: first liquidations, auction ids, keeper and fund balances
const liquidation = await liquidationRound(user);
for (const [operation, gas] of liquidation) {
  const shape: Shape = operation.endsWith("3_collaterals") ? "3_collaterals" : "1_collateral";
  const kind = operation.slice(0, -shape.length - 1);
  record(operation, gas, `${shape === "1_collateral" ? "WETH vault" : "WETH+WBTC+LINK vault"}: ${NOTES[kind](shape)}`);
}
if ((await insuranceFund.availableAssets()) >= fundBefore) throw new Error("the insurance fund paid nothing");

// ------------------------------------------------------------------ report

console.log(`Breakwater gas bench (network "${networkName}", receipt gasUsed, steady state)`);
console.log(
  renderTable(
    [{ header: "Operation" }, { header: "Gas", align: "right" }, { header: "Note" }],
    results.map((r) => [r.operation, formatInteger(r.gas), r.note]),
  ),
);
mkdirSync(path.dirname(REPORT), { recursive: true });
writeFileSync(
  REPORT,
  toJson({
    generatedAt: new Date().toISOString(),
    network: networkName,
    method: "receipt gasUsed on the in-process network; views: eth_estimateGas and a mined call",
    operations: results.map((r) => ({ operation: r.operation, gas: Number(r.gas), note: r.note })),
    gas: Object.fromEntries(results.map((r) => [r.operation, Number(r.gas)])),
  }) + "\n",
);
console.log(`\nWritten ${path.relative(process.cwd(), REPORT)}`);
