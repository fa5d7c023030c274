import { expect } from "chai";
import { network } from "hardhat";
import {
  deployFundedSystem,
  openVault,
  refreshFeeds,
  setPrice,
  USDC,
  WAD,
  WETH,
  type System,
} from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

const CURE_WINDOW = 600n;

/**
 * A health factor read in a transaction a few seconds after a view: only interest moved it, and
 * a few seconds of interest at ~1% APR lower the HF by ~3e-10 per second, far below 1e-8.
 */
const justBelow = (viewed: bigint) => (v: bigint) => v <= viewed && v >= viewed - viewed / 100_000_000n;

/**
 * Alice's vault 1: 10 WETH, 23,000 USDC debt. At $3,000 HF = 25,491 / 23,000 = 1.108. The insurance
 * fund holds 10,000 USDC for keeper rewards.
 */
async function healthyVaultFixture() {
  const s = await deployFundedSystem(ethers);
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
  await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
  return { s, id, weth: await s.weth.getAddress() };
}

/**
 * The same vault after WETH fell to $2,600: maintenance value 26,000 * (1 - 0.15 - 0.00026) = 22,093.24,
 * HF = 22,093.24 / 23,000 = 0.9606, between the hard floor (0.9) and 1.
 */
async function shortfallFixture() {
  const f = await healthyVaultFixture();
  await setPrice(f.s, "WETH", "2600");
  return f;
}

/** The shortfall vault, flagged by a stranger. */
async function flaggedFixture() {
  const f = await shortfallFixture();
  await f.s.engine.connect(f.s.stranger).flagMarginCall(f.id);
  const flaggedAt = await f.s.engine.marginCallOf(f.id);
  return { ...f, flaggedAt };
}

async function latestTimestamp(): Promise<bigint> {
  return BigInt(await networkHelpers.time.latest());
}

function selector(s: System, name: string): string {
  return s.auctionHouse.interface.getError(name)!.selector;
}

describe("Liquidation: margin calls", function () {
  describe("flagMarginCall", function () {
    it("refuses a healthy vault with VaultHealthy(id, hf) and an unknown vault", async function () {
      const { s, id } = await networkHelpers.loadFixture(healthyVaultFixture);
      const hf = await s.engine.healthFactor(id);
      // 25,491 / 23,000 (plus a few wei of interest in the debt)
      expect(justBelow((25_491n * WAD * WAD) / (23_000n * WAD))(hf)).to.equal(true);
      await expect(s.engine.connect(s.stranger).flagMarginCall(id))
        .to.be.revertedWithCustomError(s.engine, "VaultHealthy")
        .withArgs(id, justBelow(hf));
      await expect(s.engine.flagMarginCall(99n)).to.be.revertedWithCustomError(s.engine, "UnknownVault").withArgs(99n);
      // A vault without debt is healthy whatever the prices.
      const empty = await openVault(s, s.bob);
      await expect(s.engine.flagMarginCall(empty))
        .to.be.revertedWithCustomError(s.engine, "VaultHealthy")
        .withArgs(empty, ethers.MaxUint256);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
    });

    it("flags a vault with HF < 1, emitting MarginCallFlagged(id, flagger, hf) and recording the time", async function () {
      const { s, id } = await networkHelpers.loadFixture(shortfallFixture);
      const tx = await s.engine.connect(s.stranger).flagMarginCall(id);
      const receipt = await tx.wait();
      const block = await ethers.provider.getBlock(receipt!.blockNumber);
      // Flagging does not accrue the pool, and views after the transaction see its timestamp: the HF
      // read now is exactly the one the engine measured.
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.lessThan(WAD);
      expect(hf).to.equal((22_093_240_000_000_000_000_000n * WAD) / (await s.engine.healthBreakdown(id)).debtValue);
      await expect(tx).to.emit(s.engine, "MarginCallFlagged").withArgs(id, s.stranger.address, hf);
      expect(await s.engine.marginCallOf(id)).to.equal(BigInt(block!.timestamp));
    });

    it("refuses to flag twice with AlreadyFlagged(id, flaggedAt)", async function () {
      const { s, id, flaggedAt } = await networkHelpers.loadFixture(flaggedFixture);
      await expect(s.engine.connect(s.bob).flagMarginCall(id))
        .to.be.revertedWithCustomError(s.engine, "AlreadyFlagged")
        .withArgs(id, flaggedAt);
      // Still refused once the cure window is over: the first flag stands.
      await networkHelpers.time.increase(Number(CURE_WINDOW) * 2);
      await expect(s.engine.flagMarginCall(id))
        .to.be.revertedWithCustomError(s.engine, "AlreadyFlagged")
        .withArgs(id, flaggedAt);
    });
  });

  describe("kick and the cure window", function () {
    it("refuses to kick an unflagged vault above the hard floor with MarginCallRequired", async function () {
      const { s, id, weth } = await networkHelpers.loadFixture(shortfallFixture);
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.greaterThanOrEqual((await s.auctionHouse.auctionParameters()).hardFloor);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "MarginCallRequired")
        .withArgs(id);
      expect(await s.auctionHouse.canKick(id, weth)).to.deep.equal([false, selector(s, "MarginCallRequired")]);
    });

    it("refuses to kick before flaggedAt + 600 with CureWindowActive and kicks from that second on", async function () {
      const { s, id, weth, flaggedAt } = await networkHelpers.loadFixture(flaggedFixture);
      const liquidatableAt = flaggedAt + CURE_WINDOW;
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "CureWindowActive")
        .withArgs(id, liquidatableAt);
      expect(await s.auctionHouse.canKick(id, weth)).to.deep.equal([false, selector(s, "CureWindowActive")]);

      // One second before the end of the window.
      await networkHelpers.time.setNextBlockTimestamp(liquidatableAt - 1n);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "CureWindowActive")
        .withArgs(id, liquidatableAt);
      // The revert mined nothing, so that timestamp is still free: mine it, then kick exactly at the end.
      await networkHelpers.mine();
      expect(await latestTimestamp()).to.equal(liquidatableAt - 1n);
      expect(await s.auctionHouse.canKick(id, weth)).to.deep.equal([false, selector(s, "CureWindowActive")]);
      await networkHelpers.time.setNextBlockTimestamp(liquidatableAt);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address)).to.emit(
        s.auctionHouse,
        "AuctionStarted",
      );
      expect((await s.auctionHouse.auction(1n)).startedAt).to.equal(liquidatableAt);
      // The flag stays while the vault is still unhealthy.
      expect(await s.engine.marginCallOf(id)).to.equal(flaggedAt);
    });

    it("kicks a vault below the hard floor at once, without a flag", async function () {
      const { s, id, weth } = await networkHelpers.loadFixture(healthyVaultFixture);
      // $2,300: 23,000 * (1 - 0.15 - 0.00023) / 23,000 = 0.8498 < 0.9
      await setPrice(s, "WETH", "2300");
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.lessThan((await s.auctionHouse.auctionParameters()).hardFloor);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
      expect(await s.auctionHouse.canKick(id, weth)).to.deep.equal([true, "0x00000000"]);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address)).to.emit(
        s.auctionHouse,
        "AuctionStarted",
      );
      expect(await s.engine.openAuctionsOf(id)).to.equal(1n);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
    });

    it("below the hard floor a flag in its cure window does not delay the kick either", async function () {
      const { s, id, weth, flaggedAt } = await networkHelpers.loadFixture(flaggedFixture);
      await setPrice(s, "WETH", "2300");
      expect(await latestTimestamp()).to.be.lessThan(flaggedAt + CURE_WINDOW);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address)).to.emit(
        s.auctionHouse,
        "AuctionStarted",
      );
    });
  });

  describe("curing", function () {
    it("a deposit restoring HF >= 1 clears the flag (MarginCallCleared) and the vault can't be kicked", async function () {
      const { s, id, weth, flaggedAt } = await networkHelpers.loadFixture(flaggedFixture);
      // 0.1 WETH is not enough: 10.1 * 2,600 * (1 - 0.15 - 0.00026) = 22,313.6 < 23,000;
      // 1 more is: 11.1 * 2,600 * (1 - 0.15 - 0.00029) = 24,522.7 > 23,000.
      const small = await s.engine.connect(s.alice).deposit(id, weth, WETH("0.1"));
      await expect(small).not.to.emit(s.engine, "MarginCallCleared");
      expect(await s.engine.marginCallOf(id)).to.equal(flaggedAt);
      expect(await s.engine.healthFactor(id)).to.be.lessThan(WAD);

      const cure = await s.engine.connect(s.alice).deposit(id, weth, WETH(1));
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.greaterThanOrEqual(WAD);
      await expect(cure).to.emit(s.engine, "MarginCallCleared").withArgs(id, hf);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);

      // After the cure window the vault is healthy, so there is nothing to liquidate.
      await networkHelpers.time.increase(Number(CURE_WINDOW));
      const hfNow = await s.engine.healthFactor(id);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "VaultNotLiquidatable")
        .withArgs(id, justBelow(hfNow));
      expect(await s.auctionHouse.canKick(id, weth)).to.deep.equal([false, selector(s, "VaultNotLiquidatable")]);
      // The next shortfall needs a new flag and a new cure window.
      await setPrice(s, "WETH", "2400");
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "MarginCallRequired")
        .withArgs(id);
    });

    it("a repayment restoring HF >= 1 clears the flag and the vault can't be kicked", async function () {
      const { s, id, weth, flaggedAt } = await networkHelpers.loadFixture(flaggedFixture);
      // 500 USDC is not enough (22,093.24 / 22,500 < 1); 1,000 more is (22,093.24 / 21,500 > 1).
      const small = await s.engine.connect(s.bob).repay(id, USDC(500));
      await expect(small).not.to.emit(s.engine, "MarginCallCleared");
      expect(await s.engine.marginCallOf(id)).to.equal(flaggedAt);

      const cure = await s.engine.connect(s.bob).repay(id, USDC(1_000)); // anyone may repay
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.greaterThanOrEqual(WAD);
      await expect(cure).to.emit(s.engine, "MarginCallCleared").withArgs(id, hf);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);

      await networkHelpers.time.increase(Number(CURE_WINDOW));
      const hfNow = await s.engine.healthFactor(id);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "VaultNotLiquidatable")
        .withArgs(id, justBelow(hfNow));
    });

    it("repaying everything clears the flag (HF is then unbounded)", async function () {
      const { s, id } = await networkHelpers.loadFixture(flaggedFixture);
      await expect(s.engine.connect(s.alice).repay(id, ethers.MaxUint256))
        .to.emit(s.engine, "MarginCallCleared")
        .withArgs(id, ethers.MaxUint256);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
      expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
    });

    it("clearMarginCall: NotFlagged, VaultUnhealthy while in shortfall, anyone clears after a price recovery", async function () {
      const { s, id, flaggedAt } = await networkHelpers.loadFixture(flaggedFixture);
      const healthy = await openVault(s, s.bob);
      await expect(s.engine.clearMarginCall(healthy))
        .to.be.revertedWithCustomError(s.engine, "NotFlagged")
        .withArgs(healthy);
      const hf = await s.engine.healthFactor(id);
      await expect(s.engine.connect(s.stranger).clearMarginCall(id))
        .to.be.revertedWithCustomError(s.engine, "VaultUnhealthy")
        .withArgs(id, justBelow(hf));
      expect(await s.engine.marginCallOf(id)).to.equal(flaggedAt);

      await setPrice(s, "WETH", "2800"); // 28,000 * 0.84972 = 23,792 > 23,000
      const tx = await s.engine.connect(s.stranger).clearMarginCall(id);
      const recovered = await s.engine.healthFactor(id);
      expect(recovered).to.be.greaterThanOrEqual(WAD);
      await expect(tx).to.emit(s.engine, "MarginCallCleared").withArgs(id, recovered);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
      await expect(s.engine.clearMarginCall(id)).to.be.revertedWithCustomError(s.engine, "NotFlagged").withArgs(id);

      // A new dip starts a new margin call with a full cure window.
      await setPrice(s, "WETH", "2600");
      await s.engine.connect(s.stranger).flagMarginCall(id);
      const again = await s.engine.marginCallOf(id);
      expect(again).to.be.greaterThan(flaggedAt);
      const weth = await s.weth.getAddress();
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.auctionHouse, "CureWindowActive")
        .withArgs(id, again + CURE_WINDOW);
    });
  });

  describe("governance: cure window 0", function () {
    it("with cureWindow set to 0 a vault in shortfall is kicked without a flag", async function () {
      const { s, id, weth } = await networkHelpers.loadFixture(shortfallFixture);
      const p = await s.auctionHouse.auctionParameters();
      const params = {
        targetHealthFactor: p.targetHealthFactor,
        hardFloor: p.hardFloor,
        lotBuffer: p.lotBuffer,
        cureWindow: 0n,
        keeperChip: p.keeperChip,
        keeperTip: p.keeperTip,
        dust: p.dust,
      };
      // Only the risk manager may change it.
      await expect(s.auctionHouse.connect(s.stranger).setAuctionParameters(params))
        .to.be.revertedWithCustomError(s.auctionHouse, "AccessManagedUnauthorized")
        .withArgs(s.stranger.address);
      await expect(s.auctionHouse.connect(s.deployer).setAuctionParameters(params)).to.emit(
        s.auctionHouse,
        "AuctionParametersSet",
      );
      expect((await s.auctionHouse.auctionParameters()).cureWindow).to.equal(0n);

      expect(await s.engine.marginCallOf(id)).to.equal(0n);
      expect(await s.engine.healthFactor(id)).to.be.greaterThan(p.hardFloor); // not the hard-floor path
      expect(await s.auctionHouse.canKick(id, weth)).to.deep.equal([true, "0x00000000"]);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address)).to.emit(
        s.auctionHouse,
        "AuctionStarted",
      );
    });

    it("a flag set before the window was disabled no longer delays the kick", async function () {
      const { s, id, weth, flaggedAt } = await networkHelpers.loadFixture(flaggedFixture);
      const p = await s.auctionHouse.auctionParameters();
      await s.auctionHouse.connect(s.deployer).setAuctionParameters({
        targetHealthFactor: p.targetHealthFactor,
        hardFloor: p.hardFloor,
        lotBuffer: p.lotBuffer,
        cureWindow: 0n,
        keeperChip: p.keeperChip,
        keeperTip: p.keeperTip,
        dust: p.dust,
      });
      expect(await latestTimestamp()).to.be.lessThan(flaggedAt + CURE_WINDOW);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address)).to.emit(
        s.auctionHouse,
        "AuctionStarted",
      );
    });
  });

  describe("stale oracle", function () {
    it("a repayment on a flagged vault works while the oracle is stale; the flag stays until prices return", async function () {
      const { s, id, flaggedAt } = await networkHelpers.loadFixture(flaggedFixture);
      await networkHelpers.time.increase(86_401); // every feed is stale
      const usdc = await s.usdc.getAddress();
      await expect(s.engine.healthFactor(id))
        .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
        .withArgs(usdc, 4n); // Stale

      // 5,000 USDC would restore health at the last prices, but no price can be read to prove it.
      const debtBefore = await s.engine.scaledDebtOf(id);
      const tx = await s.engine.connect(s.alice).repay(id, USDC(5_000));
      await expect(tx).to.emit(s.engine, "Repaid");
      await expect(tx).not.to.emit(s.engine, "MarginCallCleared");
      expect(await s.engine.scaledDebtOf(id)).to.be.lessThan(debtBefore);
      expect(await s.engine.marginCallOf(id)).to.equal(flaggedAt);
      // Nobody can clear it without a price either.
      await expect(s.engine.clearMarginCall(id)).to.be.revertedWithCustomError(s.oracle, "OracleFailed");

      // Once the feeds are fresh, anyone clears it.
      await refreshFeeds(s);
      const tx2 = await s.engine.connect(s.stranger).clearMarginCall(id);
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.greaterThanOrEqual(WAD);
      await expect(tx2).to.emit(s.engine, "MarginCallCleared").withArgs(id, hf);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
    });

    it("a flagged vault cannot be kicked while the oracle is stale", async function () {
      const { s, id, weth } = await networkHelpers.loadFixture(flaggedFixture);
      await networkHelpers.time.increase(86_401);
      await expect(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address)).to.be.revertedWithCustomError(
        s.oracle,
        "OracleFailed",
      );
      expect(await s.auctionHouse.canKick(id, weth)).to.deep.equal([
        false,
        s.oracle.interface.getError("OracleFailed")!.selector,
      ]);
    });
  });
});
