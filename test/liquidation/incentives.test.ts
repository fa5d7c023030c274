import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, LINK, openVault, refreshFeeds, setPrice, USDC, WAD, WETH } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

/** Funded system, a funded insurance fund, and a keeper that approved the auction house. */
async function liquidationFixture() {
  const s = await deployFundedSystem(ethers);
  await s.usdc.connect(s.keeper).transfer(await s.insuranceFund.getAddress(), USDC(100_000));
  await s.usdc.connect(s.keeper).approve(await s.auctionHouse.getAddress(), ethers.MaxUint256);
  return s;
}

describe("Liquidation: incentives and blocking", function () {
  it("a dust-sized auction pays no incentive and does not block the vault's main liquidation", async function () {
    const s = await networkHelpers.loadFixture(liquidationFixture);
    const weth = await s.weth.getAddress();
    const link = await s.link.getAddress();
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
    await s.engine.connect(s.alice).deposit(id, link, LINK(5)); // $75: below the 100 USDC dust
    await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
    await setPrice(s, "WETH", "2600");
    await s.engine.flagMarginCall(id);
    await networkHelpers.time.increase(601);
    await refreshFeeds(s);

    // The owner (or a griefer) kicks the tiny LINK position first.
    const fundBefore = await s.usdc.balanceOf(await s.insuranceFund.getAddress());
    await expect(s.auctionHouse.connect(s.alice).kick(id, link, s.alice.address))
      .to.emit(s.auctionHouse, "AuctionStarted")
      .withArgs(
        1n,
        id,
        link,
        s.alice.address,
        LINK(5),
        (d: bigint) => d > 0n,
        (p: bigint) => p > 0n,
        (t: bigint) => t > 0n,
        0n,
      );
    expect(await s.usdc.balanceOf(await s.insuranceFund.getAddress())).to.equal(fundBefore);
    expect(await s.auctionHouse.blockingAuctionOf(id)).to.equal(0n);

    // The WETH auction can still start; it blocks further kicks because its tab is above dust.
    await s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address);
    expect(await s.auctionHouse.blockingAuctionOf(id)).to.equal(2n);
    const status = await s.auctionHouse.auctionStatus(2n);
    expect(status.tab).to.be.greaterThanOrEqual(USDC(100));
    expect(await s.engine.openAuctionsOf(id)).to.equal(2n);
  });

  it("kick and resets together never pay more than the auction's penalty", async function () {
    const s = await networkHelpers.loadFixture(liquidationFixture);
    const weth = await s.weth.getAddress();
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
    await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
    await setPrice(s, "WETH", "2600");
    await s.engine.flagMarginCall(id);
    await networkHelpers.time.increase(601);
    await refreshFeeds(s);

    const kickTx = await s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address);
    const started = (await kickTx.wait())!.logs
      .map((l) => s.auctionHouse.interface.parseLog(l))
      .find((e) => e?.name === "AuctionStarted")!;
    const penalty = started.args.penalty as bigint;
    let paid = started.args.keeperReward as bigint;
    expect(paid).to.be.greaterThan(0n);
    expect(await s.auctionHouse.incentiveLeft(1n)).to.equal(penalty - paid);

    // Nobody takes: reset after every max duration until the budget is spent.
    const params = await s.auctionHouse.auctionParameters();
    let resets = 0;
    for (;;) {
      await networkHelpers.time.increase(7201);
      await refreshFeeds(s);
      const tx = await s.auctionHouse.connect(s.keeper).reset(1n, s.keeper.address);
      const event = (await tx.wait())!.logs
        .map((l) => s.auctionHouse.interface.parseLog(l))
        .find((e) => e?.name === "AuctionReset")!;
      const reward = event.args.keeperReward as bigint;
      paid += reward;
      resets++;
      const tab = (await s.auctionHouse.auctionStatus(1n)).tab;
      const full = params.keeperTip + (tab * params.keeperChip) / WAD;
      if (reward < full) {
        // The budget ran out on this reset: it paid exactly what was left, and nothing after it.
        expect(await s.auctionHouse.incentiveLeft(1n)).to.equal(0n);
        break;
      }
      expect(resets).to.be.lessThan(100);
    }
    expect(paid).to.equal(penalty);
    await networkHelpers.time.increase(7201);
    await refreshFeeds(s);
    await expect(s.auctionHouse.connect(s.keeper).reset(1n, s.keeper.address))
      .to.emit(s.auctionHouse, "AuctionReset")
      .withArgs(1n, s.keeper.address, (t: bigint) => t > 0n, 0n);
  });
});
