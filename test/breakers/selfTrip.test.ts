import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, openVault, setPrice, USDC, WBTC, WETH } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

/** Funded system; WETH's tracker window opened at $3,000 by a first poke. */
async function pokedFixture() {
  const s = await deployFundedSystem(ethers);
  await s.oracle.poke(await s.weth.getAddress());
  return s;
}

describe("Circuit breaker: actions that read the price trip it themselves", function () {
  it("oracle.poke is wired to the breaker by the deployment", async function () {
    const s = await networkHelpers.loadFixture(pokedFixture);
    expect(await s.oracle.priceDropBreaker()).to.equal(await s.circuitBreaker.getAddress());
    await expect(s.oracle.setPriceDropBreaker(await s.circuitBreaker.getAddress()))
      .to.be.revertedWithCustomError(s.oracle, "PriceDropBreakerAlreadySet")
      .withArgs(await s.circuitBreaker.getAddress());
  });

  it("a poke at the trip price does not trip; a poke one unit below it does, and the trip sticks", async function () {
    const s = await networkHelpers.loadFixture(pokedFixture);
    const weth = await s.weth.getAddress();
    // maxDrop 20% below the $3,000 window high: trip below $2,400 (8-decimal feed).
    await setPrice(s, "WETH", "2400");
    await expect(s.oracle.connect(s.stranger).poke(weth)).to.not.emit(s.circuitBreaker, "Tripped");
    expect((await s.circuitBreaker.assetView(weth)).tripped).to.equal(false);

    await setPrice(s, "WETH", "2399.99999999");
    const tx = s.oracle.connect(s.stranger).poke(weth);
    await expect(tx).to.emit(s.oracle, "Poked");
    await expect(tx).to.emit(s.circuitBreaker, "Tripped");
    const view = await s.circuitBreaker.assetView(weth);
    expect(view.tripped).to.equal(true);
    expect(view.windowHighPrice).to.equal(3000n * 10n ** 18n);

    // A second poke during the trip neither reverts nor extends it.
    await networkHelpers.time.increase(120);
    await expect(s.oracle.poke(weth)).to.not.emit(s.circuitBreaker, "Tripped");
    expect((await s.circuitBreaker.assetView(weth)).trippedUntil).to.equal(view.trippedUntil);
  });

  it("after a poke trips WETH, borrowing against it stops while repay still works", async function () {
    const s = await networkHelpers.loadFixture(pokedFixture);
    const weth = await s.weth.getAddress();
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
    await s.engine.connect(s.alice).borrow(id, USDC(5_000), s.alice.address);
    await setPrice(s, "WETH", "2300");
    await s.oracle.poke(weth);
    await expect(s.engine.connect(s.alice).borrow(id, USDC(100), s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
      .withArgs(id, 0n);
    await s.engine.connect(s.alice).repay(id, USDC(1_000));
    await s.engine.connect(s.alice).deposit(id, weth, WETH(1));
  });

  describe("a borrow or withdrawal that sees an untripped drop is refused (its own trip would roll back)", function () {
    /** Alice: WETH-only vault with debt; Carol: WETH + WBTC with debt. WETH window high $3,000, trip below $2,400. */
    async function vaultsFixture() {
      const s = await pokedFixture();
      const weth = await s.weth.getAddress();
      const wbtc = await s.wbtc.getAddress();
      const alice = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(alice, weth, WETH(10));
      await s.engine.connect(s.alice).borrow(alice, USDC(5_000), s.alice.address);
      const carol = await openVault(s, s.carol);
      await s.engine.connect(s.carol).deposit(carol, weth, WETH(10));
      await s.engine.connect(s.carol).deposit(carol, wbtc, WBTC(1));
      await s.engine.connect(s.carol).borrow(carol, USDC(5_000), s.carol.address);
      return { s, weth, wbtc, alice, carol };
    }

    it("at exactly the trip price nothing is blocked; one feed unit below, WETH gives no borrowing power without any trip", async function () {
      const { s, weth, alice } = await networkHelpers.loadFixture(vaultsFixture);
      await setPrice(s, "WETH", "2400");
      expect(await s.circuitBreaker.isRiskIncreaseBlocked(weth)).to.equal(false);
      expect(await s.circuitBreaker.isRiskIncreaseBlockedAt(weth, 2400n * 10n ** 18n)).to.equal(false);
      expect(await s.circuitBreaker.canTrip(weth, 2400n * 10n ** 18n)).to.equal(false);
      expect(await s.engine.maxBorrow(alice)).to.be.greaterThan(0n);
      await s.engine.connect(s.alice).borrow(alice, USDC(100), s.alice.address);

      await setPrice(s, "WETH", "2399.99999999");
      expect((await s.circuitBreaker.assetView(weth)).tripped).to.equal(false); // nobody tripped it
      expect(await s.circuitBreaker.isRiskIncreaseBlocked(weth)).to.equal(true);
      expect(await s.circuitBreaker.isRiskIncreaseBlockedAt(weth, 2400n * 10n ** 18n - 1n)).to.equal(true);
      expect(await s.circuitBreaker.canTrip(weth, 2400n * 10n ** 18n - 1n)).to.equal(true);
      expect(await s.engine.maxBorrow(alice)).to.equal(0n);
      await expect(s.engine.connect(s.alice).borrow(alice, USDC(1), s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(alice, 0n);
      await expect(s.engine.connect(s.alice).withdraw(alice, weth, 1n, s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(alice, 0n);
      // Risk-reducing actions still work.
      await s.engine.connect(s.alice).repay(alice, USDC(1_000));
      await s.engine.connect(s.alice).deposit(alice, weth, WETH(1));
    });

    it("a mixed vault keeps the other collateral's borrowing power; withdrawing that other collateral still needs health without WETH", async function () {
      const { s, wbtc, carol } = await networkHelpers.loadFixture(vaultsFixture);
      const before = await s.engine.maxBorrow(carol);
      await setPrice(s, "WETH", "2399.99999999");
      const during = await s.engine.maxBorrow(carol);
      expect(during).to.be.greaterThan(0n);
      expect(during).to.be.lessThan(before);
      const breakdown = await s.engine.healthBreakdown(carol);
      const wbtcPower = breakdown.assets.find((a) => a.asset === wbtc)!.initialValue;
      // maxBorrow equals WBTC's power alone (USD wad -> USDC units, less the engine's one unit of margin).
      const debtValue = breakdown.debtValue;
      expect(during).to.equal((wbtcPower - debtValue) / 10n ** 12n - 1n);
      // A block later interest has accrued: borrow just under the room; a little more is refused.
      await s.engine.connect(s.carol).borrow(carol, during - USDC(10), s.carol.address);
      await expect(s.engine.connect(s.carol).borrow(carol, USDC(20), s.carol.address)).to.be.revertedWithCustomError(
        s.engine,
        "Undercollateralised",
      );
      await expect(
        s.engine.connect(s.carol).withdraw(carol, wbtc, WBTC("0.01"), s.carol.address),
      ).to.be.revertedWithCustomError(s.engine, "Undercollateralised");
    });

    it("once the drop has tripped and the trip ended, the same window's drop no longer blocks (one trip per window)", async function () {
      const { s, weth, alice } = await networkHelpers.loadFixture(vaultsFixture);
      await setPrice(s, "WETH", "2300");
      await expect(s.circuitBreaker.connect(s.stranger).trip(weth)).to.emit(s.circuitBreaker, "Tripped");
      const { trippedUntil } = await s.circuitBreaker.assetView(weth);
      expect(await s.circuitBreaker.canTrip(weth, 2000n * 10n ** 18n)).to.equal(false); // tripped already
      await networkHelpers.time.increaseTo(trippedUntil);
      await setPrice(s, "WETH", "2300"); // refresh the feed's timestamp, same price, no poke: same window
      expect(await s.circuitBreaker.isRiskIncreaseBlocked(weth)).to.equal(false);
      expect(await s.circuitBreaker.canTrip(weth, 2000n * 10n ** 18n)).to.equal(false); // same window
      expect(await s.engine.maxBorrow(alice)).to.be.greaterThan(0n);
      await s.engine.connect(s.alice).borrow(alice, USDC(100), s.alice.address);
    });
  });
});
