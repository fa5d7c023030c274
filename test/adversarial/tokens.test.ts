// Adversarial collateral tokens beyond the engine's deposit/withdraw tests (test/engine/deposit.test.ts):
// - 6/8/18/24-decimal collateral through the whole flow (deposit, borrow, withdraw, kick, take), every
//   value checked against an exact replica of the rounding at the edges;
// - tokens that return false or revert on the auction's payout: the take reverts, nothing moves, and the
//   same take works once the token does (no stranded collateral);
// - a collateral with a transfer hook re-entering every engine, auction-house and pool entry point from
//   deposit, withdraw and take.
import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, openVault, RAY, USDC, WAD, type System } from "../helpers/fixtures.js";
import { balances, fundCollateral, ledgers, listCollateral, prepareLiquidations } from "./helpers.js";
import {
  AUCTION_INNER,
  ENGINE_INNER,
  hookedState,
  OUTER,
  POOL_INNER,
  targetOf,
  hookedFixture as hooked,
} from "./hooked.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const MAX = ethers.MaxUint256;
const BASE_UNIT = 10n ** 6n;

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Pool and engine totals that must reconcile after any flow. */
async function expectReconciled(s: System, token: { balanceOf: (a: string) => Promise<bigint> }, asset: string) {
  let held = 0n;
  for (let v = 1n; v <= (await s.engine.vaultCount()); v++) held += await s.engine.collateralAmount(v, asset);
  for (let a = 1n; a <= (await s.auctionHouse.auctionCount()); a++) {
    const auction = await s.auctionHouse.auction(a);
    if (auction.asset === asset) held += auction.lot;
  }
  expect(await token.balanceOf(await s.engine.getAddress()), "collateral custody").to.equal(held);
  let scaled = 0n;
  for (let v = 1n; v <= (await s.engine.vaultCount()); v++) scaled += await s.engine.scaledDebtOf(v);
  for (let a = 1n; a <= (await s.auctionHouse.auctionCount()); a++)
    scaled += (await s.auctionHouse.auction(a)).scaledDebt;
  expect(await s.pool.totalScaledDebt(), "debt ledger").to.equal(scaled);
  expect(await s.usdc.balanceOf(await s.pool.getAddress()), "pool cash").to.equal(await s.pool.cash());
}

// ---------------------------------------------------------------------------------------------------
// Decimals
// ---------------------------------------------------------------------------------------------------

describe("Adversarial: 6/8/18/24-decimal collateral through deposit, borrow, withdraw, kick and take", function () {
  for (const decimals of [6, 8, 18, 24]) {
    const U = 10n ** BigInt(decimals);
    const P = 100n * WAD; // $100 per whole token [wad]
    // 100 whole tokens plus an amount that is no round fraction of a token.
    const A = 100n * U + U / 7n;
    const valueDown = (amount: bigint, price: bigint) => (amount * price) / U;
    const initialDown = (value: bigint) => (value * 7n) / 10n; // initial haircut 0.3
    const maintenanceDown = (value: bigint) => (value * 8n) / 10n; // maintenance haircut 0.2

    async function decimalsFixture() {
      const s = await deployFundedSystem(ethers);
      await prepareLiquidations(s);
      // A zero rate keeps the borrow index at exactly 1 ray, so every edge below is exact.
      await s.rateModel.setParameters({ baseRate: 0n, slopeLow: 0n, slopeHigh: 0n, kink: 8n * 10n ** 17n });
      const token = await ethers.deployContract("MockERC20", [`D${decimals}`, `D${decimals}`, decimals]);
      const asset = await token.getAddress();
      const feed = await listCollateral(ethers, s, asset, "100");
      await fundCollateral(s, token, s.alice, 1_000n * U);
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, asset, A);
      return { s, token, asset, feed, id };
    }

    it(`${decimals} decimals: value, borrowing power and max borrow are exact; borrowing one unit past the edge fails`, async function () {
      const { s, asset, id } = await networkHelpers.loadFixture(decimalsFixture);
      expect((await s.engine.collateralConfig(asset)).decimals).to.equal(BigInt(decimals));
      const value = valueDown(A, P);
      const initial = initialDown(value);
      const summary = await s.lens.vaultSummary(id);
      expect(summary.collaterals[0].value).to.equal(value);
      expect(summary.borrowingPower).to.equal(initial);
      expect(summary.maintenanceValue).to.equal(maintenanceDown(value));
      const room = (initial * BASE_UNIT) / WAD; // base units worth the borrowing power, rounded down
      expect(summary.maxBorrow).to.equal(room - 1n);

      // The debt value rounds up: one base unit past the room is refused with the exact HF.
      const over = room + 1n;
      await expect(s.engine.connect(s.alice).borrow(id, over, s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(id, (initial * WAD) / (over * (WAD / BASE_UNIT)));
      await expect(s.engine.connect(s.alice).borrow(id, room, s.alice.address)).to.changeTokenBalance(
        ethers,
        s.usdc,
        s.alice,
        room,
      );
      expect(await s.engine.debtOf(id)).to.equal(room);
      expect(await s.engine.initialHealthFactor(id)).to.equal((initial * WAD) / (room * (WAD / BASE_UNIT)));
    });

    it(`${decimals} decimals: the largest withdrawal that keeps HF >= 1 goes through, one token unit more does not`, async function () {
      const { s, token, asset, id } = await networkHelpers.loadFixture(decimalsFixture);
      const debt = USDC(5_000);
      await s.engine.connect(s.alice).borrow(id, debt, s.alice.address);
      const debtValue = debt * (WAD / BASE_UNIT);
      // Smallest remaining amount whose initial value covers the debt value (binary search on the replica).
      let lo = 0n;
      let hi = A;
      while (lo < hi) {
        const mid = (lo + hi) / 2n;
        if (initialDown(valueDown(mid, P)) >= debtValue) hi = mid;
        else lo = mid + 1n;
      }
      const withdrawable = A - lo;
      const left = lo - 1n;
      await expect(s.engine.connect(s.alice).withdraw(id, asset, withdrawable + 1n, s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(id, (initialDown(valueDown(left, P)) * WAD) / debtValue);
      await expect(s.engine.connect(s.alice).withdraw(id, asset, withdrawable, s.alice.address)).to.changeTokenBalance(
        ethers,
        token,
        s.alice,
        withdrawable,
      );
      expect(await s.engine.collateralAmount(id, asset)).to.equal(lo);
      await expectReconciled(s, token, asset);
    });

    it(`${decimals} decimals: a crash, a kick and a take settle to the unit (buyer rounded down, tab exact, rest back)`, async function () {
      const { s, token, asset, feed, id } = await networkHelpers.loadFixture(decimalsFixture);
      const debt = USDC(6_000);
      await s.engine.connect(s.alice).borrow(id, debt, s.alice.address);
      await feed.updateAnswer(60n * 10n ** 8n); // HF 0.8 * 60 * A / 6,000: below the 0.9 hard floor
      expect(await s.engine.healthFactor(id)).to.equal(
        (maintenanceDown(valueDown(A, 60n * WAD)) * WAD) / (debt * 10n ** 12n),
      );
      await s.auctionHouse.connect(s.keeper).kick(id, asset, s.keeper.address);
      const auctionId = await s.auctionHouse.auctionCount();
      const a = await s.auctionHouse.auction(auctionId);
      expect(a.lot).to.be.greaterThan(0n);
      expect(a.lot).to.be.lessThanOrEqual(A);
      expect(await s.engine.collateralAmount(id, asset)).to.equal(A - a.lot);
      // Start price = oracle price in base units x 1.1 [wad base per token].
      expect(a.top).to.equal((60n * WAD * 11n) / 10n);
      await expectReconciled(s, token, asset);

      // One step (60 s) in: price top x 0.99. The whole tab is covered by part of the lot.
      const curve = await ethers.getContractAt("ExponentialCurve", s.record.contracts.curve);
      const price = await curve.price(a.top, 60n);
      const tab = a.scaledDebt + a.penalty; // index is exactly 1 ray: debt = scaled debt
      expect(await s.pool.borrowIndex()).to.equal(RAY);
      const oweForLot = ceilDiv(a.lot * price * BASE_UNIT, U * WAD);
      expect(oweForLot).to.be.greaterThan(tab);
      const bought = (tab * U * WAD) / (price * BASE_UNIT);
      const bobToken = await token.balanceOf(s.bob.address);
      const bobUsdc = await s.usdc.balanceOf(s.bob.address);
      const cash = await s.pool.cash();
      const fund = await s.usdc.balanceOf(await s.insuranceFund.getAddress());
      await time.setNextBlockTimestamp(a.startedAt + 60n);
      await expect(s.auctionHouse.connect(s.bob).take(auctionId, MAX, MAX, s.bob.address, "0x"))
        .to.emit(s.auctionHouse, "AuctionTaken")
        .withArgs(auctionId, id, s.bob.address, s.bob.address, bought, tab, price, a.lot - bought, 0n);
      expect((await token.balanceOf(s.bob.address)) - bobToken).to.equal(bought);
      expect(bobUsdc - (await s.usdc.balanceOf(s.bob.address))).to.equal(tab);
      expect((await s.pool.cash()) - cash).to.equal(a.scaledDebt);
      expect((await s.usdc.balanceOf(await s.insuranceFund.getAddress())) - fund).to.equal(a.penalty);
      // The unsold lot is back in the vault and the debt left there is what the auction did not hold.
      expect(await s.engine.collateralAmount(id, asset)).to.equal(A - bought);
      expect(await s.engine.scaledDebtOf(id)).to.equal(debt - a.scaledDebt);
      expect(await s.engine.openAuctionsOf(id)).to.equal(0n);
      await expectReconciled(s, token, asset);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Tokens failing on the auction's payout
// ---------------------------------------------------------------------------------------------------

describe("Adversarial: a collateral that fails on the auction payout strands nothing", function () {
  async function payoutFixture(kind: "ReturnsFalseToken" | "RevertingToken") {
    const s = await deployFundedSystem(ethers);
    await prepareLiquidations(s);
    const deployed = await ethers.deployContract(kind);
    const asset = await deployed.getAddress();
    const token = deployed;
    const erc = await ethers.getContractAt("MockERC20", asset);
    const feed = await listCollateral(ethers, s, asset, "100");
    await fundCollateral(s, token, s.alice, 1_000n * WAD);
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, asset, 100n * WAD);
    await s.engine.connect(s.alice).borrow(id, USDC(6_000), s.alice.address);
    await feed.updateAnswer(60n * 10n ** 8n);
    await s.auctionHouse.connect(s.keeper).kick(id, asset, s.keeper.address);
    return { s, token, erc, asset, id, auctionId: await s.auctionHouse.auctionCount() };
  }
  const returnsFalseFixture = () => payoutFixture("ReturnsFalseToken");
  const revertingFixture = () => payoutFixture("RevertingToken");

  for (const [label, fixture] of [
    ["returns false", returnsFalseFixture],
    ["reverts", revertingFixture],
  ] as const) {
    it(`a take whose collateral transfer ${label} reverts whole; once the token works the same take settles`, async function () {
      const { s, token, erc, asset, id, auctionId } = await networkHelpers.loadFixture(fixture);
      const engine = await s.engine.getAddress();
      const state = async () => ({
        ...(await ledgers(s, [id], [asset])),
        ...(await balances(s, [s.usdc, erc], [s.bob.address])),
        lot: (await s.auctionHouse.auction(auctionId)).lot,
      });
      const before = await state();
      const take = () => s.auctionHouse.connect(s.bob).take(auctionId, 10n * WAD, MAX, s.bob.address, "0x");
      if (label === "returns false") {
        await (token as unknown as { setFailures: (a: boolean, b: boolean) => Promise<unknown> }).setFailures(
          true,
          false,
        );
        await expect(take()).to.be.revertedWithCustomError(s.engine, "SafeERC20FailedOperation").withArgs(asset);
      } else {
        await (token as unknown as { setReverts: (a: boolean, b: boolean) => Promise<unknown> }).setReverts(
          true,
          false,
        );
        await expect(take())
          .to.be.revertedWithCustomError(token, "TransferBlocked")
          .withArgs(engine, s.bob.address, 10n * WAD);
      }
      expect(await state()).to.deep.equal(before);
      if (label === "returns false") {
        await (token as unknown as { setFailures: (a: boolean, b: boolean) => Promise<unknown> }).setFailures(
          false,
          false,
        );
      } else {
        await (token as unknown as { setReverts: (a: boolean, b: boolean) => Promise<unknown> }).setReverts(
          false,
          false,
        );
      }
      await expect(take()).to.changeTokenBalance(ethers, erc, s.bob, 10n * WAD);
      expect((await s.auctionHouse.auction(auctionId)).lot).to.equal(before.lot - 10n * WAD);
      await expectReconciled(s, erc, asset);
    });
  }
});

describe("Adversarial: a fee switched on after listing", function () {
  async function switchedFeeFixture() {
    const s = await deployFundedSystem(ethers);
    await prepareLiquidations(s);
    const token = await ethers.deployContract("SwitchableFeeToken");
    const asset = await token.getAddress();
    const feed = await listCollateral(ethers, s, asset, "100");
    await fundCollateral(s, token, s.alice, 1_000n * WAD);
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, asset, 100n * WAD);
    await s.engine.connect(s.alice).borrow(id, USDC(5_000), s.alice.address);
    await token.setFeeBps(100n); // 1% from now on
    return { s, token, asset, feed, id };
  }

  it("new deposits are rejected (TransferAmountMismatch); withdrawals debit exactly what left the engine", async function () {
    const { s, token, asset, id } = await networkHelpers.loadFixture(switchedFeeFixture);
    await expect(s.engine.connect(s.alice).deposit(id, asset, 10n * WAD))
      .to.be.revertedWithCustomError(s.engine, "TransferAmountMismatch")
      .withArgs(asset, 10n * WAD, (99n * WAD) / 10n);
    expect(await s.engine.collateralAmount(id, asset)).to.equal(100n * WAD);
    // The receiver bears the fee; the engine's custody still equals the positions.
    await expect(s.engine.connect(s.alice).withdraw(id, asset, 10n * WAD, s.alice.address)).to.changeTokenBalances(
      ethers,
      token,
      [s.alice, s.engine],
      [(99n * WAD) / 10n, -10n * WAD],
    );
    expect(await s.engine.collateralAmount(id, asset)).to.equal(90n * WAD);
    await expectReconciled(s, token, asset);
  });

  it("a take pays out the lot it debits (the buyer bears the fee) and custody reconciles", async function () {
    const { s, token, asset, feed, id } = await networkHelpers.loadFixture(switchedFeeFixture);
    await feed.updateAnswer(55n * 10n ** 8n); // HF 0.8 * 5,500 / 5,000 = 0.88: below the hard floor
    await s.auctionHouse.connect(s.keeper).kick(id, asset, s.keeper.address);
    const auctionId = await s.auctionHouse.auctionCount();
    const lot = (await s.auctionHouse.auction(auctionId)).lot;
    await expect(
      s.auctionHouse.connect(s.bob).take(auctionId, 10n * WAD, MAX, s.bob.address, "0x"),
    ).to.changeTokenBalances(ethers, token, [s.bob, s.engine], [(99n * WAD) / 10n, -10n * WAD]);
    expect((await s.auctionHouse.auction(auctionId)).lot).to.equal(lot - 10n * WAD);
    await expectReconciled(s, token, asset);
  });
});

// ---------------------------------------------------------------------------------------------------
// Re-entrancy from a collateral's transfer hook
// ---------------------------------------------------------------------------------------------------

async function hookedFixture() {
  return hooked(ethers);
}

describe("Adversarial: a collateral re-entering the protocol from its transfer hook", function () {
  it("control: the hook really calls out, and every inner call works outside a transfer", async function () {
    const f = await networkHelpers.loadFixture(hookedFixture);
    await f.hook.arm(await f.s.oracle.getAddress(), f.s.oracle.interface.encodeFunctionData("poke", [f.h]));
    await expect(f.s.engine.connect(f.s.alice).deposit(f.ov, f.h, WAD)).to.emit(f.s.oracle, "Poked");
    expect(await f.hook.reentries()).to.equal(1n);
    for (const [name, which, data] of [...ENGINE_INNER.filter(([n]) => !/clear|realise/.test(n)), ...AUCTION_INNER]) {
      if (name === "reset") continue; // needs an old auction; reached below (AuctionDoesNotNeedReset)
      const g = await networkHelpers.loadFixture(hookedFixture);
      await g.hook.act(await targetOf(g, which), data(g));
    }
  });

  for (const [outer, call] of OUTER.filter(([n]) => n.startsWith("engine."))) {
    for (const [name, which, data] of ENGINE_INNER) {
      it(`${outer} whose transfer re-enters engine.${name}: ReentrancyGuardReentrantCall, nothing moves`, async function () {
        const f = await networkHelpers.loadFixture(hookedFixture);
        const before = await hookedState(f);
        await f.hook.arm(await targetOf(f, which), data(f));
        await expect(call(f)).to.be.revertedWithCustomError(f.s.engine, "ReentrancyGuardReentrantCall");
        expect(await f.hook.reentries()).to.equal(0n);
        expect(await hookedState(f)).to.deep.equal(before);
      });
    }
  }

  for (const [name, which, data] of AUCTION_INNER) {
    it(`auctionHouse.take whose payout re-enters auctionHouse.${name}: ReentrancyGuardReentrantCall, nothing moves`, async function () {
      const f = await networkHelpers.loadFixture(hookedFixture);
      const before = await hookedState(f);
      await f.hook.arm(await targetOf(f, which), data(f));
      await expect(OUTER[2][1](f)).to.be.revertedWithCustomError(f.s.auctionHouse, "ReentrancyGuardReentrantCall");
      expect(await f.hook.reentries()).to.equal(0n);
      expect(await hookedState(f)).to.deep.equal(before);
    });
  }

  for (const [outer, call] of OUTER) {
    for (const [name, which, data] of POOL_INNER) {
      it(`${outer} whose transfer enters pool.${name}: the pool is not mid-call, so the deposit is exact and the ledgers reconcile`, async function () {
        const f = await networkHelpers.loadFixture(hookedFixture);
        const { s, h } = f;
        await f.hook.arm(await targetOf(f, which), data(f));
        await call(f);
        expect(await f.hook.reentries()).to.equal(1n);
        // 100 USDC in at the pre-deposit share price (pool share decimals = base + 6).
        const shares = await s.pool.balanceOf(h);
        expect(await s.pool.convertToAssets(shares)).to.be.greaterThanOrEqual(USDC(100) - 1n);
        expect(await s.pool.convertToAssets(shares)).to.be.lessThanOrEqual(USDC(100));
        expect(await s.pool.totalAssets()).to.equal((await s.pool.cash()) + (await s.pool.totalDebt()));
        await expectReconciled(s, f.hook, h);
      });
    }
  }
});
