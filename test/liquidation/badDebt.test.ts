import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, openVault, RAY, setPrice, USDC, WAD, WETH, type System } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

const VIRTUAL_SHARES = 10n ** 6n; // LendingPool's decimals offset
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const toDebtUp = (scaled: bigint, index: bigint) => ceilDiv(scaled * index, RAY);
const toAssetsDown = (scaled: bigint, index: bigint) => (scaled * index) / RAY;
const toScaledDown = (assets: bigint, index: bigint) => (assets * RAY) / index;
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const BAD_DEBT = ethers.encodeBytes32String("bad-debt");

/** pool.totalScaledDebt == sum of the vaults' scaled debt + sum of the open auctions' scaled debt. */
async function expectLedgerReconciles(s: System) {
  let sum = 0n;
  const vaults = await s.engine.vaultCount();
  for (let id = 1n; id <= vaults; id++) sum += await s.engine.scaledDebtOf(id);
  const auctions = await s.auctionHouse.auctionCount();
  for (let id = 1n; id <= auctions; id++) sum += (await s.auctionHouse.auction(id)).scaledDebt;
  expect(await s.pool.totalScaledDebt()).to.equal(sum);
}

/** Pool totals that do not move with time (the index does): cash, scaled debt, share supply. */
async function poolLedger(s: System) {
  return {
    cash: await s.pool.cash(),
    scaled: await s.pool.totalScaledDebt(),
    supply: await s.pool.totalSupply(),
  };
}

/**
 * The pool's reserve factor is set to 0 first, so the insurance fund holds exactly what a test gives it.
 * Bob's healthy vault 1 (2 WBTC, 50,000 USDC) is other debt in the pool. Alice's vault 2 (10 WETH,
 * 23,000 USDC debt) is crashed to $2,000: HF 17,000 / 23,000 = 0.74, below the hard floor, and kicked. WETH alone covers at most 20,000 / 1.08 = 18,518.5 USDC, so the whole 10 WETH
 * go to auction with that much debt; 4,481.5 USDC stay in the vault, which has no collateral left.
 */
async function crashKickedFixture() {
  const s = await deployFundedSystem(ethers);
  await s.pool.connect(s.deployer).setReserveFactor(0n);
  await s.usdc.connect(s.bob).approve(await s.auctionHouse.getAddress(), ethers.MaxUint256);
  const weth = await s.weth.getAddress();
  const other = await openVault(s, s.bob);
  await s.engine.connect(s.bob).deposit(other, await s.wbtc.getAddress(), 2n * 10n ** 8n);
  await s.engine.connect(s.bob).borrow(other, USDC(50_000), s.bob.address);
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
  await setPrice(s, "WETH", "2000");
  await s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address);
  return { s, id, weth };
}

/**
 * Nobody bids until 45 steps in (2,200 * 0.99^45 = 1,399.7 per WETH): the whole lot fetches ~13,997, below
 * the 18,518.5 debt part. The rest of that debt returns to the vault, which now owes ~9,000 USDC and
 * holds nothing.
 */
async function badDebtFixture() {
  const f = await crashKickedFixture();
  const a = await f.s.auctionHouse.auction(1n);
  await networkHelpers.time.setNextBlockTimestamp(a.startedAt + 2_700n);
  await f.s.auctionHouse.connect(f.s.bob).take(1n, a.lot, ethers.MaxUint256, f.s.bob.address, "0x");
  return f;
}

async function fundUsdc(s: System): Promise<bigint> {
  return s.usdc.balanceOf(await s.insuranceFund.getAddress());
}

describe("Liquidation: bad debt", function () {
  it("a crash leaves a vault with debt and no collateral once its auction sold out below the debt", async function () {
    const { s, id, weth } = await networkHelpers.loadFixture(crashKickedFixture);
    // The kick with an empty fund still works; the keeper simply gets nothing.
    const started = await s.auctionHouse.queryFilter(s.auctionHouse.filters.AuctionStarted());
    expect(started).to.have.length(1);
    expect(started[0].args.keeperReward).to.equal(0n);
    expect(started[0].args.lot).to.equal(WETH(10));
    expect(started[0].args.debt).to.equal((USDC(20_000) * WAD) / (WAD + 8n * 10n ** 16n));
    expect(await s.engine.collateralsOf(id)).to.deep.equal([]);
    const scaledInVault = await s.engine.scaledDebtOf(id);
    expect(scaledInVault).to.be.greaterThan(0n);
    // Not bad debt yet: an auction is still open.
    await expect(s.engine.realiseBadDebt(id))
      .to.be.revertedWithCustomError(s.engine, "NotBadDebt")
      .withArgs(id, 0n, 1n, scaledInVault);

    const a = await s.auctionHouse.auction(1n);
    await networkHelpers.time.setNextBlockTimestamp(a.startedAt + 2_700n);
    const tx = await s.auctionHouse.connect(s.bob).take(1n, a.lot, ethers.MaxUint256, s.bob.address, "0x");
    const index = await s.pool.borrowIndex();
    const receipt = await tx.wait();
    const settled = receipt!.logs
      .map((l) => {
        try {
          return s.auctionHouse.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((l) => l?.name === "AuctionSettled")!;
    const [, , collateralReturned, scaledReturned, penaltyForgone] = settled.args;
    expect(collateralReturned).to.equal(0n);
    expect(penaltyForgone).to.equal(a.penalty);
    // The lot fetched less than the debt part: the scaled debt it did not repay went back to the vault.
    const paid = await paidOf(s, tx);
    expect(paid).to.be.lessThan(toDebtUp(a.scaledDebt, index));
    expect(scaledReturned).to.equal(a.scaledDebt - toScaledDown(paid, index));
    await expect(tx).to.emit(s.engine, "ReturnedFromAuction").withArgs(id, weth, 0n, scaledReturned);

    expect(await s.engine.collateralsOf(id)).to.deep.equal([]);
    expect(await s.engine.openAuctionsOf(id)).to.equal(0n);
    expect(await s.engine.scaledDebtOf(id)).to.equal(scaledInVault + scaledReturned);
    expect(await s.engine.debtOf(id)).to.be.greaterThan(USDC(8_900));
    expect(await s.engine.healthFactor(id)).to.equal(0n);
    expect(await s.lens.liquidatableVaults(1n, 2n)).to.deep.equal([id]); // bob's vault is healthy
    // Nothing left to auction.
    await expect(s.auctionHouse.kick(id, weth, s.keeper.address))
      .to.be.revertedWithCustomError(s.auctionHouse, "AssetNotInVault")
      .withArgs(id, weth);
    await expectLedgerReconciles(s);
  });

  it("NotBadDebt(id, collaterals, openAuctions, scaledDebt) for vaults with collateral, an open auction or no debt", async function () {
    const { s, weth } = await networkHelpers.loadFixture(crashKickedFixture);
    // Open auction: covered in the test above. Collateral and debt:
    const withDebt = await openVault(s, s.bob);
    await s.engine.connect(s.bob).deposit(withDebt, weth, WETH(5));
    await s.engine.connect(s.bob).borrow(withDebt, USDC(1_000), s.bob.address);
    await expect(s.engine.realiseBadDebt(withDebt))
      .to.be.revertedWithCustomError(s.engine, "NotBadDebt")
      .withArgs(withDebt, 1n, 0n, await s.engine.scaledDebtOf(withDebt));
    // Collateral, no debt:
    const noDebt = await openVault(s, s.carol);
    await s.engine.connect(s.carol).deposit(noDebt, weth, WETH(1));
    await expect(s.engine.realiseBadDebt(noDebt))
      .to.be.revertedWithCustomError(s.engine, "NotBadDebt")
      .withArgs(noDebt, 1n, 0n, 0n);
    // Empty:
    const empty = await openVault(s, s.carol);
    await expect(s.engine.realiseBadDebt(empty))
      .to.be.revertedWithCustomError(s.engine, "NotBadDebt")
      .withArgs(empty, 0n, 0n, 0n);
    await expect(s.engine.realiseBadDebt(99n)).to.be.revertedWithCustomError(s.engine, "UnknownVault").withArgs(99n);
  });

  it("fully covered by the insurance fund: the fund pays, lenders' share price is unchanged", async function () {
    const { s, id } = await networkHelpers.loadFixture(badDebtFixture);
    const fund = await s.insuranceFund.getAddress();
    await s.usdc.connect(s.carol).transfer(fund, USDC(20_000));
    const fundBefore = await fundUsdc(s);
    const scaled = await s.engine.scaledDebtOf(id);
    const before = await poolLedger(s);
    const lenderShares = await s.pool.balanceOf(s.lender.address);

    const tx = await s.engine.connect(s.stranger).realiseBadDebt(id);
    const index = await s.pool.borrowIndex();
    const debt = toDebtUp(scaled, index);
    await expect(tx).to.emit(s.engine, "BadDebtRealised").withArgs(id, s.stranger.address, debt, 0n);
    await expect(tx)
      .to.emit(s.insuranceFund, "Paid")
      .withArgs(await s.pool.getAddress(), debt, BAD_DEBT);
    await expect(tx).to.emit(s.pool, "Repaid").withArgs(fund, debt, scaled);
    await expect(tx).not.to.emit(s.pool, "BadDebtSocialised");

    expect(await fundUsdc(s)).to.equal(fundBefore - debt);
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
    expect(await s.engine.healthFactor(id)).to.equal(ethers.MaxUint256);
    const after = await poolLedger(s);
    expect(after.cash).to.equal(before.cash + debt);
    expect(after.scaled).to.equal(before.scaled - scaled);
    expect(after.supply).to.equal(before.supply); // reserve factor 0: no shares minted

    // Share price at the same index: total assets before the write-off vs after. Debt rounds up and the
    // pool's aggregate rounds down, so lenders can gain at most 1 unit, never lose.
    const assetsBefore = before.cash + toAssetsDown(before.scaled, index);
    const assetsAfter = await s.pool.totalAssets();
    expect(assetsAfter).to.equal(after.cash + toAssetsDown(after.scaled, index));
    expect(assetsAfter - assetsBefore).to.be.oneOf([0n, 1n]);
    const valueBefore = (lenderShares * (assetsBefore + 1n)) / (before.supply + VIRTUAL_SHARES);
    const valueAfter = await s.pool.convertToAssets(lenderShares);
    expect(valueAfter - valueBefore).to.be.oneOf([0n, 1n]);

    await expect(s.engine.realiseBadDebt(id))
      .to.be.revertedWithCustomError(s.engine, "NotBadDebt")
      .withArgs(id, 0n, 0n, 0n);
    await expectLedgerReconciles(s);
  });

  it("partly covered: the fund pays what it holds, the rest is socialised and total assets drop by exactly that", async function () {
    const { s, id } = await networkHelpers.loadFixture(badDebtFixture);
    const fund = await s.insuranceFund.getAddress();
    await s.usdc.connect(s.carol).transfer(fund, USDC(3_000));
    const scaled = await s.engine.scaledDebtOf(id);
    const before = await poolLedger(s);
    const lenderShares = await s.pool.balanceOf(s.lender.address);

    const tx = await s.engine.connect(s.stranger).realiseBadDebt(id);
    const index = await s.pool.borrowIndex();
    const debt = toDebtUp(scaled, index);
    const covered = USDC(3_000);
    const scaledCovered = toScaledDown(covered, index);
    const scaledSocialised = scaled - scaledCovered;
    const afterRepay = before.scaled - scaledCovered;
    const socialised = min(toDebtUp(scaledSocialised, index), toAssetsDown(afterRepay, index));
    expect(covered + socialised - debt).to.be.oneOf([0n, 1n]);
    await expect(tx).to.emit(s.engine, "BadDebtRealised").withArgs(id, s.stranger.address, covered, socialised);
    await expect(tx).to.emit(s.pool, "Repaid").withArgs(fund, covered, scaledCovered);
    await expect(tx).to.emit(s.pool, "BadDebtSocialised").withArgs(socialised, scaledSocialised);
    expect(await fundUsdc(s)).to.equal(0n);

    const after = await poolLedger(s);
    expect(after.cash).to.equal(before.cash + covered);
    expect(after.scaled).to.equal(before.scaled - scaled);
    const assetsBefore = before.cash + toAssetsDown(before.scaled, index);
    const assetsAfter = await s.pool.totalAssets();
    // Two steps: the fund's 3,000 repay floor(3,000 / index) of scaled debt (lenders gain at most 1 unit of
    // rounding), then the rest is written off.
    const repayGain = covered - (toAssetsDown(before.scaled, index) - toAssetsDown(afterRepay, index));
    expect(repayGain).to.be.oneOf([0n, 1n]);
    const writeOffDrop = toAssetsDown(afterRepay, index) - toAssetsDown(after.scaled, index);
    expect(assetsBefore - assetsAfter).to.equal(writeOffDrop - repayGain);
    // The write-off lowers total assets by exactly the socialised amount.
    expect(socialised).to.equal(writeOffDrop);
    // Lenders bear it pro rata.
    const valueBefore = (lenderShares * (assetsBefore + 1n)) / (before.supply + VIRTUAL_SHARES);
    const valueAfter = await s.pool.convertToAssets(lenderShares);
    expect(valueAfter).to.equal((lenderShares * (assetsAfter + 1n)) / (after.supply + VIRTUAL_SHARES));
    // The lender holds all shares but the virtual ones: it loses the whole drop, to a unit.
    expect(valueBefore - valueAfter).to.be.closeTo(assetsBefore - assetsAfter, 1n);
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
    await expectLedgerReconciles(s);
  });

  it("not covered at all: with an empty fund everything is socialised", async function () {
    const { s, id } = await networkHelpers.loadFixture(badDebtFixture);
    expect(await s.insuranceFund.availableAssets()).to.equal(0n);
    const scaled = await s.engine.scaledDebtOf(id);
    const before = await poolLedger(s);
    const tx = await s.engine.connect(s.stranger).realiseBadDebt(id);
    const index = await s.pool.borrowIndex();
    const socialised = min(toDebtUp(scaled, index), toAssetsDown(before.scaled, index));
    expect(socialised).to.equal(toDebtUp(scaled, index)); // bob's debt keeps the pool's total above it
    await expect(tx).to.emit(s.engine, "BadDebtRealised").withArgs(id, s.stranger.address, 0n, socialised);
    await expect(tx).to.emit(s.pool, "BadDebtSocialised").withArgs(socialised, scaled);
    await expect(tx).not.to.emit(s.pool, "Repaid");
    const after = await poolLedger(s);
    expect(after.cash).to.equal(before.cash);
    expect(after.scaled).to.equal(before.scaled - scaled);
    const assetsBefore = before.cash + toAssetsDown(before.scaled, index);
    expect(socialised).to.equal(assetsBefore - (await s.pool.totalAssets()));
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
    await expectLedgerReconciles(s);
  });

  it("the fund covers out of its pool shares when it holds no tokens", async function () {
    const { s, id } = await networkHelpers.loadFixture(badDebtFixture);
    const fund = await s.insuranceFund.getAddress();
    // 2,000 USDC supplied to the pool on the fund's behalf: it now holds pool shares only.
    await s.pool.connect(s.carol).deposit(USDC(2_000), fund);
    const shares = await s.pool.balanceOf(fund);
    const available = await s.insuranceFund.availableAssets();
    expect(await fundUsdc(s)).to.equal(0n);
    const before = await poolLedger(s);
    const scaled = await s.engine.scaledDebtOf(id);

    const tx = await s.engine.connect(s.stranger).realiseBadDebt(id);
    const index = await s.pool.borrowIndex();
    const receipt = await tx.wait();
    const realised = receipt!.logs
      .map((l) => {
        try {
          return s.engine.interface.parseLog(l);
        } catch {
          return null;
        }
      })
      .find((l) => l?.name === "BadDebtRealised")!;
    const [, , covered, socialised] = realised.args;
    // Everything the shares were worth (a second of interest more than the view before), nothing more.
    expect(covered).to.be.greaterThanOrEqual(available);
    expect(covered).to.be.lessThanOrEqual(available + 10n);
    expect(await s.insuranceFund.availableAssets()).to.equal(0n);
    expect(await s.pool.balanceOf(fund)).to.be.lessThan(shares / 1_000_000n); // at most a dust share is left
    // The shares were burned and their value repaid the debt: cash is unchanged, the debt is gone.
    const after = await poolLedger(s);
    expect(after.cash).to.equal(before.cash);
    expect(after.scaled).to.equal(before.scaled - scaled);
    expect(covered + socialised - toDebtUp(scaled, index)).to.be.oneOf([0n, 1n]);
    expect(await s.usdc.balanceOf(await s.pool.getAddress())).to.be.greaterThanOrEqual(after.cash);
    await expectLedgerReconciles(s);
  });

  it("the socialised amount reported (BadDebtRealised / BadDebtSocialised) is exactly the drop in totalAssets", async function () {
    // LendingPool.socialiseBadDebt reports ceil(x * index) while the write-off lowers totalAssets() =
    // cash + floor(S * index) by floor(S * index) - floor((S - x) * index), which is floor(x * index) for
    // about half of the indices. Realised at twenty consecutive seconds, with an empty fund and with a partly funded one, the
    // reported loss must equal the lenders' actual loss every time.
    const { s, id } = await networkHelpers.loadFixture(badDebtFixture);
    const start = BigInt(await networkHelpers.time.latest());
    const mismatches: string[] = [];
    for (const funded of [0n, USDC(3_000)]) {
      for (let dt = 1n; dt <= 20n; dt++) {
        const snapshot = await networkHelpers.takeSnapshot();
        if (funded !== 0n) await s.usdc.connect(s.carol).transfer(await s.insuranceFund.getAddress(), funded);
        const before = await poolLedger(s);
        await networkHelpers.time.setNextBlockTimestamp(start + 20n + dt);
        const receipt = await (await s.engine.realiseBadDebt(id)).wait();
        const index = await s.pool.borrowIndex();
        const event = receipt!.logs
          .map((l) => {
            try {
              return s.engine.interface.parseLog(l);
            } catch {
              return null;
            }
          })
          .find((l) => l?.name === "BadDebtRealised")!;
        const socialised = event.args.socialised as bigint;
        // Total assets right after the fund's repayment vs after the write-off, at the same index.
        const afterRepay = before.scaled - toScaledDown(event.args.covered as bigint, index);
        const drop = toAssetsDown(afterRepay, index) - toAssetsDown(await s.pool.totalScaledDebt(), index);
        if (drop !== socialised) mismatches.push(`fund ${funded}, +${dt}s: reported ${socialised}, drop ${drop}`);
        await snapshot.restore();
      }
    }
    expect(mismatches).to.deep.equal([]);
  });

  it("one wei of collateral deposited by the owner cannot block bad-debt realisation", async function () {
    // A vault with debt and no collateral is bad debt. Its owner deposits 1 wei of WETH: realiseBadDebt now
    // reverts NotBadDebt(collaterals = 1), and the wei cannot be auctioned because it is worth 0 base units
    // (kick reverts NothingToLiquidate). Nothing else can remove it (only the owner can withdraw, and the
    // withdrawal fails the health check), so the loss stays in the pool's totalAssets: lenders who exit
    // first escape it, e.g. a lender colluding with the borrower.
    const { s, id, weth } = await networkHelpers.loadFixture(badDebtFixture);
    await s.engine.connect(s.alice).deposit(id, weth, 1n);
    await expect(s.engine.realiseBadDebt(id))
      .to.be.revertedWithCustomError(s.engine, "NotBadDebt")
      .withArgs(id, 1n, 0n, await s.engine.scaledDebtOf(id));
    await expect(s.engine.connect(s.alice).withdraw(id, weth, 1n, s.alice.address)).to.be.revertedWithCustomError(
      s.engine,
      "Undercollateralised",
    );
    // Expected: the worthless position can still be liquidated (or swept), after which the bad debt is realised.
    await s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address); // today: NothingToLiquidate(id, weth)
    const a = await s.auctionHouse.auction(2n);
    await s.auctionHouse.connect(s.bob).take(2n, a.lot, ethers.MaxUint256, s.bob.address, "0x");
    await expect(s.engine.realiseBadDebt(id)).to.emit(s.engine, "BadDebtRealised");
    await expectLedgerReconciles(s);
  });
});

/** Base asset paid by a take, from its AuctionTaken event. */
async function paidOf(s: System, tx: Awaited<ReturnType<System["auctionHouse"]["take"]>>): Promise<bigint> {
  const receipt = await tx.wait();
  for (const log of receipt!.logs) {
    try {
      const parsed = s.auctionHouse.interface.parseLog(log);
      if (parsed?.name === "AuctionTaken") return parsed.args.paid as bigint;
    } catch {
      // another contract's log
    }
  }
  throw new Error("no AuctionTaken");
}
