import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, openVault, setPrice, USDC, WETH } from "../helpers/fixtures.js";

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
});
