// Circuit breakers wired into the deployed system (deploy/parameters/hardhat.json): every breaker trips at
// exactly its threshold, blocks exactly the actions it lists, never blocks repayments or deposits into a
// vault with debt, clears on time (a grace period follows) and exempts vaults below the hard floor.
//
// Parameters used throughout (hardhat.json): global cap 200M USDC, maxPauseDuration 3 days, pauseCooldown
// 1 day, grace 1800 s; per collateral maxDrop 20%, cooldown 1800 s, refill 3600 s, debt cap 50% and bucket
// 20% of market depth. Liquidations: hard floor 0.9, cure window 600 s, dust 100 USDC, penalty 8%.
import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract, ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
import { deployFundedSystem, openVault, setPrice, USDC, WAD, WBTC, WETH, type System } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

// ---------------------------------------------------------------------------------------------------
// Constants (deploy/parameters/hardhat.json) and small helpers
// ---------------------------------------------------------------------------------------------------

const wad = (x: string) => ethers.parseUnits(x, 18);
const HOUR = 3600n;
const DAY = 86400n;
const COOLDOWN = 1800n; // trip length
const GRACE = 1800n;
const MAX_PAUSE = 3n * DAY;
const PAUSE_COOLDOWN = DAY;
const CURE_WINDOW = 600n;
const HARD_FLOOR = wad("0.9");
const MAX_UINT = ethers.MaxUint256;

/** Mirrors `Action` in ICircuitBreaker.sol. */
const Action = {
  Deposit: 0n,
  Withdraw: 1n,
  Borrow: 2n,
  Kick: 3n,
  Take: 4n,
  PoolDeposit: 5n,
  PoolWithdraw: 6n,
} as const;
type ActionName = keyof typeof Action;
const ACTION_NAMES = Object.keys(Action) as ActionName[];

/** Mirrors `OracleFailure` in IBreakwaterOracle.sol. */
const Failure = { None: 0n, Stale: 4n, OutOfBounds: 5n } as const;

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const now = async () => BigInt(await time.latest());
const at = (t: bigint) => time.setNextBlockTimestamp(t);

async function txTime(tx: ContractTransactionResponse): Promise<bigint> {
  const r = (await tx.wait())!;
  return BigInt((await ethers.provider.getBlock(r.blockNumber))!.timestamp);
}

/** Args of the first `name` event emitted by `contract` in `receipt`. */
async function eventOf(contract: BaseContract, receipt: ContractTransactionReceipt, name: string) {
  const address = (await contract.getAddress()).toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog(log);
    if (parsed?.name === name) return parsed.args;
  }
  throw new Error(`no ${name} event`);
}

/** CircuitBreaker bucket [wad usd] at `t` when it held `scaled` [wad usd x s] at `from`: refills by
 * `capacity` per second in scaled units, capped at capacity x period, read rounded down. */
function bucketAt(capacity: bigint, period: bigint, scaled: bigint, from: bigint, t: bigint): bigint {
  return min(scaled + (t - from) * capacity, capacity * period) / period;
}

/** Runs a matcher, prefixing any failure with what it was about. */
async function about(label: string, check: () => Promise<unknown>): Promise<void> {
  try {
    await check();
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------------

type Signer = HardhatEthersSigner;

async function vaultWith(s: System, owner: Signer, deposits: Array<[string, bigint]>, debt: bigint) {
  const id = await openVault(s, owner);
  for (const [asset, amount] of deposits) await s.engine.connect(owner).deposit(id, asset, amount);
  if (debt > 0n) await s.engine.connect(owner).borrow(id, debt, owner.address);
  return id;
}

/** Funded system; every actor approves the auction house; the insurance fund holds 10,000 USDC. */
async function baseFixture() {
  const s = await deployFundedSystem(ethers);
  const ah = await s.auctionHouse.getAddress();
  for (const who of [s.lender, s.alice, s.bob, s.carol, s.keeper, s.stranger]) {
    await s.usdc.connect(who).approve(ah, MAX_UINT);
  }
  await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
  return {
    s,
    breaker: s.circuitBreaker,
    ah,
    weth: await s.weth.getAddress(),
    wbtc: await s.wbtc.getAddress(),
    link: await s.link.getAddress(),
    usdc: await s.usdc.getAddress(),
  };
}
type Base = Awaited<ReturnType<typeof baseFixture>>;

/**
 * WETH poked at $3,000 (the tracker's window high; trip price $2,400). Vaults at $3,000:
 * - mid (alice): 10 WETH, 21,000 USDC. At $2,300 HF 19,544.71 / 21,000 = 0.931 (between floor and 1);
 *   at $2,400 HF 0.971.
 * - low (bob): 10 WETH, 23,000 USDC. At $2,300 HF 0.850, at $2,400 HF 0.887 (below the hard floor).
 * - mixed (carol): 10 WETH + 1 WBTC, no debt. WBTC alone gives 60,000 x 0.75 - 60 = 44,940 of borrowing power.
 * - free (stranger): 5 WETH, no debt.
 */
async function dropFixture() {
  const f = await baseFixture();
  const { s } = f;
  await s.oracle.poke(f.weth);
  const mid = await vaultWith(s, s.alice, [[f.weth, WETH(10)]], USDC(21_000));
  const low = await vaultWith(s, s.bob, [[f.weth, WETH(10)]], USDC(23_000));
  const mixed = await vaultWith(
    s,
    s.carol,
    [
      [f.weth, WETH(10)],
      [f.wbtc, WBTC(1)],
    ],
    0n,
  );
  const free = await vaultWith(s, s.stranger, [[f.weth, WETH(5)]], 0n);
  return { ...f, mid, low, mixed, free };
}

/** WETH at $2,300 (23.3% below the window high): mid flagged and past its cure window; nothing tripped yet. */
async function droppedFixture() {
  const f = await dropFixture();
  await setPrice(f.s, "WETH", "2300");
  await f.s.engine.connect(f.s.keeper).flagMarginCall(f.mid);
  await time.increase(Number(CURE_WINDOW));
  return f;
}

/** droppedFixture, then the stranger trips WETH: tripped until `trippedUntil`. */
async function trippedFixture() {
  const f = await droppedFixture();
  const trippedAt = await txTime(await f.breaker.connect(f.s.stranger).trip(f.weth));
  return { ...f, trippedAt, trippedUntil: trippedAt + COOLDOWN };
}

/**
 * No window high (never poked), so nothing can trip. Vaults as in dropFixture, except mixed borrows 20,000.
 * WETH at $2,300, mid flagged; then a day passes: every feed is stale, and all but WETH's are refreshed.
 */
async function staleFixture() {
  const f = await baseFixture();
  const { s } = f;
  const mid = await vaultWith(s, s.alice, [[f.weth, WETH(10)]], USDC(21_000));
  const low = await vaultWith(s, s.bob, [[f.weth, WETH(10)]], USDC(23_000));
  const mixed = await vaultWith(
    s,
    s.carol,
    [
      [f.weth, WETH(10)],
      [f.wbtc, WBTC(1)],
    ],
    USDC(20_000),
  );
  const free = await vaultWith(s, s.stranger, [[f.weth, WETH(5)]], 0n);
  await setPrice(s, "WETH", "2300");
  await s.engine.connect(s.keeper).flagMarginCall(mid);
  await time.increase(86_401);
  for (const symbol of ["USDC", "WBTC", "LINK"]) {
    const feed = s.feeds[symbol];
    await feed.updateAnswer(await feed.latestAnswer());
  }
  return { ...f, mid, low, mixed, free };
}

/**
 * Everything the guardian can pause, ready to be exercised (no window high: nothing trips):
 * - free (alice): 5 WETH, no debt;  indebted (bob): 10 WETH, 10,000 USDC (HF ~1.95 at $2,300);
 * - mid (carol): 10 WETH, 21,000 (HF 0.93 at $2,300), flagged;  low (stranger): 10 WETH, 23,000 (HF 0.85);
 * - auction 1: the lender's 10 WETH / 23,000 vault, kicked at $2,300 (below the hard floor).
 */
async function pauseFixture() {
  const f = await baseFixture();
  const { s } = f;
  const free = await vaultWith(s, s.alice, [[f.weth, WETH(5)]], 0n);
  const indebted = await vaultWith(s, s.bob, [[f.weth, WETH(10)]], USDC(10_000));
  const mid = await vaultWith(s, s.carol, [[f.weth, WETH(10)]], USDC(21_000));
  const low = await vaultWith(s, s.stranger, [[f.weth, WETH(10)]], USDC(23_000));
  const auctioned = await vaultWith(s, s.lender, [[f.weth, WETH(10)]], USDC(23_000));
  await setPrice(s, "WETH", "2300");
  await s.engine.connect(s.keeper).flagMarginCall(mid);
  await s.auctionHouse.connect(s.keeper).kick(auctioned, f.weth, s.keeper.address);
  return { ...f, free, indebted, mid, low, auctioned, auctionId: 1n };
}
type PauseF = Awaited<ReturnType<typeof pauseFixture>>;

/**
 * Throttle: three vaults below the hard floor (kickable at once). A (alice) and B (bob): 10 WETH, 23,000 USDC
 * each, WETH at $2,300 (HF 0.85): an unthrottled kick puts the whole 10 WETH ($23,000) up for 21,296.30 of
 * debt (23,000 / 1.08). C (carol): 1 WBTC, 40,000 USDC, WBTC at $42,000 (HF 0.86).
 */
async function throttleFixture() {
  const f = await baseFixture();
  const { s } = f;
  const A = await vaultWith(s, s.alice, [[f.weth, WETH(10)]], USDC(23_000));
  const B = await vaultWith(s, s.bob, [[f.weth, WETH(10)]], USDC(23_000));
  const C = await vaultWith(s, s.carol, [[f.wbtc, WBTC(1)]], USDC(40_000));
  await setPrice(s, "WETH", "2300");
  await setPrice(s, "WBTC", "42000");
  return { ...f, A, B, C };
}

/**
 * Insurance fund exemption: reserve factor 0, the fund holds no USDC, only pool shares worth 20,000 USDC
 * (deposited for it by the lender). Alice's vault (10 WETH, 23,000) is crashed to $2,000 (HF 0.74).
 */
async function fundSharesFixture() {
  const s = await deployFundedSystem(ethers);
  await s.pool.connect(s.deployer).setReserveFactor(0n);
  const fund = await s.insuranceFund.getAddress();
  await s.pool.connect(s.lender).deposit(USDC(20_000), fund);
  for (const who of [s.bob, s.keeper]) await s.usdc.connect(who).approve(await s.auctionHouse.getAddress(), MAX_UINT);
  const weth = await s.weth.getAddress();
  const id = await vaultWith(s, s.alice, [[weth, WETH(10)]], USDC(23_000));
  await setPrice(s, "WETH", "2000");
  return { s, breaker: s.circuitBreaker, fund, weth, id };
}

/**
 * Two WETH auctions past their max duration (2 h), both needing a reset:
 * - aboveFloor (auction 1): alice's 10 WETH + 1 WBTC vault, 68,900 USDC at $3,000; at $2,300 HF 0.997, flagged,
 *   kicked after the cure window: the whole 10 WETH go up for 21,296 of debt, leaving WBTC for ~47,600 (HF 1.03);
 * - belowFloor (auction 2): bob's 10 WETH / 23,000 vault kicked at HF 0.85; it keeps ~1,704 of debt and no
 *   collateral (HF 0).
 */
async function resetFixture() {
  const f = await baseFixture();
  const { s } = f;
  const X = await vaultWith(
    s,
    s.alice,
    [
      [f.weth, WETH(10)],
      [f.wbtc, WBTC(1)],
    ],
    USDC(68_900),
  );
  const Y = await vaultWith(s, s.bob, [[f.weth, WETH(10)]], USDC(23_000));
  await setPrice(s, "WETH", "2300");
  await s.engine.connect(s.keeper).flagMarginCall(X);
  await time.increase(Number(CURE_WINDOW));
  await kickTx(s, X, f.weth);
  await kickTx(s, Y, f.weth);
  await time.increase(7_201);
  return { ...f, X, Y, aboveFloor: 1n, belowFloor: 2n };
}

// ---------------------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------------------

/** What maxBorrow must be when only `asset` gives borrowing power: its initial value less the debt value. */
async function maxBorrowFromOnly(s: System, id: bigint, asset: string): Promise<bigint> {
  const b = await s.engine.healthBreakdown(id);
  const a = b.assets.find((x) => x.asset === asset)!;
  const basePrice = b.basePrice === 0n ? await s.oracle.getPrice(await s.usdc.getAddress()) : b.basePrice;
  if (a.initialValue <= b.debtValue) return 0n;
  const room = ((a.initialValue - b.debtValue) * 10n ** 6n) / basePrice;
  return room === 0n ? 0n : room - 1n;
}

async function kickTx(s: System, vault: bigint, asset: string) {
  return s.auctionHouse.connect(s.keeper).kick(vault, asset, s.keeper.address);
}

/** Kicks at `t` and returns the AuctionStarted args. */
async function kickAt(s: System, vault: bigint, asset: string, t: bigint) {
  await at(t);
  const tx = await kickTx(s, vault, asset);
  const receipt = (await tx.wait())!;
  return { tx, receipt, started: await eventOf(s.auctionHouse, receipt, "AuctionStarted") };
}

/** The auction a kick at `t` would start with the current breaker settings, then rolled back. */
async function counterfactualKick(s: System, vault: bigint, asset: string, t: bigint) {
  const snapshot = await networkHelpers.takeSnapshot();
  const { started } = await kickAt(s, vault, asset, t);
  const k = { debt: started.debt as bigint, lot: started.lot as bigint };
  await snapshot.restore();
  return k;
}

async function setAssetConfig(f: Base, asset: string, changes: Record<string, bigint>) {
  const c = await f.breaker.assetConfig(asset);
  const config = {
    maxDrop: c.maxDrop,
    cooldown: c.cooldown,
    refillPeriod: c.refillPeriod,
    debtUnderAuctionCap: c.debtUnderAuctionCap,
    bucketCapacity: c.bucketCapacity,
    ...changes,
  };
  return txTime(await f.breaker.connect(f.s.deployer).setAssetConfig(asset, config));
}

/** Checks the named fields of a struct returned by a view (a typo in a field name fails to compile). */
function expectFields<T extends object>(actual: T, expected: Partial<Record<keyof T, unknown>>, label: string) {
  const fields = actual as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(expected)) expect(fields[key], `${label}.${key}`).to.equal(value);
}

// ===================================================================================================

describe("Circuit breakers: integration with engine, pool and auction house", function () {
  describe("deployment", function () {
    it("sizes every breaker from the parameters: 20% drop, 30 min trips, cap 50% and bucket 20% of depth per hour", async function () {
      const f = await networkHelpers.loadFixture(baseFixture);
      const { s, breaker } = f;
      for (const asset of [f.weth, f.wbtc, f.link]) {
        const depth = (await s.engine.collateralConfig(asset)).marketDepth; // [wad usd]
        const c = await breaker.assetConfig(asset);
        expect(c.maxDrop).to.equal(wad("0.2"));
        expect(c.cooldown).to.equal(COOLDOWN);
        expect(c.refillPeriod).to.equal(HOUR);
        expect(c.debtUnderAuctionCap).to.equal(depth / 2n / 10n ** 12n); // USDC base units
        expect(c.bucketCapacity).to.equal(depth / 5n);
        const v = await breaker.assetView(asset);
        expect(v.bucketAvailable).to.equal(c.bucketCapacity); // starts full
        expect(v.debtUnderAuction).to.equal(0n);
      }
      const g = await breaker.globalView();
      expect(g.config.globalDebtUnderAuctionCap).to.equal(USDC(200_000_000));
      expect(g.config.maxPauseDuration).to.equal(MAX_PAUSE);
      expect(g.config.pauseCooldown).to.equal(PAUSE_COOLDOWN);
      expect(g.config.gracePeriod).to.equal(GRACE);
      const address = await breaker.getAddress();
      expect(await s.engine.circuitBreaker()).to.equal(address);
      expect(await s.pool.circuitBreaker()).to.equal(address);
      expect(await s.auctionHouse.circuitBreaker()).to.equal(address);
      expect(await breaker.auctionHouse()).to.equal(f.ah);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe("price-drop breaker", function () {
    it("trips strictly below window high x 0.8: not at the trip price, not one feed unit above; one unit below, by anyone", async function () {
      const f = await networkHelpers.loadFixture(dropFixture);
      const { s, breaker, weth } = f;
      const high = wad("3000");
      const tripPrice = wad("2400");
      let v = await breaker.assetView(weth);
      expectFields(v, { windowHighPrice: high, tripPrice, tripped: false, trippedUntil: 0n, graceUntil: 0n }, "before");

      await setPrice(s, "WETH", "2400.00000001"); // one unit (1e-8 USD) above the trip price
      await expect(breaker.connect(s.stranger).trip(weth))
        .to.be.revertedWithCustomError(breaker, "NoPriceDrop")
        .withArgs(weth, tripPrice + 10n ** 10n, tripPrice);
      await setPrice(s, "WETH", "2400"); // exactly the trip price: not below it
      await expect(breaker.connect(s.stranger).trip(weth))
        .to.be.revertedWithCustomError(breaker, "NoPriceDrop")
        .withArgs(weth, tripPrice, tripPrice);
      expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(false);

      await setPrice(s, "WETH", "2399.99999999"); // one unit below
      const t = (await now()) + 5n;
      await at(t);
      await expect(breaker.connect(s.stranger).trip(weth))
        .to.emit(breaker, "Tripped")
        .withArgs(weth, s.stranger.address, tripPrice - 10n ** 10n, high, t + COOLDOWN);
      v = await breaker.assetView(weth);
      expectFields(
        v,
        {
          tripped: true,
          trippedUntil: t + COOLDOWN,
          graceUntil: t + COOLDOWN + GRACE,
          frozen: false,
          oracleFailed: false,
        },
        "tripped",
      );
      expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(true);
      // Re-tripping while tripped would extend it: refused.
      await expect(breaker.trip(weth))
        .to.be.revertedWithCustomError(breaker, "BreakerTripped")
        .withArgs(weth, t + COOLDOWN);
      // An asset never poked has no window high, so no trip price: it cannot trip.
      await expect(breaker.trip(f.wbtc))
        .to.be.revertedWithCustomError(breaker, "NoPriceDrop")
        .withArgs(f.wbtc, wad("60000"), 0n);
    });

    it("while tripped, WETH gives no borrowing power: a WETH-only vault cannot borrow (Undercollateralised(id, 0)), a WETH+WBTC vault only up to WBTC's power", async function () {
      const f = await networkHelpers.loadFixture(trippedFixture);
      const { s, weth, wbtc, mid, mixed } = f;
      expect(await s.engine.maxBorrow(mid)).to.equal(0n);
      expect(await s.engine.initialHealthFactor(mid)).to.equal(0n);
      await expect(s.engine.connect(s.alice).borrow(mid, USDC(100), s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(mid, 0n);

      // The mixed vault: WETH still has initial value in the plain breakdown, but maxBorrow counts WBTC only.
      const breakdown = await s.engine.healthBreakdown(mixed);
      expect(breakdown.assets.find((a) => a.asset === weth)!.initialValue).to.be.greaterThan(0n);
      const wbtcOnly = await maxBorrowFromOnly(s, mixed, wbtc);
      expect(wbtcOnly).to.equal(USDC(44_940) - 1n); // 60,000 x (1 - 0.25) - 0.5 x 60,000^2 / 30M, less one unit
      expect(await s.engine.maxBorrow(mixed)).to.equal(wbtcOnly);
      await expect(s.engine.connect(s.carol).borrow(mixed, wbtcOnly, s.carol.address)).to.emit(s.engine, "Borrowed");
      expect(await s.engine.maxBorrow(mixed)).to.equal(0n);
      await expect(s.engine.connect(s.carol).borrow(mixed, USDC(1), s.carol.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(mixed, (hf: bigint) => hf < WAD && hf > (WAD * 9999n) / 10000n);
      // Repay a little (interest accrues every second); WETH gives no power anyway, so taking all of it out
      // does not lower the initial health: allowed. WBTC carries the debt: 0.01 WBTC may not leave.
      await expect(s.engine.connect(s.carol).repay(mixed, USDC(100))).to.emit(s.engine, "Repaid");
      await expect(s.engine.connect(s.carol).withdraw(mixed, weth, WETH(10), s.carol.address)).to.emit(
        s.engine,
        "CollateralWithdrawn",
      );
      await expect(
        s.engine.connect(s.carol).withdraw(mixed, wbtc, WBTC("0.01"), s.carol.address),
      ).to.be.revertedWithCustomError(s.engine, "Undercollateralised");
    });

    it("while tripped, withdrawing from an indebted WETH vault is refused; a debt-free vault withdraws; repay and deposits (with or without debt) work", async function () {
      const f = await networkHelpers.loadFixture(trippedFixture);
      const { s, weth, mid, free } = f;
      await expect(s.engine.connect(s.alice).withdraw(mid, weth, 1n, s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(mid, 0n);
      await expect(s.engine.connect(s.stranger).withdraw(free, weth, WETH(5), s.stranger.address))
        .to.emit(s.engine, "CollateralWithdrawn")
        .withArgs(free, weth, s.stranger.address, WETH(5));
      // A trip never blocks deposits, not even into a debt-free vault.
      await expect(s.engine.connect(s.stranger).deposit(free, weth, WETH(1))).to.emit(s.engine, "CollateralDeposited");
      await expect(s.engine.connect(s.alice).repay(mid, USDC(1_000))).to.emit(s.engine, "Repaid");
      await expect(s.engine.connect(s.alice).deposit(mid, weth, WETH(1))).to.emit(s.engine, "CollateralDeposited");
    });

    it("kick while tripped: a vault between the hard floor and 1 waits (BreakerTripped(asset, until)); one below the hard floor is liquidated", async function () {
      const f = await networkHelpers.loadFixture(trippedFixture);
      const { s, breaker, weth, mid, low } = f;
      const hfMid = await s.engine.healthFactor(mid);
      expect(hfMid).to.be.greaterThanOrEqual(HARD_FLOOR);
      expect(hfMid).to.be.lessThan(WAD);
      expect(await s.engine.healthFactor(low)).to.be.lessThan(HARD_FLOOR);

      const [ok, reason] = await s.auctionHouse.canKick(mid, weth);
      expect(ok).to.equal(false);
      expect(reason).to.equal(breaker.interface.getError("BreakerTripped")!.selector);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "BreakerTripped")
        .withArgs(weth, f.trippedUntil);

      const tx = await kickTx(s, low, weth);
      await expect(tx).to.emit(s.auctionHouse, "AuctionStarted");
      await expect(tx).not.to.emit(s.auctionHouse, "KickDeferred");
      await expect(tx).not.to.emit(breaker, "Tripped"); // already tripped: the kick's own trip attempt failed
      const started = await eventOf(s.auctionHouse, (await tx.wait())!, "AuctionStarted");
      expect((await breaker.assetView(weth)).debtUnderAuction).to.equal(started.debt);
    });

    it("after the cooldown, borrowing against WETH resumes at once; kicks wait the grace period (LiquidationGracePeriod), except below the hard floor, then work", async function () {
      const f = await networkHelpers.loadFixture(trippedFixture);
      const { s, breaker, weth, mid, low, mixed } = f;
      const U = f.trippedUntil;
      // The price recovers to exactly the trip price ($2,400): no longer a drop, yet mid (HF 0.97) and
      // low (HF 0.89) are still liquidatable.
      await time.increaseTo(U - 10n);
      await setPrice(s, "WETH", "2400");
      expect(await s.engine.healthFactor(mid)).to.be.lessThan(WAD);
      expect(await s.engine.healthFactor(low)).to.be.lessThan(HARD_FLOOR);

      await at(U - 1n);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "BreakerTripped")
        .withArgs(weth, U);
      await at(U);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, U + GRACE);
      await at(U);
      await expect(kickTx(s, low, weth)).to.emit(s.auctionHouse, "AuctionStarted");
      let v = await breaker.assetView(weth);
      expectFields(v, { tripped: false, trippedUntil: U, graceUntil: U + GRACE }, "after cooldown");

      // Borrowing is not subject to the grace period: WETH's power is back.
      expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(false);
      expect(await s.engine.maxBorrow(mixed)).to.be.greaterThan(await maxBorrowFromOnly(s, mixed, f.wbtc));
      await expect(s.engine.connect(s.carol).borrow(mixed, USDC(50_000), s.carol.address)).to.emit(
        s.engine,
        "Borrowed",
      );

      await at(U + GRACE - 1n);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, U + GRACE);
      await at(U + GRACE);
      await expect(kickTx(s, mid, weth)).to.emit(s.auctionHouse, "AuctionStarted");
      v = await breaker.assetView(weth);
      expect(v.graceUntil).to.equal(U + GRACE);
    });

    it("a kick trips the breaker itself when the drop is there: above the hard floor it defers (returns 0, KickDeferred) and the trip sticks", async function () {
      const f = await networkHelpers.loadFixture(droppedFixture);
      const { s, breaker, weth, mid, mixed } = f;
      expect((await breaker.assetView(weth)).tripped).to.equal(false);
      expect(await s.auctionHouse.kick.staticCall(mid, weth, s.keeper.address)).to.equal(0n);

      const t = (await now()) + 5n;
      await at(t);
      const tx = await kickTx(s, mid, weth);
      await expect(tx)
        .to.emit(breaker, "Tripped")
        .withArgs(weth, f.ah, wad("2300"), wad("3000"), t + COOLDOWN);
      await expect(tx)
        .to.emit(s.auctionHouse, "KickDeferred")
        .withArgs(mid, weth, s.keeper.address, (hf: bigint) => hf >= HARD_FLOOR && hf < WAD);
      await expect(tx).not.to.emit(s.auctionHouse, "AuctionStarted");
      expect(await s.auctionHouse.auctionCount()).to.equal(0n);
      expect(await s.engine.collateralAmount(mid, weth)).to.equal(WETH(10));

      // The trip persisted: it blocks borrowing against WETH and the next kick of mid.
      expectFields(await breaker.assetView(weth), { tripped: true, trippedUntil: t + COOLDOWN }, "after kick");
      expect(await s.engine.maxBorrow(mixed)).to.equal(await maxBorrowFromOnly(s, mixed, f.wbtc));
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "BreakerTripped")
        .withArgs(weth, t + COOLDOWN);
    });

    it("a kick below the hard floor trips the breaker and liquidates in the same transaction", async function () {
      const f = await networkHelpers.loadFixture(droppedFixture);
      const { s, breaker, weth, mid, low } = f;
      const t = (await now()) + 5n;
      await at(t);
      const tx = await kickTx(s, low, weth);
      await expect(tx)
        .to.emit(breaker, "Tripped")
        .withArgs(weth, f.ah, wad("2300"), wad("3000"), t + COOLDOWN);
      await expect(tx).to.emit(s.auctionHouse, "AuctionStarted");
      await expect(tx).not.to.emit(s.auctionHouse, "KickDeferred");
      expect((await breaker.assetView(weth)).trippedUntil).to.equal(t + COOLDOWN);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "BreakerTripped")
        .withArgs(weth, t + COOLDOWN);
    });

    it("only governance clears a trip early; with the drop still there it stays cleared: borrowing resumes, liquidations wait the grace period from then", async function () {
      const f = await networkHelpers.loadFixture(trippedFixture);
      const { s, breaker, weth, mid, low, mixed } = f;
      await expect(breaker.connect(s.stranger).clearTrip(weth))
        .to.be.revertedWithCustomError(breaker, "AccessManagedUnauthorized")
        .withArgs(s.stranger.address);
      const c = (await now()) + 5n;
      await at(c);
      const tx = await breaker.connect(s.deployer).clearTrip(weth);
      await expect(tx).to.emit(breaker, "TripCleared").withArgs(weth, s.deployer.address);
      await expect(tx)
        .to.emit(breaker, "GraceStarted")
        .withArgs(weth, c + GRACE);
      await expect(breaker.clearTrip(weth)).to.be.revertedWithCustomError(breaker, "NotTripped").withArgs(weth);
      expectFields(
        await breaker.assetView(weth),
        { tripped: false, trippedUntil: c, graceUntil: c + GRACE },
        "cleared",
      );
      expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(false);
      expect(await s.engine.maxBorrow(mixed)).to.be.greaterThan(await maxBorrowFromOnly(s, mixed, f.wbtc));

      // WETH is still $2,300, 23% below the window high: the same window cannot trip again, neither through
      // anyone's trip() nor through a kick's own trip attempt.
      const { windowStart } = await s.oracle.trackerState(weth);
      await expect(breaker.connect(s.stranger).trip(weth))
        .to.be.revertedWithCustomError(breaker, "WindowAlreadyTripped")
        .withArgs(weth, windowStart);
      await at(c + 1n);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, c + GRACE);
      await at(c + 1n);
      await expect(kickTx(s, low, weth)).to.emit(s.auctionHouse, "AuctionStarted");
      await at(c + GRACE);
      const kick = await kickTx(s, mid, weth);
      await expect(kick).to.emit(s.auctionHouse, "AuctionStarted");
      await expect(kick).not.to.emit(s.auctionHouse, "KickDeferred");
      expect((await breaker.assetView(weth)).tripped).to.equal(false);
    });

    it("one trip per tracker window: with the drop still there, the trip does not re-arm after the cooldown; kicks wait the grace period, then liquidate", async function () {
      const f = await networkHelpers.loadFixture(trippedFixture);
      const { s, breaker, weth, mid } = f;
      const U = f.trippedUntil;
      const { windowStart } = await s.oracle.trackerState(weth);
      await at(U);
      await expect(breaker.connect(s.stranger).trip(weth))
        .to.be.revertedWithCustomError(breaker, "WindowAlreadyTripped")
        .withArgs(weth, windowStart);
      await at(U);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, U + GRACE);
      // Long after the window's end the stored high is still $3,000 (nobody poked): still no re-trip.
      await at(U + GRACE);
      const kick = await kickTx(s, mid, weth);
      await expect(kick).to.emit(s.auctionHouse, "AuctionStarted");
      await expect(kick).not.to.emit(s.auctionHouse, "KickDeferred");
      await expect(kick).not.to.emit(breaker, "Tripped");
      expectFields(
        await breaker.assetView(weth),
        { tripped: false, trippedUntil: U, windowHighPrice: wad("3000") },
        "after",
      );
    });

    it("a new tracker window (a high observed after the trip) can trip again", async function () {
      const f = await networkHelpers.loadFixture(trippedFixture);
      const { s, breaker, weth } = f;
      const { windowStart } = await s.oracle.trackerState(weth);
      const [, , windowLength] = await s.oracle.trackerParameters();
      await time.increaseTo(windowStart + windowLength);
      await s.oracle.poke(weth); // new window, high $2,300: trip price $1,840
      const v = await breaker.assetView(weth);
      expectFields(v, { windowHighPrice: wad("2300"), tripPrice: wad("1840"), tripped: false }, "new window");
      await setPrice(s, "WETH", "1840");
      await expect(breaker.trip(weth))
        .to.be.revertedWithCustomError(breaker, "NoPriceDrop")
        .withArgs(weth, wad("1840"), wad("1840"));
      await setPrice(s, "WETH", "1839.99999999");
      const t = (await now()) + 5n;
      await at(t);
      await expect(breaker.connect(s.stranger).trip(weth))
        .to.emit(breaker, "Tripped")
        .withArgs(weth, s.stranger.address, wad("1840") - 10n ** 10n, wad("2300"), t + COOLDOWN);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe("oracle breaker", function () {
    it("anyone records a failure of a stale feed (not of a healthy one); the view shows it; recovery is refused while it still fails", async function () {
      const f = await networkHelpers.loadFixture(staleFixture);
      const { s, breaker, weth, wbtc } = f;
      await expect(breaker.connect(s.stranger).recordOracleFailure(wbtc))
        .to.be.revertedWithCustomError(breaker, "OracleHealthy")
        .withArgs(wbtc);
      await expect(breaker.connect(s.stranger).recordOracleRecovery(weth))
        .to.be.revertedWithCustomError(breaker, "NoOracleFailureRecorded")
        .withArgs(weth);
      const t = (await now()) + 5n;
      await at(t);
      await expect(breaker.connect(s.stranger).recordOracleFailure(weth))
        .to.emit(breaker, "OracleFailureRecorded")
        .withArgs(weth, Failure.Stale);
      await expect(breaker.recordOracleFailure(weth))
        .to.be.revertedWithCustomError(breaker, "OracleFailureAlreadyRecorded")
        .withArgs(weth, t);
      expectFields(
        await breaker.assetView(weth),
        { oracleFailed: true, oracleFailure: Failure.Stale, tripped: false, frozen: false, graceUntil: 0n },
        "failed",
      );
      expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(true);
      expect(await breaker.isRiskIncreaseBlocked(wbtc)).to.equal(false);
      await expect(breaker.recordOracleRecovery(weth))
        .to.be.revertedWithCustomError(breaker, "OracleFailureMode")
        .withArgs(weth, Failure.Stale);
    });

    it("while WETH's price fails, borrows and withdrawals that need it revert; repay, deposits and a debt-free vault's withdrawal work", async function () {
      const f = await networkHelpers.loadFixture(staleFixture);
      const { s, breaker, weth, wbtc, mid, low, mixed, free } = f;
      await breaker.recordOracleFailure(weth);
      const stale = (p: Promise<unknown>) =>
        expect(p).to.be.revertedWithCustomError(s.oracle, "OracleFailed").withArgs(weth, Failure.Stale);
      await stale(s.engine.connect(s.alice).borrow(mid, USDC(100), s.alice.address));
      await stale(s.engine.connect(s.carol).borrow(mixed, USDC(100), s.carol.address)); // WBTC cannot help
      await stale(s.engine.connect(s.alice).withdraw(mid, weth, 1n, s.alice.address));
      await stale(s.engine.connect(s.carol).withdraw(mixed, wbtc, 1n, s.carol.address));
      // Without a price nobody can be liquidated, not even below the hard floor.
      await stale(kickTx(s, low, weth));
      await stale(kickTx(s, mid, weth));

      await expect(s.engine.connect(s.alice).repay(mid, USDC(1_000))).to.emit(s.engine, "Repaid");
      await expect(s.engine.connect(s.alice).deposit(mid, weth, WETH(1))).to.emit(s.engine, "CollateralDeposited");
      await expect(s.engine.connect(s.alice).deposit(mid, wbtc, WBTC(1))).to.emit(s.engine, "CollateralDeposited");
      await expect(s.engine.connect(s.stranger).withdraw(free, weth, WETH(1), s.stranger.address)).to.emit(
        s.engine,
        "CollateralWithdrawn",
      );
      await expect(s.engine.connect(s.stranger).deposit(free, weth, WETH(1))).to.emit(s.engine, "CollateralDeposited");
    });

    it("fresh price, failure still recorded: WETH gives no borrowing power, kicks above the hard floor get OracleFailureMode(asset, None), below it they work", async function () {
      const f = await networkHelpers.loadFixture(staleFixture);
      const { s, breaker, weth, wbtc, mid, low, mixed } = f;
      await breaker.recordOracleFailure(weth);
      await setPrice(s, "WETH", "2300");
      expectFields(await breaker.assetView(weth), { oracleFailed: true, oracleFailure: Failure.None }, "fresh");
      await expect(s.engine.connect(s.alice).borrow(mid, USDC(100), s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(mid, 0n);
      const wbtcOnly = await maxBorrowFromOnly(s, mixed, wbtc);
      expect(wbtcOnly).to.be.greaterThan(USDC(24_000)); // 44,940 - 20,000 and a day of interest
      expect(await s.engine.maxBorrow(mixed)).to.equal(wbtcOnly);
      await expect(
        s.engine.connect(s.carol).borrow(mixed, wbtcOnly + USDC(1), s.carol.address),
      ).to.be.revertedWithCustomError(s.engine, "Undercollateralised");
      // Less one USDC: the borrow is mined a second later, with a second more interest on the 20,000.
      await expect(s.engine.connect(s.carol).borrow(mixed, wbtcOnly - USDC(1), s.carol.address)).to.emit(
        s.engine,
        "Borrowed",
      );

      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "OracleFailureMode")
        .withArgs(weth, Failure.None);
      await expect(kickTx(s, low, weth)).to.emit(s.auctionHouse, "AuctionStarted");
    });

    it("recordOracleRecovery (by anyone) restores borrowing power and starts the grace period for liquidations above the hard floor", async function () {
      const f = await networkHelpers.loadFixture(staleFixture);
      const { s, breaker, weth, wbtc, mid, low, mixed } = f;
      await breaker.recordOracleFailure(weth);
      await setPrice(s, "WETH", "2300");
      const r = (await now()) + 5n;
      await at(r);
      const tx = await breaker.connect(s.stranger).recordOracleRecovery(weth);
      await expect(tx)
        .to.emit(breaker, "OracleRecovered")
        .withArgs(weth, r + GRACE);
      await expect(tx)
        .to.emit(breaker, "GraceStarted")
        .withArgs(weth, r + GRACE);
      expectFields(await breaker.assetView(weth), { oracleFailed: false, graceUntil: r + GRACE }, "recovered");
      expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(false);
      expect(await s.engine.maxBorrow(mixed)).to.be.greaterThan(await maxBorrowFromOnly(s, mixed, wbtc));

      await at(r + 1n);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, r + GRACE);
      await at(r + 1n);
      await expect(kickTx(s, low, weth)).to.emit(s.auctionHouse, "AuctionStarted");
      await at(r + GRACE - 1n);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, r + GRACE);
      await at(r + GRACE);
      await expect(kickTx(s, mid, weth)).to.emit(s.auctionHouse, "AuctionStarted");
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe("guardian pauses", function () {
    interface Probe {
      name: string;
      blockedBy?: bigint;
      run: (f: PauseF) => Promise<ContractTransactionResponse>;
    }
    const PROBES: Probe[] = [
      {
        name: "deposit into a debt-free vault",
        blockedBy: Action.Deposit,
        run: (f) => f.s.engine.connect(f.s.alice).deposit(f.free, f.weth, WETH(1)),
      },
      {
        name: "deposit into an indebted vault",
        run: (f) => f.s.engine.connect(f.s.bob).deposit(f.indebted, f.weth, WETH(1)),
      },
      {
        name: "withdraw from a debt-free vault",
        blockedBy: Action.Withdraw,
        run: (f) => f.s.engine.connect(f.s.alice).withdraw(f.free, f.weth, WETH(1), f.s.alice.address),
      },
      {
        name: "withdraw from an indebted vault",
        blockedBy: Action.Withdraw,
        run: (f) => f.s.engine.connect(f.s.bob).withdraw(f.indebted, f.weth, WETH(1), f.s.bob.address),
      },
      {
        name: "borrow",
        blockedBy: Action.Borrow,
        run: (f) => f.s.engine.connect(f.s.bob).borrow(f.indebted, USDC(100), f.s.bob.address),
      },
      { name: "repay part", run: (f) => f.s.engine.connect(f.s.bob).repay(f.indebted, USDC(1_000)) },
      { name: "repay everything", run: (f) => f.s.engine.connect(f.s.bob).repay(f.indebted, MAX_UINT) },
      { name: "kick (vault below the hard floor)", blockedBy: Action.Kick, run: (f) => kickTx(f.s, f.low, f.weth) },
      {
        name: "take",
        blockedBy: Action.Take,
        run: (f) =>
          f.s.auctionHouse.connect(f.s.keeper).take(f.auctionId, WETH(10), MAX_UINT, f.s.keeper.address, "0x"),
      },
      {
        name: "pool deposit",
        blockedBy: Action.PoolDeposit,
        run: (f) => f.s.pool.connect(f.s.lender).deposit(USDC(1_000), f.s.lender.address),
      },
      {
        name: "pool mint",
        blockedBy: Action.PoolDeposit,
        run: (f) => f.s.pool.connect(f.s.lender).mint(10n ** 15n, f.s.lender.address),
      },
      {
        name: "pool withdraw",
        blockedBy: Action.PoolWithdraw,
        run: (f) => f.s.pool.connect(f.s.lender).withdraw(USDC(1_000), f.s.lender.address, f.s.lender.address),
      },
      {
        name: "pool redeem",
        blockedBy: Action.PoolWithdraw,
        run: (f) => f.s.pool.connect(f.s.lender).redeem(10n ** 15n, f.s.lender.address, f.s.lender.address),
      },
    ];

    /** Runs every probe from the same state (rolled back after each one). */
    async function runProbes(f: PauseF, paused: bigint | undefined, until: bigint) {
      for (const probe of PROBES) {
        const snapshot = await networkHelpers.takeSnapshot();
        const blocked = paused !== undefined && probe.blockedBy === paused;
        await about(`${probe.name} (paused: ${paused === undefined ? "none" : ACTION_NAMES[Number(paused)]})`, () =>
          blocked
            ? expect(probe.run(f)).to.be.revertedWithCustomError(f.breaker, "ActionPaused").withArgs(paused, until)
            : expect(probe.run(f)).not.to.revert(ethers),
        );
        await snapshot.restore();
      }
    }

    it("with nothing paused every probed action works", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      await runProbes(f, undefined, 0n);
    });

    for (const name of ACTION_NAMES) {
      const action = Action[name];
      const blocks = PROBES.filter((p) => p.blockedBy === action).map((p) => p.name);
      it(`pausing ${name} blocks exactly: ${blocks.join(", ")} (ActionPaused(action, until))`, async function () {
        const f = await networkHelpers.loadFixture(pauseFixture);
        const t = (await now()) + 5n;
        await at(t);
        await expect(f.breaker.connect(f.s.deployer).pause(action, HOUR))
          .to.emit(f.breaker, "Paused")
          .withArgs(action, f.s.deployer.address, t + HOUR);
        const g = await f.breaker.globalView();
        for (const other of ACTION_NAMES) {
          expect(g.pausedUntil[Number(Action[other])], other).to.equal(other === name ? t + HOUR : 0n);
        }
        await runProbes(f, action, t + HOUR);
      });
    }

    it("repay and deposits into an indebted vault work with every action paused and WETH frozen, tripped and in oracle failure", async function () {
      const f = await networkHelpers.loadFixture(dropFixture);
      const { s, breaker, weth, wbtc, mid, low } = f;
      await setPrice(s, "WETH", "2300");
      await breaker.trip(weth);
      await breaker.connect(s.deployer).freeze(weth, HOUR);
      await setPrice(s, "WETH", "5"); // below the feed's $10 floor: OutOfBounds
      await breaker.recordOracleFailure(weth);
      await setPrice(s, "WETH", "2300"); // usable again, recovery not recorded
      for (const name of ACTION_NAMES) await breaker.connect(s.deployer).pause(Action[name], HOUR);
      expectFields(await breaker.assetView(weth), { frozen: true, tripped: true, oracleFailed: true }, "blocked");

      await expect(s.engine.connect(s.bob).deposit(low, weth, WETH(1))).to.emit(s.engine, "CollateralDeposited");
      await expect(s.engine.connect(s.bob).deposit(low, wbtc, WBTC(1))).to.emit(s.engine, "CollateralDeposited");
      await expect(s.engine.connect(s.bob).repay(low, USDC(1_000))).to.emit(s.engine, "Repaid");
      // Anyone may repay for a vault.
      await expect(s.engine.connect(s.stranger).repay(mid, USDC(1_000))).to.emit(s.engine, "Repaid");
      await expect(s.engine.connect(s.alice).repay(mid, MAX_UINT)).to.emit(s.engine, "Repaid");
      expect(await s.engine.scaledDebtOf(mid)).to.equal(0n);
      // Debt-free now: a deposit is new exposure again, and Deposit is paused.
      const until = (await breaker.globalView()).pausedUntil[Number(Action.Deposit)];
      await expect(s.engine.connect(s.alice).deposit(mid, weth, WETH(1)))
        .to.be.revertedWithCustomError(breaker, "ActionPaused")
        .withArgs(Action.Deposit, until);
    });

    it("a pause expires by itself after its duration: active until the second before `until`", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker } = f;
      const U = (await txTime(await breaker.connect(s.deployer).pause(Action.Borrow, HOUR))) + HOUR;
      const borrow = () => s.engine.connect(s.bob).borrow(f.indebted, USDC(100), s.bob.address);
      await at(U - 1n);
      await expect(borrow()).to.be.revertedWithCustomError(breaker, "ActionPaused").withArgs(Action.Borrow, U);
      await at(U);
      await expect(borrow()).to.emit(s.engine, "Borrowed");
      // The record stays (it is the guardian's cooldown reference) but no longer blocks.
      expect((await breaker.globalView()).pausedUntil[Number(Action.Borrow)]).to.equal(U);
    });

    it("the guardian's pauses and freezes last at most maxPauseDuration (3 days); zero is refused", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker, weth } = f;
      await expect(breaker.connect(s.deployer).pause(Action.Borrow, MAX_PAUSE + 1n))
        .to.be.revertedWithCustomError(breaker, "PauseTooLong")
        .withArgs(MAX_PAUSE + 1n, MAX_PAUSE);
      await expect(breaker.connect(s.deployer).pause(Action.Borrow, 0n))
        .to.be.revertedWithCustomError(breaker, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("duration"), 0n, 1n);
      await expect(breaker.connect(s.deployer).freeze(weth, MAX_PAUSE + 1n))
        .to.be.revertedWithCustomError(breaker, "PauseTooLong")
        .withArgs(MAX_PAUSE + 1n, MAX_PAUSE);
      const t = (await now()) + 5n;
      await at(t);
      await expect(breaker.connect(s.deployer).pause(Action.Borrow, MAX_PAUSE))
        .to.emit(breaker, "Paused")
        .withArgs(Action.Borrow, s.deployer.address, t + MAX_PAUSE);
      await expect(breaker.connect(s.deployer).freeze(weth, MAX_PAUSE)).to.emit(breaker, "Frozen");
    });

    it("re-pausing an action is refused during the pause and for pauseCooldown (1 day) after it ends; other actions are independent", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker } = f;
      const g = breaker.connect(s.deployer);
      const U = (await txTime(await g.pause(Action.Withdraw, HOUR))) + HOUR;
      await expect(g.pause(Action.Withdraw, HOUR))
        .to.be.revertedWithCustomError(breaker, "PauseCooldown")
        .withArgs(Action.Withdraw, U + PAUSE_COOLDOWN);
      await expect(g.pause(Action.Borrow, HOUR)).to.emit(breaker, "Paused"); // another action
      await at(U + PAUSE_COOLDOWN - 1n);
      await expect(g.pause(Action.Withdraw, HOUR))
        .to.be.revertedWithCustomError(breaker, "PauseCooldown")
        .withArgs(Action.Withdraw, U + PAUSE_COOLDOWN);
      // The pause itself is long over: withdrawals work in the meantime.
      await at(U + PAUSE_COOLDOWN - 1n);
      await expect(s.engine.connect(s.alice).withdraw(f.free, f.weth, WETH(1), s.alice.address)).to.emit(
        s.engine,
        "CollateralWithdrawn",
      );
      await at(U + PAUSE_COOLDOWN);
      await expect(g.pause(Action.Withdraw, HOUR))
        .to.emit(breaker, "Paused")
        .withArgs(Action.Withdraw, s.deployer.address, U + PAUSE_COOLDOWN + HOUR);
    });

    it("only governance extends (beyond the maximum) or lifts a pause; a lift restarts the guardian's cooldown", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker, weth } = f;
      const guardian = (await ethers.getSigners())[7];
      await s.accessManager.grantRole(2n, guardian.address, 0); // GUARDIAN only
      const t = (await txTime(await breaker.connect(guardian).pause(Action.Borrow, HOUR))) + HOUR;
      for (const call of [
        () => breaker.connect(guardian).unpause(Action.Borrow),
        () => breaker.connect(guardian).extendPause(Action.Borrow, t + DAY),
        () => breaker.connect(guardian).unfreeze(weth),
        () => breaker.connect(guardian).extendFreeze(weth, t + DAY),
        () => breaker.connect(guardian).clearTrip(weth),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(breaker, "AccessManagedUnauthorized")
          .withArgs(guardian.address);
      }
      await expect(breaker.connect(s.stranger).pause(Action.Take, HOUR))
        .to.be.revertedWithCustomError(breaker, "AccessManagedUnauthorized")
        .withArgs(s.stranger.address);

      const extended = t + 10n * DAY; // governance is not bound by maxPauseDuration
      await expect(breaker.connect(s.deployer).extendPause(Action.Borrow, extended))
        .to.emit(breaker, "Paused")
        .withArgs(Action.Borrow, s.deployer.address, extended);
      const borrow = () => s.engine.connect(s.bob).borrow(f.indebted, USDC(100), s.bob.address);
      await at(t + DAY);
      await expect(borrow()).to.be.revertedWithCustomError(breaker, "ActionPaused").withArgs(Action.Borrow, extended);

      const lift = (await now()) + 5n;
      await at(lift);
      await expect(breaker.connect(s.deployer).unpause(Action.Borrow))
        .to.emit(breaker, "Unpaused")
        .withArgs(Action.Borrow, s.deployer.address);
      await expect(borrow()).to.emit(s.engine, "Borrowed");
      await expect(breaker.connect(s.deployer).unpause(Action.Borrow))
        .to.be.revertedWithCustomError(breaker, "NotPaused")
        .withArgs(Action.Borrow);
      await expect(breaker.connect(guardian).pause(Action.Borrow, HOUR))
        .to.be.revertedWithCustomError(breaker, "PauseCooldown")
        .withArgs(Action.Borrow, lift + PAUSE_COOLDOWN);
    });

    it("after a Kick pause ends, liquidations of every asset wait the grace period, except below the hard floor", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker, weth, mid, low } = f;
      await time.increase(Number(CURE_WINDOW)); // mid's cure window (checked before the breaker)
      const t = (await now()) + 5n;
      await at(t);
      await breaker.connect(s.deployer).pause(Action.Kick, HOUR);
      const U = t + HOUR;
      await expect(kickTx(s, low, weth))
        .to.be.revertedWithCustomError(breaker, "ActionPaused")
        .withArgs(Action.Kick, U);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "ActionPaused")
        .withArgs(Action.Kick, U);
      expect((await breaker.globalView()).globalGraceUntil).to.equal(U + GRACE);
      for (const asset of [weth, f.wbtc, f.link])
        expect((await breaker.assetView(asset)).graceUntil).to.equal(U + GRACE);

      await at(U);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, U + GRACE);
      await at(U);
      await expect(kickTx(s, low, weth)).to.emit(s.auctionHouse, "AuctionStarted");
      await at(U + GRACE - 1n);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, U + GRACE);
      await at(U + GRACE);
      await expect(kickTx(s, mid, weth)).to.emit(s.auctionHouse, "AuctionStarted");
    });

    it("a PoolWithdraw pause does not stop the insurance fund paying keepers or covering bad debt from its pool shares", async function () {
      const { s, breaker, fund, weth, id } = await networkHelpers.loadFixture(fundSharesFixture);
      expect(await s.usdc.balanceOf(fund)).to.equal(0n);
      const U = (await txTime(await breaker.connect(s.deployer).pause(Action.PoolWithdraw, MAX_PAUSE))) + MAX_PAUSE;
      await expect(s.pool.connect(s.lender).withdraw(USDC(1), s.lender.address, s.lender.address))
        .to.be.revertedWithCustomError(breaker, "ActionPaused")
        .withArgs(Action.PoolWithdraw, U);
      await expect(s.pool.connect(s.lender).redeem(10n ** 12n, s.lender.address, s.lender.address))
        .to.be.revertedWithCustomError(breaker, "ActionPaused")
        .withArgs(Action.PoolWithdraw, U);

      // Keeper reward: paid by redeeming the fund's pool shares.
      const keeperBefore = await s.usdc.balanceOf(s.keeper.address);
      const kick = await kickTx(s, id, weth);
      const started = await eventOf(s.auctionHouse, (await kick.wait())!, "AuctionStarted");
      const reward = started.keeperReward as bigint;
      expect(reward).to.be.greaterThan(USDC(5));
      await expect(kick)
        .to.emit(s.insuranceFund, "Paid")
        .withArgs(s.keeper.address, reward, ethers.encodeBytes32String("keeper-incentive"));
      await expect(kick)
        .to.emit(s.pool, "Withdraw")
        .withArgs(fund, s.keeper.address, fund, reward, (x: bigint) => x > 0n);
      expect(await s.usdc.balanceOf(s.keeper.address)).to.equal(keeperBefore + reward);

      // Nobody bids until 2,200 x 0.99^45: the lot fetches less than the debt, leaving bad debt.
      const a = await s.auctionHouse.auction(1n);
      await at(a.startedAt + 2_700n);
      await s.auctionHouse.connect(s.bob).take(1n, a.lot, MAX_UINT, s.bob.address, "0x");
      expect(await s.engine.collateralsOf(id)).to.deep.equal([]);
      const debt = await s.engine.debtOf(id);
      expect(debt).to.be.greaterThan(USDC(1_000));
      const realise = await s.engine.connect(s.stranger).realiseBadDebt(id);
      const realised = await eventOf(s.engine, (await realise.wait())!, "BadDebtRealised");
      expect(realised.covered).to.be.greaterThanOrEqual(debt); // a block of interest later
      expect(realised.socialised).to.equal(0n);
      await expect(realise)
        .to.emit(s.insuranceFund, "Paid")
        .withArgs(await s.pool.getAddress(), realised.covered, ethers.encodeBytes32String("bad-debt"));
      expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
      // Lenders are still paused.
      await expect(
        s.pool.connect(s.lender).withdraw(USDC(1), s.lender.address, s.lender.address),
      ).to.be.revertedWithCustomError(breaker, "ActionPaused");
    });

    it("a reset of a stale auction is a liquidation too: refused during a Kick pause, then waits the grace period unless the vault is below the hard floor", async function () {
      const f = await networkHelpers.loadFixture(resetFixture);
      const { s, breaker } = f;
      expect((await s.auctionHouse.auctionStatus(f.aboveFloor)).needsReset).to.equal(true);
      expect((await s.auctionHouse.auctionStatus(f.belowFloor)).needsReset).to.equal(true);
      // The hard-floor test of a reset reads the vault's HF with its lot at auction.
      expect(await s.engine.healthFactor(f.X)).to.be.greaterThanOrEqual(HARD_FLOOR);
      expect(await s.engine.healthFactor(f.Y)).to.be.lessThan(HARD_FLOOR);
      const t = (await now()) + 5n;
      await at(t);
      await breaker.connect(s.deployer).pause(Action.Kick, HOUR);
      const U = t + HOUR;
      const reset = (id: bigint) => s.auctionHouse.connect(s.keeper).reset(id, s.keeper.address);
      for (const id of [f.aboveFloor, f.belowFloor]) {
        await expect(reset(id)).to.be.revertedWithCustomError(breaker, "ActionPaused").withArgs(Action.Kick, U);
      }
      await at(U);
      await expect(reset(f.aboveFloor))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(f.weth, U + GRACE);
      await at(U);
      await expect(reset(f.belowFloor)).to.emit(s.auctionHouse, "AuctionReset");
      await at(U + GRACE);
      await expect(reset(f.aboveFloor)).to.emit(s.auctionHouse, "AuctionReset");
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe("guardian freezes", function () {
    it("a frozen asset cannot be deposited into a debt-free vault nor borrowed against; other deposits, repay and debt-free withdrawals go on", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker, weth, wbtc, free, indebted } = f;
      const t = (await now()) + 5n;
      await at(t);
      await expect(breaker.connect(s.deployer).freeze(weth, HOUR))
        .to.emit(breaker, "Frozen")
        .withArgs(weth, s.deployer.address, t + HOUR);
      const F = t + HOUR;
      expectFields(await breaker.assetView(weth), { frozen: true, frozenUntil: F, graceUntil: 0n }, "frozen");
      expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(true);

      await expect(s.engine.connect(s.alice).deposit(free, weth, WETH(1)))
        .to.be.revertedWithCustomError(breaker, "AssetFrozen")
        .withArgs(weth, F);
      const fresh = await openVault(s, s.carol);
      await expect(s.engine.connect(s.carol).deposit(fresh, weth, WETH(1)))
        .to.be.revertedWithCustomError(breaker, "AssetFrozen")
        .withArgs(weth, F);
      await expect(s.engine.connect(s.alice).deposit(free, wbtc, WBTC(1))).to.emit(s.engine, "CollateralDeposited");
      await expect(s.engine.connect(s.bob).deposit(indebted, weth, WETH(1))).to.emit(s.engine, "CollateralDeposited");

      expect(await s.engine.maxBorrow(indebted)).to.equal(0n);
      await expect(s.engine.connect(s.bob).borrow(indebted, USDC(100), s.bob.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(indebted, 0n);
      await expect(s.engine.connect(s.bob).withdraw(indebted, weth, 1n, s.bob.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(indebted, 0n);
      await expect(s.engine.connect(s.alice).withdraw(free, weth, WETH(5), s.alice.address)).to.emit(
        s.engine,
        "CollateralWithdrawn",
      );
      await expect(s.engine.connect(s.bob).repay(indebted, USDC(1_000))).to.emit(s.engine, "Repaid");
    });

    it("liquidations of a frozen asset go on during the freeze (no grace while it lasts)", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker, weth, mid, low } = f;
      await breaker.connect(s.deployer).freeze(weth, HOUR);
      await time.increase(Number(CURE_WINDOW)); // mid's cure window
      await expect(kickTx(s, mid, weth)).to.emit(s.auctionHouse, "AuctionStarted");
      await expect(kickTx(s, low, weth)).to.emit(s.auctionHouse, "AuctionStarted");
      expect((await breaker.assetView(weth)).graceUntil).to.equal(0n);
    });

    it("when the freeze ends, deposits and borrowing resume at once; liquidations wait the grace period, except below the hard floor", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker, weth, mid, low, free, indebted } = f;
      const F = (await txTime(await breaker.connect(s.deployer).freeze(weth, HOUR))) + HOUR;
      await at(F - 1n);
      await expect(s.engine.connect(s.alice).deposit(free, weth, WETH(1)))
        .to.be.revertedWithCustomError(breaker, "AssetFrozen")
        .withArgs(weth, F);
      await at(F);
      await expect(s.engine.connect(s.alice).deposit(free, weth, WETH(1))).to.emit(s.engine, "CollateralDeposited");
      expectFields(await breaker.assetView(weth), { frozen: false, frozenUntil: F, graceUntil: F + GRACE }, "ended");
      await expect(s.engine.connect(s.bob).borrow(indebted, USDC(100), s.bob.address)).to.emit(s.engine, "Borrowed");

      await at(F + 2n);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, F + GRACE);
      await at(F + 2n);
      await expect(kickTx(s, low, weth)).to.emit(s.auctionHouse, "AuctionStarted");
      // Only the frozen asset waits: the grace is per asset.
      expect((await breaker.assetView(f.wbtc)).graceUntil).to.equal(0n);
      await at(F + GRACE - 1n);
      await expect(kickTx(s, mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, F + GRACE);
      await at(F + GRACE);
      await expect(kickTx(s, mid, weth)).to.emit(s.auctionHouse, "AuctionStarted");
    });

    it("freeze cooldown; governance unfreezes early (grace from then) or extends", async function () {
      const f = await networkHelpers.loadFixture(pauseFixture);
      const { s, breaker, weth, free } = f;
      const F = (await txTime(await breaker.connect(s.deployer).freeze(weth, HOUR))) + HOUR;
      await expect(breaker.connect(s.deployer).freeze(weth, HOUR))
        .to.be.revertedWithCustomError(breaker, "FreezeCooldown")
        .withArgs(weth, F + PAUSE_COOLDOWN);
      await expect(breaker.connect(s.deployer).extendFreeze(weth, F + DAY))
        .to.emit(breaker, "Frozen")
        .withArgs(weth, s.deployer.address, F + DAY);
      await time.increaseTo(F + 1n); // past the original end (and mid's cure window)
      await expect(s.engine.connect(s.alice).deposit(free, weth, WETH(1)))
        .to.be.revertedWithCustomError(breaker, "AssetFrozen")
        .withArgs(weth, F + DAY);
      const u = (await now()) + 5n;
      await at(u);
      const tx = await breaker.connect(s.deployer).unfreeze(weth);
      await expect(tx).to.emit(breaker, "Unfrozen").withArgs(weth, s.deployer.address);
      await expect(tx)
        .to.emit(breaker, "GraceStarted")
        .withArgs(weth, u + GRACE);
      await expect(s.engine.connect(s.alice).deposit(free, weth, WETH(1))).to.emit(s.engine, "CollateralDeposited");
      await expect(kickTx(s, f.mid, weth))
        .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
        .withArgs(weth, u + GRACE);
      await expect(breaker.connect(s.deployer).unfreeze(weth)).to.be.revertedWithCustomError(breaker, "NotFrozen");
      await expect(breaker.connect(s.deployer).freeze(weth, HOUR))
        .to.be.revertedWithCustomError(breaker, "FreezeCooldown")
        .withArgs(weth, u + PAUSE_COOLDOWN);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe("liquidation throttle", function () {
    it("a per-asset debt cap shrinks the auction to fit the room left (debt = room rounded down, lot scaled alike)", async function () {
      const f = await networkHelpers.loadFixture(throttleFixture);
      const { s, breaker, weth, A, B } = f;
      const T = (await now()) + 100n;
      const k0 = await counterfactualKick(s, A, weth, T);
      expect(k0.lot).to.equal(WETH(10)); // the whole position, $23,000
      expect(k0.debt).to.be.greaterThan(USDC(21_296));

      const room = USDC(5_000);
      await setAssetConfig(f, weth, { debtUnderAuctionCap: room });
      const [debtRoom, valueRoom] = await breaker.auctionRoom(weth);
      expect(debtRoom).to.equal(room);
      expect(valueRoom).to.equal(wad("10000000")); // bucket full: 20% of $50M depth

      const { tx, started } = await kickAt(s, A, weth, T);
      // AuctionHouse._sizeAuction: scale = room / debt (wad, down), debt' = debt x scale (down),
      // lot' = min(lot for debt', lot x scale): here the scaled lot binds.
      const scale = (room * WAD) / k0.debt;
      const debt = (k0.debt * scale) / WAD;
      const lot = (k0.lot * scale) / WAD;
      expect(started.debt).to.equal(debt);
      expect(debt).to.equal(room - 1n); // one base unit below the room, from the two roundings down
      expect(started.lot).to.equal(lot);
      const value = (lot * wad("2300")) / WAD;
      await expect(tx).to.emit(breaker, "AuctionThrottled").withArgs(weth, debt, value);
      expectFields(await breaker.assetView(weth), { debtUnderAuction: debt, debtUnderAuctionCap: room }, "after");

      // One base unit of room left: B's auction cannot fit, with the exact rooms in the error.
      const [debtRoom1] = await breaker.auctionRoom(weth);
      expect(debtRoom1).to.equal(room - debt);
      const expectedBucket = bucketAt(wad("10000000"), HOUR, (wad("10000000") - value) * HOUR, T, T + 1n);
      await at(T + 1n);
      await expect(kickTx(s, B, weth))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionThrottled")
        .withArgs(weth, room - debt, expectedBucket);
    });

    it("a kick whose auction, shrunk to the room, would be below dust reverts AuctionThrottled(asset, debtRoom, valueRoom) — asset cap and global cap", async function () {
      const f = await networkHelpers.loadFixture(throttleFixture);
      const { s, breaker, weth, wbtc, A, C } = f;
      await setAssetConfig(f, weth, { debtUnderAuctionCap: USDC(50) }); // 50 + 8% < 100 dust
      await expect(kickTx(s, A, weth))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionThrottled")
        .withArgs(weth, USDC(50), wad("10000000"));
      const [ok, reason] = await s.auctionHouse.canKick(A, weth);
      expect(ok).to.equal(false);
      expect(reason).to.equal(s.auctionHouse.interface.getError("AuctionThrottled")!.selector);
      // Exactly dust-sized fits: debt + penalty >= 100 needs a room of 92.6 or so.
      await setAssetConfig(f, weth, { debtUnderAuctionCap: USDC(93) });
      await expect(kickTx(s, A, weth)).to.emit(s.auctionHouse, "AuctionStarted");

      // The global cap binds every asset, whatever its own cap.
      const g = (await breaker.globalView()).config;
      await breaker.connect(s.deployer).setGlobalConfig({
        globalDebtUnderAuctionCap: USDC(150),
        maxPauseDuration: g.maxPauseDuration,
        pauseCooldown: g.pauseCooldown,
        gracePeriod: g.gracePeriod,
      });
      const used = (await breaker.globalView()).globalDebtUnderAuction;
      expect(used).to.be.greaterThan(USDC(92));
      await expect(kickTx(s, C, wbtc))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionThrottled")
        .withArgs(wbtc, USDC(150) - used, wad("6000000"));
    });

    it("the bucket limits the collateral value put up for auction per period and refills linearly", async function () {
      const f = await networkHelpers.loadFixture(throttleFixture);
      const { s, breaker, weth, A, B } = f;
      const T = (await now()) + 100n;
      const k0 = await counterfactualKick(s, A, weth, T);
      const capacity = wad("5000");
      await setAssetConfig(f, weth, { bucketCapacity: capacity });
      expectFields(
        await breaker.assetView(weth),
        { bucketAvailable: capacity, bucketCapacity: capacity },
        "new bucket",
      );
      expect((await breaker.auctionRoom(weth))[1]).to.equal(capacity);

      const { tx, started } = await kickAt(s, A, weth, T);
      const scale = (capacity * WAD) / ((k0.lot * wad("2300")) / WAD); // valueRoom / value
      const lot = (k0.lot * scale) / WAD;
      const value = (lot * wad("2300")) / WAD;
      expect(started.debt).to.equal((k0.debt * scale) / WAD);
      expect(started.lot).to.equal(lot);
      expect(value).to.be.lessThanOrEqual(capacity);
      expect(value).to.be.greaterThan(capacity - wad("0.001"));
      await expect(tx).to.emit(breaker, "AuctionThrottled").withArgs(weth, started.debt, value);
      const scaledAfter = (capacity - value) * HOUR;
      expect((await breaker.assetView(weth)).bucketAvailable).to.equal(capacity - value);

      // A second of refill ($1.39) is far from a dust-sized auction.
      await at(T + 1n);
      await expect(kickTx(s, B, weth))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionThrottled")
        .withArgs(weth, USDC(25_000_000) - started.debt, bucketAt(capacity, HOUR, scaledAfter, T, T + 1n));

      await time.increaseTo(T + HOUR / 2n);
      const half = bucketAt(capacity, HOUR, scaledAfter, T, T + HOUR / 2n);
      expect(half).to.equal(capacity - value + capacity / 2n);
      expect((await breaker.assetView(weth)).bucketAvailable).to.equal(half);
      await time.increaseTo(T + HOUR);
      expect((await breaker.assetView(weth)).bucketAvailable).to.equal(capacity);
      await expect(kickTx(s, B, weth)).to.emit(breaker, "AuctionThrottled");
    });

    it("debt under auction is the sum of the open auctions' recorded debts, per asset and globally, and returns to 0 as they settle", async function () {
      const f = await networkHelpers.loadFixture(throttleFixture);
      const { s, breaker, weth, wbtc, A, C } = f;
      const s1 = (await kickAt(s, A, weth, (await now()) + 5n)).started;
      const s2 = (await kickAt(s, C, wbtc, (await now()) + 5n)).started;
      const [d1, d2] = [s1.debt as bigint, s2.debt as bigint];
      expect(await s.auctionHouse.throttledDebtOf(1n)).to.equal(d1);
      expect(await s.auctionHouse.throttledDebtOf(2n)).to.equal(d2);
      expect((await breaker.assetView(weth)).debtUnderAuction).to.equal(d1);
      expect((await breaker.assetView(wbtc)).debtUnderAuction).to.equal(d2);
      expect((await breaker.globalView()).globalDebtUnderAuction).to.equal(d1 + d2);
      expect((await breaker.auctionRoom(weth))[0]).to.equal(min(USDC(200_000_000) - d1 - d2, USDC(25_000_000) - d1));

      // A partial take keeps the recorded debt until the auction settles.
      await s.auctionHouse.connect(s.keeper).take(1n, WETH(2), MAX_UINT, s.keeper.address, "0x");
      expect((await s.auctionHouse.auction(1n)).lot).to.equal(s1.lot - WETH(2));
      expect((await breaker.assetView(weth)).debtUnderAuction).to.equal(d1);

      const settle1 = await s.auctionHouse.connect(s.keeper).take(1n, MAX_UINT, MAX_UINT, s.keeper.address, "0x");
      await expect(settle1).to.emit(s.auctionHouse, "AuctionSettled");
      await expect(settle1).to.emit(breaker, "AuctionReleased").withArgs(weth, d1);
      expect(await s.auctionHouse.throttledDebtOf(1n)).to.equal(0n);
      expect((await breaker.assetView(weth)).debtUnderAuction).to.equal(0n);
      expect((await breaker.globalView()).globalDebtUnderAuction).to.equal(d2);

      const settle2 = await s.auctionHouse.connect(s.keeper).take(2n, MAX_UINT, MAX_UINT, s.keeper.address, "0x");
      await expect(settle2).to.emit(breaker, "AuctionReleased").withArgs(wbtc, d2);
      expect((await breaker.assetView(wbtc)).debtUnderAuction).to.equal(0n);
      expect((await breaker.globalView()).globalDebtUnderAuction).to.equal(0n);
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe("one-call views", function () {
    it("assetView and globalView reflect trips, freezes, oracle failures, pauses, graces, debt under auction and buckets at once — and their expiry", async function () {
      const f = await networkHelpers.loadFixture(throttleFixture);
      const { s, breaker, weth, wbtc, link, C } = f;
      const g = breaker.connect(s.deployer);
      // WBTC: an auction open, then frozen for 3 h.
      const tk = (await now()) + 5n;
      const started = (await kickAt(s, C, wbtc, tk)).started;
      const wbtcValue = (started.lot * wad("42000")) / 10n ** 8n;
      const F = (await txTime(await g.freeze(wbtc, 3n * HOUR))) + 3n * HOUR;
      // WETH: window high $2,300, then a drop to $1,800 tripped by anyone.
      await s.oracle.poke(weth);
      await setPrice(s, "WETH", "1800");
      const trippedUntil = (await txTime(await breaker.connect(s.stranger).trip(weth))) + COOLDOWN;
      // LINK: below the feed's floor, failure recorded.
      await setPrice(s, "LINK", "0.001");
      await breaker.recordOracleFailure(link);
      // Borrow paused 1 h, Kick paused 2 h.
      const Pb = (await txTime(await g.pause(Action.Borrow, HOUR))) + HOUR;
      const Pk = (await txTime(await g.pause(Action.Kick, 2n * HOUR))) + 2n * HOUR;

      const t = await now();
      expectFields(
        await breaker.assetView(weth),
        {
          asset: weth,
          frozen: false,
          frozenUntil: 0n,
          tripped: true,
          trippedUntil,
          oracleFailed: false,
          oracleFailure: Failure.None,
          graceUntil: max(Pk, trippedUntil) + GRACE,
          debtUnderAuction: 0n,
          debtUnderAuctionCap: USDC(25_000_000),
          bucketAvailable: wad("10000000"),
          bucketCapacity: wad("10000000"),
          windowHighPrice: wad("2300"),
          tripPrice: wad("1840"),
        },
        "weth",
      );
      expectFields(
        await breaker.assetView(wbtc),
        {
          asset: wbtc,
          frozen: true,
          frozenUntil: F,
          tripped: false,
          trippedUntil: 0n,
          oracleFailed: false,
          oracleFailure: Failure.None,
          graceUntil: Pk + GRACE, // the freeze counts once it has ended
          debtUnderAuction: started.debt,
          debtUnderAuctionCap: USDC(15_000_000),
          bucketAvailable: bucketAt(wad("6000000"), HOUR, (wad("6000000") - wbtcValue) * HOUR, tk, t),
          bucketCapacity: wad("6000000"),
          windowHighPrice: 0n,
          tripPrice: 0n,
        },
        "wbtc",
      );
      expectFields(
        await breaker.assetView(link),
        {
          asset: link,
          frozen: false,
          tripped: false,
          oracleFailed: true,
          oracleFailure: Failure.OutOfBounds,
          graceUntil: Pk + GRACE,
          debtUnderAuction: 0n,
          debtUnderAuctionCap: USDC(2_500_000),
          bucketAvailable: wad("1000000"),
          windowHighPrice: 0n,
          tripPrice: 0n,
        },
        "link",
      );
      let gv = await breaker.globalView();
      expect(gv.pausedUntil.map((x) => x)).to.deep.equal([0n, 0n, Pb, Pk, 0n, 0n, 0n]);
      expectFields(
        gv,
        {
          globalDebtUnderAuction: started.debt,
          globalDebtUnderAuctionCap: USDC(200_000_000),
          globalGraceUntil: Pk + GRACE,
        },
        "global",
      );
      expectFields(
        gv.config,
        {
          globalDebtUnderAuctionCap: USDC(200_000_000),
          maxPauseDuration: MAX_PAUSE,
          pauseCooldown: PAUSE_COOLDOWN,
          gracePeriod: GRACE,
        },
        "config",
      );

      // Everything but the oracle failure expires by itself; the graces then read from the latest end.
      await time.increaseTo(F + GRACE);
      expectFields(await breaker.assetView(weth), { tripped: false, graceUntil: Pk + GRACE }, "weth later");
      expectFields(
        await breaker.assetView(wbtc),
        { frozen: false, frozenUntil: F, graceUntil: F + GRACE },
        "wbtc later",
      );
      expectFields(
        await breaker.assetView(link),
        { oracleFailed: true, oracleFailure: Failure.OutOfBounds },
        "link later",
      );
      gv = await breaker.globalView();
      expect(gv.pausedUntil.map((x) => x)).to.deep.equal([0n, 0n, Pb, Pk, 0n, 0n, 0n]); // kept as history
      await setPrice(s, "LINK", "15");
      expectFields(await breaker.assetView(link), { oracleFailed: true, oracleFailure: Failure.None }, "link fresh");
      const r = await txTime(await breaker.recordOracleRecovery(link));
      expectFields(await breaker.assetView(link), { oracleFailed: false, graceUntil: r + GRACE }, "link recovered");
    });
  });

  // -------------------------------------------------------------------------------------------------
  describe("gas overhead of the breaker checks", function () {
    /**
     * Vaults at $3,000, then WETH at $2,300: indebted (alice, 10 WETH, 10,000), mixed (bob, 10 WETH + 1 WBTC,
     * 20,000), free (carol, 5 WETH), low and low2 (stranger, lender: 10 WETH, 23,000, HF 0.85).
     */
    async function gasFixture() {
      const f = await baseFixture();
      const { s } = f;
      const indebted = await vaultWith(s, s.alice, [[f.weth, WETH(10)]], USDC(10_000));
      const mixed = await vaultWith(
        s,
        s.bob,
        [
          [f.weth, WETH(10)],
          [f.wbtc, WBTC(1)],
        ],
        USDC(20_000),
      );
      const free = await vaultWith(s, s.carol, [[f.weth, WETH(5)]], 0n);
      const low = await vaultWith(s, s.stranger, [[f.weth, WETH(10)]], USDC(23_000));
      const low2 = await vaultWith(s, s.lender, [[f.weth, WETH(10)]], USDC(23_000));
      await setPrice(s, "WETH", "2300");
      return { ...f, indebted, mixed, free, low, low2 };
    }
    type GasF = Awaited<ReturnType<typeof gasFixture>>;

    const OPS: Array<[string, (f: GasF) => Promise<ContractTransactionResponse>]> = [
      [
        "borrow (1 collateral)",
        (f) => f.s.engine.connect(f.s.alice).borrow(f.indebted, USDC(1_000), f.s.alice.address),
      ],
      ["borrow (2 collaterals)", (f) => f.s.engine.connect(f.s.bob).borrow(f.mixed, USDC(1_000), f.s.bob.address)],
      [
        "withdraw (1 collateral, debt)",
        (f) => f.s.engine.connect(f.s.alice).withdraw(f.indebted, f.weth, WETH(1), f.s.alice.address),
      ],
      ["deposit (debt-free vault)", (f) => f.s.engine.connect(f.s.carol).deposit(f.free, f.weth, WETH(1))],
      ["kick (1st auction of WETH)", (f) => kickTx(f.s, f.low, f.weth)],
      ["kick (2nd auction of WETH)", (f) => kickTx(f.s, f.low2, f.weth)],
      [
        "take (settles the auction)",
        (f) => f.s.auctionHouse.connect(f.s.keeper).take(1n, MAX_UINT, MAX_UINT, f.s.keeper.address, "0x"),
      ],
      ["pool deposit", (f) => f.s.pool.connect(f.s.lender).deposit(USDC(1_000), f.s.lender.address)],
    ];

    const ADDRESS_MASK = (1n << 160n) - 1n;
    /** Storage slot of `holder` whose low 160 bits hold the breaker's address, and the slot's word. */
    async function breakerSlot(holder: string, breaker: string): Promise<{ slot: bigint; word: bigint }> {
      for (let i = 0n; i < 64n; i++) {
        const word = BigInt(await ethers.provider.getStorage(holder, i));
        if ((word & ADDRESS_MASK) === BigInt(breaker)) return { slot: i, word };
      }
      throw new Error(`breaker slot not found in ${holder}`);
    }

    /** Gas spent in calls from the transaction into `target` (CALL/STATICCALL frames, call cost included). */
    async function gasInCallsTo(hash: string, target: string) {
      const trace = (await ethers.provider.send("debug_traceTransaction", [
        hash,
        { disableMemory: true, disableStorage: true },
      ])) as { structLogs: Array<{ op: string; gas: number; depth: number; stack?: string[] }> };
      const logs = trace.structLogs;
      const wanted = BigInt(target);
      let calls = 0;
      let gas = 0n;
      const each: bigint[] = [];
      for (let i = 0; i < logs.length; i++) {
        const { op, depth, stack } = logs[i];
        if ((op !== "CALL" && op !== "STATICCALL") || stack === undefined) continue;
        if (BigInt(stack[stack.length - 2]) !== wanted) continue;
        let j = i + 1;
        while (j < logs.length && logs[j].depth !== depth) j++;
        calls++;
        each.push(BigInt(logs[i].gas - logs[j].gas));
        gas += each[each.length - 1];
      }
      return { calls, gas, each };
    }

    async function runOps(f: GasF, start: bigint) {
      const out: Array<{ gasUsed: bigint; hash: string }> = [];
      for (let i = 0; i < OPS.length; i++) {
        await at(start + BigInt(i));
        const tx = await OPS[i][1](f);
        const receipt = (await tx.wait())!;
        out.push({ gasUsed: receipt.gasUsed, hash: tx.hash });
      }
      return out;
    }

    it("measures borrow, kick and friends with the breaker wired vs. unwired (same state, same timestamps)", async function () {
      let f = await networkHelpers.loadFixture(gasFixture);
      const breakerAddress = await f.breaker.getAddress();
      const start = (await now()) + 100n;
      const wired = await runOps(f, start);
      const inBreaker: Array<Awaited<ReturnType<typeof gasInCallsTo>>> = [];
      for (const w of wired) inBreaker.push(await gasInCallsTo(w.hash, breakerAddress));

      // Unwire: clear the breaker address in the engine, the auction house and the pool (each skips every
      // check when it reads address(0)), then replay the same operations at the same timestamps.
      f = await networkHelpers.loadFixture(gasFixture);
      for (const holder of [f.s.engine, f.s.auctionHouse, f.s.pool]) {
        const address = await holder.getAddress();
        // Clears the address only: the engine packs other settings into the same slot.
        const { slot, word } = await breakerSlot(address, breakerAddress);
        await networkHelpers.setStorageAt(address, slot, word & ~ADDRESS_MASK);
      }
      expect(await f.s.engine.circuitBreaker()).to.equal(ethers.ZeroAddress);
      expect(await f.s.auctionHouse.circuitBreaker()).to.equal(ethers.ZeroAddress);
      expect(await f.s.pool.circuitBreaker()).to.equal(ethers.ZeroAddress);
      const unwired = await runOps(f, start);

      const rows = OPS.map(([name], i) => ({
        operation: name,
        wired: Number(wired[i].gasUsed),
        unwired: Number(unwired[i].gasUsed),
        overhead: Number(wired[i].gasUsed - unwired[i].gasUsed),
        "calls into breaker": inBreaker[i].calls,
        "gas in those calls": Number(inBreaker[i].gas),
        "per call": inBreaker[i].each.join(" + "),
      }));
      console.log("\n    Receipt gasUsed, breaker wired vs. unwired:");
      console.table(rows);
      for (let i = 0; i < OPS.length; i++) {
        expect(wired[i].gasUsed, OPS[i][0]).to.be.greaterThan(unwired[i].gasUsed);
        expect((await gasInCallsTo(unwired[i].hash, breakerAddress)).calls, OPS[i][0]).to.equal(0);
        expect(inBreaker[i].calls, OPS[i][0]).to.be.greaterThan(0);
      }
    });

    it("measures each hook on its own (estimateGas, less the 21,000 + calldata intrinsic cost)", async function () {
      const f = await networkHelpers.loadFixture(gasFixture);
      const { s, breaker, weth } = f;
      const intrinsic = (data: string) => {
        let cost = 21_000n;
        for (const byte of ethers.getBytes(data)) cost += byte === 0 ? 4n : 16n;
        return cost;
      };
      await networkHelpers.impersonateAccount(f.ah);
      await networkHelpers.setBalance(f.ah, 10n ** 18n);
      const house = await ethers.getSigner(f.ah);
      const calls: Array<[string, { data: string; from?: string }]> = [
        ["checkAction(Borrow)", { data: breaker.interface.encodeFunctionData("checkAction", [Action.Borrow]) }],
        ["checkDeposit(WETH)", { data: breaker.interface.encodeFunctionData("checkDeposit", [weth]) }],
        [
          "isRiskIncreaseBlocked(WETH)",
          { data: breaker.interface.encodeFunctionData("isRiskIncreaseBlocked", [weth]) },
        ],
        [
          "checkLiquidation(WETH, false)",
          { data: breaker.interface.encodeFunctionData("checkLiquidation", [weth, false]) },
        ],
        ["auctionRoom(WETH)", { data: breaker.interface.encodeFunctionData("auctionRoom", [weth]) }],
        [
          "onAuctionStart(WETH, 20,000 USDC, $23,000) [auction house]",
          {
            data: breaker.interface.encodeFunctionData("onAuctionStart", [weth, USDC(20_000), wad("23000")]),
            from: f.ah,
          },
        ],
      ];
      const rows = [];
      for (const [name, call] of calls) {
        const estimate = await ethers.provider.estimateGas({ to: await breaker.getAddress(), ...call });
        rows.push({
          hook: name,
          estimateGas: Number(estimate),
          "minus intrinsic": Number(estimate - intrinsic(call.data)),
        });
      }
      // onAuctionEnd needs recorded debt: record some first.
      await breaker.connect(house).onAuctionStart(weth, USDC(20_000), wad("23000"));
      const endData = breaker.interface.encodeFunctionData("onAuctionEnd", [weth, USDC(20_000)]);
      const endEstimate = await ethers.provider.estimateGas({
        to: await breaker.getAddress(),
        data: endData,
        from: f.ah,
      });
      rows.push({
        hook: "onAuctionEnd(WETH, 20,000 USDC) [auction house]",
        estimateGas: Number(endEstimate),
        "minus intrinsic": Number(endEstimate - intrinsic(endData)),
      });
      await networkHelpers.stopImpersonatingAccount(f.ah);
      console.log("\n    Breaker hooks called directly (cold storage, as the first call in a transaction):");
      console.table(rows);
      for (const row of rows) expect(row["minus intrinsic"], row.hook).to.be.greaterThan(0);
      void s;
    });
  });
});
