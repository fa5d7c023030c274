import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  deployFundedSystem,
  LINK,
  openVault,
  RAY,
  refreshFeeds,
  setPrice,
  USDC,
  WAD,
  WBTC,
  WETH,
  type System,
} from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

// ---------------------------------------------------------------------------------------------------
// Exact replicas of the contracts' maths (every rounding direction as in the Solidity source)
// ---------------------------------------------------------------------------------------------------

const BASE_UNIT = 10n ** 6n; // USDC
const CURE_WINDOW = 600n;
const CUT = 99n * 10n ** 16n; // ExponentialCurve: x0.99 ...
const STEP = 60n; // ... per 60 s
const ONE_36 = 10n ** 36n;

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const mulDivUp = (a: bigint, b: bigint, c: bigint) => ceilDiv(a * b, c);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const toDebtUp = (scaled: bigint, index: bigint) => mulDivUp(scaled, index, RAY);
const toScaledUp = (assets: bigint, index: bigint) => mulDivUp(assets, RAY, index);
const toScaledDown = (assets: bigint, index: bigint) => (assets * RAY) / index;
// AuctionHouse conversions; price [wad base per whole token], unit = 10 ** token decimals.
const toBaseUp = (amount: bigint, price: bigint, unit: bigint) => mulDivUp(amount, price * BASE_UNIT, unit * WAD);
const toBaseDown = (amount: bigint, price: bigint, unit: bigint) => (amount * price * BASE_UNIT) / (unit * WAD);
const toCollateralDown = (base: bigint, price: bigint, unit: bigint) => (base * unit * WAD) / (price * BASE_UNIT);
const toCollateralUp = (base: bigint, price: bigint, unit: bigint) => mulDivUp(base, unit * WAD, price * BASE_UNIT);

/** GeometricDecay.powDown: cut^n [wad], squaring at 1e36 precision, rounded down. */
function powDown(cut: bigint, n: bigint): bigint {
  let result = ONE_36;
  let base = cut * 10n ** 18n;
  for (;;) {
    if ((n & 1n) === 1n) {
      result = (result * base) / ONE_36;
      if (result < 10n ** 18n) return 0n;
    }
    n >>= 1n;
    if (n === 0n) break;
    base = (base * base) / ONE_36;
    if (base < 10n ** 18n) return 0n;
  }
  return result / 10n ** 18n;
}

/** ExponentialCurve.price(top, elapsed): x0.99 per 60 s, linear within a step. */
function curvePrice(top: bigint, elapsed: bigint): bigint {
  const n = elapsed / STEP;
  const rest = elapsed % STEP;
  const atStep = powDown(CUT, n);
  let factor = atStep;
  if (rest !== 0n && atStep !== 0n) factor = atStep - ceilDiv((atStep - powDown(CUT, n + 1n)) * rest, STEP);
  return (top * factor) / WAD;
}

type Breakdown = Awaited<ReturnType<System["engine"]["healthBreakdown"]>>;

interface KickSizing {
  toCover: bigint; // r from the formula, before the dust / minDebt / capacity limits [base units]
  debt: bigint;
  scaledDebt: bigint;
  penalty: bigint;
  lot: bigint;
  top: bigint;
  reward: bigint; // keeper tip + chip * tab, 0 below a dust-sized tab
}

/**
 * AuctionHouse._sizeKick for `asset`, from the vault's health breakdown read before the kick (collateral
 * values do not depend on time) with the debt recomputed at `index`, the index the kick accrued to.
 * r = (T * D - M) / (T - (1 + p)(1 - h)), then the dust / minDebt / capacity limits of _sizeAuction.
 */
async function expectedKick(
  s: System,
  pre: Breakdown,
  asset: string,
  scaledVault: bigint,
  index: bigint,
): Promise<KickSizing> {
  const p = await s.auctionHouse.auctionParameters();
  const cfg = await s.auctionHouse.collateralAuctionConfig(asset);
  const minDebt = await s.engine.minDebt();
  const unit = 10n ** (await s.engine.collateralConfig(asset)).decimals;
  const a = pre.assets.find((x) => x.asset === asset)!;
  const basePrice = pre.basePrice;

  const debt = toDebtUp(scaledVault, index);
  const debtValue = mulDivUp(debt, basePrice, BASE_UNIT);
  const T = p.targetHealthFactor;
  const kept = ((WAD + cfg.penalty) * (WAD - a.maintenanceHaircut)) / WAD;
  let r = debt;
  if (T > kept) {
    const shortfall = mulDivUp(T, debtValue, WAD) - pre.maintenanceValue;
    const rValue = mulDivUp(shortfall, WAD, T - kept);
    r = mulDivUp(rValue, BASE_UNIT, basePrice);
  }
  const toCover = r;

  const price = (a.price * WAD) / basePrice;
  const dustDebt = mulDivUp(p.dust, WAD, WAD + cfg.penalty);
  if (r < dustDebt) r = dustDebt;
  if (r > debt || debt - r < minDebt) r = debt;
  const capacity = (toBaseDown(a.amount, price, unit) * WAD) / (WAD + cfg.penalty);
  if (r > capacity) r = capacity;

  const penalty = mulDivUp(r, cfg.penalty, WAD);
  const scaledDebt = r === debt ? scaledVault : min(scaledVault, toScaledUp(r, index));
  const lotValue = mulDivUp(r + penalty, p.lotBuffer, WAD);
  let lot = toCollateralUp(lotValue, price, unit);
  if (lot >= a.amount || toBaseDown(a.amount - lot, price, unit) < p.dust) lot = a.amount;
  const top = (price * cfg.startBuffer) / WAD;
  // No keeper incentive below a dust-sized tab.
  const reward = r + penalty < p.dust ? 0n : p.keeperTip + ((r + penalty) * p.keeperChip) / WAD;
  return { toCover, debt: r, scaledDebt, penalty, lot, top, reward };
}

interface AuctionState {
  lot: bigint;
  scaledDebt: bigint;
  penalty: bigint;
}

interface TakeOutcome {
  collateral: bigint;
  paid: bigint;
  debtPaid: bigint;
  penaltyPaid: bigint;
  scaledPaid: bigint;
  lotLeft: bigint;
  scaledLeft: bigint;
  penaltyLeft: bigint;
  tabLeft: bigint; // 0 when the auction closes
  done: boolean;
}

/** AuctionHouse._quote + _settle for a take of up to `maxCollateral` at `price` and borrow index `index`. */
function expectedTake(
  a: AuctionState,
  index: bigint,
  price: bigint,
  maxCollateral: bigint,
  dust: bigint,
  unit: bigint,
): TakeOutcome {
  const debtNow = toDebtUp(a.scaledDebt, index);
  const tab = debtNow + a.penalty;
  let collateral = min(maxCollateral, a.lot);
  let owe = toBaseUp(collateral, price, unit);
  if (owe >= tab) {
    owe = tab;
    collateral = min(a.lot, toCollateralDown(tab, price, unit));
  } else if (collateral < a.lot) {
    if (tab - owe < dust) {
      if (tab <= dust) throw new Error("TakeWouldLeaveDustTab");
      owe = tab - dust;
      collateral = toCollateralDown(owe, price, unit);
    }
    if (toBaseDown(a.lot - collateral, price, unit) < dust) throw new Error("TakeWouldLeaveDustLot");
  }
  if (collateral === 0n || owe === 0n) throw new Error("ZeroTake");
  const debtPaid = min(owe, debtNow);
  const penaltyPaid = owe - debtPaid;
  const scaledPaid = debtPaid === debtNow ? a.scaledDebt : toScaledDown(debtPaid, index);
  const lotLeft = a.lot - collateral;
  const scaledLeft = a.scaledDebt - scaledPaid;
  const penaltyLeft = a.penalty - penaltyPaid;
  const done = lotLeft === 0n || (scaledLeft === 0n && penaltyLeft === 0n);
  const tabLeft = done ? 0n : toDebtUp(scaledLeft, index) + penaltyLeft;
  return { collateral, paid: owe, debtPaid, penaltyPaid, scaledPaid, lotLeft, scaledLeft, penaltyLeft, tabLeft, done };
}

// ---------------------------------------------------------------------------------------------------
// Fixtures and helpers
// ---------------------------------------------------------------------------------------------------

/** Funded system; bob, carol and the keeper approve the auction house; the insurance fund holds 10,000 USDC. */
async function baseFixture() {
  const s = await deployFundedSystem(ethers);
  const ah = await s.auctionHouse.getAddress();
  for (const who of [s.bob, s.carol, s.keeper]) await s.usdc.connect(who).approve(ah, ethers.MaxUint256);
  await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
  return { s, weth: await s.weth.getAddress(), wbtc: await s.wbtc.getAddress(), link: await s.link.getAddress() };
}

/**
 * Alice's vault 1: 10 WETH, 23,000 USDC debt; WETH at $2,600 gives maintenance value
 * 26,000 * (1 - 0.15 - 0.00026) = 22,093.24 and HF 0.9606. Flagged, and the cure window has passed.
 */
async function readyToKickFixture() {
  const f = await baseFixture();
  const { s } = f;
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, f.weth, WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
  await setPrice(s, "WETH", "2600");
  await s.engine.connect(s.keeper).flagMarginCall(id);
  await networkHelpers.time.increase(Number(CURE_WINDOW));
  return { ...f, id };
}

/**
 * Vault 1 kicked by the keeper: auction 1 sells 9.4999 WETH for 17,592.45 USDC of debt + 1,407.40 penalty,
 * starting at 2,860 USDC per WETH.
 */
async function kickedFixture() {
  const f = await readyToKickFixture();
  await f.s.auctionHouse.connect(f.s.keeper).kick(f.id, f.weth, f.s.keeper.address);
  const a = await f.s.auctionHouse.auction(1n);
  return { ...f, auctionId: 1n, startedAt: a.startedAt, top: a.top };
}

async function auctionState(s: System, auctionId: bigint): Promise<AuctionState> {
  const a = await s.auctionHouse.auction(auctionId);
  return { lot: a.lot, scaledDebt: a.scaledDebt, penalty: a.penalty };
}

async function dust(s: System): Promise<bigint> {
  return (await s.auctionHouse.auctionParameters()).dust;
}

async function fundBalance(s: System): Promise<bigint> {
  return s.usdc.balanceOf(await s.insuranceFund.getAddress());
}

/** Kicks, returning the exact sizing expected from the state read just before. */
async function kickExact(s: System, id: bigint, asset: string, keeper: HardhatEthersSigner) {
  const pre = await s.engine.healthBreakdown(id);
  const scaledBefore = await s.engine.scaledDebtOf(id);
  const collateralBefore = await s.engine.collateralAmount(id, asset);
  const tx = await s.auctionHouse.connect(keeper).kick(id, asset, keeper.address);
  const index = await s.pool.borrowIndex(); // the kick accrued to this index
  const auctionId = await s.auctionHouse.auctionCount();
  const k = await expectedKick(s, pre, asset, scaledBefore, index);
  return { tx, pre, index, auctionId, k, scaledBefore, collateralBefore };
}

/** Sends a take mined exactly at `timestamp`. */
async function takeAt(
  s: System,
  taker: HardhatEthersSigner,
  auctionId: bigint,
  timestamp: bigint,
  maxCollateral: bigint,
  maxPrice: bigint = ethers.MaxUint256,
  receiver?: string,
) {
  await networkHelpers.time.setNextBlockTimestamp(timestamp);
  return s.auctionHouse.connect(taker).take(auctionId, maxCollateral, maxPrice, receiver ?? taker.address, "0x");
}

/** pool.totalScaledDebt == sum of the vaults' scaled debt + sum of the open auctions' scaled debt. */
async function expectLedgerReconciles(s: System) {
  let sum = 0n;
  const vaults = await s.engine.vaultCount();
  for (let id = 1n; id <= vaults; id++) sum += await s.engine.scaledDebtOf(id);
  const auctions = await s.auctionHouse.auctionCount();
  for (let id = 1n; id <= auctions; id++) sum += (await s.auctionHouse.auction(id)).scaledDebt;
  expect(await s.pool.totalScaledDebt()).to.equal(sum);
}

/**
 * Debt-ceiling bookkeeping: a vault holding collateral has its whole scaled debt attributed to its collaterals,
 * and every asset's scaledDebtBackedBy is the sum of what the vaults attribute to it.
 */
async function expectAttributionReconciles(s: System) {
  const vaults = await s.engine.vaultCount();
  const listed = await s.engine.listedCollaterals();
  const backed = new Map<string, bigint>(listed.map((a) => [a, 0n]));
  for (let v = 1n; v <= vaults; v++) {
    let sum = 0n;
    for (const a of listed) {
      const attributed = await s.engine.attributedScaledDebt(v, a);
      sum += attributed;
      backed.set(a, backed.get(a)! + attributed);
    }
    if ((await s.engine.collateralsOf(v)).length !== 0) {
      expect(sum).to.equal(await s.engine.scaledDebtOf(v), `attributions of vault ${v}`);
    }
  }
  for (const a of listed) expect(await s.engine.scaledDebtBackedBy(a)).to.equal(backed.get(a), `backed by ${a}`);
}

function selector(s: System, name: string): string {
  return s.auctionHouse.interface.getError(name)!.selector;
}

// ---------------------------------------------------------------------------------------------------

describe("Liquidation: auctions", function () {
  describe("kick", function () {
    it("sizes the auction exactly: r = (T D - M) / (T - (1 + p)(1 - h)), penalty, lot, top, keeper reward", async function () {
      const { s, id, weth } = await networkHelpers.loadFixture(readyToKickFixture);
      const fundBefore = await fundBalance(s);
      const keeperBefore = await s.usdc.balanceOf(s.keeper.address);
      const engineWeth = await s.weth.balanceOf(await s.engine.getAddress());
      const { tx, pre, index, auctionId, k, scaledBefore, collateralBefore } = await kickExact(s, id, weth, s.keeper);

      // The figures behind the formula: M = 22,093.24, h = 0.15 + 0.00026 size add-on, USDC at $1.
      expect(pre.maintenanceValue).to.equal(22_093_240_000_000_000_000_000n);
      expect(pre.assets[0].maintenanceHaircut).to.equal(150_260_000_000_000_000n);
      expect(pre.basePrice).to.equal(WAD);
      // r = (1.1 * 23,000.0x - 22,093.24) / (1.1 - 1.08 * 0.84974) = 3,206.76 / 0.1822808 ~ 17,592.4
      expect(k.toCover).to.be.greaterThan(USDC("17592.4"));
      expect(k.toCover).to.be.lessThan(USDC("17592.5"));
      // No limit applies here: the formula's r is the auction's debt.
      expect(k.debt).to.equal(k.toCover);
      expect(k.penalty).to.equal(mulDivUp(k.debt, 8n * 10n ** 16n, WAD));
      expect(k.top).to.equal(2_860n * WAD); // 2,600 * 1.1
      // lot = tab * 1.3 / 2,600 rounded up: 9.4999 WETH, leaving 0.5 WETH (> dust) in the vault.
      expect(k.lot).to.equal(toCollateralUp(mulDivUp(k.debt + k.penalty, 13n * 10n ** 17n, WAD), 2_600n * WAD, WAD));
      expect(k.lot).to.be.lessThan(WETH(10));
      expect(k.reward).to.equal(USDC(5) + ((k.debt + k.penalty) * 5n * 10n ** 15n) / WAD);

      await expect(tx)
        .to.emit(s.auctionHouse, "AuctionStarted")
        .withArgs(auctionId, id, weth, s.keeper.address, k.lot, k.debt, k.penalty, k.top, k.reward);
      await expect(tx).to.emit(s.engine, "SeizedForAuction").withArgs(id, weth, k.lot, k.scaledDebt);
      await expect(tx)
        .to.emit(s.insuranceFund, "Paid")
        .withArgs(s.keeper.address, k.reward, ethers.encodeBytes32String("keeper-incentive"));

      const block = await ethers.provider.getBlock(tx.blockNumber!);
      const a = await s.auctionHouse.auction(auctionId);
      expect(a.vault).to.equal(id);
      expect(a.asset).to.equal(weth);
      expect(a.startedAt).to.equal(BigInt(block!.timestamp));
      expect(a.lot).to.equal(k.lot);
      expect(a.scaledDebt).to.equal(k.scaledDebt);
      expect(a.scaledDebt).to.equal(toScaledUp(k.debt, index));
      expect(a.penalty).to.equal(k.penalty);
      expect(a.top).to.equal(k.top);
      expect(await s.auctionHouse.activeAuctionOf(id, weth)).to.equal(auctionId);
      expect(await s.engine.openAuctionsOf(id)).to.equal(1n);

      // The vault loses exactly the auction's scaled debt and lot; the collateral stays in the engine.
      expect(await s.engine.scaledDebtOf(id)).to.equal(scaledBefore - a.scaledDebt);
      expect(await s.engine.collateralAmount(id, weth)).to.equal(collateralBefore - a.lot);
      expect(await s.weth.balanceOf(await s.engine.getAddress())).to.equal(engineWeth);
      expect(await s.pool.totalScaledDebt()).to.equal(scaledBefore); // the pool's ledger is unchanged
      await expectLedgerReconciles(s);
      await expectAttributionReconciles(s);

      // The keeper reward comes out of the insurance fund.
      expect(await fundBalance(s)).to.equal(fundBefore - k.reward);
      expect(await s.usdc.balanceOf(s.keeper.address)).to.equal(keeperBefore + k.reward);

      // Selling the tab's worth at the oracle price would leave the vault exactly at (or just above) 1.1:
      // (M - r (1 + p)(1 - h)) / (D - r) >= T.
      const kept = ((WAD + 8n * 10n ** 16n) * (WAD - pre.assets[0].maintenanceHaircut)) / WAD;
      const debtValue = toDebtUp(scaledBefore, index) * 10n ** 12n;
      const rValue = k.debt * 10n ** 12n;
      const hfAfterSale = ((pre.maintenanceValue - (rValue * kept) / WAD) * WAD) / (debtValue - rValue);
      expect(hfAfterSale).to.be.greaterThanOrEqual(11n * 10n ** 17n);
      expect(hfAfterSale).to.be.lessThan(11n * 10n ** 17n + 10n ** 12n);
    });

    it("rejects a zero keeper, unconfigured assets and assets the vault does not hold", async function () {
      const { s, id, weth, wbtc } = await networkHelpers.loadFixture(readyToKickFixture);
      await expect(s.auctionHouse.kick(id, weth, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        s.auctionHouse,
        "ZeroAddress",
      );
      const usdc = await s.usdc.getAddress();
      await expect(s.auctionHouse.kick(id, usdc, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotConfigured")
        .withArgs(usdc);
      await expect(s.auctionHouse.kick(id, wbtc, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "AssetNotInVault")
        .withArgs(id, wbtc);
    });

    it("refuses a second auction of the same collateral with AuctionAlreadyActive", async function () {
      const { s, id, weth, auctionId } = await networkHelpers.loadFixture(kickedFixture);
      // The vault is still below HF 1 (the lot left the vault with only part of the debt).
      expect(await s.engine.healthFactor(id)).to.be.lessThan(WAD);
      await expect(s.auctionHouse.kick(id, weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionAlreadyActive")
        .withArgs(id, weth, auctionId);
    });
    it("pays no keeper incentive below a dust-sized tab: kicking one's own tiny positions does not pay", async function () {
      const { s, weth, link } = await networkHelpers.loadFixture(baseFixture);
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
      await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
      await setPrice(s, "WETH", "2300"); // HF 0.85: below the hard floor, kickable at once
      await s.usdc.connect(s.alice).approve(await s.auctionHouse.getAddress(), ethers.MaxUint256);
      const aliceBefore = await s.usdc.balanceOf(s.alice.address);
      const fundBefore = await fundBalance(s);
      // Twice: deposit 1e12 wei of LINK (15 base units), kick it as keeper, buy the lot back.
      for (let round = 0; round < 2; round++) {
        await s.engine.connect(s.alice).deposit(id, link, 10n ** 12n);
        const { tx, k, auctionId } = await kickExact(s, id, link, s.alice);
        expect(k.debt + k.penalty).to.be.lessThan(USDC(1) / 10_000n); // a tab of a few base units
        const started = (await tx.wait())!.logs
          .map((l) => s.auctionHouse.interface.parseLog(l))
          .find((l) => l?.name === "AuctionStarted")!;
        const a = await s.auctionHouse.auction(auctionId);
        await takeAt(s, s.alice, auctionId, a.startedAt + 1n, a.lot);
        // Without the dust rule the flat 5 USDC tip would be paid against a penalty of 2 base units.
        expect(started.args.keeperReward).to.equal(0n);
        expect(k.reward).to.equal(0n);
      }
      expect(await s.usdc.balanceOf(s.alice.address)).to.be.lessThan(aliceBefore);
      expect(await fundBalance(s)).to.be.greaterThan(fundBefore); // it collected the two tiny penalties
    });
  });

  describe("take", function () {
    it("a partial take at the current price pays the debt first, then the penalty, which reaches the fund", async function () {
      const { s, id, weth, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      const d = await dust(s);
      const poolAddress = await s.pool.getAddress();
      const curve = await ethers.getContractAt("ExponentialCurve", s.record.contracts.curve);

      // 1) Two whole steps in: price = 2,860 * 0.99^2 exactly; 2 WETH cost less than the debt part.
      const price1 = curvePrice(top, 120n);
      expect(price1).to.equal((2_860n * WAD * 9_801n) / 10_000n);
      expect(await curve.price(top, 120n)).to.equal(price1);
      const before1 = await auctionState(s, auctionId);
      const poolScaled1 = await s.pool.totalScaledDebt();
      const poolCash1 = await s.pool.cash();
      const fund1 = await fundBalance(s);
      const bobUsdc1 = await s.usdc.balanceOf(s.bob.address);
      const bobWeth1 = await s.weth.balanceOf(s.bob.address);
      const tx1 = await takeAt(s, s.bob, auctionId, startedAt + 120n, WETH(2));
      const index1 = await s.pool.borrowIndex();
      const e1 = expectedTake(before1, index1, price1, WETH(2), d, WAD);
      expect(e1.collateral).to.equal(WETH(2));
      expect(e1.paid).to.equal(toBaseUp(WETH(2), price1, WAD)); // 5,606.172 USDC, rounded up
      expect(e1.penaltyPaid).to.equal(0n);
      await expect(tx1)
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(auctionId, id, s.bob.address, s.bob.address, e1.collateral, e1.paid, price1, e1.lotLeft, e1.tabLeft);
      await expect(tx1).to.emit(s.pool, "Repaid").withArgs(s.bob.address, e1.paid, e1.scaledPaid);
      expect(await auctionState(s, auctionId)).to.deep.equal({
        lot: before1.lot - WETH(2),
        scaledDebt: before1.scaledDebt - e1.scaledPaid,
        penalty: before1.penalty,
      });
      expect(await s.pool.totalScaledDebt()).to.equal(poolScaled1 - e1.scaledPaid);
      expect(await s.pool.cash()).to.equal(poolCash1 + e1.paid);
      expect(await fundBalance(s)).to.equal(fund1); // no penalty yet
      expect(await s.usdc.balanceOf(s.bob.address)).to.equal(bobUsdc1 - e1.paid);
      expect(await s.weth.balanceOf(s.bob.address)).to.equal(bobWeth1 + WETH(2));
      expect(await s.usdc.balanceOf(poolAddress)).to.be.greaterThanOrEqual(await s.pool.cash());

      // 2) Three steps in, carol buys what covers the rest of the debt and half of the penalty.
      const price2 = curvePrice(top, 180n);
      const status = await s.auctionHouse.auctionStatus(auctionId);
      const amount2 = toCollateralDown(status.debt + status.penalty / 2n, price2, WAD);
      const before2 = await auctionState(s, auctionId);
      const fund2 = await fundBalance(s);
      const poolScaled2 = await s.pool.totalScaledDebt();
      const tx2 = await takeAt(s, s.carol, auctionId, startedAt + 180n, amount2);
      const index2 = await s.pool.borrowIndex();
      const e2 = expectedTake(before2, index2, price2, amount2, d, WAD);
      expect(e2.collateral).to.equal(amount2);
      expect(e2.debtPaid).to.equal(toDebtUp(before2.scaledDebt, index2)); // the whole debt part ...
      expect(e2.scaledPaid).to.equal(before2.scaledDebt);
      expect(e2.penaltyPaid).to.be.greaterThan(0n); // ... then part of the penalty
      expect(e2.penaltyPaid).to.be.lessThan(before2.penalty);
      await expect(tx2)
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(
          auctionId,
          id,
          s.carol.address,
          s.carol.address,
          e2.collateral,
          e2.paid,
          price2,
          e2.lotLeft,
          e2.penaltyLeft,
        );
      expect(await auctionState(s, auctionId)).to.deep.equal({
        lot: e2.lotLeft,
        scaledDebt: 0n,
        penalty: before2.penalty - e2.penaltyPaid,
      });
      expect(await s.pool.totalScaledDebt()).to.equal(poolScaled2 - before2.scaledDebt);
      expect(await fundBalance(s)).to.equal(fund2 + e2.penaltyPaid);
      expect((await s.auctionHouse.auctionStatus(auctionId)).tab).to.equal(e2.penaltyLeft);
      await expectLedgerReconciles(s);
      await expectAttributionReconciles(s);
      expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(10) - before1.lot); // unchanged until settled
    });

    it("a take covering the tab returns the unsold lot; at or above the oracle price the vault is back at >= 1.1", async function () {
      const { s, id, weth, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      const d = await dust(s);
      // Nine steps in: 2,860 * 0.99^9 = 2,612.67 >= the oracle's 2,600.
      const price = curvePrice(top, 540n);
      expect(price).to.be.greaterThanOrEqual(2_600n * WAD);
      const before = await auctionState(s, auctionId);
      const vaultWeth = await s.engine.collateralAmount(id, weth);
      const vaultScaled = await s.engine.scaledDebtOf(id);
      const poolScaled = await s.pool.totalScaledDebt();
      const fund = await fundBalance(s);
      const flaggedAt = await s.engine.marginCallOf(id);
      expect(flaggedAt).to.not.equal(0n);

      const tx = await takeAt(s, s.bob, auctionId, startedAt + 540n, before.lot);
      const index = await s.pool.borrowIndex();
      const e = expectedTake(before, index, price, before.lot, d, WAD);
      const tab = toDebtUp(before.scaledDebt, index) + before.penalty;
      expect(e.paid).to.equal(tab);
      expect(e.collateral).to.equal(toCollateralDown(tab, price, WAD));
      expect(e.done).to.equal(true);
      const returned = before.lot - e.collateral;
      await expect(tx)
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(auctionId, id, s.bob.address, s.bob.address, e.collateral, tab, price, returned, 0n);
      await expect(tx).to.emit(s.auctionHouse, "AuctionSettled").withArgs(auctionId, id, returned, 0n, 0n);
      await expect(tx).to.emit(s.engine, "ReturnedFromAuction").withArgs(id, weth, returned, 0n);

      // The auction is closed and deleted.
      const closed = await s.auctionHouse.auction(auctionId);
      expect(closed.lot).to.equal(0n);
      expect(closed.scaledDebt).to.equal(0n);
      expect(closed.penalty).to.equal(0n);
      expect((await s.auctionHouse.auctionStatus(auctionId)).active).to.equal(false);
      expect(await s.auctionHouse.activeAuctionOf(id, weth)).to.equal(0n);
      expect(await s.engine.openAuctionsOf(id)).to.equal(0n);

      // Vault: the unsold collateral came back; its own debt did not change; the pool's ledger lost the auction debt.
      expect(await s.engine.collateralAmount(id, weth)).to.equal(vaultWeth + returned);
      expect(await s.engine.scaledDebtOf(id)).to.equal(vaultScaled);
      expect(await s.pool.totalScaledDebt()).to.equal(poolScaled - before.scaledDebt);
      expect(await fundBalance(s)).to.equal(fund + before.penalty);
      await expectLedgerReconciles(s);
      await expectAttributionReconciles(s);

      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.greaterThanOrEqual(WAD);
      expect(hf).to.be.greaterThanOrEqual(11n * 10n ** 17n); // the target HF
      // Healthy again: the margin call cleared itself when the collateral came back.
      await expect(tx).to.emit(s.engine, "MarginCallCleared");
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
      await expect(take(s, auctionId))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
        .withArgs(auctionId);
    });

    it("reverts with TakePriceTooHigh when maxPrice is below the current price", async function () {
      const { s, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      const price = curvePrice(top, 300n);
      await networkHelpers.time.setNextBlockTimestamp(startedAt + 300n);
      await expect(s.auctionHouse.connect(s.bob).take(auctionId, WETH(1), price - 1n, s.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "TakePriceTooHigh")
        .withArgs(auctionId, price, price - 1n);
      // At exactly the current price it goes through.
      await expect(takeAt(s, s.bob, auctionId, startedAt + 300n, WETH(1), price))
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(
          auctionId,
          anyValue,
          s.bob.address,
          s.bob.address,
          WETH(1),
          toBaseUp(WETH(1), price, WAD),
          price,
          anyValue,
          anyValue,
        );
    });

    it("rejects a zero receiver, a zero take and unknown auctions", async function () {
      const { s, auctionId } = await networkHelpers.loadFixture(kickedFixture);
      await expect(
        s.auctionHouse.connect(s.bob).take(auctionId, WETH(1), ethers.MaxUint256, ethers.ZeroAddress, "0x"),
      ).to.be.revertedWithCustomError(s.auctionHouse, "ZeroAddress");
      await expect(s.auctionHouse.connect(s.bob).take(auctionId, 0n, ethers.MaxUint256, s.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "ZeroTake")
        .withArgs(auctionId);
      await expect(s.auctionHouse.connect(s.bob).take(7n, WETH(1), ethers.MaxUint256, s.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
        .withArgs(7n);
    });
  });

  describe("dust rules", function () {
    it("a partial take that would leave a tab below dust is cut to leave exactly dust; then only the whole rest can go", async function () {
      const { s, id, weth, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      const d = await dust(s);
      expect(d).to.equal(USDC(100));
      const price1 = curvePrice(top, 60n);
      // Ask for what would leave ~50 USDC of tab.
      const status = await s.auctionHouse.auctionStatus(auctionId);
      const asked = toCollateralDown(status.tab - USDC(50), price1, WAD);
      const before = await auctionState(s, auctionId);
      const fund1 = await fundBalance(s);
      const tx1 = await takeAt(s, s.bob, auctionId, startedAt + 60n, asked);
      const index1 = await s.pool.borrowIndex();
      const tab1 = toDebtUp(before.scaledDebt, index1) + before.penalty;
      const e1 = expectedTake(before, index1, price1, asked, d, WAD);
      expect(e1.paid).to.equal(tab1 - d); // cut ...
      expect(e1.collateral).to.equal(toCollateralDown(tab1 - d, price1, WAD));
      expect(e1.collateral).to.be.lessThan(asked);
      expect(e1.tabLeft).to.equal(d); // ... to leave exactly dust
      await expect(tx1)
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(auctionId, id, s.bob.address, s.bob.address, e1.collateral, e1.paid, price1, e1.lotLeft, d);
      expect(await auctionState(s, auctionId)).to.deep.equal({ lot: e1.lotLeft, scaledDebt: 0n, penalty: d });
      expect(await fundBalance(s)).to.equal(fund1 + before.penalty - d);

      // Now tab == dust: any partial take would leave less than dust.
      const price2 = curvePrice(top, 120n);
      const small = WETH("0.01");
      await networkHelpers.time.setNextBlockTimestamp(startedAt + 120n);
      await expect(s.auctionHouse.connect(s.carol).take(auctionId, small, ethers.MaxUint256, s.carol.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "TakeWouldLeaveDustTab")
        .withArgs(auctionId, d - toBaseUp(small, price2, WAD), d);

      // Taking everything pays the last 100 USDC and returns the rest of the lot.
      const vaultWeth = await s.engine.collateralAmount(id, weth);
      const tx2 = await takeAt(s, s.carol, auctionId, startedAt + 120n, e1.lotLeft);
      const bought = toCollateralDown(d, price2, WAD);
      await expect(tx2)
        .to.emit(s.auctionHouse, "AuctionSettled")
        .withArgs(auctionId, id, e1.lotLeft - bought, 0n, 0n);
      expect(await s.engine.collateralAmount(id, weth)).to.equal(vaultWeth + e1.lotLeft - bought);
      expect(await fundBalance(s)).to.equal(fund1 + before.penalty);
    });

    it("a take that would leave a lot worth less than dust reverts with TakeWouldLeaveDustLot", async function () {
      const { s, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      const d = await dust(s);
      const a = await auctionState(s, auctionId);
      // 40 steps in (2,860 * 0.99^40 = 1,913.6): the whole lot is worth less than the tab.
      const price = curvePrice(top, 2_400n);
      const leave = WETH("0.01"); // 19.1 USDC < dust
      expect(toBaseDown(leave, price, WAD)).to.be.lessThan(d);
      await networkHelpers.time.setNextBlockTimestamp(startedAt + 2_400n);
      await expect(s.auctionHouse.connect(s.bob).take(auctionId, a.lot - leave, ethers.MaxUint256, s.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "TakeWouldLeaveDustLot")
        .withArgs(auctionId, leave, d);
      // Leaving a lot worth at least dust is fine.
      const leaveEnough = toCollateralUp(d, price, WAD);
      await expect(takeAt(s, s.bob, auctionId, startedAt + 2_400n, a.lot - leaveEnough)).to.emit(
        s.auctionHouse,
        "AuctionTaken",
      );
      expect((await s.auctionHouse.auction(auctionId)).lot).to.equal(leaveEnough);
    });
  });

  describe("lot exhausted before the tab", function () {
    it("below the debt part: the uncovered scaled debt returns to the vault and the whole penalty is forgone", async function () {
      const { s, id, weth, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      const d = await dust(s);
      // 45 steps in: 2,860 * 0.99^45 = 1,819.5, so the 9.5 WETH lot fetches ~17,285 < the 17,592 debt part.
      const price = curvePrice(top, 2_700n);
      const before = await auctionState(s, auctionId);
      const vaultScaled = await s.engine.scaledDebtOf(id);
      const vaultWeth = await s.engine.collateralAmount(id, weth);
      const poolScaled = await s.pool.totalScaledDebt();
      const fund = await fundBalance(s);
      const tx = await takeAt(s, s.bob, auctionId, startedAt + 2_700n, before.lot);
      const index = await s.pool.borrowIndex();
      const e = expectedTake(before, index, price, before.lot, d, WAD);
      expect(e.collateral).to.equal(before.lot);
      expect(e.paid).to.equal(toBaseUp(before.lot, price, WAD));
      expect(e.paid).to.be.lessThan(toDebtUp(before.scaledDebt, index));
      expect(e.scaledPaid).to.equal(toScaledDown(e.paid, index));
      expect(e.scaledLeft).to.be.greaterThan(0n);
      await expect(tx)
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(auctionId, id, s.bob.address, s.bob.address, before.lot, e.paid, price, 0n, 0n);
      await expect(tx).to.emit(s.engine, "ReturnedFromAuction").withArgs(id, weth, 0n, e.scaledLeft);
      await expect(tx)
        .to.emit(s.auctionHouse, "AuctionSettled")
        .withArgs(auctionId, id, 0n, e.scaledLeft, before.penalty);
      expect(await s.engine.scaledDebtOf(id)).to.equal(vaultScaled + e.scaledLeft);
      expect(await s.engine.collateralAmount(id, weth)).to.equal(vaultWeth);
      expect(await s.engine.openAuctionsOf(id)).to.equal(0n);
      expect(await s.pool.totalScaledDebt()).to.equal(poolScaled - e.scaledPaid);
      expect(await fundBalance(s)).to.equal(fund); // no penalty collected
      await expectLedgerReconciles(s);
      await expectAttributionReconciles(s);
    });

    it("between the debt and the tab: the debt is covered and only the rest of the penalty is forgone", async function () {
      const { s, id, weth, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      const d = await dust(s);
      // 40 steps in: the lot fetches ~18,179, between the debt part and the 19,000 tab.
      const price = curvePrice(top, 2_400n);
      const before = await auctionState(s, auctionId);
      const fund = await fundBalance(s);
      const tx = await takeAt(s, s.bob, auctionId, startedAt + 2_400n, ethers.MaxUint256);
      const index = await s.pool.borrowIndex();
      const e = expectedTake(before, index, price, ethers.MaxUint256, d, WAD);
      expect(e.debtPaid).to.equal(toDebtUp(before.scaledDebt, index));
      expect(e.penaltyPaid).to.be.greaterThan(0n);
      expect(e.penaltyLeft).to.be.greaterThan(0n);
      await expect(tx).to.emit(s.engine, "ReturnedFromAuction").withArgs(id, weth, 0n, 0n);
      await expect(tx).to.emit(s.auctionHouse, "AuctionSettled").withArgs(auctionId, id, 0n, 0n, e.penaltyLeft);
      expect(await fundBalance(s)).to.equal(fund + e.penaltyPaid);
      await expectLedgerReconciles(s);
      await expectAttributionReconciles(s);
    });
  });

  describe("reset", function () {
    it("AuctionDoesNotNeedReset while fresh; after the price fell below 50% of top, takes need a reset, which restarts at the oracle price * 1.1 and pays the keeper", async function () {
      const { s, id, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      await networkHelpers.time.setNextBlockTimestamp(startedAt + 60n);
      await expect(s.auctionHouse.connect(s.keeper).reset(auctionId, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionDoesNotNeedReset")
        .withArgs(auctionId, curvePrice(top, 60n), 60n);
      await expect(s.auctionHouse.reset(auctionId, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        s.auctionHouse,
        "ZeroAddress",
      );
      await expect(s.auctionHouse.reset(9n, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
        .withArgs(9n);

      // The price crosses half the top inside the 69th step (0.99^68 = 0.5049, 0.99^69 = 0.4998): find the
      // first second at which price < top * 0.5 (the contract's test).
      let first = 68n * 60n;
      while (curvePrice(top, first) >= top / 2n) first++;
      const last = first - 1n;
      expect(first).to.be.lessThan(69n * 60n);
      await networkHelpers.time.setNextBlockTimestamp(startedAt + last);
      await networkHelpers.mine();
      let status = await s.auctionHouse.auctionStatus(auctionId);
      expect(status.needsReset).to.equal(false);
      expect(status.price).to.equal(curvePrice(top, last));
      await networkHelpers.time.setNextBlockTimestamp(startedAt + first);
      await networkHelpers.mine();
      status = await s.auctionHouse.auctionStatus(auctionId);
      expect(status.needsReset).to.equal(true);
      expect(status.price).to.equal(curvePrice(top, first));
      await expect(s.auctionHouse.connect(s.bob).take(auctionId, WETH(1), ethers.MaxUint256, s.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNeedsReset")
        .withArgs(auctionId);
      await expect(s.auctionHouse.quoteTake(auctionId, WETH(1), 2_600n * WAD))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNeedsReset")
        .withArgs(auctionId);

      // The oracle moved meanwhile: the restart uses the fresh price.
      await setPrice(s, "WETH", "2500");
      const a = await auctionState(s, auctionId);
      const keeperBefore = await s.usdc.balanceOf(s.keeper.address);
      const fundBefore = await fundBalance(s);
      const tx = await s.auctionHouse.connect(s.keeper).reset(auctionId, s.keeper.address);
      const index = await s.pool.borrowIndex();
      const block = await ethers.provider.getBlock(tx.blockNumber!);
      const newTop = 2_750n * WAD; // 2,500 * 1.1
      const reward = USDC(5) + ((toDebtUp(a.scaledDebt, index) + a.penalty) * 5n * 10n ** 15n) / WAD;
      await expect(tx).to.emit(s.auctionHouse, "AuctionReset").withArgs(auctionId, s.keeper.address, newTop, reward);
      const after = await s.auctionHouse.auction(auctionId);
      expect(after.top).to.equal(newTop);
      expect(after.startedAt).to.equal(BigInt(block!.timestamp));
      expect(after.lot).to.equal(a.lot); // nothing else changes
      expect(after.scaledDebt).to.equal(a.scaledDebt);
      expect(after.penalty).to.equal(a.penalty);
      expect(after.vault).to.equal(id);
      expect(await s.usdc.balanceOf(s.keeper.address)).to.equal(keeperBefore + reward);
      expect(await fundBalance(s)).to.equal(fundBefore - reward);
      // Fresh again.
      await expect(s.auctionHouse.reset(auctionId, s.keeper.address)).to.be.revertedWithCustomError(
        s.auctionHouse,
        "AuctionDoesNotNeedReset",
      );
      const t = after.startedAt + 60n;
      await expect(takeAt(s, s.bob, auctionId, t, WETH(1)))
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(
          auctionId,
          id,
          s.bob.address,
          s.bob.address,
          WETH(1),
          anyValue,
          curvePrice(newTop, 60n),
          anyValue,
          anyValue,
        );
    });

    it("an auction older than maxDuration needs a reset even while its price is above the reset ratio", async function () {
      const { s, weth, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      // A reset ratio of 0.1 keeps the price-based trigger out of the way: 0.99^120 = 0.30 > 0.1.
      const cfg = await s.auctionHouse.collateralAuctionConfig(weth);
      await s.auctionHouse.connect(s.deployer).setCollateralAuctionConfig(weth, {
        curve: cfg.curve,
        penalty: cfg.penalty,
        startBuffer: cfg.startBuffer,
        resetPriceRatio: 10n ** 17n,
        maxDuration: cfg.maxDuration,
      });
      const maxDuration = cfg.maxDuration;
      expect(maxDuration).to.equal(7_200n);
      // At exactly maxDuration: not yet.
      await networkHelpers.time.setNextBlockTimestamp(startedAt + maxDuration);
      await expect(s.auctionHouse.connect(s.keeper).reset(auctionId, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionDoesNotNeedReset")
        .withArgs(auctionId, curvePrice(top, maxDuration), maxDuration);
      // One second later: takes revert, reset goes through.
      await networkHelpers.time.setNextBlockTimestamp(startedAt + maxDuration + 1n);
      await networkHelpers.mine();
      const status = await s.auctionHouse.auctionStatus(auctionId);
      expect(status.needsReset).to.equal(true);
      expect(status.price).to.be.greaterThan(top / 10n);
      await expect(s.auctionHouse.connect(s.bob).take(auctionId, WETH(1), ethers.MaxUint256, s.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNeedsReset")
        .withArgs(auctionId);
      await expect(s.auctionHouse.connect(s.keeper).reset(auctionId, s.keeper.address))
        .to.emit(s.auctionHouse, "AuctionReset")
        .withArgs(auctionId, s.keeper.address, 2_860n * WAD, anyValue);
    });
  });

  describe("interest", function () {
    /**
     * A whale borrows 4.2M of the pool's 5M against WBTC (utilisation ~84.5%, ~22% APR), alice's vault as
     * above; then a month passes before the kick.
     */
    async function accruedFixture() {
      const f = await baseFixture();
      const { s } = f;
      const whale = await openVault(s, s.bob);
      await s.engine.connect(s.bob).deposit(whale, f.wbtc, WBTC(150));
      await s.engine.connect(s.bob).borrow(whale, USDC(4_200_000), s.bob.address);
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, f.weth, WETH(10));
      await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
      await networkHelpers.time.increase(30 * 86_400);
      await refreshFeeds(s);
      return { ...f, id };
    }

    it("kicks on the debt with a month of interest, and the tab keeps growing while the auction runs", async function () {
      const { s, id, weth } = await networkHelpers.loadFixture(accruedFixture);
      const debt = await s.engine.debtOf(id);
      expect(debt).to.be.greaterThan(USDC(23_300)); // > 1.3% in a month
      await setPrice(s, "WETH", "2300"); // below the hard floor: no flag needed
      const { tx, auctionId, k } = await kickExact(s, id, weth, s.keeper);
      await expect(tx)
        .to.emit(s.auctionHouse, "AuctionStarted")
        .withArgs(auctionId, id, weth, s.keeper.address, k.lot, k.debt, k.penalty, k.top, k.reward);
      const a = await s.auctionHouse.auction(auctionId);
      const kickTab = k.debt + k.penalty;

      // 20 minutes later the debt part has grown with the index; the penalty has not.
      await networkHelpers.time.setNextBlockTimestamp(a.startedAt + 1_200n);
      await networkHelpers.mine();
      const status = await s.auctionHouse.auctionStatus(auctionId);
      const index20 = await s.pool.currentBorrowIndex();
      expect(status.debt).to.equal(toDebtUp(a.scaledDebt, index20));
      expect(status.penalty).to.equal(k.penalty);
      expect(status.tab).to.equal(status.debt + k.penalty);
      expect(status.tab).to.be.greaterThan(kickTab);

      // A month later (the auction needs a reset by then) the tab has grown by a month of interest.
      await networkHelpers.time.increase(30 * 86_400);
      await refreshFeeds(s);
      await s.auctionHouse.connect(s.keeper).reset(auctionId, s.keeper.address);
      const afterMonth = await s.auctionHouse.auctionStatus(auctionId);
      expect(afterMonth.tab).to.be.greaterThan((kickTab * 1_013n) / 1_000n);
      expect(afterMonth.top).to.equal(2_530n * WAD); // 2,300 * 1.1

      // A take covering everything pays exactly the grown tab.
      const before = await auctionState(s, auctionId);
      const t = (await s.auctionHouse.auction(auctionId)).startedAt + 60n;
      const price = curvePrice(afterMonth.top, 60n);
      const fund = await fundBalance(s);
      const tx2 = await takeAt(s, s.carol, auctionId, t, before.lot);
      const index = await s.pool.borrowIndex();
      const tab = toDebtUp(before.scaledDebt, index) + before.penalty;
      const e = expectedTake(before, index, price, before.lot, await dust(s), WAD);
      expect(e.paid).to.equal(tab);
      await expect(tx2)
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(auctionId, id, s.carol.address, s.carol.address, e.collateral, tab, price, e.lotLeft, 0n);
      await expect(tx2).to.emit(s.auctionHouse, "AuctionSettled").withArgs(auctionId, id, e.lotLeft, 0n, 0n);
      expect(await fundBalance(s)).to.equal(fund + before.penalty);
      await expectLedgerReconciles(s);
    });
  });

  describe("multi-collateral vaults", function () {
    /** Alice: 10 WETH + 0.5 WBTC + 1,000 LINK, 40,000 USDC debt (HF 1.53 at the start prices). */
    async function multiFixture() {
      const f = await baseFixture();
      const { s } = f;
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, f.weth, WETH(10));
      await s.engine.connect(s.alice).deposit(id, f.wbtc, WBTC("0.5"));
      await s.engine.connect(s.alice).deposit(id, f.link, LINK(1_000));
      await s.engine.connect(s.alice).borrow(id, USDC(40_000), s.alice.address);
      return { ...f, id };
    }

    it("a crash liquidates collateral by collateral, one auction at a time, until the vault is healthy", async function () {
      const { s, id, weth, wbtc, link } = await networkHelpers.loadFixture(multiFixture);
      // Maintenance value 15,296.8 + 14,754.6 + 3,747.5 = 33,798.9 on 40,000: HF 0.845, below the floor.
      await setPrice(s, "WETH", "1800");
      await setPrice(s, "WBTC", "36000");
      await setPrice(s, "LINK", "5");
      expect(await s.engine.healthFactor(id)).to.be.lessThan(9n * 10n ** 17n);
      const d = await dust(s);

      /** Kicks `asset` (exact sizing checked) and buys the auction out one step in; returns what it sold. */
      const liquidate = async (asset: string, unit: bigint) => {
        const kicked = await kickExact(s, id, asset, s.keeper);
        const { k, auctionId } = kicked;
        await expect(kicked.tx)
          .to.emit(s.auctionHouse, "AuctionStarted")
          .withArgs(auctionId, id, asset, s.keeper.address, k.lot, k.debt, k.penalty, k.top, k.reward);
        // One auction per asset, and one per vault at a time.
        await expect(s.auctionHouse.kick(id, asset, s.keeper.address))
          .to.be.revertedWithCustomError(s.auctionHouse, "AuctionAlreadyActive")
          .withArgs(id, asset, auctionId);
        for (const other of [weth, wbtc, link].filter((x) => x !== asset)) {
          await expect(s.auctionHouse.kick(id, other, s.keeper.address))
            .to.be.revertedWithCustomError(s.auctionHouse, "VaultHasOpenAuction")
            .withArgs(id, auctionId);
        }
        expect(await s.engine.openAuctionsOf(id)).to.equal(1n);
        await expectLedgerReconciles(s);

        const a = await s.auctionHouse.auction(auctionId);
        const vaultHeld = await s.engine.collateralAmount(id, asset);
        const tx = await takeAt(s, s.bob, auctionId, a.startedAt + 60n, a.lot);
        const index = await s.pool.borrowIndex();
        const e = expectedTake(
          { lot: a.lot, scaledDebt: a.scaledDebt, penalty: a.penalty },
          index,
          curvePrice(a.top, 60n),
          a.lot,
          d,
          unit,
        );
        expect(e.done).to.equal(true);
        await expect(tx).to.emit(s.auctionHouse, "AuctionSettled").withArgs(auctionId, id, e.lotLeft, 0n, 0n);
        expect(await s.engine.collateralAmount(id, asset)).to.equal(vaultHeld + e.lotLeft);
        expect(await s.engine.openAuctionsOf(id)).to.equal(0n);
        await expectLedgerReconciles(s);
        return k;
      };

      // 1) WETH: the formula's r exceeds what WETH can cover, so r = its value / 1.08 and the lot is all of it.
      const first = await liquidate(weth, WAD);
      expect(first.toCover).to.be.greaterThan(first.debt);
      expect(first.debt).to.equal((USDC(18_000) * WAD) / (WAD + 8n * 10n ** 16n)); // the capacity
      expect(first.lot).to.equal(WETH(10));
      expect(await s.engine.healthFactor(id)).to.be.lessThan(9n * 10n ** 17n); // still below the floor

      // 2) WBTC, likewise all of it.
      const second = await liquidate(wbtc, 10n ** 8n);
      expect(second.lot).to.equal(WBTC("0.5"));
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.lessThan(WAD);
      expect(hf).to.be.greaterThanOrEqual(9n * 10n ** 17n); // above the floor now ...

      // 3) ... so LINK needs a margin call and its cure window first.
      await expect(s.auctionHouse.kick(id, link, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "MarginCallRequired")
        .withArgs(id);
      await s.engine.flagMarginCall(id);
      await networkHelpers.time.increase(Number(CURE_WINDOW));
      const third = await liquidate(link, WAD);
      // Sized by the formula this time (not by capacity), but tab * 1.3 is worth more than the 1,000 LINK held.
      expect(third.debt).to.equal(third.toCover);
      expect(third.lot).to.equal(LINK(1_000));

      // Healthy again: the last settlement cleared the margin call.
      expect(await s.engine.healthFactor(id)).to.be.greaterThanOrEqual(WAD);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
      for (const asset of [weth, wbtc, link]) {
        await expect(s.auctionHouse.kick(id, asset, s.keeper.address)).to.be.revertedWithCustomError(
          s.auctionHouse,
          "VaultNotLiquidatable",
        );
      }
    });

    it("when the first collateral's auction restores health, the others can no longer be kicked", async function () {
      const { s, id, weth, wbtc, link } = await networkHelpers.loadFixture(multiFixture);
      await s.engine.connect(s.alice).borrow(id, USDC(15_000), s.alice.address); // 55,000 of debt
      // Every price 12% lower: HF ~0.98, so a margin call and a cure window first.
      await setPrice(s, "WETH", "2640");
      await setPrice(s, "WBTC", "52800");
      await setPrice(s, "LINK", "13.2");
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.lessThan(WAD);
      expect(hf).to.be.greaterThan(9n * 10n ** 17n);
      await s.engine.flagMarginCall(id);
      await networkHelpers.time.increase(Number(CURE_WINDOW));

      const { tx, k } = await kickExact(s, id, weth, s.keeper);
      await expect(tx).to.emit(s.auctionHouse, "AuctionStarted");
      const a = await s.auctionHouse.auction(1n);
      const takeTx = await takeAt(s, s.bob, 1n, a.startedAt + 60n, a.lot);
      await expect(takeTx).to.emit(s.auctionHouse, "AuctionSettled");
      await expect(takeTx).to.emit(s.engine, "MarginCallCleared");
      expect(k.lot).to.equal(WETH(10));
      const after = await s.engine.healthFactor(id);
      expect(after).to.be.greaterThanOrEqual(WAD);
      for (const asset of [wbtc, link]) {
        await expect(s.auctionHouse.kick(id, asset, s.keeper.address))
          .to.be.revertedWithCustomError(s.auctionHouse, "VaultNotLiquidatable")
          .withArgs(id, anyValue);
      }
      await expectLedgerReconciles(s);
      await expectAttributionReconciles(s);
    });

    it("one auction per vault: while the first auction runs, no other collateral can be kicked (it alone restores the target)", async function () {
      const { s, weth, wbtc, link } = await networkHelpers.loadFixture(baseFixture);
      // 40 WETH + 0.5 WBTC + 1,000 LINK, 125,000 USDC of debt (HF 1.10); every price 10% lower: HF 0.99.
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, weth, WETH(40));
      await s.engine.connect(s.alice).deposit(id, wbtc, WBTC("0.5"));
      await s.engine.connect(s.alice).deposit(id, link, LINK(1_000));
      await s.engine.connect(s.alice).borrow(id, USDC(125_000), s.alice.address);
      await setPrice(s, "WETH", "2700");
      await setPrice(s, "WBTC", "54000");
      await setPrice(s, "LINK", "13.5");
      await s.engine.flagMarginCall(id);
      await networkHelpers.time.increase(Number(CURE_WINDOW));
      // The WETH auction is sized to bring the vault back to 1.1 on its own (a partial lot).
      const { k } = await kickExact(s, id, weth, s.keeper);
      expect(k.lot).to.be.lessThan(WETH(40));
      const a = await s.auctionHouse.auction(1n);

      // Premise: bought out at (just above) the oracle price, it does restore the target.
      const snapshot = await networkHelpers.takeSnapshot();
      expect(curvePrice(a.top, 540n)).to.be.greaterThanOrEqual(2_700n * WAD);
      await takeAt(s, s.bob, 1n, a.startedAt + 540n, a.lot);
      expect(await s.engine.healthFactor(id)).to.be.greaterThanOrEqual(11n * 10n ** 17n);
      await snapshot.restore();

      // While it runs the vault counts only the WETH left in it (HF ~0.7, the flag still set), but kicking
      // WBTC or LINK then would over-liquidate: one auction per vault at a time.
      expect(await s.engine.healthFactor(id)).to.be.lessThan(8n * 10n ** 17n);
      for (const asset of [wbtc, link]) {
        await expect(s.auctionHouse.kick(id, asset, s.keeper.address))
          .to.be.revertedWithCustomError(s.auctionHouse, "VaultHasOpenAuction")
          .withArgs(id, 1n);
        expect(await s.auctionHouse.canKick(id, asset)).to.deep.equal([false, selector(s, "VaultHasOpenAuction")]);
      }
    });
  });

  describe("known bugs", function () {
    it("after every collateral went to auction, collateral coming back carries the vault's debt attribution (debt ceilings stay exact)", async function () {
      const { s, weth } = await networkHelpers.loadFixture(baseFixture);
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
      await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
      // $2,000: HF 0.74. WETH covers at most 20,000 / 1.08, so the kick takes all 10 WETH and 18,518.5 USDC
      // of debt; the vault keeps ~4,481.5 USDC of debt and no collateral, so that debt is attributed to nothing.
      await setPrice(s, "WETH", "2000");
      await s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address);
      expect(await s.engine.scaledDebtBackedBy(weth)).to.equal(0n);
      // A take one step in covers the tab and returns ~0.8 WETH to the vault.
      const a = await s.auctionHouse.auction(1n);
      await takeAt(s, s.bob, 1n, a.startedAt + 60n, a.lot);
      expect(await s.engine.collateralsOf(id)).to.deep.equal([weth]);
      const scaled = await s.engine.scaledDebtOf(id);
      expect(scaled).to.be.greaterThan(0n);
      // Expected: the debt of a vault holding WETH again is attributed to WETH. Today both are 0.
      expect(await s.engine.attributedScaledDebt(id, weth)).to.equal(scaled);
      expect(await s.engine.scaledDebtBackedBy(weth)).to.equal(scaled);
      // Consequence: with a 10,000 USDC ceiling on WETH, another vault borrows 9,000 against WETH although
      // WETH then backs ~13,481 USDC.
      const config = await s.engine.collateralConfig(weth);
      await s.engine.connect(s.deployer).setCollateralConfig(weth, {
        enabled: config.enabled,
        decimals: config.decimals,
        initialHaircut: config.initialHaircut,
        maintenanceHaircut: config.maintenanceHaircut,
        volatilityMultiplier: config.volatilityMultiplier,
        volatilityCap: config.volatilityCap,
        sizeMultiplier: config.sizeMultiplier,
        sizeCap: config.sizeCap,
        marketDepth: config.marketDepth,
        debtCeiling: USDC(10_000),
      });
      const other = await openVault(s, s.carol);
      await s.engine.connect(s.carol).deposit(other, weth, WETH(10));
      await expect(s.engine.connect(s.carol).borrow(other, USDC(9_000), s.carol.address)).to.be.revertedWithCustomError(
        s.engine,
        "DebtCeilingExceeded",
      );
    });
  });

  describe("small vaults", function () {
    it("a vault whose debt is just over minDebt is liquidated in full", async function () {
      const { s, weth } = await networkHelpers.loadFixture(baseFixture);
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, weth, WETH("0.1"));
      await s.engine.connect(s.alice).borrow(id, USDC(150), s.alice.address); // minDebt is 100
      // $1,700: value 170, maintenance value 144.5, HF 0.963. The formula's r (~112.6) would leave ~37 < minDebt.
      await setPrice(s, "WETH", "1700");
      await s.engine.flagMarginCall(id);
      await networkHelpers.time.increase(Number(CURE_WINDOW));
      const { tx, k, scaledBefore } = await kickExact(s, id, weth, s.keeper);
      expect(k.toCover).to.be.lessThan(k.debt);
      expect(k.toCover).to.be.greaterThan(USDC(100)); // above the dust floor, so minDebt is what bites
      expect(k.scaledDebt).to.equal(scaledBefore); // the whole debt ...
      expect(k.lot).to.equal(WETH("0.1")); // ... and the whole collateral
      await expect(tx)
        .to.emit(s.auctionHouse, "AuctionStarted")
        .withArgs(1n, id, weth, s.keeper.address, k.lot, k.debt, k.penalty, k.top, k.reward);
      expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
      expect(await s.engine.collateralsOf(id)).to.deep.equal([]);

      const a = await s.auctionHouse.auction(1n);
      const tx2 = await takeAt(s, s.bob, 1n, a.startedAt + 1n, a.lot);
      const index = await s.pool.borrowIndex();
      const e = expectedTake(
        { lot: a.lot, scaledDebt: a.scaledDebt, penalty: a.penalty },
        index,
        curvePrice(a.top, 1n),
        a.lot,
        await dust(s),
        WAD,
      );
      await expect(tx2).to.emit(s.auctionHouse, "AuctionSettled").withArgs(1n, id, e.lotLeft, 0n, 0n);
      expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
      expect(await s.engine.collateralAmount(id, weth)).to.equal(e.lotLeft);
      expect(await s.engine.marginCallOf(id)).to.equal(0n); // no debt: healthy, cleared
      await expectLedgerReconciles(s);
      await expectAttributionReconciles(s);
    });
  });

  describe("keeper views", function () {
    it("liquidatableVaults lists exactly the vaults with HF < 1, skipping vaults without a price", async function () {
      const { s, weth, wbtc, link } = await networkHelpers.loadFixture(baseFixture);
      const v1 = await openVault(s, s.alice); // WETH, unhealthy after the drop
      await s.engine.connect(s.alice).deposit(v1, weth, WETH(10));
      await s.engine.connect(s.alice).borrow(v1, USDC(23_000), s.alice.address);
      const v2 = await openVault(s, s.bob); // WETH, healthy
      await s.engine.connect(s.bob).deposit(v2, weth, WETH(10));
      await s.engine.connect(s.bob).borrow(v2, USDC(10_000), s.bob.address);
      await openVault(s, s.carol); // v3: empty
      const v4 = await openVault(s, s.stranger); // WBTC, healthy
      await s.engine.connect(s.stranger).deposit(v4, wbtc, WBTC(1));
      await s.engine.connect(s.stranger).borrow(v4, USDC(20_000), s.stranger.address);
      const v5 = await openVault(s, s.carol); // LINK, unhealthy after its drop
      await s.engine.connect(s.carol).deposit(v5, link, LINK(1_000));
      await s.engine.connect(s.carol).borrow(v5, USDC(9_000), s.carol.address);

      expect(await s.lens.liquidatableVaults(1n, 5n)).to.deep.equal([]);
      await setPrice(s, "WETH", "2600");
      await setPrice(s, "LINK", "11");
      expect(await s.lens.liquidatableVaults(1n, 5n)).to.deep.equal([v1, v5]);
      expect(await s.lens.liquidatableVaults(0n, 100n)).to.deep.equal([v1, v5]); // clamped to [1, count]
      expect(await s.lens.liquidatableVaults(2n, 4n)).to.deep.equal([]);
      expect(await s.lens.liquidatableVaults(5n, 5n)).to.deep.equal([v5]);
      expect(await s.lens.liquidatableVaults(6n, 10n)).to.deep.equal([]);
      for (const id of [v1, v2, v4, v5]) {
        expect((await s.engine.healthFactor(id)) < WAD).to.equal(id === v1 || id === v5);
      }
      // A vault whose price cannot be read is skipped, not reverted on.
      await setPrice(s, "LINK", "0");
      expect(await s.lens.liquidatableVaults(1n, 5n)).to.deep.equal([v1]);
    });

    it("canKick returns the selector of each failure, and true when a kick would pass", async function () {
      const { s, weth, wbtc, link } = await networkHelpers.loadFixture(baseFixture);
      const usdc = await s.usdc.getAddress();
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
      await s.engine.connect(s.alice).deposit(id, link, 100n); // 100 wei of LINK: worth 0 base units
      await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);

      const expectReason = async (asset: string, name: string | null) => {
        expect(await s.auctionHouse.canKick(id, asset)).to.deep.equal(
          name === null ? [true, "0x00000000"] : [false, selector(s, name)],
        );
      };
      await expectReason(usdc, "AuctionNotConfigured");
      await expectReason(weth, "VaultNotLiquidatable");
      await setPrice(s, "WETH", "2600");
      await expectReason(weth, "MarginCallRequired");
      await s.engine.flagMarginCall(id);
      await expectReason(weth, "CureWindowActive");
      await networkHelpers.time.increase(Number(CURE_WINDOW));
      await expectReason(wbtc, "AssetNotInVault");
      await expectReason(link, "NothingToLiquidate");
      await expect(s.auctionHouse.kick(id, link, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "NothingToLiquidate")
        .withArgs(id, link);
      await expectReason(weth, null);
      // Engine errors come through too.
      expect(await s.auctionHouse.canKick(42n, weth)).to.deep.equal([
        false,
        s.engine.interface.getError("UnknownVault")!.selector,
      ]);
      await s.auctionHouse.kick(id, weth, s.keeper.address);
      await expectReason(weth, "AuctionAlreadyActive");
      await expectReason(link, "VaultHasOpenAuction"); // one auction per vault at a time
    });

    it("auctionStatus reports every field; quoteTake prices a take and its profit at a market price", async function () {
      const { s, id, weth, auctionId, startedAt, top } = await networkHelpers.loadFixture(kickedFixture);
      const a = await s.auctionHouse.auction(auctionId);
      const elapsed = 900n; // 15 steps: 2,860 * 0.99^15 = 2,461.4, below the 2,600 market
      await networkHelpers.time.setNextBlockTimestamp(startedAt + elapsed);
      await networkHelpers.mine();
      const index = await s.pool.currentBorrowIndex();
      const price = curvePrice(top, elapsed);
      const debt = toDebtUp(a.scaledDebt, index);
      const status = await s.auctionHouse.auctionStatus(auctionId);
      expect(status.active).to.equal(true);
      expect(status.vault).to.equal(id);
      expect(status.asset).to.equal(weth);
      expect(status.lot).to.equal(a.lot);
      expect(status.debt).to.equal(debt);
      expect(status.penalty).to.equal(a.penalty);
      expect(status.tab).to.equal(debt + a.penalty);
      expect(status.price).to.equal(price);
      expect(status.top).to.equal(top);
      expect(status.startedAt).to.equal(startedAt);
      expect(status.needsReset).to.equal(false);

      const market = 2_600n * WAD;
      const d = await dust(s);
      // 3 WETH: a partial take, profitable at the market price.
      const e3 = expectedTake(
        { lot: a.lot, scaledDebt: a.scaledDebt, penalty: a.penalty },
        index,
        price,
        WETH(3),
        d,
        WAD,
      );
      const [c3, owe3, profit3] = await s.auctionHouse.quoteTake(auctionId, WETH(3), market);
      expect([c3, owe3]).to.deep.equal([WETH(3), e3.paid]);
      expect(profit3).to.equal(toBaseDown(WETH(3), market, WAD) - e3.paid);
      expect(profit3).to.be.greaterThan(0n);
      // Everything: the whole tab for the collateral it buys.
      const [cAll, oweAll, profitAll] = await s.auctionHouse.quoteTake(auctionId, ethers.MaxUint256, market);
      expect(oweAll).to.equal(debt + a.penalty);
      expect(cAll).to.equal(toCollateralDown(debt + a.penalty, price, WAD));
      expect(profitAll).to.equal(toBaseDown(cAll, market, WAD) - oweAll);
      // Unprofitable below the auction price.
      const [, , loss] = await s.auctionHouse.quoteTake(auctionId, WETH(3), 2_000n * WAD);
      expect(loss).to.equal(toBaseDown(WETH(3), 2_000n * WAD, WAD) - e3.paid);
      expect(loss).to.be.lessThan(0n);
      // Dust rules apply to quotes as well: asking for what would leave 50 USDC of tab is cut to leave dust.
      const asked = toCollateralDown(debt + a.penalty - USDC(50), price, WAD);
      const [cCut, oweCut] = await s.auctionHouse.quoteTake(auctionId, asked, market);
      expect(oweCut).to.equal(debt + a.penalty - d);
      expect(cCut).to.equal(toCollateralDown(oweCut, price, WAD));

      // A closed or unknown auction reports inactive and cannot be quoted.
      const closed = await s.auctionHouse.auctionStatus(99n);
      expect(closed.active).to.equal(false);
      expect(closed.lot).to.equal(0n);
      expect(closed.tab).to.equal(0n);
      await expect(s.auctionHouse.quoteTake(99n, WETH(1), market))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
        .withArgs(99n);
    });

    it("the curve replica matches the deployed ExponentialCurve", async function () {
      const { s, top } = await networkHelpers.loadFixture(kickedFixture);
      const curve = await ethers.getContractAt("ExponentialCurve", s.record.contracts.curve);
      for (const elapsed of [0n, 1n, 59n, 60n, 61n, 119n, 540n, 899n, 2_400n, 4_137n, 4_138n, 7_200n, 7_201n]) {
        expect(await curve.price(top, elapsed)).to.equal(curvePrice(top, elapsed), `elapsed ${elapsed}`);
      }
    });
  });
});

/** A take of 1 WETH by bob at any price, for revert checks. */
function take(s: System, auctionId: bigint) {
  return s.auctionHouse.connect(s.bob).take(auctionId, WETH(1), ethers.MaxUint256, s.bob.address, "0x");
}

/** chai matcher helper: accepts any value. */
function anyValue() {
  return true;
}
