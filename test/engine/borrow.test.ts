import { expect } from "chai";

/** A debt figure that may include a few seconds of interest: [exact, exact + slack]. */
const about =
  (exact: bigint, slack = 100n) =>
  (v: bigint) =>
    v >= exact && v <= exact + slack;
import { network } from "hardhat";
import {
  deployFundedSystem,
  openVault,
  RAY,
  refreshFeeds,
  setPrice,
  USDC,
  WAD,
  WETH,
  type System,
  collateralConfigOf,
} from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

/** Funded pool; alice's vault 1 holds 10 WETH ($30,000). */
async function wethVaultFixture() {
  const s = await deployFundedSystem(ethers);
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(10));
  return { s, id };
}

// 10 WETH at $3000, size add-on 0.5 * 30,000 / 50,000,000 = 0.0003, no volatility yet:
//  initial value     = 30,000 * (1 - 0.2003) = 23,991
//  maintenance value = 30,000 * (1 - 0.1503) = 25,491
const INITIAL_VALUE = 23_991n * WAD;
const MAINTENANCE_VALUE = 25_491n * WAD;

describe("VaultEngine: borrow", function () {
  it("lends to the receiver, records scaled debt and reports exact health", async function () {
    const { s, id } = await networkHelpers.loadFixture(wethVaultFixture);
    await expect(s.engine.connect(s.alice).borrow(id, USDC(20_000), s.bob.address))
      .to.emit(s.engine, "Borrowed")
      .withArgs(id, s.bob.address, USDC(20_000), USDC(20_000)); // index is exactly 1 before any debt
    expect(await s.usdc.balanceOf(s.bob.address)).to.equal(USDC(10_000_000) + USDC(20_000));
    expect(await s.engine.debtOf(id)).to.equal(USDC(20_000));
    expect(await s.pool.totalScaledDebt()).to.equal(USDC(20_000));
    // HF = 25,491 / 20,000
    expect(await s.engine.healthFactor(id)).to.equal((MAINTENANCE_VALUE * WAD) / (20_000n * WAD));
    expect(await s.engine.initialHealthFactor(id)).to.equal((INITIAL_VALUE * WAD) / (20_000n * WAD));
    expect((await s.engine.healthFactor(id)) < WAD).to.equal(false);
  });

  it("borrows up to maxBorrow and not one unit more", async function () {
    const { s, id } = await networkHelpers.loadFixture(wethVaultFixture);
    const max = await s.engine.maxBorrow(id);
    expect(max).to.equal(USDC(23_991) - 1n);
    await expect(s.engine.connect(s.alice).borrow(id, max + 2n, s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
      .withArgs(id, (INITIAL_VALUE * WAD) / ((max + 2n) * 10n ** 12n));
    await s.engine.connect(s.alice).borrow(id, max, s.alice.address);
    expect(await s.engine.maxBorrow(id)).to.equal(0n);
  });

  it("enforces the minimum debt", async function () {
    const { s, id } = await networkHelpers.loadFixture(wethVaultFixture);
    await expect(s.engine.connect(s.alice).borrow(id, USDC(99), s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "DebtBelowMinimum")
      .withArgs(id, USDC(99), USDC(100));
    await s.engine.connect(s.alice).borrow(id, USDC(100), s.alice.address);
    // Once above the minimum, small top-ups are fine.
    await s.engine.connect(s.alice).borrow(id, 1n, s.alice.address);
    // 100 USDC + 1 unit, plus one second of interest on 100 USDC (rounded up): at most 2 units more.
    const debt = await s.engine.debtOf(id);
    expect(debt).to.be.greaterThanOrEqual(USDC(100) + 1n);
    expect(debt).to.be.lessThanOrEqual(USDC(100) + 3n);
  });

  it("reverts when the pool has too little cash", async function () {
    const s = await deployFundedSystem(ethers);
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, await s.wbtc.getAddress(), 200n * 10n ** 8n); // $12M
    await expect(s.engine.connect(s.alice).borrow(id, USDC(5_000_001), s.alice.address))
      .to.be.revertedWithCustomError(s.pool, "InsufficientCash")
      .withArgs(USDC(5_000_001), USDC(5_000_000));
  });

  it("rejects zero amounts, zero receivers and strangers", async function () {
    const { s, id } = await networkHelpers.loadFixture(wethVaultFixture);
    await expect(s.engine.connect(s.alice).borrow(id, 0n, s.alice.address)).to.be.revertedWithCustomError(
      s.engine,
      "ZeroAmount",
    );
    await expect(s.engine.connect(s.alice).borrow(id, USDC(100), ethers.ZeroAddress)).to.be.revertedWithCustomError(
      s.engine,
      "ZeroAddress",
    );
    await expect(s.engine.connect(s.stranger).borrow(id, USDC(100), s.stranger.address))
      .to.be.revertedWithCustomError(s.engine, "NotOwnerOrManager")
      .withArgs(id, s.stranger.address);
  });

  it("refuses to borrow against a vault with no collateral", async function () {
    const s = await deployFundedSystem(ethers);
    const id = await openVault(s, s.alice);
    await expect(s.engine.connect(s.alice).borrow(id, USDC(100), s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
      .withArgs(id, 0n);
  });

  it("reverts with the oracle's reason when a price is unusable", async function () {
    const { s, id } = await networkHelpers.loadFixture(wethVaultFixture);
    await networkHelpers.time.increase(86_401); // every mock feed is now stale
    await expect(s.engine.connect(s.alice).borrow(id, USDC(1_000), s.alice.address))
      .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
      .withArgs(await s.usdc.getAddress(), 4n); // OracleFailure.Stale
    await refreshFeeds(s);
    await setPrice(s, "WETH", "0");
    await expect(s.engine.connect(s.alice).borrow(id, USDC(1_000), s.alice.address))
      .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
      .withArgs(await s.weth.getAddress(), 3n); // OracleFailure.NonPositive
  });

  it("lowers borrowing power when tracked volatility rises", async function () {
    const { s, id } = await networkHelpers.loadFixture(wethVaultFixture);
    const before = await s.engine.maxBorrow(id);
    const weth = await s.weth.getAddress();
    await s.oracle.poke(weth);
    await networkHelpers.time.increase(3600);
    await setPrice(s, "WETH", "2700"); // a 10% move in an hour
    await s.oracle.poke(weth);
    const volatility = await s.oracle.volatility(weth);
    expect(volatility).to.be.greaterThan(0n);
    const summary = await s.lens.vaultSummary(id);
    const addOn = volatility * 2n < 10n ** 17n ? volatility * 2n : 10n ** 17n; // min(cap 0.1, 2 * vol)
    const sizeAddOn = (5n * 10n ** 17n * summary.collaterals[0].value) / (50_000_000n * WAD);
    expect(summary.collaterals[0].initialHaircut).to.equal(2n * 10n ** 17n + addOn + sizeAddOn);
    expect(await s.engine.maxBorrow(id)).to.be.lessThan((before * 9n) / 10n); // price fell AND haircut widened
  });
});

describe("VaultEngine: per-collateral debt ceilings", function () {
  async function ceilingFixture() {
    const s = await deployFundedSystem(ethers);
    const weth = await s.weth.getAddress();
    const config = await collateralConfigOf(s.engine, weth);
    await s.engine.setCollateralConfig(weth, { ...config, debtCeiling: USDC(50_000) });
    return s;
  }

  async function vaultWith(s: System, owner: typeof s.alice, amountWeth: bigint) {
    const id = await openVault(s, owner);
    await s.engine.connect(owner).deposit(id, await s.weth.getAddress(), amountWeth);
    return id;
  }

  it("counts debt across vaults and refuses the borrow that crosses the ceiling", async function () {
    const s = await networkHelpers.loadFixture(ceilingFixture);
    const weth = await s.weth.getAddress();
    const a = await vaultWith(s, s.alice, WETH(20));
    const b = await vaultWith(s, s.bob, WETH(20));
    await s.engine.connect(s.alice).borrow(a, USDC(30_000), s.alice.address);
    await expect(s.engine.connect(s.bob).borrow(b, USDC(20_001), s.bob.address))
      .to.be.revertedWithCustomError(s.engine, "DebtCeilingExceeded")
      .withArgs(weth, about(USDC(50_001)), USDC(50_000));
    // Accrued interest counts against the ceiling too, so exactly 20,000 no longer fits.
    await expect(s.engine.connect(s.bob).borrow(b, USDC(20_000), s.bob.address)).to.be.revertedWithCustomError(
      s.engine,
      "DebtCeilingExceeded",
    );
    await s.engine.connect(s.bob).borrow(b, USDC(19_999), s.bob.address);
    expect(
      about(USDC(49_999))(((await s.engine.scaledDebtBackedBy(weth)) * (await s.pool.currentBorrowIndex())) / RAY),
    ).to.equal(true);
    // Backed debt is exactly the sum of both vaults' scaled debt.
    expect(await s.engine.scaledDebtBackedBy(weth)).to.equal(
      (await s.engine.scaledDebtOf(a)) + (await s.engine.scaledDebtOf(b)),
    );
    // Repaying frees room under the ceiling.
    await s.engine.connect(s.alice).repay(a, USDC(10_000));
    expect(
      about(USDC(39_999))(((await s.engine.scaledDebtBackedBy(weth)) * (await s.pool.currentBorrowIndex())) / RAY),
    ).to.equal(true);
    await s.engine.connect(s.bob).borrow(b, USDC(10_000), s.bob.address);
  });

  it("splits a multi-collateral vault's debt by borrowing power, summing exactly", async function () {
    const s = await networkHelpers.loadFixture(ceilingFixture);
    const weth = await s.weth.getAddress();
    const wbtc = await s.wbtc.getAddress();
    const id = await vaultWith(s, s.alice, WETH(10));
    await s.engine.connect(s.alice).deposit(id, wbtc, 10n ** 8n); // 1 WBTC, $60,000
    await s.engine.connect(s.alice).borrow(id, USDC(40_000), s.alice.address);
    const scaled = await s.engine.scaledDebtOf(id);
    const a = await s.engine.attributedScaledDebt(id, weth);
    const b = await s.engine.attributedScaledDebt(id, wbtc);
    expect(a + b).to.equal(scaled);
    // Borrowing power: WETH 30,000 * 0.7997 = 23,991; WBTC 60,000 * (1 - 0.25 - 0.001) = 44,940.
    expect(a).to.equal((scaled * 23_991n) / (23_991n + 44_940n));
    expect(await s.engine.scaledDebtBackedBy(weth)).to.equal(a);
    expect(await s.engine.scaledDebtBackedBy(wbtc)).to.equal(b);
    // Withdrawing all WBTC moves its share onto WETH, which then crosses its ceiling... only if it
    // were healthy; here the vault would be undercollateralised first.
    await expect(
      s.engine.connect(s.alice).withdraw(id, wbtc, 10n ** 8n, s.alice.address),
    ).to.be.revertedWithCustomError(s.engine, "Undercollateralised");
  });

  it("moves attribution on withdrawal and checks the ceiling of the asset that takes it", async function () {
    const s = await networkHelpers.loadFixture(ceilingFixture);
    const weth = await s.weth.getAddress();
    const wbtc = await s.wbtc.getAddress();
    const id = await vaultWith(s, s.alice, WETH(100)); // $300,000
    await s.engine.connect(s.alice).deposit(id, wbtc, 2n * 10n ** 8n); // $120,000
    await s.engine.connect(s.alice).borrow(id, USDC(60_000), s.alice.address);
    const toWeth = await s.engine.attributedScaledDebt(id, weth);
    expect(toWeth).to.be.lessThan(USDC(50_000));
    // Taking WBTC out would push all 60,000 onto WETH, above its 50,000 ceiling.
    await expect(s.engine.connect(s.alice).withdraw(id, wbtc, 2n * 10n ** 8n, s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "DebtCeilingExceeded")
      .withArgs(weth, about(USDC(60_000)), USDC(50_000));
    await s.engine.connect(s.alice).repay(id, USDC(20_000));
    await s.engine.connect(s.alice).withdraw(id, wbtc, 2n * 10n ** 8n, s.alice.address);
    expect(await s.engine.attributedScaledDebt(id, wbtc)).to.equal(0n);
    expect(await s.engine.scaledDebtBackedBy(wbtc)).to.equal(0n);
    expect(await s.engine.attributedScaledDebt(id, weth)).to.equal(await s.engine.scaledDebtOf(id));
  });
});
