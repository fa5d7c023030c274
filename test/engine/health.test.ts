import { expect } from "chai";
import { network } from "hardhat";
import {
  collateralConfigOf,
  deployFundedSystem,
  LINK,
  openVault,
  setPrice,
  USDC,
  WAD,
  WBTC,
  WETH,
} from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

/** Alice's vault: 10 WETH (18 dec) + 0.5 WBTC (8 dec) + 1,000 LINK (18 dec), 40,000 USDC (6 dec) debt. */
async function multiCollateralFixture() {
  const s = await deployFundedSystem(ethers);
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(10));
  await s.engine.connect(s.alice).deposit(id, await s.wbtc.getAddress(), WBTC("0.5"));
  await s.engine.connect(s.alice).deposit(id, await s.link.getAddress(), LINK(1_000));
  await s.engine.connect(s.alice).borrow(id, USDC(40_000), s.alice.address);
  return { s, id };
}

// Effective value with the engine's size add-on (multiplier 0.5, cap 0.1) and no volatility yet.
function effective(valueUsd: bigint, baseHaircut: bigint, depthUsd: bigint): bigint {
  const value = valueUsd * WAD;
  const m = 5n * 10n ** 17n;
  const depth = depthUsd * WAD;
  const kept = WAD - baseHaircut;
  return (value * (kept * depth - m * value)) / (depth * WAD);
}

describe("VaultEngine: health views", function () {
  it("values 18/8/18-decimal collaterals against 6-decimal debt exactly", async function () {
    const { s, id } = await networkHelpers.loadFixture(multiCollateralFixture);
    const summary = await s.lens.vaultSummary(id);
    const [weth, wbtc, link] = summary.collaterals;
    expect(weth.value).to.equal(30_000n * WAD);
    expect(wbtc.value).to.equal(30_000n * WAD);
    expect(link.value).to.equal(15_000n * WAD);

    const maintenance =
      effective(30_000n, 15n * 10n ** 16n, 50_000_000n) +
      effective(30_000n, 18n * 10n ** 16n, 30_000_000n) +
      effective(15_000n, 25n * 10n ** 16n, 5_000_000n);
    const initial =
      effective(30_000n, 20n * 10n ** 16n, 50_000_000n) +
      effective(30_000n, 25n * 10n ** 16n, 30_000_000n) +
      effective(15_000n, 35n * 10n ** 16n, 5_000_000n);
    expect(summary.maintenanceValue).to.equal(maintenance);
    expect(summary.borrowingPower).to.equal(initial);
    const debt = await s.engine.debtOf(id);
    expect(summary.debt).to.equal(debt);
    const debtValue = debt * 10n ** 12n; // USDC at exactly $1, 6 -> 18 decimals
    expect(summary.debtValue).to.equal(debtValue);
    expect(summary.healthFactor).to.equal((maintenance * WAD) / debtValue);
    expect(await s.engine.healthFactor(id)).to.equal(summary.healthFactor);
    expect(summary.maxBorrow).to.equal((initial - debtValue) / 10n ** 12n - 1n);
    expect(summary.marginShortfall).to.equal(false);
  });

  it("reports a liquidation price per collateral at which HF crosses 1", async function () {
    const { s, id } = await networkHelpers.loadFixture(multiCollateralFixture);
    // Borrow close to the limit so a single asset's fall can make the vault unhealthy.
    await s.engine.connect(s.alice).borrow(id, (await s.engine.maxBorrow(id)) - USDC(10), s.alice.address);
    const wethAddress = await s.weth.getAddress();
    const liq = await s.lens.liquidationPrice(id, wethAddress);
    expect(liq).to.be.greaterThan(0n);
    expect(liq).to.be.lessThan(3000n * WAD);
    // Feed has 8 decimals; set the price a hair above and below the reported liquidation price.
    const above = (liq * 1_0001n) / 1_0000n;
    const below = (liq * 9_999n) / 10_000n;
    await setPrice(s, "WETH", ethers.formatUnits(above / 10n ** 10n + 1n, 8));
    expect(await s.engine.healthFactor(id)).to.be.greaterThanOrEqual(WAD);
    await setPrice(s, "WETH", ethers.formatUnits(below / 10n ** 10n, 8));
    expect(await s.engine.healthFactor(id)).to.be.lessThan(WAD);
    expect((await s.engine.healthFactor(id)) < WAD).to.equal(true);
    const summary = await s.lens.vaultSummary(id);
    expect(summary.marginShortfall).to.equal(true);
    expect(summary.maxBorrow).to.equal(0n);
  });

  it("returns 0 when one asset alone cannot make the vault unhealthy", async function () {
    const s = await deployFundedSystem(ethers);
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(100)); // $300,000
    await s.engine.connect(s.alice).deposit(id, await s.link.getAddress(), LINK(10));
    await s.engine.connect(s.alice).borrow(id, USDC(1_000), s.alice.address);
    expect(await s.lens.liquidationPrice(id, await s.link.getAddress())).to.equal(0n);
    expect(await s.lens.liquidationPrice(id, await s.wbtc.getAddress())).to.equal(0n); // not held
    // LINK keeps 10 * $15 * (1 - 0.25 - 0.5 * 150 / 5M) = 112.4775 of maintenance value, so WETH
    // must cover 887.5225: 100 WETH * p * 0.85 (size add-on negligible here) -> p ~= 10.4414.
    const liq = await s.lens.liquidationPrice(id, await s.weth.getAddress());
    expect(liq).to.be.greaterThan(10_441n * 10n ** 15n);
    expect(liq).to.be.lessThan(10_442n * 10n ** 15n);
  });

  it("treats a vault with no debt as infinitely healthy and with no liquidation price", async function () {
    const s = await deployFundedSystem(ethers);
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(1));
    expect(await s.engine.healthFactor(id)).to.equal(ethers.MaxUint256);
    expect((await s.engine.healthFactor(id)) < WAD).to.equal(false);
    expect(await s.lens.liquidationPrice(id, await s.weth.getAddress())).to.equal(0n);
    // $3000 * (1 - 0.2 - 0.5 * 3000 / 50M) = 2399.91, less one unit of rounding margin.
    expect(await s.engine.maxBorrow(id)).to.equal(USDC("2399.91") - 1n);
  });

  it("more collateral never lowers HF; a higher haircut never raises it", async function () {
    const { s, id } = await networkHelpers.loadFixture(multiCollateralFixture);
    const hf0 = await s.engine.healthFactor(id);
    await s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), WETH(5_000)); // deep into size add-on
    const hf1 = await s.engine.healthFactor(id);
    expect(hf1).to.be.greaterThan(hf0);
    const weth = await s.weth.getAddress();
    const config = await collateralConfigOf(s.engine, weth);
    await s.engine.setCollateralConfig(weth, { ...config, maintenanceHaircut: 18n * 10n ** 16n });
    expect(await s.engine.healthFactor(id)).to.be.lessThan(hf1);
  });
});
