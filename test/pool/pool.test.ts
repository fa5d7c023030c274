import { expect } from "chai";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

// ------------------------------------------------------------------------------------------------
// Constants and an exact BigInt mirror of the pool's arithmetic (same rounding as the contract)
// ------------------------------------------------------------------------------------------------

const WAD = 10n ** 18n;
const RAY = 10n ** 27n;
const DAY = 24n * 3600n;
const YEAR = 365n * DAY;
const V = 10n ** 6n; // virtual shares: 10 ** decimalsOffset
const MAX_BORROW_RATE = (100n * WAD) / YEAR;
const RESERVE_FACTOR = WAD / 10n; // 10%
const RISK_MANAGER = 1n;
const ZERO = ethers.ZeroAddress;
const REASON = ethers.encodeBytes32String("bad-debt");

// 2% + 8% APR up to an 80% kink, then +100% APR at 100% utilisation (per second, wad).
const PARAMS = {
  baseRate: (2n * WAD) / 100n / YEAR,
  slopeLow: (8n * WAD) / 100n / YEAR,
  slopeHigh: WAD / YEAR,
  kink: (8n * WAD) / 10n,
};
type Params = typeof PARAMS;

const divUp = (a: bigint, d: bigint) => (a + d - 1n) / d;
const mulDivUp = (a: bigint, b: bigint, d: bigint) => divUp(a * b, d);
const mulDivDown = (a: bigint, b: bigint, d: bigint) => (a * b) / d;
const min = (a: bigint, b: bigint) => (a < b ? a : b);

function kinkedRate(p: Params, cash: bigint, borrowed: bigint): bigint {
  const u = borrowed === 0n ? 0n : (borrowed * WAD) / (cash + borrowed);
  if (u <= p.kink) return p.baseRate + mulDivUp(p.slopeLow, u, p.kink);
  return p.baseRate + p.slopeLow + mulDivUp(p.slopeHigh, u - p.kink, WAD - p.kink);
}

/// index * (1 + x + x^2/2 + x^3/6), x = rate * dt, every step rounded up (as LendingPool._growIndexUp).
function growIndexUp(index: bigint, rate: bigint, dt: bigint): bigint {
  const x = rate * dt * 10n ** 9n;
  const x2 = mulDivUp(x, x, 2n * RAY);
  const x3 = mulDivUp(x2, x, 3n * RAY);
  return mulDivUp(index, RAY + x + x2 + x3, RAY);
}

/// e^x at ray precision (x in ray), by the full Taylor series: the reference for the approximation.
function expRay(x: bigint): bigint {
  let term = RAY;
  let sum = RAY;
  for (let k = 1n; k < 40n; k++) {
    term = (term * x) / (k * RAY);
    sum += term;
  }
  return sum;
}

interface PoolLike {
  cash(): Promise<bigint>;
  totalScaledDebt(): Promise<bigint>;
  borrowIndex(): Promise<bigint>;
  lastAccrual(): Promise<bigint>;
  totalSupply(): Promise<bigint>;
  reserveFactor(): Promise<bigint>;
  insuranceFund(): Promise<string>;
}

async function snapshot(pool: PoolLike) {
  return {
    cash: await pool.cash(),
    scaled: await pool.totalScaledDebt(),
    index: await pool.borrowIndex(),
    last: await pool.lastAccrual(),
    supply: await pool.totalSupply(),
    rf: await pool.reserveFactor(),
    fund: await pool.insuranceFund(),
  };
}
type Snapshot = Awaited<ReturnType<typeof snapshot>>;

/// What the pool's accrual at timestamp `t` produces from the stored state `s`.
function predict(s: Snapshot, t: bigint, params: Params = PARAMS) {
  const debtBefore = (s.scaled * s.index) / RAY;
  let index = s.index;
  let debt = debtBefore;
  let fee = 0n;
  let reserveShares = 0n;
  const rate = s.scaled === 0n ? 0n : min(kinkedRate(params, s.cash, debtBefore), MAX_BORROW_RATE);
  if (t > s.last && s.scaled !== 0n && rate !== 0n) {
    index = growIndexUp(s.index, rate, t - s.last);
    debt = (s.scaled * index) / RAY;
    if (s.fund !== ZERO) {
      fee = ((debt - debtBefore) * s.rf) / WAD;
      if (fee !== 0n) reserveShares = (fee * (s.supply + V)) / (s.cash + debt + 1n - fee);
    }
  }
  return {
    rate,
    index,
    debt,
    interest: debt - debtBefore,
    fee,
    reserveShares,
    totalAssets: s.cash + debt,
    totalSupply: s.supply + reserveShares,
  };
}

const toSharesDown = (assets: bigint, ta: bigint, ts: bigint) => mulDivDown(assets, ts + V, ta + 1n);
const toSharesUp = (assets: bigint, ta: bigint, ts: bigint) => mulDivUp(assets, ts + V, ta + 1n);
const toAssetsDown = (shares: bigint, ta: bigint, ts: bigint) => mulDivDown(shares, ta + 1n, ts + V);
const toAssetsUp = (shares: bigint, ta: bigint, ts: bigint) => mulDivUp(shares, ta + 1n, ts + V);

// ------------------------------------------------------------------------------------------------
// Fixtures
// ------------------------------------------------------------------------------------------------

async function deployPool(decimals: bigint, withFund: boolean) {
  const [admin, riskManager, alice, bob, carol, stranger, spenderEoa] = await ethers.getSigners();
  const unit = 10n ** decimals;
  const manager = await ethers.deployContract("PoolTestAccessManager", [admin.address]);
  const token = await ethers.deployContract("MockERC20", ["Test USD", "TUSD", decimals]);
  const model = await ethers.deployContract("KinkedRateModel", [manager, PARAMS]);
  const pool = await ethers.deployContract("LendingPool", [
    token,
    "Breakwater TUSD",
    "bwTUSD",
    manager,
    model,
    RESERVE_FACTOR,
  ]);
  const engine = await ethers.deployContract("PoolTestEngine", [pool]);
  const fund = await ethers.deployContract("InsuranceFund", [manager, pool]);
  const spender = await ethers.deployContract("PoolTestSpender");

  const sel = (c: { interface: { getFunction(n: string): { selector: string } | null } }, n: string) =>
    c.interface.getFunction(n)!.selector;
  await manager.setTargetFunctionRole(
    pool,
    [sel(pool, "setRateModel"), sel(pool, "setReserveFactor"), sel(pool, "setInsuranceFund")],
    RISK_MANAGER,
  );
  await manager.setTargetFunctionRole(model, [sel(model, "setParameters")], RISK_MANAGER);
  await manager.setTargetFunctionRole(fund, [sel(fund, "setSpender"), sel(fund, "withdraw")], RISK_MANAGER);
  await manager.grantRole(RISK_MANAGER, riskManager.address, 0);
  // setEngine keeps the default ADMIN role (0).
  await pool.connect(admin).setEngine(engine);
  if (withFund) await pool.connect(riskManager).setInsuranceFund(fund);
  await fund.connect(riskManager).setSpender(spender, true);
  await fund.connect(riskManager).setSpender(spenderEoa.address, true);

  for (const user of [alice, bob, carol]) {
    await token.mint(user.address, 10_000_000n * unit);
    await token.connect(user).approve(pool, ethers.MaxUint256);
    await token.connect(user).approve(engine, ethers.MaxUint256);
  }
  return {
    admin,
    riskManager,
    alice,
    bob,
    carol,
    stranger,
    spenderEoa,
    unit,
    manager,
    token,
    model,
    pool,
    engine,
    fund,
    spender,
  };
}

async function deployPool6() {
  return deployPool(6n, true);
}
async function deployPool18() {
  return deployPool(18n, true);
}
async function deployPool6NoFund() {
  return deployPool(6n, false);
}

type Fixture = Awaited<ReturnType<typeof deployPool>>;

async function latest(): Promise<bigint> {
  return BigInt(await time.latest());
}

/// Lender deposit of `lent` and an engine borrow of `borrowed` to bob.
async function lendAndBorrow(f: Fixture, lent: bigint, borrowed: bigint) {
  await f.pool.connect(f.alice).deposit(lent, f.alice.address);
  if (borrowed > 0n) await f.engine.borrow(borrowed, f.bob.address);
}

// ------------------------------------------------------------------------------------------------
// LendingPool
// ------------------------------------------------------------------------------------------------

describe("LendingPool", function () {
  describe("ERC-4626 exact amounts", function () {
    for (const [label, fixture] of [
      ["6-decimal", deployPool6],
      ["18-decimal", deployPool18],
    ] as const) {
      it(`deposit, mint, withdraw and redeem give exact amounts for a ${label} asset`, async function () {
        const { pool, token, alice, bob, unit } = await networkHelpers.loadFixture(fixture);
        expect(await pool.decimals()).to.equal((await token.decimals()) + 6n);

        // Empty pool: shares = assets * (0 + 1e6) / (0 + 1).
        let tx = pool.connect(alice).deposit(1000n * unit, alice.address);
        await expect(tx)
          .to.emit(pool, "Deposit")
          .withArgs(alice.address, alice.address, 1000n * unit, 1000n * unit * V);
        await expect(tx).to.changeTokenBalances(ethers, token, [alice, pool], [-1000n * unit, 1000n * unit]);

        // Price stays exactly 1e-6 asset per share: (1000u + 1) / (1000u * 1e6 + 1e6).
        tx = pool.connect(bob).mint(500n * unit * V, bob.address);
        await expect(tx)
          .to.emit(pool, "Deposit")
          .withArgs(bob.address, bob.address, 500n * unit, 500n * unit * V);
        await expect(tx).to.changeTokenBalances(ethers, token, [bob, pool], [-500n * unit, 500n * unit]);

        tx = pool.connect(alice).withdraw(200n * unit, alice.address, alice.address);
        await expect(tx)
          .to.emit(pool, "Withdraw")
          .withArgs(alice.address, alice.address, alice.address, 200n * unit, 200n * unit * V);
        await expect(tx).to.changeTokenBalances(ethers, token, [alice, pool], [200n * unit, -200n * unit]);

        tx = pool.connect(bob).redeem(100n * unit * V, bob.address, bob.address);
        await expect(tx)
          .to.emit(pool, "Withdraw")
          .withArgs(bob.address, bob.address, bob.address, 100n * unit, 100n * unit * V);
        await expect(tx).to.changeTokenBalances(ethers, token, [bob, pool], [100n * unit, -100n * unit]);

        expect(await pool.balanceOf(alice.address)).to.equal(800n * unit * V);
        expect(await pool.balanceOf(bob.address)).to.equal(400n * unit * V);
        expect(await pool.totalSupply()).to.equal(1200n * unit * V);
        expect(await pool.cash()).to.equal(1200n * unit);
        expect(await pool.totalAssets()).to.equal(1200n * unit);
      });

      it(`withdraw on behalf spends the allowance in shares (${label})`, async function () {
        const { pool, alice, bob, carol, unit } = await networkHelpers.loadFixture(fixture);
        await pool.connect(alice).deposit(1000n * unit, alice.address);
        await pool.connect(alice).approve(bob.address, 100n * unit * V);
        await expect(pool.connect(bob).withdraw(100n * unit, carol.address, alice.address))
          .to.emit(pool, "Withdraw")
          .withArgs(bob.address, carol.address, alice.address, 100n * unit, 100n * unit * V);
        expect(await pool.allowance(alice.address, bob.address)).to.equal(0n);
        await expect(pool.connect(bob).withdraw(1n, carol.address, alice.address)).to.be.revertedWithCustomError(
          pool,
          "ERC20InsufficientAllowance",
        );
      });
    }
  });

  describe("rounding and previews", function () {
    /** Half lent for 30 days, then accrued: shares are worth more than at the start and nothing is pending. */
    async function accruedPool() {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 500n * unit);
      await time.increase(30n * DAY);
      await pool.accrueInterest();
      // eth_call runs at the latest block's timestamp: no pending interest here.
      return { ...f, ta: await pool.totalAssets(), ts: await pool.totalSupply() };
    }

    it("previews round in the pool's favour (deposit/redeem down, mint/withdraw up)", async function () {
      const { pool, unit, ta, ts } = await accruedPool();
      expect(ta).to.be.greaterThan(1000n * unit);

      const assets = 1_000_003n;
      const shares = 1_000_003n * V + 12_345n;
      // The chosen amounts do not divide evenly, so the rounding direction is observable.
      expect(toSharesUp(assets, ta, ts)).to.equal(toSharesDown(assets, ta, ts) + 1n);
      expect(toAssetsUp(shares, ta, ts)).to.equal(toAssetsDown(shares, ta, ts) + 1n);

      expect(await pool.previewDeposit(assets)).to.equal(toSharesDown(assets, ta, ts));
      expect(await pool.convertToShares(assets)).to.equal(toSharesDown(assets, ta, ts));
      expect(await pool.previewWithdraw(assets)).to.equal(toSharesUp(assets, ta, ts));
      expect(await pool.previewMint(shares)).to.equal(toAssetsUp(shares, ta, ts));
      expect(await pool.previewRedeem(shares)).to.equal(toAssetsDown(shares, ta, ts));
      expect(await pool.convertToAssets(shares)).to.equal(toAssetsDown(shares, ta, ts));
    });

    it("conversions whose exact result exceeds 256 bits revert with ConversionOverflow; the largest that fit are exact", async function () {
      const { pool, ta, ts } = await accruedPool();
      const MAX = 2n ** 256n - 1n;
      // Shares per asset is ~1e6 (the virtual offset): max assets has no 256-bit share count.
      for (const view of ["previewDeposit", "convertToShares", "previewWithdraw"] as const) {
        await expect(pool[view](MAX)).to.be.revertedWithCustomError(pool, "ConversionOverflow").withArgs(MAX);
      }
      // The largest asset amount whose floor share count fits still converts exactly (no truncation).
      const largest = ((MAX + 1n) * (ta + 1n) - 1n) / (ts + V);
      expect(await pool.convertToShares(largest)).to.equal(toSharesDown(largest, ta, ts));
      expect(await pool.previewDeposit(largest)).to.equal(toSharesDown(largest, ta, ts));
      await expect(pool.convertToShares(largest + 1n)).to.be.revertedWithCustomError(pool, "ConversionOverflow");
      // Shares -> assets shrink by ~1e6, so even max shares convert, exactly.
      expect(await pool.convertToAssets(MAX)).to.equal(toAssetsDown(MAX, ta, ts));
      expect(await pool.previewMint(MAX)).to.equal(toAssetsUp(MAX, ta, ts));
    });

    it("views include pending interest and reserve shares without changing state", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, fund, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 700n * unit);
      await time.increase(90n * DAY);
      const s = await snapshot(pool);
      const p = predict(s, await latest());
      expect(p.interest).to.be.greaterThan(0n);
      expect(p.reserveShares).to.be.greaterThan(0n);

      expect(await pool.borrowIndex()).to.equal(s.index); // stored index untouched
      expect(await pool.currentBorrowIndex()).to.equal(p.index);
      expect(await pool.totalDebt()).to.equal(p.debt);
      expect(await pool.totalAssets()).to.equal(p.totalAssets);
      const someShares = 123_456_789n * V;
      expect(await pool.previewRedeem(someShares)).to.equal(toAssetsDown(someShares, p.totalAssets, p.totalSupply));
      // The fund's pending reserve shares count in its maxRedeem/maxWithdraw.
      expect(await pool.balanceOf(fund)).to.equal(0n);
      expect(await pool.maxRedeem(fund)).to.equal(p.reserveShares);
      expect(await pool.maxWithdraw(fund)).to.equal(toAssetsDown(p.reserveShares, p.totalAssets, p.totalSupply));
    });

    it("previews equal the actual results with pending interest", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, token, unit } = f;
      const previewer = await ethers.deployContract("PoolTestPreviewer", [pool]);
      await token.mint(previewer, 10_000n * unit);
      await lendAndBorrow(f, 1000n * unit, 600n * unit);

      const actions: [string, bigint, (p: ReturnType<typeof predict>) => bigint][] = [
        ["deposit", 777_777_777n, (p) => toSharesDown(777_777_777n, p.totalAssets, p.totalSupply)],
        ["mint", 333_333_333_333_333n, (p) => toAssetsUp(333_333_333_333_333n, p.totalAssets, p.totalSupply)],
        ["withdraw", 111_111_111n, (p) => toSharesUp(111_111_111n, p.totalAssets, p.totalSupply)],
        ["redeem", 222_222_222_222_222n, (p) => toAssetsDown(222_222_222_222_222n, p.totalAssets, p.totalSupply)],
      ];
      for (const [action, amount, expected] of actions) {
        const s = await snapshot(pool);
        const t = (await latest()) + 7n * DAY;
        const p = predict(s, t);
        expect(p.interest, action).to.be.greaterThan(0n);
        await time.setNextBlockTimestamp(t);
        await expect((previewer as any)[action](amount))
          .to.emit(pool, "InterestAccrued")
          .withArgs(p.index, p.interest, p.reserveShares);
        expect(await previewer.lastResult(), action).to.equal(expected(p));
        expect(await previewer.lastPreview(), action).to.equal(await previewer.lastResult());
      }

      // maxWithdraw, computed before the accrual, is exactly withdrawable.
      await time.increase(7n * DAY);
      await previewer.withdrawMax();
      expect(await previewer.lastPreview()).to.be.greaterThan(0n);
      expect(await pool.maxWithdraw(previewer)).to.equal(0n);
    });
  });

  describe("donations and the inflation attack", function () {
    it("a donation does not move the share price", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, token, alice, carol, unit } = f;
      await pool.connect(alice).deposit(1000n * unit, alice.address);
      const price = await pool.convertToAssets(unit * V);
      const preview = await pool.previewDeposit(100n * unit);

      await token.connect(carol).transfer(pool, 5_000_000n * unit);
      expect(await token.balanceOf(pool)).to.equal(5_001_000n * unit);
      expect(await pool.cash()).to.equal(1000n * unit);
      expect(await pool.totalAssets()).to.equal(1000n * unit);
      expect(await pool.convertToAssets(unit * V)).to.equal(price);
      expect(await pool.previewDeposit(100n * unit)).to.equal(preview);
      // Donated tokens cannot be withdrawn by share holders either.
      expect(await pool.maxWithdraw(alice.address)).to.equal(1000n * unit);
    });

    it("skim: the admin recovers the base asset above cash, other tokens and pool shares, never lenders' cash", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, token, admin, alice, carol, stranger, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 400n * unit);
      await expect(pool.connect(admin).skim(token, carol.address))
        .to.be.revertedWithCustomError(pool, "NothingToSkim")
        .withArgs(await token.getAddress());

      await token.connect(carol).transfer(pool, 5n * unit + 3n);
      const before = { cash: await pool.cash(), shares: await pool.balanceOf(alice.address) };
      await expect(pool.connect(stranger).skim(token, stranger.address))
        .to.be.revertedWithCustomError(pool, "AccessManagedUnauthorized")
        .withArgs(stranger.address);
      await expect(pool.connect(admin).skim(token, ZERO)).to.be.revertedWithCustomError(pool, "ZeroAddress");
      await expect(pool.connect(admin).skim(token, carol.address))
        .to.emit(pool, "Skimmed")
        .withArgs(await token.getAddress(), carol.address, 5n * unit + 3n);
      expect(await token.balanceOf(pool)).to.equal(before.cash);
      expect(await pool.cash()).to.equal(before.cash);
      expect(await pool.totalAssets()).to.equal(before.cash + (await pool.totalDebt()));
      expect(await pool.balanceOf(alice.address)).to.equal(before.shares);
      await expect(pool.connect(admin).skim(token, carol.address)).to.be.revertedWithCustomError(pool, "NothingToSkim");

      // Another token, and pool shares sent to the pool itself: the whole balance.
      const other = await ethers.deployContract("MockERC20", ["Other", "OTH", 18n]);
      await other.mint(pool, 7n);
      await expect(pool.connect(admin).skim(other, carol.address)).to.changeTokenBalances(
        ethers,
        other,
        [pool, carol],
        [-7n, 7n],
      );
      const shares = await pool.balanceOf(alice.address);
      await pool.connect(alice).transfer(pool, shares / 2n);
      await expect(pool.connect(admin).skim(pool, alice.address))
        .to.emit(pool, "Skimmed")
        .withArgs(await pool.getAddress(), alice.address, shares / 2n);
      expect(await pool.balanceOf(alice.address)).to.equal(shares);
      expect(await pool.balanceOf(pool)).to.equal(0n);
    });

    it("a donation while debt is outstanding leaves totalAssets = cash + debt", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, token, carol, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 400n * unit);
      await token.connect(carol).transfer(pool, 5_000_000n * unit);
      await time.increase(DAY);
      const p = predict(await snapshot(pool), await latest());
      expect(await pool.totalAssets()).to.equal(p.totalAssets);
      expect(await pool.totalAssets()).to.equal(600n * unit + p.debt);
    });

    for (const [label, fixture] of [
      ["6-decimal", deployPool6],
      ["18-decimal", deployPool18],
    ] as const) {
      it(`first-depositor attack (1 wei deposit + large donation) costs the victim nothing (${label})`, async function () {
        const { pool, token, alice: victim, carol: attacker, unit } = await networkHelpers.loadFixture(fixture);
        await pool.connect(attacker).deposit(1n, attacker.address);
        expect(await pool.balanceOf(attacker.address)).to.equal(V);
        const donation = 1_000_000n * unit;
        await token.connect(attacker).transfer(pool, donation);

        const deposit = 1000n * unit;
        await pool.connect(victim).deposit(deposit, victim.address);
        // shares = deposit * (1e6 + 1e6) / (1 + 1): exactly as if no donation happened.
        const victimShares = await pool.balanceOf(victim.address);
        expect(victimShares).to.equal(deposit * V);

        // Victim gets the whole deposit back: loss = 0 wei.
        await expect(pool.connect(victim).redeem(victimShares, victim.address, victim.address)).to.changeTokenBalances(
          ethers,
          token,
          [victim],
          [deposit],
        );
        // The attacker recovers its 1 wei, never the donation.
        await expect(pool.connect(attacker).redeem(V, attacker.address, attacker.address)).to.changeTokenBalances(
          ethers,
          token,
          [attacker],
          [1n],
        );
        expect(await token.balanceOf(pool)).to.equal(donation);
        expect(await pool.totalAssets()).to.equal(0n);
      });
    }
  });

  describe("borrow and repay", function () {
    it("borrow records rounded-up scaled debt, moves cash and accrues first", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, engine, token, alice, bob, carol, unit } = f;
      await pool.connect(alice).deposit(1000n * unit, alice.address);

      // At index 1.0 the scaled debt equals the assets.
      let tx = engine.borrow(300n * unit, bob.address);
      await expect(tx)
        .to.emit(pool, "Borrowed")
        .withArgs(bob.address, 300n * unit, 300n * unit);
      await expect(tx).to.changeTokenBalances(ethers, token, [pool, bob], [-300n * unit, 300n * unit]);
      expect(await pool.borrowIndex()).to.equal(RAY);
      expect(await pool.totalScaledDebt()).to.equal(300n * unit);
      expect(await pool.cash()).to.equal(700n * unit);

      // 30 days later the index is above 1: scaled = ceil(assets * RAY / index).
      const t = (await latest()) + 30n * DAY;
      const p = predict(await snapshot(pool), t);
      const amount = 100n * unit + 7n;
      const scaled = mulDivUp(amount, RAY, p.index);
      await time.setNextBlockTimestamp(t);
      tx = engine.borrow(amount, carol.address);
      await expect(tx).to.emit(pool, "InterestAccrued").withArgs(p.index, p.interest, p.reserveShares);
      await expect(tx).to.emit(pool, "Borrowed").withArgs(carol.address, amount, scaled);
      expect(await pool.borrowIndex()).to.equal(p.index);
      expect(await pool.lastAccrual()).to.equal(t);
      expect(await pool.totalScaledDebt()).to.equal(300n * unit + scaled);
      expect(await pool.cash()).to.equal(600n * unit - 7n);
      // Carol owes at least what she took, and not a full wei more than rounding requires.
      const owed = mulDivUp(scaled, p.index, RAY);
      expect(owed).to.be.greaterThanOrEqual(amount);
      expect(owed - amount).to.be.lessThanOrEqual(divUp(p.index, RAY));
      expect(await engine.borrow.staticCall(0n, carol.address)).to.equal(0n);
    });

    it("repay records the scaled debt, adds cash, and a full repayment clears the ledger", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, engine, token, alice, bob, fund, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 400n * unit);

      // Partial repayment: the engine passes floor(assets * RAY / index).
      let t = (await latest()) + 60n * DAY;
      let p = predict(await snapshot(pool), t);
      const partial = 150n * unit + 3n;
      const partialScaled = mulDivDown(partial, RAY, p.index);
      await time.setNextBlockTimestamp(t);
      let tx = engine.connect(bob).repay(partial, partialScaled);
      await expect(tx).to.emit(pool, "InterestAccrued").withArgs(p.index, p.interest, p.reserveShares);
      await expect(tx).to.emit(pool, "Repaid").withArgs(bob.address, partial, partialScaled);
      await expect(tx).to.changeTokenBalances(ethers, token, [bob, pool], [-partial, partial]);
      expect(await pool.totalScaledDebt()).to.equal(400n * unit - partialScaled);
      expect(await pool.cash()).to.equal(600n * unit + partial);

      // Full repayment: the whole scaled debt for ceil(scaled * index / RAY).
      const remaining = 400n * unit - partialScaled;
      t = (await latest()) + 60n * DAY;
      p = predict(await snapshot(pool), t);
      const full = mulDivUp(remaining, p.index, RAY);
      await time.setNextBlockTimestamp(t);
      await expect(engine.connect(bob).repay(full, remaining))
        .to.emit(pool, "Repaid")
        .withArgs(bob.address, full, remaining);
      expect(await pool.totalScaledDebt()).to.equal(0n);
      expect(await pool.totalDebt()).to.equal(0n);
      expect(await pool.cash()).to.equal(600n * unit + partial + full);
      expect(await pool.totalAssets()).to.equal(await pool.cash());

      // Lenders (and the fund) can now take everything out, with interest.
      const aliceShares = await pool.balanceOf(alice.address);
      const aliceGets = await pool.previewRedeem(aliceShares);
      expect(aliceGets).to.be.greaterThan(1000n * unit);
      await pool.connect(alice).redeem(aliceShares, alice.address, alice.address);
      const fundShares = await pool.balanceOf(fund);
      expect(fundShares).to.be.greaterThan(0n);
      expect(await pool.maxRedeem(fund)).to.equal(fundShares);
    });

    it("reverts with exact errors on excess borrow, repay or write-off", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, engine, bob, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 400n * unit);
      await expect(engine.borrow(600n * unit + 1n, bob.address))
        .to.be.revertedWithCustomError(pool, "InsufficientCash")
        .withArgs(600n * unit + 1n, 600n * unit);
      await expect(engine.connect(bob).repay(0n, 400n * unit + 1n))
        .to.be.revertedWithCustomError(pool, "RepayExceedsDebt")
        .withArgs(400n * unit + 1n, 400n * unit);
      await expect(engine.socialiseBadDebt(400n * unit + 1n))
        .to.be.revertedWithCustomError(pool, "WriteOffExceedsDebt")
        .withArgs(400n * unit + 1n, 400n * unit);
    });
  });

  describe("interest", function () {
    it("one year at 50% utilisation: index, debt and share price follow the formula to the wei", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, alice, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 500n * unit);
      const s = await snapshot(pool);
      expect(await pool.utilisation()).to.equal(WAD / 2n);
      // Rate at u = 50%: base + slopeLow * 0.5 / 0.8 (rounded up) = 7% APR per second.
      const rate = PARAMS.baseRate + mulDivUp(PARAMS.slopeLow, WAD / 2n, PARAMS.kink);
      expect(await pool.borrowRatePerSecond()).to.equal(rate);

      const t = s.last + YEAR;
      await time.setNextBlockTimestamp(t);
      await pool.accrueInterest();

      // Index: 1 + x + x^2/2 + x^3/6, x = rate * 1 year, rounded up at each step.
      const x = rate * YEAR * 10n ** 9n;
      const expectedIndex = mulDivUp(
        RAY,
        RAY + x + mulDivUp(x, x, 2n * RAY) + mulDivUp(mulDivUp(x, x, 2n * RAY), x, 3n * RAY),
        RAY,
      );
      const index = await pool.borrowIndex();
      expect(index).to.equal(expectedIndex);
      expect(index).to.equal(predict(s, t).index);
      // Against continuous compounding e^x: below it by about x^4/24 (x = 0.07: ~1.0e-6).
      const exact = expRay(x);
      expect(exact).to.be.greaterThan(index);
      const x4over24 = (x * x * x * x) / (24n * RAY * RAY * RAY);
      expect(exact - index).to.be.lessThanOrEqual((x4over24 * 11n) / 10n);
      expect(exact - index).to.be.greaterThanOrEqual((x4over24 * 9n) / 10n);

      const debt = (500n * unit * index) / RAY;
      expect(await pool.totalDebt()).to.equal(debt);
      expect(debt).to.be.closeTo((500n * unit * 10725n) / 10000n, unit / 100n); // ~536.25 base units

      const fee = ((debt - 500n * unit) * RESERVE_FACTOR) / WAD;
      const reserveShares = (fee * (1000n * unit * V + V)) / (500n * unit + debt + 1n - fee);
      expect(await pool.totalSupply()).to.equal(1000n * unit * V + reserveShares);
      expect(await pool.totalAssets()).to.equal(500n * unit + debt);
      // Share price of one whole share unit (1e12 shares = 1 base unit at the start).
      const price = mulDivDown(unit * V, 500n * unit + debt + 1n, 1000n * unit * V + reserveShares + V);
      expect(await pool.convertToAssets(unit * V)).to.equal(price);
      // Lenders earned 90% of the interest, spread over 1000 units: price ~ 1 + 0.9 * 36.25 / 1000.
      expect(await pool.previewRedeem(await pool.balanceOf(alice.address))).to.be.closeTo(
        1000n * unit + debt - 500n * unit - fee,
        2n,
      );
    });

    it("the fund's pending reserve shares are minted, with their Transfer event, when its balance moves out", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, fund, alice, spenderEoa, unit } = f;
      const fundAddress = await fund.getAddress();
      await lendAndBorrow(f, 1000n * unit, 800n * unit);
      await time.increase(90n * DAY);
      await pool.accrueInterest();
      await time.increase(90n * DAY);
      await pool.accrueInterest();
      const pending = await pool.balanceOf(fundAddress);
      expect(pending).to.be.greaterThan(0n);
      // The fund pays out from its shares: the pending ones are minted first, then part is redeemed.
      const s = await snapshot(pool);
      const p = predict(s, s.last + 1n);
      await time.setNextBlockTimestamp(s.last + 1n);
      const tx = fund.connect(spenderEoa).pay(alice.address, unit, ethers.encodeBytes32String("test"));
      await expect(tx)
        .to.emit(pool, "Transfer")
        .withArgs(ZERO, fundAddress, pending + p.reserveShares);
      const burnt = (await (await tx).wait())!.logs
        .map((l) => pool.interface.parseLog(l))
        .find((e) => e?.name === "Transfer" && e.args.to === ZERO)!.args.value as bigint;
      expect(await pool.balanceOf(fundAddress)).to.equal(pending + p.reserveShares - burnt);
      expect(await pool.totalSupply()).to.equal(s.supply + p.reserveShares - burnt);
    });

    it("replacing the insurance fund mints the old fund's pending reserve shares to it", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, fund, riskManager, stranger, unit } = f;
      const fundAddress = await fund.getAddress();
      await lendAndBorrow(f, 1000n * unit, 800n * unit);
      await time.increase(180n * DAY);
      await pool.accrueInterest();
      const s = await snapshot(pool);
      const p = predict(s, s.last + 1n);
      const pending = (await pool.balanceOf(fundAddress)) + p.reserveShares;
      await time.setNextBlockTimestamp(s.last + 1n);
      await expect(pool.connect(riskManager).setInsuranceFund(stranger.address))
        .to.emit(pool, "Transfer")
        .withArgs(ZERO, fundAddress, pending);
      expect(await pool.balanceOf(fundAddress)).to.equal(pending);
      expect(await pool.balanceOf(stranger.address)).to.equal(0n);
      expect(await pool.totalSupply()).to.equal(s.supply + p.reserveShares);
    });

    it("reserve shares that would overflow the pending field are minted at once (18-decimal base)", async function () {
      const f = await networkHelpers.loadFixture(deployPool18);
      const { pool, fund, unit } = f;
      await lendAndBorrow(f, 5_000_000n * unit, 4_000_000n * unit);
      const s = await snapshot(pool);
      const t = s.last + 3n * 365n * DAY;
      const p = predict(s, t);
      expect(p.reserveShares).to.be.greaterThan(2n ** 96n - 1n); // 24-decimal shares
      await time.setNextBlockTimestamp(t);
      await expect(pool.accrueInterest())
        .to.emit(pool, "Transfer")
        .withArgs(ZERO, await fund.getAddress(), p.reserveShares);
      expect(await pool.balanceOf(fund)).to.equal(p.reserveShares);
      expect(await pool.totalSupply()).to.equal(s.supply + p.reserveShares);
    });

    it("reserve shares minted to the insurance fund are worth the fee", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, fund, alice, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 800n * unit);
      const s = await snapshot(pool);
      const t = s.last + 180n * DAY;
      const p = predict(s, t);
      const aliceShares = await pool.balanceOf(alice.address);
      // What alice's shares would be worth if the whole interest stayed with lenders.
      const aliceNoFee = toAssetsDown(aliceShares, p.totalAssets, s.supply);

      await time.setNextBlockTimestamp(t);
      const tx = pool.accrueInterest();
      await expect(tx).to.emit(pool, "InterestAccrued").withArgs(p.index, p.interest, p.reserveShares);
      // Counted at once, minted later (see the next tests).
      await expect(tx).not.to.emit(pool, "Transfer");
      expect(await pool.totalSupply()).to.equal(s.supply + p.reserveShares);
      expect(p.fee).to.equal((p.interest * RESERVE_FACTOR) / WAD);
      expect(p.fee).to.be.greaterThan(3n * unit); // 10% of ~40 units of interest

      const fundShares = await pool.balanceOf(fund);
      expect(fundShares).to.equal(p.reserveShares);
      const fundValue = await pool.convertToAssets(fundShares);
      // Rounded down twice (share count, then conversion): within 1 wei below the fee.
      expect(fundValue).to.be.lessThanOrEqual(p.fee);
      expect(fundValue).to.be.greaterThanOrEqual(p.fee - 1n);
      // Existing holders lose exactly the fee (to within 1 wei of conversion rounding).
      expect(await pool.convertToAssets(aliceShares)).to.be.closeTo(aliceNoFee - p.fee, 1n);
    });

    it("mints no reserve shares while the insurance fund is unset", async function () {
      const f = await networkHelpers.loadFixture(deployPool6NoFund);
      const { pool, unit } = f;
      expect(await pool.insuranceFund()).to.equal(ZERO);
      await lendAndBorrow(f, 1000n * unit, 500n * unit);
      const s = await snapshot(pool);
      const p = predict(s, s.last + YEAR);
      expect(p.interest).to.be.greaterThan(0n);
      await time.setNextBlockTimestamp(s.last + YEAR);
      await expect(pool.accrueInterest()).to.emit(pool, "InterestAccrued").withArgs(p.index, p.interest, 0n);
      expect(await pool.totalSupply()).to.equal(s.supply);
      // All interest goes to lenders: supply rate = borrow rate * utilisation.
      const u = await pool.utilisation();
      expect(await pool.supplyRatePerSecond()).to.equal(((await pool.borrowRatePerSecond()) * u) / WAD);
    });

    it("utilisation, borrow and supply rates are consistent", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, unit } = f;
      expect(await pool.utilisation()).to.equal(0n);
      expect(await pool.borrowRatePerSecond()).to.equal(PARAMS.baseRate);
      expect(await pool.supplyRatePerSecond()).to.equal(0n);
      await lendAndBorrow(f, 1000n * unit, 900n * unit);
      await time.increase(10n * DAY);
      const s = await snapshot(pool);
      const p = predict(s, await latest());
      const u = (p.debt * WAD) / (s.cash + p.debt);
      expect(await pool.utilisation()).to.equal(u);
      const borrowRate = kinkedRate(PARAMS, s.cash, p.debt);
      expect(await pool.borrowRatePerSecond()).to.equal(borrowRate);
      expect(await pool.supplyRatePerSecond()).to.equal((((borrowRate * u) / WAD) * (WAD - RESERVE_FACTOR)) / WAD);
    });

    it("does not accrue twice in one block and leaves the index alone without debt", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, unit } = f;
      await pool.connect(f.alice).deposit(1000n * unit, f.alice.address);
      await time.increase(YEAR);
      await expect(pool.accrueInterest()).not.to.emit(pool, "InterestAccrued");
      expect(await pool.borrowIndex()).to.equal(RAY);
      expect(await pool.lastAccrual()).to.equal(await latest());
    });
  });

  describe("bad debt", function () {
    it("socialiseBadDebt removes the debt and lowers the share price exactly", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, engine, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 600n * unit);
      const s = await snapshot(pool);
      const t = s.last + 90n * DAY;
      const p = predict(s, t);
      const writtenOff = 250n * unit;
      const remainingDebt = ((600n * unit - writtenOff) * p.index) / RAY;
      // Reported exactly as what leaves totalAssets: the ledger total before minus after, both rounded down.
      const expectedAssets = p.debt - remainingDebt;
      const priceBefore = toAssetsDown(unit * V, p.totalAssets, p.totalSupply);

      await time.setNextBlockTimestamp(t);
      await expect(engine.socialiseBadDebt(writtenOff))
        .to.emit(pool, "BadDebtSocialised")
        .withArgs(expectedAssets, writtenOff);

      expect(await pool.totalScaledDebt()).to.equal(600n * unit - writtenOff);
      expect(await pool.totalDebt()).to.equal(remainingDebt);
      const taAfter = s.cash + remainingDebt;
      expect(await pool.totalAssets()).to.equal(taAfter);
      // Total assets fall by exactly the reported amount.
      expect(p.totalAssets - taAfter).to.equal(expectedAssets);
      expect(expectedAssets).to.be.lessThanOrEqual(mulDivUp(writtenOff, p.index, RAY));
      // The insurance fund's shares (its reserve fees) absorb the loss first: shares worth the write-off
      // at the price before it, rounded up, capped by what the fund holds.
      const fundShares = (await pool.balanceOf(s.fund)) + p.reserveShares;
      expect(fundShares).to.be.greaterThan(0n);
      const needed = mulDivUp(expectedAssets, p.totalSupply + V, p.totalAssets + 1n);
      const burnt = needed < fundShares ? needed : fundShares;
      expect(await pool.balanceOf(s.fund)).to.equal(fundShares - burnt);
      const priceAfter = toAssetsDown(unit * V, taAfter, p.totalSupply - burnt);
      expect(await pool.convertToAssets(unit * V)).to.equal(priceAfter);
      // The fund's reserves are small next to a 250-unit write-off: lenders still bear the rest.
      expect(burnt).to.equal(fundShares);
      expect(priceAfter).to.be.lessThan(priceBefore);
      // Writing off the rest returns at most what the ledger shows.
      const left = await pool.totalScaledDebt();
      await engine.socialiseBadDebt(left);
      expect(await pool.totalScaledDebt()).to.equal(0n);
      expect(await pool.totalAssets()).to.equal(s.cash);
    });
  });

  describe("withdrawals limited by cash", function () {
    it("maxWithdraw and maxRedeem stop at the available cash", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, alice, bob, token, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 900n * unit);
      expect(await pool.maxWithdraw(alice.address)).to.equal(100n * unit);
      expect(await pool.maxWithdraw(bob.address)).to.equal(0n);
      expect(await pool.maxRedeem(bob.address)).to.equal(0n);

      const ta = await pool.totalAssets();
      const ts = await pool.totalSupply();
      const maxRedeem = await pool.maxRedeem(alice.address);
      expect(maxRedeem).to.equal(mulDivUp(100n * unit + 1n, ts + V, ta + 1n) - 1n);
      // Tight: one more share would need more than the cash.
      expect(await pool.previewRedeem(maxRedeem)).to.be.lessThanOrEqual(100n * unit);
      expect(await pool.previewRedeem(maxRedeem + 1n)).to.be.greaterThan(100n * unit);

      await expect(pool.connect(alice).withdraw(100n * unit + 1n, alice.address, alice.address))
        .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxWithdraw")
        .withArgs(alice.address, 100n * unit + 1n, 100n * unit);

      const t = (await latest()) + 1n;
      const p = predict(await snapshot(pool), t);
      const maxAtT = mulDivUp(100n * unit + 1n, p.totalSupply + V, p.totalAssets + 1n) - 1n;
      await time.setNextBlockTimestamp(t);
      await expect(pool.connect(alice).redeem(maxAtT + 1n, alice.address, alice.address))
        .to.be.revertedWithCustomError(pool, "ERC4626ExceededMaxRedeem")
        .withArgs(alice.address, maxAtT + 1n, maxAtT);

      await expect(pool.connect(alice).withdraw(100n * unit, alice.address, alice.address)).to.changeTokenBalances(
        ethers,
        token,
        [alice],
        [100n * unit],
      );
      expect(await pool.cash()).to.equal(0n);
      expect(await pool.maxWithdraw(alice.address)).to.equal(0n);
      // With no cash, only share dust worth less than 1 wei (which redeems for 0) stays redeemable.
      const ta0 = await pool.totalAssets();
      const ts0 = await pool.totalSupply();
      const dust = await pool.maxRedeem(alice.address);
      expect(dust).to.equal(mulDivUp(1n, ts0 + V, ta0 + 1n) - 1n);
      expect(await pool.previewRedeem(dust)).to.equal(0n);
      expect(await pool.previewRedeem(dust + 1n)).to.equal(1n);
    });
  });

  describe("access control", function () {
    it("governance functions reject unauthorised callers", async function () {
      const { pool, model, stranger, riskManager } = await networkHelpers.loadFixture(deployPool6);
      const calls: [string, () => Promise<unknown>][] = [
        ["setEngine", () => pool.connect(stranger).setEngine(stranger.address)],
        ["setEngine(risk manager)", () => pool.connect(riskManager).setEngine(stranger.address)],
        ["setRateModel", () => pool.connect(stranger).setRateModel(model)],
        ["setReserveFactor", () => pool.connect(stranger).setReserveFactor(0n)],
        ["setInsuranceFund", () => pool.connect(stranger).setInsuranceFund(stranger.address)],
      ];
      for (const [name, call] of calls) {
        const caller = name.includes("risk manager") ? riskManager : stranger;
        await expect(call(), name)
          .to.be.revertedWithCustomError(pool, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
    });

    it("engine-only functions reject everyone but the engine", async function () {
      const { pool, stranger, admin } = await networkHelpers.loadFixture(deployPool6);
      for (const caller of [stranger, admin]) {
        await expect(pool.connect(caller).borrow(1n, caller.address))
          .to.be.revertedWithCustomError(pool, "OnlyEngine")
          .withArgs(caller.address);
        await expect(pool.connect(caller).repay(1n, 0n, caller.address))
          .to.be.revertedWithCustomError(pool, "OnlyEngine")
          .withArgs(caller.address);
        await expect(pool.connect(caller).socialiseBadDebt(0n))
          .to.be.revertedWithCustomError(pool, "OnlyEngine")
          .withArgs(caller.address);
      }
    });

    it("setEngine: admin only, once, non-zero", async function () {
      const { pool, engine, admin, manager, model, token } = await networkHelpers.loadFixture(deployPool6);
      expect(await pool.engine()).to.equal(await engine.getAddress());
      await expect(pool.connect(admin).setEngine(admin.address))
        .to.be.revertedWithCustomError(pool, "EngineAlreadySet")
        .withArgs(await engine.getAddress());
      const fresh = await ethers.deployContract("LendingPool", [token, "P", "P", manager, model, 0n]);
      await expect(fresh.connect(admin).setEngine(ZERO)).to.be.revertedWithCustomError(fresh, "ZeroAddress");
      await expect(fresh.connect(admin).setEngine(admin.address)).to.emit(fresh, "EngineSet").withArgs(admin.address);
    });

    it("governance setters accrue first and emit", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, riskManager, manager, unit } = f;
      await lendAndBorrow(f, 1000n * unit, 500n * unit);
      const other = await ethers.deployContract("KinkedRateModel", [manager, PARAMS]);

      let s = await snapshot(pool);
      let p = predict(s, s.last + DAY);
      await time.setNextBlockTimestamp(s.last + DAY);
      let tx = pool.connect(riskManager).setRateModel(other);
      await expect(tx).to.emit(pool, "InterestAccrued").withArgs(p.index, p.interest, p.reserveShares);
      await expect(tx)
        .to.emit(pool, "RateModelSet")
        .withArgs(await other.getAddress());
      expect(await pool.rateModel()).to.equal(await other.getAddress());

      s = await snapshot(pool);
      p = predict(s, s.last + DAY);
      await time.setNextBlockTimestamp(s.last + DAY);
      tx = pool.connect(riskManager).setReserveFactor(WAD / 2n);
      await expect(tx).to.emit(pool, "InterestAccrued").withArgs(p.index, p.interest, p.reserveShares);
      await expect(tx)
        .to.emit(pool, "ReserveFactorSet")
        .withArgs(WAD / 2n);
      expect(await pool.reserveFactor()).to.equal(WAD / 2n);

      s = await snapshot(pool);
      p = predict(s, s.last + DAY);
      await time.setNextBlockTimestamp(s.last + DAY);
      tx = pool.connect(riskManager).setInsuranceFund(riskManager.address);
      await expect(tx).to.emit(pool, "InterestAccrued").withArgs(p.index, p.interest, p.reserveShares);
      await expect(tx).to.emit(pool, "InsuranceFundSet").withArgs(riskManager.address);
      expect(await pool.insuranceFund()).to.equal(riskManager.address);
    });
  });

  describe("setter bounds", function () {
    it("reserve factor at most MAX_RESERVE_FACTOR, addresses non-zero", async function () {
      const { pool, riskManager, manager, model, token } = await networkHelpers.loadFixture(deployPool6);
      const max = await pool.MAX_RESERVE_FACTOR();
      expect(max).to.equal(WAD / 2n);
      await expect(pool.connect(riskManager).setReserveFactor(max + 1n))
        .to.be.revertedWithCustomError(pool, "ReserveFactorOutOfBounds")
        .withArgs(max + 1n, max);
      await expect(pool.connect(riskManager).setReserveFactor(max)).to.emit(pool, "ReserveFactorSet").withArgs(max);
      await expect(pool.connect(riskManager).setReserveFactor(0n)).to.emit(pool, "ReserveFactorSet").withArgs(0n);
      await expect(pool.connect(riskManager).setRateModel(ZERO)).to.be.revertedWithCustomError(pool, "ZeroAddress");
      await expect(pool.connect(riskManager).setInsuranceFund(ZERO)).to.be.revertedWithCustomError(pool, "ZeroAddress");

      await expect(ethers.deployContract("LendingPool", [token, "P", "P", manager, model, max + 1n]))
        .to.be.revertedWithCustomError(pool, "ReserveFactorOutOfBounds")
        .withArgs(max + 1n, max);
      await expect(
        ethers.deployContract("LendingPool", [token, "P", "P", manager, ZERO, 0n]),
      ).to.be.revertedWithCustomError(pool, "ZeroAddress");
    });
  });

  describe("gas", function () {
    it("engine borrow and repay stay within budget in steady state", async function () {
      const f = await networkHelpers.loadFixture(deployPool6);
      const { pool, engine, bob, unit } = f;
      await lendAndBorrow(f, 1_000_000n * unit, 100_000n * unit);
      let borrowGas = 0n;
      let repayGas = 0n;
      for (let i = 0; i < 3; i++) {
        // Time passes between calls: each call accrues interest and mints reserve shares.
        await time.increase(DAY);
        await engine.borrow(1_000n * unit, bob.address);
        borrowGas = await engine.lastPoolGas();
        const t = (await latest()) + DAY;
        const p = predict(await snapshot(pool), t);
        await time.setNextBlockTimestamp(t);
        await engine.connect(bob).repay(500n * unit, mulDivDown(500n * unit, RAY, p.index));
        repayGas = await engine.lastPoolGas();
      }
      console.log(`      pool.borrow gas (inside the pool, with accrual): ${borrowGas}`);
      console.log(`      pool.repay gas (inside the pool, with accrual):  ${repayGas}`);
      expect(borrowGas).to.be.lessThan(90_000n);
      expect(repayGas).to.be.lessThan(70_000n);
    });
  });
});

// ------------------------------------------------------------------------------------------------
// InsuranceFund
// ------------------------------------------------------------------------------------------------

describe("InsuranceFund", function () {
  it("is wired to the pool's base asset", async function () {
    const { fund, pool, token, manager } = await networkHelpers.loadFixture(deployPool6);
    expect(await fund.pool()).to.equal(await pool.getAddress());
    expect(await fund.baseAsset()).to.equal(await token.getAddress());
    await expect(ethers.deployContract("InsuranceFund", [manager, ZERO])).to.be.revertedWithCustomError(
      fund,
      "ZeroAddress",
    );
  });

  it("pays from its base balance first, without touching its shares", async function () {
    const { fund, pool, token, alice, bob, spenderEoa, unit } = await networkHelpers.loadFixture(deployPool6);
    await token.mint(fund, 100n * unit);
    await pool.connect(alice).deposit(50n * unit, fund);
    const shares = await pool.balanceOf(fund);
    expect(await fund.availableAssets()).to.equal(150n * unit);

    const tx = fund.connect(spenderEoa).pay(bob.address, 30n * unit, REASON);
    await expect(tx)
      .to.emit(fund, "Paid")
      .withArgs(bob.address, 30n * unit, REASON);
    await expect(tx).to.changeTokenBalances(ethers, token, [fund, bob, pool], [-30n * unit, 30n * unit, 0n]);
    expect(await pool.balanceOf(fund)).to.equal(shares);
  });

  it("pays the rest by withdrawing its pool shares", async function () {
    const { fund, pool, token, alice, bob, spenderEoa, unit } = await networkHelpers.loadFixture(deployPool6);
    await token.mint(fund, 100n * unit);
    await pool.connect(alice).deposit(50n * unit, fund);
    expect(await fund.connect(spenderEoa).pay.staticCall(bob.address, 120n * unit, REASON)).to.equal(120n * unit);
    const tx = fund.connect(spenderEoa).pay(bob.address, 120n * unit, REASON);
    await expect(tx)
      .to.emit(fund, "Paid")
      .withArgs(bob.address, 120n * unit, REASON);
    await expect(tx)
      .to.emit(pool, "Withdraw")
      .withArgs(await fund.getAddress(), bob.address, await fund.getAddress(), 20n * unit, 20n * unit * V);
    await expect(tx).to.changeTokenBalances(ethers, token, [fund, bob, pool], [-100n * unit, 120n * unit, -20n * unit]);
    expect(await pool.balanceOf(fund)).to.equal(30n * unit * V);
  });

  it("pays only from shares when it holds no base tokens", async function () {
    const { fund, pool, token, alice, bob, spenderEoa, unit } = await networkHelpers.loadFixture(deployPool6);
    await pool.connect(alice).deposit(50n * unit, fund);
    const tx = fund.connect(spenderEoa).pay(bob.address, 20n * unit, REASON);
    await expect(tx)
      .to.emit(fund, "Paid")
      .withArgs(bob.address, 20n * unit, REASON);
    await expect(tx).to.changeTokenBalances(ethers, token, [bob, pool], [20n * unit, -20n * unit]);
    expect(await pool.balanceOf(fund)).to.equal(30n * unit * V);
  });

  it("pays partially when short and never reverts for lack of funds", async function () {
    const { fund, pool, token, alice, bob, spenderEoa, unit } = await networkHelpers.loadFixture(deployPool6);
    // Empty fund: pays 0.
    await expect(fund.connect(spenderEoa).pay(bob.address, 10n * unit, REASON))
      .to.emit(fund, "Paid")
      .withArgs(bob.address, 0n, REASON);

    await token.mint(fund, 10n * unit);
    await pool.connect(alice).deposit(40n * unit, fund);
    const tx = fund.connect(spenderEoa).pay(bob.address, 1000n * unit, REASON);
    await expect(tx)
      .to.emit(fund, "Paid")
      .withArgs(bob.address, 50n * unit, REASON);
    await expect(tx).to.changeTokenBalances(ethers, token, [bob], [50n * unit]);
    expect(await fund.availableAssets()).to.equal(0n);
    expect(await pool.balanceOf(fund)).to.equal(0n);
  });

  it("is limited by the pool's cash when the pool is lent out", async function () {
    const f = await networkHelpers.loadFixture(deployPool6);
    const { fund, pool, token, engine, alice, bob, carol, spenderEoa, unit } = f;
    await token.mint(fund, 5n * unit);
    await pool.connect(alice).deposit(1000n * unit, alice.address);
    await pool.connect(carol).deposit(100n * unit, fund);
    await engine.borrow(1090n * unit, bob.address); // 10 units of cash left
    expect(await fund.availableAssets()).to.equal(15n * unit);
    const tx = fund.connect(spenderEoa).pay(carol.address, 100n * unit, REASON);
    await expect(tx)
      .to.emit(fund, "Paid")
      .withArgs(carol.address, 15n * unit, REASON);
    await expect(tx).to.changeTokenBalances(ethers, token, [carol], [15n * unit]);
    expect(await pool.cash()).to.equal(0n);
    expect(await pool.balanceOf(fund)).to.be.greaterThan(0n); // shares kept for later
  });

  it("counts and spends pending reserve shares exactly (availableAssets == paid in one transaction)", async function () {
    const f = await networkHelpers.loadFixture(deployPool6);
    const { fund, pool, spender, token, bob, unit } = f;
    await lendAndBorrow(f, 1000n * unit, 500n * unit);
    const s = await snapshot(pool);
    const t = s.last + YEAR;
    const p = predict(s, t);
    const expected = toAssetsDown(p.reserveShares, p.totalAssets, p.totalSupply);
    expect(expected).to.be.greaterThan(3n * unit);
    await time.setNextBlockTimestamp(t);
    const tx = spender.pay(fund, bob.address, ethers.MaxUint256, REASON);
    await expect(tx).to.emit(fund, "Paid").withArgs(bob.address, expected, REASON);
    await expect(tx).to.changeTokenBalances(ethers, token, [bob], [expected]);
    expect(await spender.lastAvailable()).to.equal(expected);
    expect(await spender.lastPaid()).to.equal(expected);
  });

  it("rejects unauthorised spenders and a zero recipient", async function () {
    const { fund, riskManager, stranger, spenderEoa, bob, token, unit } = await networkHelpers.loadFixture(deployPool6);
    await token.mint(fund, 10n * unit);
    await expect(fund.connect(stranger).pay(bob.address, 1n, REASON))
      .to.be.revertedWithCustomError(fund, "UnauthorisedSpender")
      .withArgs(stranger.address);
    await expect(fund.connect(spenderEoa).pay(ZERO, 1n, REASON)).to.be.revertedWithCustomError(fund, "ZeroAddress");
    await expect(fund.connect(riskManager).setSpender(spenderEoa.address, false))
      .to.emit(fund, "SpenderSet")
      .withArgs(spenderEoa.address, false);
    expect(await fund.isSpender(spenderEoa.address)).to.equal(false);
    await expect(fund.connect(spenderEoa).pay(bob.address, 1n, REASON))
      .to.be.revertedWithCustomError(fund, "UnauthorisedSpender")
      .withArgs(spenderEoa.address);
  });

  it("setSpender and withdraw are restricted; withdraw is bounded and emits Withdrawn", async function () {
    const { fund, pool, riskManager, stranger, alice, carol, token, unit } =
      await networkHelpers.loadFixture(deployPool6);
    await expect(fund.connect(stranger).setSpender(stranger.address, true))
      .to.be.revertedWithCustomError(fund, "AccessManagedUnauthorized")
      .withArgs(stranger.address);
    await expect(fund.connect(stranger).withdraw(stranger.address, 1n))
      .to.be.revertedWithCustomError(fund, "AccessManagedUnauthorized")
      .withArgs(stranger.address);
    await expect(fund.connect(riskManager).setSpender(ZERO, true)).to.be.revertedWithCustomError(fund, "ZeroAddress");
    await expect(fund.connect(riskManager).withdraw(ZERO, 1n)).to.be.revertedWithCustomError(fund, "ZeroAddress");

    await token.mint(fund, 7n * unit);
    await pool.connect(alice).deposit(3n * unit, fund);
    let tx = fund.connect(riskManager).withdraw(carol.address, 8n * unit);
    await expect(tx)
      .to.emit(fund, "Withdrawn")
      .withArgs(carol.address, 8n * unit);
    await expect(tx).to.changeTokenBalances(ethers, token, [carol, fund, pool], [8n * unit, -7n * unit, -1n * unit]);
    tx = fund.connect(riskManager).withdraw(carol.address, ethers.MaxUint256);
    await expect(tx)
      .to.emit(fund, "Withdrawn")
      .withArgs(carol.address, 2n * unit);
    await expect(tx).to.changeTokenBalances(ethers, token, [carol], [2n * unit]);
  });
});
