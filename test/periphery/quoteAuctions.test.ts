// LiquidationScanner.quoteAuctions: one call for the status and curve price of many auctions at a
// given time, as the auction house itself would price and judge them then.
import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, flaggedShortfallVaults } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

/** Two vaults kicked at WETH $2,600 after the cure window (auctions 1 and 2), and a scanner. */
async function auctionsFixture() {
  const s = await deployFundedSystem(ethers);
  const weth = await s.weth.getAddress();
  const ids = await flaggedShortfallVaults(s, [s.alice, s.bob]);
  const { cureWindow } = await s.auctionHouse.auctionParameters();
  await networkHelpers.time.increase(Number(cureWindow));
  for (const id of ids) await s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address);
  const scanner = await ethers.deployContract("LiquidationScanner", [
    await s.engine.getAddress(),
    await s.auctionHouse.getAddress(),
  ]);
  const config = await s.auctionHouse.collateralAuctionConfig(weth);
  const curve = await ethers.getContractAt("IPriceCurve", config.curve);
  return { s, scanner, config, curve };
}

describe("LiquidationScanner: quoteAuctions", function () {
  it("returns each auction's lot, tab, top and start, and the curve price at the given time", async function () {
    const { s, scanner, curve } = await networkHelpers.loadFixture(auctionsFixture);
    const status = await s.auctionHouse.auctionStatus(1n);
    const at = status.startedAt + 900n;
    const quotes = await scanner.quoteAuctions([1n, 2n], at);
    expect(quotes.length).to.equal(2);
    for (const [i, q] of quotes.entries()) {
      const st = await s.auctionHouse.auctionStatus(BigInt(i + 1));
      expect(q.auctionId).to.equal(BigInt(i + 1));
      expect(q.active).to.equal(true);
      expect([q.lot, q.tab, q.top, q.startedAt]).to.deep.equal([st.lot, st.tab, st.top, st.startedAt]);
      expect(q.price).to.equal(await curve.price(st.top, at - st.startedAt));
      expect(q.needsReset).to.equal(false);
    }
    // At the auction's own current time the quote's price is the status price.
    const now = BigInt(await networkHelpers.time.latest());
    const [q1] = await scanner.quoteAuctions([1n], now);
    expect(q1.price).to.equal(status.price);
    expect(q1.price).to.be.lessThan(q1.top);
  });

  it("needsReset turns on exactly where the auction house accepts a reset", async function () {
    const { s, scanner, config, curve } = await networkHelpers.loadFixture(auctionsFixture);
    const { top, startedAt } = await s.auctionHouse.auctionStatus(1n);
    // The first age (to the second) at which the price falls below top x resetPriceRatio, or past maxDuration.
    let age = 0n;
    while (age <= config.maxDuration && (await curve.price(top, age)) >= (top * config.resetPriceRatio) / 10n ** 18n)
      age += 60n;
    let low = age - 60n;
    while (low + 1n < age) {
      const mid = (low + age) / 2n;
      const needs =
        mid > config.maxDuration || (await curve.price(top, mid)) < (top * config.resetPriceRatio) / 10n ** 18n;
      if (needs) age = mid;
      else low = mid;
    }
    const [before] = await scanner.quoteAuctions([1n], startedAt + age - 1n);
    const [at] = await scanner.quoteAuctions([1n], startedAt + age);
    expect(before.needsReset).to.equal(false);
    expect(at.needsReset).to.equal(true);
    // The auction house agrees: a reset one second early is refused, at that age it goes through.
    await networkHelpers.time.setNextBlockTimestamp(startedAt + age - 1n);
    await expect(s.auctionHouse.connect(s.keeper).reset(1n, s.keeper.address)).to.be.revertedWithCustomError(
      s.auctionHouse,
      "AuctionDoesNotNeedReset",
    );
    await networkHelpers.time.setNextBlockTimestamp(startedAt + age);
    await expect(s.auctionHouse.connect(s.keeper).reset(1n, s.keeper.address)).to.emit(s.auctionHouse, "AuctionReset");
  });

  it("an unknown or finished auction is reported inactive with zeros; a time before the start prices at age 0", async function () {
    const { s, scanner } = await networkHelpers.loadFixture(auctionsFixture);
    const [unknown] = await scanner.quoteAuctions([99n], 0n);
    expect(unknown.auctionId).to.equal(99n);
    expect(unknown.active).to.equal(false);
    expect([unknown.lot, unknown.tab, unknown.top, unknown.price]).to.deep.equal([0n, 0n, 0n, 0n]);
    const { top, startedAt } = await s.auctionHouse.auctionStatus(2n);
    const [early] = await scanner.quoteAuctions([2n], startedAt - 100n);
    expect(early.price).to.equal(top);
    expect(await scanner.quoteAuctions([], 0n)).to.deep.equal([]);
  });
});
