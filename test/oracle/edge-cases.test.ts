// Edge cases of the oracle's one-time wiring that the oracle tests do not reach.
import { expect } from "chai";
import { network } from "hardhat";
import { deploySystem, type System } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

async function systemFixture(): Promise<System> {
  return deploySystem(ethers);
}

describe("BreakwaterOracle: price-drop breaker wiring", function () {
  it("setPriceDropBreaker refuses the zero address, then refuses a second breaker naming the first", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const wired = await s.oracle.priceDropBreaker();
    expect(wired).to.equal(await s.circuitBreaker.getAddress());
    await expect(s.oracle.setPriceDropBreaker(ethers.ZeroAddress))
      .to.be.revertedWithCustomError(s.oracle, "InvalidFeedConfig")
      .withArgs(ethers.ZeroAddress, "priceDropBreaker");
    await expect(s.oracle.setPriceDropBreaker(s.stranger.address))
      .to.be.revertedWithCustomError(s.oracle, "PriceDropBreakerAlreadySet")
      .withArgs(wired);
    expect(await s.oracle.priceDropBreaker()).to.equal(wired);
  });
});
