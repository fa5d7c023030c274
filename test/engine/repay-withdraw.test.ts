import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, openVault, RAY, setPrice, USDC, WETH } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

/** Alice's vault 1: 10 WETH, 15,000 USDC debt. */
async function borrowedVaultFixture() {
  const s = await deployFundedSystem(ethers);
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(15_000), s.alice.address);
  return { s, id };
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

describe("VaultEngine: repay", function () {
  it("repays part of the debt, moving exact balances into the pool", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    const scaledBefore = await s.engine.scaledDebtOf(id);
    const tx = s.engine.connect(s.alice).repay(id, USDC(5_000));
    await expect(tx).to.changeTokenBalances(ethers, s.usdc, [s.alice, s.pool], [-USDC(5_000), USDC(5_000)]);
    const index = await s.pool.borrowIndex();
    const scaledRepaid = (USDC(5_000) * RAY) / index; // rounded down: repayer clears no more than paid
    await expect(tx).to.emit(s.engine, "Repaid").withArgs(id, s.alice.address, USDC(5_000), scaledRepaid);
    expect(await s.engine.scaledDebtOf(id)).to.equal(scaledBefore - scaledRepaid);
    expect(await s.pool.totalScaledDebt()).to.equal(scaledBefore - scaledRepaid);
  });

  it("repays everything with type(uint256).max, charging exactly the debt with interest", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    await networkHelpers.time.increase(30 * 86400);
    const scaled = await s.engine.scaledDebtOf(id);
    const balanceBefore = await s.usdc.balanceOf(s.alice.address);
    await s.engine.connect(s.alice).repay(id, ethers.MaxUint256);
    const index = await s.pool.borrowIndex();
    const charged = balanceBefore - (await s.usdc.balanceOf(s.alice.address));
    expect(charged).to.equal(ceilDiv(scaled * index, RAY));
    expect(charged).to.be.greaterThan(USDC(15_000)); // a month of interest
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
    expect(await s.engine.debtOf(id)).to.equal(0n);
    expect(await s.pool.totalScaledDebt()).to.equal(0n);
    expect(await s.engine.healthFactor(id)).to.equal(ethers.MaxUint256);
    await expect(s.engine.connect(s.alice).repay(id, 1n))
      .to.be.revertedWithCustomError(s.engine, "NoDebt")
      .withArgs(id);
  });

  it("lets anyone repay a vault (risk-reducing), never more than the debt", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    const scaled = await s.engine.scaledDebtOf(id);
    const before = await s.usdc.balanceOf(s.stranger.address);
    await s.engine.connect(s.stranger).repay(id, USDC(1_000_000));
    const charged = before - (await s.usdc.balanceOf(s.stranger.address));
    expect(charged).to.equal(ceilDiv(scaled * (await s.pool.borrowIndex()), RAY));
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
  });

  it("refuses a partial repayment that would leave dust, but the full one always works", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    await expect(s.engine.connect(s.alice).repay(id, USDC(14_950)))
      .to.be.revertedWithCustomError(s.engine, "DebtBelowMinimum")
      .withArgs(id, (v: bigint) => v > USDC(50) && v < USDC(51), USDC(100));
    await s.engine.connect(s.alice).repay(id, USDC(14_900)); // leaves just over 100
    await s.engine.connect(s.alice).repay(id, ethers.MaxUint256);
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
  });

  it("still works while every price feed is stale (repay never needs a price)", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    await networkHelpers.time.increase(2 * 86400);
    await expect(s.engine.healthFactor(id)).to.be.revertedWithCustomError(s.oracle, "OracleFailed");
    await s.engine.connect(s.alice).repay(id, USDC(1_000));
    await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(1));
  });

  it("accrues interest per second at the rate model's rate", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    const rate = await s.pool.borrowRatePerSecond();
    const index0 = await s.pool.borrowIndex();
    await networkHelpers.time.increase(365 * 86400 - 1);
    await s.pool.accrueInterest();
    const index1 = await s.pool.borrowIndex();
    // One year at a fixed rate: growth >= simple interest and within the 3-term compounding series.
    const x = rate * 365n * 86400n; // [wad]
    const simple = index0 + (index0 * x) / 10n ** 18n;
    expect(index1).to.be.greaterThanOrEqual(simple);
    expect(index1).to.be.lessThanOrEqual(simple + (index0 * x * x) / 10n ** 36n); // e^x - 1 - x < x^2 for small x
    expect(await s.engine.debtOf(id)).to.equal(ceilDiv((await s.engine.scaledDebtOf(id)) * index1, RAY));
  });
});

describe("VaultEngine: withdraw", function () {
  it("withdraws while staying healthy under initial haircuts", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    const weth = await s.weth.getAddress();
    await expect(s.engine.connect(s.alice).withdraw(id, weth, WETH(1), s.bob.address))
      .to.emit(s.engine, "CollateralWithdrawn")
      .withArgs(id, weth, s.bob.address, WETH(1));
    expect(await s.weth.balanceOf(s.bob.address)).to.equal(WETH(10_001));
    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(9));
  });

  it("refuses a withdrawal that breaks initial health, with the resulting HF", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    const weth = await s.weth.getAddress();
    // 3 WETH left = $9,000 * (1 - 0.2 - 0.5 * 9,000 / 50M) = 7,199.19 of borrowing power < 15,000 debt.
    await expect(s.engine.connect(s.alice).withdraw(id, weth, WETH(7), s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
      .withArgs(id, (hf: bigint) => hf > 479_000000000000000n && hf < 480_000000000000000n);
  });

  it("refuses more than the vault holds and zero amounts", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    const weth = await s.weth.getAddress();
    await expect(s.engine.connect(s.alice).withdraw(id, weth, WETH(11), s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "InsufficientCollateral")
      .withArgs(id, weth, WETH(11), WETH(10));
    await expect(s.engine.connect(s.alice).withdraw(id, weth, 0n, s.alice.address)).to.be.revertedWithCustomError(
      s.engine,
      "ZeroAmount",
    );
    await expect(s.engine.connect(s.alice).withdraw(id, weth, 1n, ethers.ZeroAddress)).to.be.revertedWithCustomError(
      s.engine,
      "ZeroAddress",
    );
  });

  it("drops an emptied asset from the vault's list", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    const weth = await s.weth.getAddress();
    const wbtc = await s.wbtc.getAddress();
    await s.engine.connect(s.alice).deposit(id, wbtc, 10n ** 8n);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth, wbtc]);
    await s.engine.connect(s.alice).withdraw(id, wbtc, 10n ** 8n, s.alice.address);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth]);
    await s.engine.connect(s.alice).repay(id, ethers.MaxUint256);
    await s.engine.connect(s.alice).withdraw(id, weth, WETH(10), s.alice.address);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([]);
  });

  it("blocks a withdrawal when a price it depends on is broken", async function () {
    const { s, id } = await networkHelpers.loadFixture(borrowedVaultFixture);
    const weth = await s.weth.getAddress();
    await setPrice(s, "WETH", "0.5"); // below the feed's 10 USD floor: out of bounds
    await expect(s.engine.connect(s.alice).withdraw(id, weth, WETH(1), s.alice.address))
      .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
      .withArgs(weth, 5n); // OracleFailure.OutOfBounds
  });
});
