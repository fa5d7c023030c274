import { expect } from "chai";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();

const WAD = 10n ** 18n;
const YEAR = 365n * 24n * 3600n;
const RISK_MANAGER = 1n;

// 2% APR base, +8% APR up to an 80% kink, +100% APR from the kink to 100% (per second, wad).
const PARAMS = {
  baseRate: 634_195_839n, // floor(0.02e18 / 31_536_000)
  slopeLow: 2_536_783_358n, // floor(0.08e18 / 31_536_000)
  slopeHigh: 31_709_791_983n, // floor(1e18 / 31_536_000)
  kink: 800_000_000_000_000_000n,
};

async function deployModelFixture() {
  const [admin, riskManager, stranger] = await ethers.getSigners();
  const manager = await ethers.deployContract("PoolTestAccessManager", [admin.address]);
  const model = await ethers.deployContract("KinkedRateModel", [manager, PARAMS]);
  await manager.setTargetFunctionRole(model, [model.interface.getFunction("setParameters")!.selector], RISK_MANAGER);
  await manager.grantRole(RISK_MANAGER, riskManager.address, 0);
  return { admin, riskManager, stranger, manager, model };
}

describe("KinkedRateModel", function () {
  it("stores the initial parameters and exposes ~1000% APR maximum bounds", async function () {
    const { model } = await networkHelpers.loadFixture(deployModelFixture);
    const p = await model.parameters();
    expect([p.baseRate, p.slopeLow, p.slopeHigh, p.kink]).to.deep.equal([
      PARAMS.baseRate,
      PARAMS.slopeLow,
      PARAMS.slopeHigh,
      PARAMS.kink,
    ]);
    expect(await model.MAX_BASE_RATE()).to.equal(WAD / YEAR);
    expect(await model.MAX_SLOPE_LOW()).to.equal((2n * WAD) / YEAR);
    expect(await model.MAX_SLOPE_HIGH()).to.equal((7n * WAD) / YEAR);
    expect(await model.MIN_KINK()).to.equal(WAD / 100n);
    expect(await model.MAX_KINK()).to.equal((99n * WAD) / 100n);
    const maxTotal = (await model.MAX_BASE_RATE()) + (await model.MAX_SLOPE_LOW()) + (await model.MAX_SLOPE_HIGH());
    expect(maxTotal).to.be.lessThanOrEqual((10n * WAD) / YEAR);
    expect(maxTotal * YEAR).to.be.closeTo(10n * WAD, 10n ** 8n); // ~1000% APR
  });

  it("utilisation = borrowed / (cash + borrowed), 0 when empty", async function () {
    const { model } = await networkHelpers.loadFixture(deployModelFixture);
    expect(await model.utilisation(0n, 0n)).to.equal(0n);
    expect(await model.utilisation(1000n, 0n)).to.equal(0n);
    expect(await model.utilisation(0n, 1000n)).to.equal(WAD);
    expect(await model.utilisation(2n, 1n)).to.equal(333_333_333_333_333_333n); // rounded down
  });

  it("borrow rate at 0, below the kink, at the kink, above it, and at 100%", async function () {
    const { model } = await networkHelpers.loadFixture(deployModelFixture);
    // u = 0: the base rate.
    expect(await model.borrowRatePerSecond(1000n, 0n)).to.equal(634_195_839n);
    expect(await model.borrowRatePerSecond(0n, 0n)).to.equal(634_195_839n);
    // u = 40%: base + slopeLow * 0.4 / 0.8 = base + slopeLow / 2.
    expect(await model.borrowRatePerSecond(600n, 400n)).to.equal(634_195_839n + 1_268_391_679n);
    // u = 80% (kink): base + slopeLow.
    expect(await model.borrowRatePerSecond(200n, 800n)).to.equal(3_170_979_197n);
    // u = 90%: base + slopeLow + slopeHigh * 0.1 / 0.2, rounded up.
    expect(await model.borrowRatePerSecond(100n, 900n)).to.equal(3_170_979_197n + 15_854_895_992n);
    // u = 100%: base + slopeLow + slopeHigh (110% APR).
    expect(await model.borrowRatePerSecond(0n, 1000n)).to.equal(34_880_771_180n);
    expect((await model.borrowRatePerSecond(0n, 1000n)) * YEAR).to.be.closeTo((110n * WAD) / 100n, 10n ** 8n);
    // The same through rateAtUtilisation, which caps u at 100%.
    expect(await model.rateAtUtilisation(PARAMS.kink)).to.equal(3_170_979_197n);
    expect(await model.rateAtUtilisation(2n * WAD)).to.equal(34_880_771_180n);
  });

  it("is continuous at the kink and non-decreasing around it", async function () {
    const { model } = await networkHelpers.loadFixture(deployModelFixture);
    const below = await model.rateAtUtilisation(PARAMS.kink - 1n);
    const at = await model.rateAtUtilisation(PARAMS.kink);
    const above = await model.rateAtUtilisation(PARAMS.kink + 1n);
    expect(below).to.be.lessThanOrEqual(at);
    expect(above).to.be.greaterThanOrEqual(at);
    expect(at - below).to.be.lessThanOrEqual(1n);
    expect(above - at).to.be.lessThanOrEqual(1n);
  });

  it("setParameters is restricted, bounded with exact errors, and emits", async function () {
    const { model, riskManager, stranger } = await networkHelpers.loadFixture(deployModelFixture);
    const maxBase = await model.MAX_BASE_RATE();
    const maxLow = await model.MAX_SLOPE_LOW();
    const maxHigh = await model.MAX_SLOPE_HIGH();
    const minKink = await model.MIN_KINK();
    const maxKink = await model.MAX_KINK();

    await expect(model.connect(stranger).setParameters(PARAMS))
      .to.be.revertedWithCustomError(model, "AccessManagedUnauthorized")
      .withArgs(stranger.address);

    const cases: [string, object, bigint, bigint][] = [
      ["baseRate", { ...PARAMS, baseRate: maxBase + 1n }, maxBase + 1n, maxBase],
      ["slopeLow", { ...PARAMS, slopeLow: maxLow + 1n }, maxLow + 1n, maxLow],
      ["slopeHigh", { ...PARAMS, slopeHigh: maxHigh + 1n }, maxHigh + 1n, maxHigh],
      ["kink", { ...PARAMS, kink: minKink - 1n }, minKink - 1n, minKink],
      ["kink", { ...PARAMS, kink: maxKink + 1n }, maxKink + 1n, maxKink],
      ["kink", { ...PARAMS, kink: 0n }, 0n, minKink],
      ["kink", { ...PARAMS, kink: WAD }, WAD, maxKink],
    ];
    for (const [name, params, value, bound] of cases) {
      await expect(model.connect(riskManager).setParameters(params as typeof PARAMS), name)
        .to.be.revertedWithCustomError(model, "RateParameterOutOfBounds")
        .withArgs(name, value, bound);
    }
    // The constructor applies the same bounds.
    await expect(ethers.deployContract("KinkedRateModel", [stranger.address, { ...PARAMS, kink: 0n }]))
      .to.be.revertedWithCustomError(model, "RateParameterOutOfBounds")
      .withArgs("kink", 0n, minKink);

    // Every bound itself is accepted.
    const atBounds = { baseRate: maxBase, slopeLow: maxLow, slopeHigh: maxHigh, kink: maxKink };
    await expect(model.connect(riskManager).setParameters(atBounds))
      .to.emit(model, "RateParametersSet")
      .withArgs(maxBase, maxLow, maxHigh, maxKink);
    expect(await model.borrowRatePerSecond(0n, 1n)).to.equal(maxBase + maxLow + maxHigh);
    await expect(model.connect(riskManager).setParameters({ ...atBounds, kink: minKink }))
      .to.emit(model, "RateParametersSet")
      .withArgs(maxBase, maxLow, maxHigh, minKink);
    expect((await model.parameters()).kink).to.equal(minKink);
  });
});
