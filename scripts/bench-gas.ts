// `npm run bench:gas`: receipt gasUsed of steady-state engine, pool and liquidation operations on the
// in-process network, side by side with Morpho Blue on the same EVM, printed as tables and written
// to reports/gas.json.
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
//
// Morpho Blue (compiled from @morpho-org/morpho-blue with solc 0.8.19 and Morpho's published settings,
// see hardhat.config.ts) runs after Breakwater on the same chain, with the same MockERC20 tokens as
// loan and collateral tokens, an oracle reading the same Chainlink mock feeds
// (test/mocks/MorphoChainlinkOracle.sol), a fixed kinked IRM with Breakwater's rate parameters
// (test/mocks/MorphoKinkedIrm.sol), LLTV = 1 - WETH's maintenance haircut and fee = Breakwater's
// reserve factor. The same steady-state rule: a first user runs every step (discarded), then the
// second user's figures are recorded; the same amounts as Breakwater's rows.
//
// Health-factor cost is measured on vaults with 1, 3 and 5 collaterals. The local parameters list
// 3 collaterals; this bench deploys two more mock collaterals (LINK's settings, its own prices)
// through the same deploy code, i.e. the real risk-manager functions (oracle.setFeed,
// engine.listCollateral, breaker and auction config). The parameter files are not changed.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ContractTransactionResponse } from "ethers";
import { AbiCoder, keccak256, MaxUint256 } from "ethers";
import { network } from "hardhat";
import { wad } from "../deploy/breakwater.js";
import { loadDeployParameters, type DeployParameters } from "../deploy/parameters.js";
import { formatInteger, formatWad, renderTable, SECONDS_PER_YEAR, toJson } from "./lib/format.js";
import { type CallRecord, formatProfile, profileTransaction } from "./lib/gas-profile.js";
import { deployLocalSystem } from "./lib/local.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPORT = path.join(HERE, "..", "reports", "gas.json");
const BLOCK_TIME = 12;

const { ethers, networkHelpers, networkName } = await network.create();
const [deployer, lender, warm, user, keeper, warmBorrower, borrower, treasury] = await ethers.getSigners();

/** Two more mock collaterals with LINK's risk, auction and breaker settings, so a vault can hold 5. */
const EXTRA_COLLATERALS = [
  { symbol: "UNI", name: "Uniswap (mock)", price: "8" },
  { symbol: "AAVE", name: "Aave (mock)", price: "100" },
];
function withExtraCollaterals(params: DeployParameters): DeployParameters {
  const template = params.collaterals.find((c) => c.symbol === "LINK");
  if (template === undefined) throw new Error("the local parameters should list LINK");
  const extra = EXTRA_COLLATERALS.map((e) => {
    if (params.collaterals.some((c) => c.symbol === e.symbol)) throw new Error(`${e.symbol} is already listed`);
    return {
      ...template,
      symbol: e.symbol,
      mock: { name: e.name, symbol: e.symbol, decimals: 18 },
      feed: { ...template.feed, mockPrice: e.price },
    };
  });
  return { ...params, collaterals: [...params.collaterals, ...extra] };
}
const params = withExtraCollaterals(loadDeployParameters(networkName));
const s = await deployLocalSystem(ethers, { deployer, networkName, params });
const { engine, pool } = s;
const addr = (symbol: string) => s.info[symbol].address;
const U = s.units;

// GAS_PROFILE=borrow,kick_1_collateral (or "all"): print where each named operation's gas goes.
const PROFILE = new Set((process.env.GAS_PROFILE ?? "").split(",").filter((x) => x !== ""));
const minedTxs: { hash: string; to: string; gas: bigint }[] = [];
const profileNames = new Map<string, string>();

let timestamp = BigInt(await networkHelpers.time.latest()) + 1000n;
/** Mines `tx` at the next fixed timestamp and returns its receipt's gasUsed. */
async function mined(tx: () => Promise<ContractTransactionResponse>): Promise<bigint> {
  timestamp += BigInt(BLOCK_TIME);
  await networkHelpers.time.setNextBlockTimestamp(timestamp);
  const receipt = await (await tx()).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("transaction failed");
  minedTxs.push({ hash: receipt.hash, to: receipt.to ?? "", gas: receipt.gasUsed });
  return receipt.gasUsed;
}

// The simulated span (~4 hours with the two liquidation rounds) stays inside the feeds' 24 h
// staleness limit (the base asset's feed is never refreshed).
const everyone = {
  [s.baseSymbol]: "5000000",
  WETH: "10000",
  WBTC: "1000",
  LINK: "1000000",
  UNI: "1000000",
  AAVE: "100000",
};
for (const who of [lender, warm, user, keeper, warmBorrower, borrower]) await s.fund(who, everyone);

/** The amounts of the measured borrower and lender steps, on both protocols. */
const STEP = {
  collateral: U("WETH", "10"),
  borrow: U(s.baseSymbol, "10000"),
  repay: U(s.baseSymbol, "2000"),
  withdraw: U("WETH", "1"),
  lend: U(s.baseSymbol, "100000"),
  unlend: U(s.baseSymbol, "50000"),
};
/** Collateral for the multi-collateral vaults, about $30k to $60k of each. */
const BASKET: Record<string, string> = { WETH: "10", WBTC: "1", LINK: "2000", UNI: "5000", AAVE: "400" };
const FIVE = ["WETH", "WBTC", "LINK", "UNI", "AAVE"];
const THREE = FIVE.slice(0, 3);
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
/** Opens a vault for `owner` and deposits BASKET's amount of every collateral in `symbols`. */
async function basketVault(owner: typeof user, symbols: string[]): Promise<bigint> {
  const id = await nextId();
  await mined(() => engine.connect(owner).openVault(owner.address));
  for (const symbol of symbols) {
    await mined(() => engine.connect(owner).deposit(id, addr(symbol), U(symbol, BASKET[symbol])));
  }
  return id;
}
const warmMulti = await basketVault(warm, FIVE);
await mined(() => engine.connect(warm).borrow(warmMulti, U(s.baseSymbol, "30000"), warm.address));
await mined(() => pool.connect(warm).deposit(U(s.baseSymbol, "10000"), warm.address));
await mined(() => pool.connect(warm).withdraw(U(s.baseSymbol, "5000"), warm.address, warm.address));
// The first user keeps debt against all five collaterals: every shared slot stays non-zero.

// ------------------------------------------------------------------ measured (second user)

interface Measurement {
  operation: string;
  gas: bigint;
  note: string;
}
const results: Measurement[] = [];
const profiles: string[] = [];
const record = (operation: string, gas: bigint, note = "") => {
  results.push({ operation, gas, note });
  if (PROFILE.has(operation) || PROFILE.has("all")) {
    const tx = minedTxs.findLast((t) => t.gas === gas);
    if (tx !== undefined) profiles.push(`${operation}\t${tx.hash}\t${tx.to}\t${gas}`);
  }
};
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
  await mined(() => asUser.deposit(v1, addr("WETH"), STEP.collateral)),
  "WETH, first deposit into the vault",
);
record("deposit_topup", await mined(() => asUser.deposit(v1, addr("WETH"), U("WETH", "5"))), "WETH, same asset again");
record(
  "borrow",
  await mined(() => asUser.borrow(v1, STEP.borrow, user.address)),
  "1 collateral, first borrow of the vault",
);
await viewCost("healthFactor_1_collateral", v1, "view, vault with debt and 1 collateral");
record("repay_partial", await mined(() => asUser.repay(v1, STEP.repay)), "2,000 of 10,000");
record(
  "withdraw_with_debt",
  await mined(() => asUser.withdraw(v1, addr("WETH"), STEP.withdraw, user.address)),
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
  await mined(() => pool.connect(user).deposit(STEP.lend, user.address)),
  "ERC-4626 deposit, lender's first shares",
);
record(
  "pool_withdraw",
  await mined(() => pool.connect(user).withdraw(STEP.unlend, user.address, user.address)),
  "ERC-4626 withdraw, partial",
);

const multi: Record<number, bigint> = {};
for (const symbols of [THREE, FIVE]) {
  const id = await basketVault(user, symbols);
  const n = symbols.length;
  record(
    `borrow_${n}_collaterals`,
    await mined(() => asUser.borrow(id, STEP.borrow, user.address)),
    `${symbols.join(" + ")}, first borrow of the vault`,
  );
  await viewCost(`healthFactor_${n}_collaterals`, id, `view, vault with debt and ${n} collaterals`);
  multi[n] = id;
}

// Sanity: the measured flows did what they claim.
if ((await engine.debtOf(v1)) !== 0n) throw new Error("vault 1 should be debt-free");
for (const n of [3, 5]) {
  if ((await engine.collateralsOf(multi[n])).length !== n) throw new Error(`vault should hold ${n} collaterals`);
}

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

// ------------------------------------------------------------------ Morpho Blue (same chain, tokens, feeds)

const wethRisk = params.collaterals.find((c) => c.symbol === "WETH")!.risk;
const rates = params.pool.rateModel;
const perSecond = (perYear: string) => wad(perYear) / SECONDS_PER_YEAR; // as deploy/breakwater.ts converts
const morpho = await ethers.deployContract("Morpho", [deployer.address], deployer);
const morphoIrm = await ethers.deployContract(
  "MorphoKinkedIrm",
  [
    perSecond(rates.baseRatePerYear),
    perSecond(rates.slopeLowPerYear),
    perSecond(rates.slopeHighPerYear),
    wad(rates.kink),
  ],
  deployer,
);
const morphoOracle = await ethers.deployContract(
  "MorphoChainlinkOracle",
  [weth, s.info.WETH.feed, addr(base), s.info[base].feed],
  deployer,
);
const market = {
  loanToken: addr(base),
  collateralToken: weth,
  oracle: await morphoOracle.getAddress(),
  irm: await morphoIrm.getAddress(),
  lltv: wad("1") - wad(wethRisk.maintenanceHaircut),
};
/** Morpho's market id: keccak256(abi.encode(marketParams)). */
const marketId = keccak256(
  AbiCoder.defaultAbiCoder().encode(
    ["address", "address", "address", "address", "uint256"],
    [market.loanToken, market.collateralToken, market.oracle, market.irm, market.lltv],
  ),
);
const MORPHO_SETUP = {
  irm: "MorphoKinkedIrm (test/mocks): fixed kinked curve with Breakwater's rate parameters, not adaptive",
  oracle: "MorphoChainlinkOracle (test/mocks): WETH/USD and USDC/USD MockV3Aggregator feeds Breakwater reads",
  lltv: `${formatWad(market.lltv, 2)} (1 - WETH's maintenance haircut)`,
  fee: `${formatWad(wad(params.pool.reserveFactor), 2)} (Breakwater's reserve factor), to a fee recipient`,
  tokens: "the MockERC20 USDC (loan) and WETH (collateral) Breakwater's deployment uses",
};
{
  const m = morpho.connect(deployer);
  await mined(() => m.enableIrm(market.irm));
  await mined(() => m.enableLltv(market.lltv));
  await mined(() => m.createMarket(market));
  await mined(() => m.setFeeRecipient(treasury.address));
  await mined(() => m.setFee(market, wad(params.pool.reserveFactor)));
  const morphoAddress = await morpho.getAddress();
  for (const who of [lender, warm, user, keeper, warmBorrower, borrower]) {
    for (const token of [s.tokens[base], s.tokens.WETH]) {
      await mined(() => token.connect(who).approve(morphoAddress, MaxUint256));
    }
  }
}
await mined(() => morpho.connect(lender).supply(market, U(base, "2000000"), 0, lender.address, "0x"));

/** The borrower and lender steps of Breakwater's rows, on Morpho: same amounts, same order. */
async function morphoUserRound(who: typeof user): Promise<Map<string, bigint>> {
  const m = morpho.connect(who);
  const me = who.address;
  return new Map([
    ["supplyCollateral", await mined(() => m.supplyCollateral(market, STEP.collateral, me, "0x"))],
    ["borrow", await mined(() => m.borrow(market, STEP.borrow, 0, me, me))],
    ["repay_partial", await mined(() => m.repay(market, STEP.repay, 0, me, "0x"))],
    ["withdrawCollateral", await mined(() => m.withdrawCollateral(market, STEP.withdraw, me, me))],
    ["supply", await mined(() => m.supply(market, STEP.lend, 0, me, "0x"))],
    ["withdraw", await mined(() => m.withdraw(market, STEP.unlend, 0, me, me))],
  ]);
}

/** 20 WETH, 45,000 borrowed at $3,000 (as Breakwater's single vault); WETH -15%; a quarter of the collateral seized. */
async function morphoLiquidationRound(owner: typeof user): Promise<bigint> {
  await setPrices(PRICES);
  const m = morpho.connect(owner);
  await mined(() => m.supplyCollateral(market, U("WETH", "20"), owner.address, "0x"));
  await mined(() => m.borrow(market, U(base, "45000"), 0, owner.address, owner.address));
  await setPrices({ WETH: "2550" });
  const gas = await mined(() => morpho.connect(keeper).liquidate(market, owner.address, U("WETH", "5"), 0, "0x"));
  const position = await morpho.position(marketId, owner.address);
  if (position.collateral !== U("WETH", "15") || position.borrowShares === 0n) throw new Error("partial liquidation");
  await setPrices(PRICES);
  return gas;
}

await morphoUserRound(warm); // warm-up: the first user's position, market totals, fee recipient, balances
const morphoGas = await morphoUserRound(user);
{
  const position = await morpho.position(marketId, user.address);
  if (position.collateral !== STEP.collateral - STEP.withdraw || position.borrowShares === 0n) {
    throw new Error("the second user should keep 9 WETH and debt on Morpho");
  }
}
await morphoLiquidationRound(warmBorrower); // warm-up: the keeper's first liquidation
morphoGas.set("liquidate", await morphoLiquidationRound(borrower));

// ------------------------------------------------------------------ comparison

const gasOf = (operation: string): bigint => {
  const row = results.find((r) => r.operation === operation);
  if (row === undefined) throw new Error(`no Breakwater row ${operation}`);
  return row.gas;
};
const morphoOf = (operation: string): bigint => {
  const gas = morphoGas.get(operation);
  if (gas === undefined) throw new Error(`no Morpho row ${operation}`);
  return gas;
};
/** An issue target: Breakwater/Morpho at most `maxRatio`, and optionally Breakwater's total under `maxGas`. */
interface Target {
  maxRatio: number;
  maxGas?: bigint;
}
interface SharedOperation {
  operation: string;
  /** Breakwater rows summed. */
  breakwater: string[];
  morpho: string;
  target: Target;
  note: string;
}
const SHARED_TARGET: Target = { maxRatio: 1.3 };
const SHARED: SharedOperation[] = [
  {
    operation: "supply collateral",
    breakwater: ["deposit_first"],
    morpho: "supplyCollateral",
    target: SHARED_TARGET,
    note: `10 WETH, first into the vault / position (Breakwater's openVault, ${formatInteger(gasOf("openVault"))}, not included)`,
  },
  {
    operation: "borrow",
    breakwater: ["borrow"],
    morpho: "borrow",
    target: SHARED_TARGET,
    note: "10,000 USDC, first borrow",
  },
  {
    operation: "partial repay",
    breakwater: ["repay_partial"],
    morpho: "repay_partial",
    target: SHARED_TARGET,
    note: "2,000 of 10,000 USDC",
  },
  {
    operation: "withdraw collateral",
    breakwater: ["withdraw_with_debt"],
    morpho: "withdrawCollateral",
    target: SHARED_TARGET,
    note: "1 WETH with debt outstanding (health check)",
  },
  {
    operation: "lender deposit",
    breakwater: ["pool_deposit"],
    morpho: "supply",
    target: SHARED_TARGET,
    note: "100,000 USDC, the lender's first shares",
  },
  {
    operation: "lender withdraw",
    breakwater: ["pool_withdraw"],
    morpho: "withdraw",
    target: SHARED_TARGET,
    note: "50,000 USDC, partial",
  },
  {
    operation: "liquidation",
    breakwater: ["kick_1_collateral", "take_full_1_collateral"],
    morpho: "liquidate",
    target: { maxRatio: 2, maxGas: 200_000n },
    note: "20 WETH / 45,000 USDC vault, WETH -15%. Breakwater: kick + full take (2 txs); Morpho: 5 WETH seized",
  },
];

const ratio = (a: bigint, b: bigint) => Number(a) / Number(b);
const formatRatio = (r: number) => `${r.toFixed(2)}x`;
const formatTarget = (t: Target) =>
  `<= ${t.maxRatio}x` + (t.maxGas === undefined ? "" : ` and < ${formatInteger(t.maxGas)} total`);
const comparison = SHARED.map((op) => {
  const breakwater = op.breakwater.reduce((sum, name) => sum + gasOf(name), 0n);
  const morphoUsed = morphoOf(op.morpho);
  const r = ratio(breakwater, morphoUsed);
  const misses = [
    ...(r > op.target.maxRatio ? ["ratio"] : []),
    ...(op.target.maxGas !== undefined && breakwater >= op.target.maxGas ? ["total"] : []),
  ];
  return { ...op, breakwaterGas: breakwater, morphoGas: morphoUsed, ratio: r, met: misses.length === 0, misses };
});

/** Health-factor cost (the mined view call's gasUsed) by number of collaterals, and the step to the previous one. */
const HF_MAX_PER_COLLATERAL = 10_000n;
const healthCosts = [1, 3, 5].map((n) => ({
  collaterals: n,
  gas: gasOf(`healthFactor_${n}_${n === 1 ? "collateral" : "collaterals"} (as tx)`),
}));
const healthSteps = healthCosts.slice(1).map((h, i) => {
  const previous = healthCosts[i];
  const perCollateral = (h.gas - previous.gas) / BigInt(h.collaterals - previous.collaterals);
  return { from: previous.collaterals, to: h.collaterals, perCollateral, met: perCollateral < HF_MAX_PER_COLLATERAL };
});
const overallStep = (healthCosts[2].gas - healthCosts[0].gas) / 4n;

// ------------------------------------------------------------------ report

console.log(`Breakwater gas bench (network "${networkName}", receipt gasUsed, steady state)`);
console.log(
  renderTable(
    [{ header: "Operation" }, { header: "Gas", align: "right" }, { header: "Note" }],
    results.map((r) => [r.operation, formatInteger(r.gas), r.note]),
  ),
);
console.log("\nBreakwater vs Morpho Blue (same EVM, same tokens and feeds, steady state, receipt gasUsed)");
console.log(
  renderTable(
    [
      { header: "Operation" },
      { header: "Breakwater", align: "right" },
      { header: "Morpho Blue", align: "right" },
      { header: "Ratio", align: "right" },
      { header: "Target" },
      { header: "Met" },
      { header: "Note" },
    ],
    comparison.map((c) => [
      c.operation,
      formatInteger(c.breakwaterGas),
      formatInteger(c.morphoGas),
      formatRatio(c.ratio),
      formatTarget(c.target),
      c.met ? "met" : `not met (${c.misses.join(", ")})`,
      c.note,
    ]),
  ),
);
console.log();
console.log(
  renderTable(
    [{ header: "Morpho Blue setup" }, { header: "" }],
    [
      ["compiler", "solc 0.8.19, viaIR, optimizer 999999 runs, evm paris, bytecodeHash none"],
      ...Object.entries(MORPHO_SETUP),
    ],
  ),
);
console.log("\nBreakwater health-factor cost (healthFactor(id) mined as a tx, incl. 21,000 intrinsic)");
console.log(
  renderTable(
    [
      { header: "Collaterals", align: "right" },
      { header: "Gas", align: "right" },
      { header: "Per extra collateral", align: "right" },
      { header: "Target" },
      { header: "Met" },
    ],
    healthCosts.map((h) => {
      const step = healthSteps.find((x) => x.to === h.collaterals);
      if (step === undefined) return [String(h.collaterals), formatInteger(h.gas), "", "", ""];
      return [
        String(h.collaterals),
        formatInteger(h.gas),
        `${formatInteger(step.perCollateral)} (${step.from} -> ${step.to})`,
        `< ${formatInteger(HF_MAX_PER_COLLATERAL)}`,
        step.met ? "met" : "not met",
      ];
    }),
  ),
);
console.log(`  1 -> 5 collaterals: ${formatInteger(overallStep)} gas per extra collateral`);

mkdirSync(path.dirname(REPORT), { recursive: true });
writeFileSync(
  REPORT,
  toJson({
    generatedAt: new Date().toISOString(),
    network: networkName,
    method: "receipt gasUsed on the in-process network; views: eth_estimateGas and a mined call",
    operations: results.map((r) => ({ operation: r.operation, gas: Number(r.gas), note: r.note })),
    gas: Object.fromEntries(results.map((r) => [r.operation, Number(r.gas)])),
    morpho: {
      setup: {
        compiler: { version: "0.8.19", viaIR: true, optimizerRuns: 999999, evmVersion: "paris", bytecodeHash: "none" },
        ...MORPHO_SETUP,
      },
      gas: Object.fromEntries([...morphoGas].map(([operation, gas]) => [operation, Number(gas)])),
    },
    comparison: comparison.map((c) => ({
      operation: c.operation,
      breakwater: c.breakwater,
      morpho: c.morpho,
      breakwaterGas: Number(c.breakwaterGas),
      morphoGas: Number(c.morphoGas),
      ratio: Number(c.ratio.toFixed(4)),
      target: { maxRatio: c.target.maxRatio, maxGas: c.target.maxGas === undefined ? null : Number(c.target.maxGas) },
      met: c.met,
      note: c.note,
    })),
    healthFactor: {
      gasByCollaterals: Object.fromEntries(healthCosts.map((h) => [h.collaterals, Number(h.gas)])),
      perExtraCollateral: healthSteps.map((h) => ({
        from: h.from,
        to: h.to,
        gas: Number(h.perCollateral),
        target: Number(HF_MAX_PER_COLLATERAL),
        met: h.met,
      })),
      perExtraCollateralOneToFive: Number(overallStep),
    },
  }) + "\n",
);
console.log(`\nWritten ${path.relative(process.cwd(), REPORT)}`);

if (profiles.length > 0) {
  for (const [symbol, info] of Object.entries(s.info)) {
    profileNames.set(info.address.toLowerCase(), symbol);
    if (s.feeds[symbol] !== undefined)
      profileNames.set((await s.feeds[symbol].getAddress()).toLowerCase(), `${symbol} feed`);
  }
  for (const key of [
    "accessManager",
    "oracle",
    "rateModel",
    "pool",
    "insuranceFund",
    "engine",
    "auctionHouse",
    "circuitBreaker",
  ]) {
    const contract = (s as unknown as Record<string, { getAddress(): Promise<string> }>)[key];
    profileNames.set((await contract.getAddress()).toLowerCase(), key);
  }
  profileNames.set((await morpho.getAddress()).toLowerCase(), "morpho");
  profileNames.set((await morphoOracle.getAddress()).toLowerCase(), "morphoOracle");
  profileNames.set((await morphoIrm.getAddress()).toLowerCase(), "morphoIrm");
  const selectors = new Map<string, string>();
  for (const contract of [
    engine,
    pool,
    s.oracle,
    s.circuitBreaker,
    s.auctionHouse,
    s.insuranceFund,
    s.rateModel,
    s.baseToken,
    s.feeds.WETH,
  ]) {
    contract.interface.forEachFunction((f) => selectors.set(f.selector, f.name));
  }
  const selectorName = (sel: string) => selectors.get(sel) ?? sel;
  console.log(
    "\nGas profile (exclusive gas per contract, from debug_traceTransaction; intrinsic and calldata excluded)",
  );
  for (const line of profiles) {
    const [operation, hash, to, gas] = line.split("\t");
    const calls: CallRecord[] = [];
    const rows = await profileTransaction(ethers.provider, hash, profileNames, to, calls);
    for (const l of formatProfile(operation, BigInt(gas), rows)) console.log(l);
    for (const c of calls)
      console.log(
        `      ${"  ".repeat(c.depth)}${c.name} ${selectorName(c.selector)} ${c.gas.toLocaleString("en-US")}`,
      );
  }
}
