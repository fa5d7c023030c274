// Edge cases of the lending pool's accrual that the pool tests do not reach.
import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, openVault, USDC, WETH, type System } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

const YEAR = 365 * 86_400;

async function systemFixture(): Promise<System> {
  return deployFundedSystem(ethers);
}

describe("LendingPool: accrual at a zero borrow rate", function () {
  it("a year with debt at a zero rate leaves index, debt, assets and reserve shares exactly unchanged", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const kink = (await s.rateModel.parameters()).kink;
    await s.rateModel.setParameters({ baseRate: 0n, slopeLow: 0n, slopeHigh: 0n, kink });
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(10));
    await s.engine.connect(s.alice).borrow(id, USDC(10_000), s.alice.address);
    expect(await s.pool.borrowRatePerSecond()).to.equal(0n);

    const fund = await s.insuranceFund.getAddress();
    const before = {
      index: await s.pool.borrowIndex(),
      debt: await s.pool.totalDebt(),
      assets: await s.pool.totalAssets(),
      fundShares: await s.pool.balanceOf(fund),
      vaultDebt: await s.engine.debtOf(id),
    };
    expect(before.vaultDebt).to.equal(USDC(10_000));

    await networkHelpers.time.increase(YEAR);
    expect(await s.pool.currentBorrowIndex()).to.equal(before.index);
    await s.pool.accrueInterest();
    expect(await s.pool.borrowIndex()).to.equal(before.index);
    expect(await s.pool.totalDebt()).to.equal(before.debt);
    expect(await s.pool.totalAssets()).to.equal(before.assets);
    expect(await s.pool.balanceOf(fund)).to.equal(before.fundShares);
    expect(await s.engine.debtOf(id)).to.equal(USDC(10_000));

    // Repaying after the year costs exactly what was borrowed.
    await expect(s.engine.connect(s.alice).repay(id, ethers.MaxUint256)).to.changeTokenBalance(
      ethers,
      s.usdc,
      s.alice,
      -USDC(10_000),
    );
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
  });
});
