// Edge cases of auction sizing that the liquidation tests do not reach.
import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, openVault, setPrice, USDC, WAD, WETH } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

const CURE_WINDOW = 600;
const BASE_UNIT = 10n ** 6n;
const RAY = 10n ** 27n;

/** Alice's vault 1: 10 WETH, 21,000 USDC debt, WETH at $2,450 (HF about 0.99), flagged. */
async function flaggedVaultFixture() {
  const s = await deployFundedSystem(ethers);
  await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
  const weth = await s.weth.getAddress();
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(21_000), s.alice.address);
  await setPrice(s, "WETH", "2450");
  await s.engine.connect(s.keeper).flagMarginCall(id);
  await networkHelpers.time.increase(CURE_WINDOW);
  return { s, id, weth };
}

type Fixture = Awaited<ReturnType<typeof flaggedVaultFixture>>;

/** Debt the auction of WETH covers at most: the lot's value in base units / (1 + penalty), rounded down. */
async function capacity(f: Fixture, penalty: bigint): Promise<bigint> {
  const health = await f.s.engine.healthBreakdown(f.id);
  const a = health.assets.find((x) => x.asset === f.weth)!;
  const price = (a.price * WAD) / health.basePrice; // [wad base per WETH]
  const value = (a.amount * price * BASE_UNIT) / (WAD * WAD); // [base units]
  return (value * WAD) / (WAD + penalty);
}

async function kickDebt(f: Fixture): Promise<bigint> {
  const tx = await f.s.auctionHouse.connect(f.s.keeper).kick(f.id, f.weth, f.s.keeper.address);
  const receipt = await tx.wait();
  const started = receipt!.logs
    .map((log) => f.s.auctionHouse.interface.parseLog(log))
    .find((parsed) => parsed?.name === "AuctionStarted");
  expect(started, "AuctionStarted event").to.not.equal(undefined);
  return started!.args.debt;
}

describe("AuctionHouse: sizing when no partial sale restores the target", function () {
  it("with the default settings a partial auction restores the target and the vault keeps debt", async function () {
    const f = await networkHelpers.loadFixture(flaggedVaultFixture);
    const cap = await capacity(f, (await f.s.auctionHouse.collateralAuctionConfig(f.weth)).penalty);
    const debtBefore = await f.s.engine.debtOf(f.id);
    const auctioned = await kickDebt(f);
    expect(auctioned).to.be.lessThan(cap);
    expect(auctioned).to.be.lessThan(debtBefore);
    expect(await f.s.engine.scaledDebtOf(f.id)).to.be.greaterThan(0n);
  });

  it("when (1 + penalty)(1 - haircut) reaches the target, the whole debt is due and the collateral's capacity caps it", async function () {
    const f = await networkHelpers.loadFixture(flaggedVaultFixture);
    const { s, weth } = f;
    // Lowest target HF and highest penalty: 1.25 x (1 - 0.15 - size add-on) = 1.06 >= 1.01.
    const p = await s.auctionHouse.auctionParameters();
    await s.auctionHouse.setAuctionParameters({
      targetHealthFactor: await s.auctionHouse.MIN_TARGET_HEALTH_FACTOR(),
      hardFloor: p.hardFloor,
      lotBuffer: p.lotBuffer,
      cureWindow: p.cureWindow,
      keeperChip: p.keeperChip,
      keeperTip: p.keeperTip,
      dust: p.dust,
    });
    const c = await s.auctionHouse.collateralAuctionConfig(weth);
    const penalty = await s.auctionHouse.MAX_PENALTY();
    await s.auctionHouse.setCollateralAuctionConfig(weth, {
      curve: c.curve,
      penalty,
      startBuffer: c.startBuffer,
      resetPriceRatio: c.resetPriceRatio,
      maxDuration: c.maxDuration,
    });
    const a = (await s.engine.healthBreakdown(f.id)).assets.find((x) => x.asset === weth)!;
    expect(((WAD + penalty) * (WAD - a.maintenanceHaircut)) / WAD).to.be.greaterThanOrEqual(
      await s.auctionHouse.MIN_TARGET_HEALTH_FACTOR(),
    );

    const cap = await capacity(f, penalty);
    const debtBefore = await s.engine.debtOf(f.id);
    expect(cap).to.be.lessThan(debtBefore);
    // The whole debt would be due, but 10 WETH only cover their value / 1.25: exactly that is auctioned.
    expect(await kickDebt(f)).to.equal(cap);
    expect((await s.auctionHouse.auction(1n)).lot).to.equal(WETH(10));
    expect(await s.engine.collateralAmount(f.id, weth)).to.equal(0n);
  });
});

/**
 * Alice's vault 1: 0.42 WETH, 960 USDC debt, WETH at $2,500 (HF 0.93), flagged, past the cure window.
 * Unthrottled, the whole debt goes to auction (what a partial auction would leave is below minDebt).
 */
async function smallVaultFixture() {
  const s = await deployFundedSystem(ethers);
  await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
  const weth = await s.weth.getAddress();
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, weth, WETH("0.42"));
  await s.engine.connect(s.alice).borrow(id, USDC(960), s.alice.address);
  await setPrice(s, "WETH", "2500");
  await s.engine.connect(s.keeper).flagMarginCall(id);
  await networkHelpers.time.increase(CURE_WINDOW);
  return { s, id, weth };
}

describe("AuctionHouse: a throttled auction keeps the dust rules", function () {
  it("unthrottled, the whole debt and the whole lot go to auction", async function () {
    const f = await networkHelpers.loadFixture(smallVaultFixture);
    await kickDebt(f);
    const a = await f.s.auctionHouse.auction(1n);
    expect(a.lot).to.equal(WETH("0.42"));
    expect(await f.s.engine.scaledDebtOf(f.id)).to.equal(0n);
  });

  it("shrunk to the asset cap, it leaves minDebt of debt and dust worth of collateral in the vault", async function () {
    const f = await networkHelpers.loadFixture(smallVaultFixture);
    const { s, weth } = f;
    const c = await s.circuitBreaker.assetConfig(weth);
    // Room for 900 of the 960 due: scaling alone would leave about 60 of debt and $65 of WETH behind.
    await s.circuitBreaker.setAssetConfig(weth, {
      maxDrop: c.maxDrop,
      cooldown: c.cooldown,
      refillPeriod: c.refillPeriod,
      debtUnderAuctionCap: USDC(900),
      bucketCapacity: c.bucketCapacity,
    });
    const [debtRoom] = await s.circuitBreaker.auctionRoom(weth);
    expect(debtRoom).to.equal(USDC(900));
    const minDebt = await s.engine.minDebt();
    const { dust } = await s.auctionHouse.auctionParameters();

    const scaledBefore = await s.engine.scaledDebtOf(f.id);
    const auctioned = await kickDebt(f);
    const left = await s.engine.debtOf(f.id);
    // The auction takes the most that leaves the vault minDebt, to the unit: the vault keeps the scaled
    // debt worth minDebt (rounded up) and the auction's debt is the rest, rounded down (its scaled debt
    // is rounded up from it, so it never eats into what the vault keeps).
    const index = await s.pool.borrowIndex();
    const keep = (minDebt * RAY + index - 1n) / index;
    expect(auctioned).to.equal(((scaledBefore - keep) * index) / RAY);
    expect(await s.engine.scaledDebtOf(f.id)).to.be.greaterThanOrEqual(keep);
    expect(left).to.be.within(minDebt, minDebt + 2n);
    // debt at the kick (960 plus ten minutes of interest, under 0.001 USDC) = auctioned + what is left.
    expect(auctioned + left).to.be.within(USDC(960), USDC("960.001"));
    expect(auctioned).to.be.lessThan(debtRoom);
    // Collateral: exactly dust worth at the oracle price (rounded up) stays in the vault.
    const price = ((await s.oracle.getPrice(weth)) * WAD) / (await s.oracle.getPrice(await s.usdc.getAddress()));
    const dustLot = (dust * WAD * WAD + price * BASE_UNIT - 1n) / (price * BASE_UNIT);
    expect(await s.engine.collateralAmount(f.id, weth)).to.equal(dustLot);
    expect((await s.auctionHouse.auction(1n)).lot).to.equal(WETH("0.42") - dustLot);
    expect(await s.auctionHouse.throttledDebtOf(1n)).to.equal(auctioned);
  });
});
