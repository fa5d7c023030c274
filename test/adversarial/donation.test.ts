// Donations and the inflation attack on the deployed system (the standalone pool's versions live in
// test/pool/pool.test.ts): a direct token transfer to the pool, the engine, the auction house or the
// insurance fund never moves a share price, a health factor, a borrowable amount or an auction's
// settlement, and never becomes withdrawable by anyone but the insurance fund's own payouts.
import { expect } from "chai";
import { network } from "hardhat";
import {
  deployFundedSystem,
  deploySystem,
  LINK,
  openVault,
  setPrice,
  USDC,
  WETH,
  type System,
} from "../helpers/fixtures.js";
import { prepareLiquidations } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;
const MAX = ethers.MaxUint256;
const V = 10n ** 6n; // virtual shares: pool shares have 6 more decimals than the base asset

async function emptySystem(): Promise<System> {
  return deploySystem(ethers);
}

describe("Adversarial: donations and the first-depositor inflation attack on the deployed pool", function () {
  it("1 wei deposit + 1,000,000 USDC donation: the victim's shares and redemption are as if nothing was donated", async function () {
    const s = await networkHelpers.loadFixture(emptySystem);
    const pool = await s.pool.getAddress();
    const attacker = s.carol;
    const victim = s.alice;
    await s.pool.connect(attacker).deposit(1n, attacker.address);
    expect(await s.pool.balanceOf(attacker.address)).to.equal(V);
    await s.usdc.connect(attacker).transfer(pool, USDC(1_000_000));
    expect(await s.pool.totalAssets()).to.equal(1n);
    expect(await s.pool.cash()).to.equal(1n);

    for (const deposit of [USDC(1_000), 1n, USDC(1)]) {
      const expected = await s.pool.previewDeposit(deposit);
      // shares = deposit * (S + 1e6) / (A + 1): the donation is not in A.
      const assets = await s.pool.totalAssets();
      const supply = await s.pool.totalSupply();
      expect(expected).to.equal((deposit * (supply + V)) / (assets + 1n));
      await expect(s.pool.connect(victim).deposit(deposit, victim.address)).to.emit(s.pool, "Deposit");
    }
    const shares = await s.pool.balanceOf(victim.address);
    const total = USDC(1_000) + 1n + USDC(1);
    expect(shares).to.equal(total * V);
    await expect(s.pool.connect(victim).redeem(shares, victim.address, victim.address)).to.changeTokenBalance(
      ethers,
      s.usdc,
      victim,
      total,
    );
    await expect(s.pool.connect(attacker).redeem(V, attacker.address, attacker.address)).to.changeTokenBalance(
      ethers,
      s.usdc,
      attacker,
      1n,
    );
    // The donation stays in the pool's balance, outside its accounting.
    expect(await s.usdc.balanceOf(pool)).to.equal(USDC(1_000_000));
    expect(await s.pool.totalAssets()).to.equal(0n);
    expect(await s.pool.maxWithdraw(attacker.address)).to.equal(0n);
  });

  it("donated cash cannot be borrowed: the pool lends only its recorded cash (InsufficientCash)", async function () {
    const s = await networkHelpers.loadFixture(emptySystem);
    await s.pool.connect(s.lender).deposit(USDC(1_000), s.lender.address);
    await s.usdc.connect(s.carol).transfer(await s.pool.getAddress(), USDC(1_000_000));
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(10));
    await expect(s.engine.connect(s.alice).borrow(id, USDC(5_000), s.alice.address))
      .to.be.revertedWithCustomError(s.pool, "InsufficientCash")
      .withArgs(USDC(5_000), USDC(1_000));
    await expect(s.engine.connect(s.alice).borrow(id, USDC(1_000), s.alice.address)).to.changeTokenBalance(
      ethers,
      s.usdc,
      s.alice,
      USDC(1_000),
    );
    expect(await s.pool.cash()).to.equal(0n);
  });

  it("a donation while debt accrues changes neither the interest, nor the reserve shares, nor the share price", async function () {
    async function accrued(donate: boolean) {
      const s = await networkHelpers.loadFixture(borrowedFixture);
      const t0 = await time.latest();
      if (donate) await s.usdc.connect(s.carol).transfer(await s.pool.getAddress(), USDC(2_000_000));
      await time.setNextBlockTimestamp(t0 + 30 * 86_400);
      await s.pool.accrueInterest();
      return {
        index: await s.pool.borrowIndex(),
        totalAssets: await s.pool.totalAssets(),
        fundShares: await s.pool.balanceOf(await s.insuranceFund.getAddress()),
        price: await s.pool.convertToAssets(10n ** 12n),
        rate: await s.pool.borrowRatePerSecond(),
      };
    }
    const without = await accrued(false);
    const withDonation = await accrued(true);
    expect(withDonation).to.deep.equal(without);
  });
});

/** 5,000,000 USDC lent; alice borrowed 1,000,000 against 1,000 WETH. */
async function borrowedFixture() {
  const s = await deployFundedSystem(ethers);
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(1_000));
  await s.engine.connect(s.alice).borrow(id, USDC(1_000_000), s.alice.address);
  return s;
}

/** Alice's vault 10 WETH / 15,000 USDC; bob's 10 WETH / 23,000 USDC flagged and kicked into auction 1 at $2,600. */
async function liquidationFixture() {
  const s = await deployFundedSystem(ethers);
  await prepareLiquidations(s);
  const weth = await s.weth.getAddress();
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(15_000), s.alice.address);
  const kicked = await openVault(s, s.bob);
  await s.engine.connect(s.bob).deposit(kicked, weth, WETH(10));
  await s.engine.connect(s.bob).borrow(kicked, USDC(23_000), s.bob.address);
  await setPrice(s, "WETH", "2600");
  await s.engine.connect(s.keeper).flagMarginCall(kicked);
  await time.increase(600);
  await s.auctionHouse.connect(s.keeper).kick(kicked, weth, s.keeper.address);
  return { s, weth, id, kicked, auctionId: 1n };
}

describe("Adversarial: donations to the engine, the auction house and the insurance fund", function () {
  it("collateral and base tokens sent to the engine credit no vault, move no health factor, and cannot be withdrawn", async function () {
    const { s, weth, id } = await networkHelpers.loadFixture(liquidationFixture);
    const engine = await s.engine.getAddress();
    // A zero rate freezes the borrow index, so the health factor can only move through the donation.
    await s.rateModel.setParameters({ baseRate: 0n, slopeLow: 0n, slopeHigh: 0n, kink: 8n * 10n ** 17n });
    await s.pool.accrueInterest();
    const hf = await s.engine.healthFactor(id);
    const maxBorrow = await s.engine.maxBorrow(id);
    const custody = await s.weth.balanceOf(engine);
    await s.weth.connect(s.carol).transfer(engine, WETH(500));
    await s.usdc.connect(s.carol).transfer(engine, USDC(100_000));
    expect(await s.engine.healthFactor(id)).to.equal(hf);
    expect(await s.engine.maxBorrow(id)).to.equal(maxBorrow);
    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(10));
    // The balance-delta check of a deposit measures only the deposit.
    await expect(s.engine.connect(s.alice).deposit(id, weth, WETH(1)))
      .to.emit(s.engine, "CollateralDeposited")
      .withArgs(id, weth, s.alice.address, WETH(1));
    await expect(s.engine.connect(s.alice).withdraw(id, weth, WETH(11) + 1n, s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "InsufficientCollateral")
      .withArgs(id, weth, WETH(11) + 1n, WETH(11));
    await s.engine.connect(s.alice).repay(id, MAX);
    await expect(s.engine.connect(s.alice).withdraw(id, weth, WETH(11), s.alice.address)).to.changeTokenBalance(
      ethers,
      s.weth,
      s.alice,
      WETH(11),
    );
    // What stays is the custody of the other vault and its auction, plus the donation.
    expect(await s.weth.balanceOf(engine)).to.equal(custody - WETH(10) + WETH(500));
    expect(await s.usdc.balanceOf(engine)).to.equal(USDC(100_000));
  });

  it("tokens sent to the auction house do not enter a take's settlement", async function () {
    const { s, kicked, auctionId } = await networkHelpers.loadFixture(liquidationFixture);
    const ah = await s.auctionHouse.getAddress();
    await s.usdc.connect(s.carol).transfer(ah, USDC(50_000));
    await s.weth.connect(s.carol).transfer(ah, WETH(50));
    const status = await s.auctionHouse.auctionStatus(auctionId);
    const cash = await s.pool.cash();
    const fund = await s.usdc.balanceOf(await s.insuranceFund.getAddress());
    const bob = await s.usdc.balanceOf(s.bob.address);
    const tx = await s.auctionHouse.connect(s.bob).take(auctionId, MAX, MAX, s.bob.address, "0x");
    const receipt = await tx.wait();
    const taken = s.auctionHouse.interface.parseLog(
      receipt!.logs.find((l) => l.topics[0] === s.auctionHouse.interface.getEvent("AuctionTaken")!.topicHash)!,
    )!.args;
    const paid = taken.paid as bigint;
    expect(bob - (await s.usdc.balanceOf(s.bob.address))).to.equal(paid);
    // The debt part reaches the pool's cash, the penalty the fund; the donation stays put.
    expect(paid).to.be.greaterThanOrEqual(status.tab);
    expect((await s.pool.cash()) - cash + (await s.usdc.balanceOf(await s.insuranceFund.getAddress())) - fund).to.equal(
      paid,
    );
    expect(await s.usdc.balanceOf(ah)).to.equal(USDC(50_000));
    expect(await s.weth.balanceOf(ah)).to.equal(WETH(50));
    expect(await s.engine.openAuctionsOf(kicked)).to.equal(0n);
  });

  it("a donation to the insurance fund is first-loss capital: bad debt is covered by exactly what it makes available", async function () {
    const s = await deployFundedSystem(ethers);
    await s.pool.setReserveFactor(0n); // the fund then holds exactly what it is given
    await prepareLiquidations(s);
    const link = await s.link.getAddress();
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, link, LINK(1_000));
    await s.engine.connect(s.alice).borrow(id, USDC(9_000), s.alice.address);
    await setPrice(s, "LINK", "8");
    await s.auctionHouse.connect(s.keeper).kick(id, link, s.keeper.address);
    const a = await s.auctionHouse.auction(1n);
    await time.setNextBlockTimestamp(a.startedAt + 2_700n);
    await s.auctionHouse.connect(s.bob).take(1n, a.lot, MAX, s.bob.address, "0x");
    const fund = await s.insuranceFund.getAddress();
    // Empty the fund, then donate less than the bad debt.
    await s.insuranceFund.withdraw(s.deployer.address, MAX);
    await s.usdc.connect(s.carol).transfer(fund, USDC(1_000));
    expect(await s.insuranceFund.availableAssets()).to.equal(USDC(1_000));
    const debt = await s.engine.debtOf(id);
    expect(debt).to.be.greaterThan(USDC(1_000));
    const assetsBefore = await s.pool.totalAssets();
    const tx = s.engine.connect(s.stranger).realiseBadDebt(id);
    await expect(tx)
      .to.emit(s.engine, "BadDebtRealised")
      .withArgs(id, s.stranger.address, USDC(1_000), (x: bigint) => x > 0n);
    expect(await s.usdc.balanceOf(fund)).to.equal(0n);
    // Lenders lose only what the donation could not cover (the rest of the debt, up to rounding).
    const loss = assetsBefore - (await s.pool.totalAssets());
    expect(loss).to.be.greaterThan(debt - USDC(1_000) - 2n);
    expect(loss).to.be.lessThanOrEqual(debt - USDC(1_000) + 2n);
  });
});
