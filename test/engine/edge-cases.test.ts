// Edge cases of the vault engine that the action tests do not reach: constructor guards, a zero
// manager, health views of vaults without debt or unknown ids, and the auction-house hook refusing to
// seize more collateral than a vault holds.
import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, openVault, USDC, WAD, WETH, type System } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

/** OracleFailure.Stale. */
const ORACLE_STALE = 4n;

async function systemFixture(): Promise<System> {
  return deployFundedSystem(ethers);
}

describe("VaultEngine: edge cases", function () {
  it("the constructor refuses a zero pool or a zero oracle", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const factory = await ethers.getContractFactory("VaultEngine");
    const manager = await s.accessManager.getAddress();
    const pool = await s.pool.getAddress();
    const oracle = await s.oracle.getAddress();
    await expect(factory.deploy(manager, ethers.ZeroAddress, oracle, USDC(100), 8n)).to.be.revertedWithCustomError(
      factory,
      "ZeroAddress",
    );
    await expect(factory.deploy(manager, pool, ethers.ZeroAddress, USDC(100), 8n)).to.be.revertedWithCustomError(
      factory,
      "ZeroAddress",
    );
  });

  it("setManager refuses the zero address and changes nothing", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    await expect(s.engine.connect(s.alice).setManager(id, ethers.ZeroAddress, true)).to.be.revertedWithCustomError(
      s.engine,
      "ZeroAddress",
    );
    expect(await s.engine.isManager(id, ethers.ZeroAddress)).to.equal(false);
  });

  it("a vault without debt has the maximum health factors, even while its feed is stale; an unknown id reverts", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(2));
    expect(await s.engine.initialHealthFactor(id)).to.equal(ethers.MaxUint256);
    expect(await s.engine.healthFactor(id)).to.equal(ethers.MaxUint256);
    // Past every feed's staleness limit: the price is unusable, but a debt-free vault needs none.
    await networkHelpers.time.increase(2 * 86_400);
    await expect(s.oracle.getPrice(await s.weth.getAddress()))
      .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
      .withArgs(await s.weth.getAddress(), ORACLE_STALE);
    expect(await s.engine.initialHealthFactor(id)).to.equal(ethers.MaxUint256);
    expect(await s.engine.healthFactor(id)).to.equal(ethers.MaxUint256);
    // An id never opened is not a debt-free vault.
    await expect(s.engine.initialHealthFactor(id + 1n))
      .to.be.revertedWithCustomError(s.engine, "UnknownVault")
      .withArgs(id + 1n);
    await expect(s.engine.healthFactor(id + 1n))
      .to.be.revertedWithCustomError(s.engine, "UnknownVault")
      .withArgs(id + 1n);
  });

  it("seizeForAuction refuses to take more collateral than the vault holds", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const weth = await s.weth.getAddress();
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, weth, WETH(2));
    await s.engine.connect(s.alice).borrow(id, USDC(1_000), s.alice.address);
    const scaledDebt = await s.engine.scaledDebtOf(id);

    // Only the auction house may call it.
    await expect(s.engine.connect(s.stranger).seizeForAuction(id, weth, WETH(1), 0n))
      .to.be.revertedWithCustomError(s.engine, "OnlyAuctionHouse")
      .withArgs(s.stranger.address);

    const auctionHouse = await s.auctionHouse.getAddress();
    await networkHelpers.impersonateAccount(auctionHouse);
    await networkHelpers.setBalance(auctionHouse, WAD);
    const asAuctionHouse = await ethers.getSigner(auctionHouse);
    await expect(s.engine.connect(asAuctionHouse).seizeForAuction(id, weth, WETH(2) + 1n, scaledDebt))
      .to.be.revertedWithCustomError(s.engine, "InsufficientCollateral")
      .withArgs(id, weth, WETH(2) + 1n, WETH(2));
    // An asset the vault does not hold at all.
    const wbtc = await s.wbtc.getAddress();
    await expect(s.engine.connect(asAuctionHouse).seizeForAuction(id, wbtc, 1n, 0n))
      .to.be.revertedWithCustomError(s.engine, "InsufficientCollateral")
      .withArgs(id, wbtc, 1n, 0n);
    await networkHelpers.stopImpersonatingAccount(auctionHouse);

    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(2));
    expect(await s.engine.scaledDebtOf(id)).to.equal(scaledDebt);
    expect(await s.engine.openAuctionsOf(id)).to.equal(0n);
  });
});

describe("AuctionHouse: constructor", function () {
  it("refuses a zero engine", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const factory = await ethers.getContractFactory("AuctionHouse");
    const p = await s.auctionHouse.auctionParameters();
    const params = {
      targetHealthFactor: p.targetHealthFactor,
      hardFloor: p.hardFloor,
      lotBuffer: p.lotBuffer,
      cureWindow: p.cureWindow,
      keeperChip: p.keeperChip,
      keeperTip: p.keeperTip,
      dust: p.dust,
    };
    await expect(
      factory.deploy(await s.accessManager.getAddress(), ethers.ZeroAddress, params),
    ).to.be.revertedWithCustomError(factory, "ZeroAddress");
    // The same arguments with the real engine deploy (the guard is the only difference).
    const house = await factory.deploy(await s.accessManager.getAddress(), await s.engine.getAddress(), params);
    expect(await house.engine()).to.equal(await s.engine.getAddress());
  });
});
