import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  deployFundedSystem,
  deploySystem,
  LINK,
  openVault,
  USDC,
  WBTC,
  WETH,
  type System,
} from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

async function systemFixture(): Promise<System> {
  return deploySystem(ethers);
}

const wad = (x: string) => ethers.parseUnits(x, 18);

/** Risk config for test tokens: no size add-on, so effective values are exact multiples of the value. */
const TEST_RISK = {
  enabled: true,
  decimals: 0, // read from the token by the engine
  initialHaircut: wad("0.3"),
  maintenanceHaircut: wad("0.2"),
  volatilityMultiplier: wad("2"),
  volatilityCap: wad("0.1"),
  sizeMultiplier: 0n,
  sizeCap: 0n,
  marketDepth: wad("1000000"),
  debtCeiling: USDC(1_000_000),
};

/** Gives `token` a fresh MockV3Aggregator feed at `usd` and lists it with TEST_RISK (deployer governs). */
async function listWithFeed(s: System, token: string, usd: string, feedDecimals = 8) {
  const feed = await ethers.deployContract("MockV3Aggregator", [feedDecimals, ethers.parseUnits(usd, feedDecimals)]);
  await s.oracle.setFeed(token, {
    primary: await feed.getAddress(),
    secondary: ethers.ZeroAddress,
    primaryStaleness: 86_400,
    secondaryStaleness: 0,
    maxDeviation: 0n,
    minPrice: wad("0.0001"),
    maxPrice: wad("100000000"),
  });
  await s.engine.listCollateral(token, TEST_RISK);
  return feed;
}

/** Mints `amount` of a MockERC20-derived token to `who` and approves the engine. */
async function fund(
  s: System,
  token: { mint: (to: string, a: bigint) => Promise<unknown>; connect: (w: HardhatEthersSigner) => unknown },
  who: HardhatEthersSigner,
  amount: bigint,
) {
  await token.mint(who.address, amount);
  await (token.connect(who) as { approve: (s: string, a: bigint) => Promise<unknown> }).approve(
    await s.engine.getAddress(),
    ethers.MaxUint256,
  );
}

describe("VaultEngine: deposit", function () {
  it("moves exact balances and emits CollateralDeposited with the caller as sender", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    const weth = await s.weth.getAddress();

    const tx = s.engine.connect(s.alice).deposit(id, weth, WETH(3));
    await expect(tx).to.emit(s.engine, "CollateralDeposited").withArgs(id, weth, s.alice.address, WETH(3));
    await expect(tx).to.changeTokenBalances(ethers, s.weth, [s.alice, s.engine], [-WETH(3), WETH(3)]);
    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(3));

    // A manager deposits from its own balance; the event names the manager.
    await s.engine.connect(s.alice).setManager(id, s.bob.address, true);
    const byManager = s.engine.connect(s.bob).deposit(id, weth, WETH(2) + 1n);
    await expect(byManager)
      .to.emit(s.engine, "CollateralDeposited")
      .withArgs(id, weth, s.bob.address, WETH(2) + 1n);
    await expect(byManager).to.changeTokenBalances(
      ethers,
      s.weth,
      [s.alice, s.bob, s.engine],
      [0n, -(WETH(2) + 1n), WETH(2) + 1n],
    );
    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(5) + 1n);
    expect(await s.weth.balanceOf(await s.engine.getAddress())).to.equal(WETH(5) + 1n);
  });

  it("refuses deposits from anyone but the owner or a manager", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    await expect(s.engine.connect(s.stranger).deposit(id, await s.weth.getAddress(), WETH(1)))
      .to.be.revertedWithCustomError(s.engine, "NotOwnerOrManager")
      .withArgs(id, s.stranger.address);
    await expect(s.engine.connect(s.alice).deposit(99n, await s.weth.getAddress(), WETH(1)))
      .to.be.revertedWithCustomError(s.engine, "UnknownVault")
      .withArgs(99n);
  });

  it("collateralsOf lists each asset once, in first-deposit order, and drops emptied ones", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    const [weth, wbtc, link] = await Promise.all([s.weth, s.wbtc, s.link].map((t) => t.getAddress()));
    const e = s.engine.connect(s.alice);
    await e.deposit(id, weth, WETH(1));
    await e.deposit(id, wbtc, WBTC(1));
    await e.deposit(id, weth, WETH(2));
    await e.deposit(id, link, LINK(10));
    await e.deposit(id, wbtc, WBTC("0.5"));
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth, wbtc, link]);
    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(3));
    expect(await s.engine.collateralAmount(id, wbtc)).to.equal(WBTC("1.5"));
    expect(await s.engine.collateralAmount(id, link)).to.equal(LINK(10));

    // Partly withdrawn: still listed once. Fully withdrawn: gone. Deposited again: listed once more.
    await e.withdraw(id, wbtc, WBTC("0.5"), s.alice.address);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth, wbtc, link]);
    await e.withdraw(id, wbtc, WBTC(1), s.alice.address);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth, link]);
    await e.deposit(id, wbtc, 1n);
    await e.deposit(id, wbtc, 1n);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth, link, wbtc]);
    expect(await s.engine.collateralAmount(id, wbtc)).to.equal(2n);

    // Another vault's list is independent.
    const other = await openVault(s, s.bob);
    await s.engine.connect(s.bob).deposit(other, link, LINK(1));
    expect(await s.engine.collateralsOf(other)).to.deep.equal([link]);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth, link, wbtc]);
  });

  it("rejects a zero amount", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    await expect(s.engine.connect(s.alice).deposit(id, await s.weth.getAddress(), 0n)).to.be.revertedWithCustomError(
      s.engine,
      "ZeroAmount",
    );
    expect(await s.engine.collateralsOf(id)).to.deep.equal([]);
  });

  it("rejects unlisted assets (a random token, the base asset, the zero address) with CollateralNotEnabled", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const id = await openVault(s, s.alice);
    const unlisted = await ethers.deployContract("MockERC20", ["Unlisted", "UNL", 18]);
    const u = await unlisted.getAddress();
    await fund(s, unlisted, s.alice, WETH(1));
    for (const asset of [u, await s.usdc.getAddress(), ethers.ZeroAddress]) {
      await expect(s.engine.connect(s.alice).deposit(id, asset, 1n))
        .to.be.revertedWithCustomError(s.engine, "CollateralNotEnabled")
        .withArgs(asset);
    }
    expect(await unlisted.balanceOf(s.alice.address)).to.equal(WETH(1));
  });

  it("caps the number of distinct collaterals per vault (TooManyCollaterals)", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const [weth, wbtc, link] = await Promise.all([s.weth, s.wbtc, s.link].map((t) => t.getAddress()));
    // The deployer holds RISK_MANAGER in the hardhat parameters.
    await expect(s.engine.setMaxCollateralsPerVault(2)).to.emit(s.engine, "MaxCollateralsPerVaultSet").withArgs(2n);
    const id = await openVault(s, s.alice);
    const e = s.engine.connect(s.alice);
    await e.deposit(id, weth, WETH(1));
    await e.deposit(id, wbtc, WBTC(1));
    await expect(e.deposit(id, link, LINK(1)))
      .to.be.revertedWithCustomError(s.engine, "TooManyCollaterals")
      .withArgs(id, 2n);
    // Topping up a held asset is not a new slot.
    await e.deposit(id, weth, WETH(1));
    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(2));
    // Emptying a slot frees it.
    await e.withdraw(id, wbtc, WBTC(1), s.alice.address);
    await e.deposit(id, link, LINK(1));
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth, link]);
  });

  it("lowering the cap keeps existing positions (and their top-ups) but blocks new assets", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const [weth, wbtc, link] = await Promise.all([s.weth, s.wbtc, s.link].map((t) => t.getAddress()));
    const id = await openVault(s, s.alice);
    const e = s.engine.connect(s.alice);
    await e.deposit(id, weth, WETH(1));
    await e.deposit(id, wbtc, WBTC(1));
    await s.engine.setMaxCollateralsPerVault(1);
    await e.deposit(id, wbtc, WBTC(1));
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth, wbtc]);
    await expect(e.deposit(id, link, LINK(1)))
      .to.be.revertedWithCustomError(s.engine, "TooManyCollaterals")
      .withArgs(id, 1n);
    // Emptying one slot leaves the vault at the cap (1 held, cap 1): still no new asset.
    await e.withdraw(id, weth, WETH(1), s.alice.address);
    await expect(e.deposit(id, link, LINK(1)))
      .to.be.revertedWithCustomError(s.engine, "TooManyCollaterals")
      .withArgs(id, 1n);
  });
});

describe("VaultEngine: deposit and withdraw with adversarial tokens", function () {
  it("rejects a fee-on-transfer token with the exact amount received", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const fee = await ethers.deployContract("FeeOnTransferToken", [100n]); // 1%
    const asset = await fee.getAddress();
    await listWithFeed(s, asset, "10");
    await fund(s, fee, s.alice, WETH(1_000));
    const id = await openVault(s, s.alice);

    await expect(s.engine.connect(s.alice).deposit(id, asset, WETH(1_000)))
      .to.be.revertedWithCustomError(s.engine, "TransferAmountMismatch")
      .withArgs(asset, WETH(1_000), WETH(990));
    // An amount whose fee rounds to zero moves in full and is accepted.
    await expect(s.engine.connect(s.alice).deposit(id, asset, 99n))
      .to.emit(s.engine, "CollateralDeposited")
      .withArgs(id, asset, s.alice.address, 99n);
    await expect(s.engine.connect(s.alice).deposit(id, asset, 12_345n))
      .to.be.revertedWithCustomError(s.engine, "TransferAmountMismatch")
      .withArgs(asset, 12_345n, 12_345n - 123n);

    expect(await s.engine.collateralAmount(id, asset)).to.equal(99n);
    expect(await fee.balanceOf(await s.engine.getAddress())).to.equal(99n);
    expect(await fee.balanceOf(s.alice.address)).to.equal(WETH(1_000) - 99n);
  });

  it("rejects a token whose transferFrom returns false (SafeERC20FailedOperation), and one whose transfer does", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const token = await ethers.deployContract("ReturnsFalseToken");
    const asset = await token.getAddress();
    await listWithFeed(s, asset, "1");
    await fund(s, token, s.alice, WETH(100));
    const id = await openVault(s, s.alice);

    await token.setFailures(false, true);
    await expect(s.engine.connect(s.alice).deposit(id, asset, WETH(10)))
      .to.be.revertedWithCustomError(s.engine, "SafeERC20FailedOperation")
      .withArgs(asset);
    expect(await s.engine.collateralAmount(id, asset)).to.equal(0n);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([]);

    await token.setFailures(false, false);
    await s.engine.connect(s.alice).deposit(id, asset, WETH(10));
    await token.setFailures(true, false);
    await expect(s.engine.connect(s.alice).withdraw(id, asset, WETH(4), s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "SafeERC20FailedOperation")
      .withArgs(asset);
    expect(await s.engine.collateralAmount(id, asset)).to.equal(WETH(10));
    expect(await token.balanceOf(s.alice.address)).to.equal(WETH(90));
  });

  it("bubbles up a reverting transfer / transferFrom and credits nothing", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const token = await ethers.deployContract("RevertingToken");
    const asset = await token.getAddress();
    const engine = await s.engine.getAddress();
    await listWithFeed(s, asset, "1");
    await fund(s, token, s.alice, WETH(100));
    const id = await openVault(s, s.alice);

    await token.setReverts(false, true);
    await expect(s.engine.connect(s.alice).deposit(id, asset, WETH(10)))
      .to.be.revertedWithCustomError(token, "TransferBlocked")
      .withArgs(s.alice.address, engine, WETH(10));
    expect(await s.engine.collateralAmount(id, asset)).to.equal(0n);
    expect(await s.engine.collateralsOf(id)).to.deep.equal([]);

    await token.setReverts(false, false);
    await s.engine.connect(s.alice).deposit(id, asset, WETH(10));
    await token.setReverts(true, false);
    await expect(s.engine.connect(s.alice).withdraw(id, asset, WETH(10), s.bob.address))
      .to.be.revertedWithCustomError(token, "TransferBlocked")
      .withArgs(engine, s.bob.address, WETH(10));
    // Nothing left the engine and the position is intact (not even removed from the list).
    expect(await s.engine.collateralAmount(id, asset)).to.equal(WETH(10));
    expect(await s.engine.collateralsOf(id)).to.deep.equal([asset]);
    expect(await token.balanceOf(engine)).to.equal(WETH(10));
    expect(await token.balanceOf(s.bob.address)).to.equal(0n);
  });

  describe("a token that re-enters the engine from its transfer hooks", function () {
    /** Alice's vault holds 10 REENT; the token itself is a manager of the vault, so only the guard stops it. */
    async function reentrantFixture() {
      const s = await deployFundedSystem(ethers);
      const token = await ethers.deployContract("ReentrantToken");
      const asset = await token.getAddress();
      await listWithFeed(s, asset, "100");
      await fund(s, token, s.alice, WETH(100));
      await token.mint(asset, WETH(100)); // so that a re-entrant deposit could even be paid
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, asset, WETH(10));
      await s.engine.connect(s.alice).setManager(id, asset, true);
      return { s, token, asset, id };
    }

    it("the hook really calls out (a call to another contract goes through)", async function () {
      const { s, token, id, asset } = await networkHelpers.loadFixture(reentrantFixture);
      await token.arm(await s.oracle.getAddress(), s.oracle.interface.encodeFunctionData("poke", [asset]));
      await expect(s.engine.connect(s.alice).deposit(id, asset, WETH(1))).to.emit(s.oracle, "Poked");
      expect(await token.reentries()).to.equal(1n);
      expect(await s.engine.collateralAmount(id, asset)).to.equal(WETH(11));
    });

    const reentries: [string, (id: bigint, asset: string, s: System) => string][] = [
      ["deposit", (id, asset, s) => s.engine.interface.encodeFunctionData("deposit", [id, asset, WETH(1)])],
      ["withdraw", (id, asset, s) => s.engine.interface.encodeFunctionData("withdraw", [id, asset, WETH(10), asset])],
      ["borrow", (id, asset, s) => s.engine.interface.encodeFunctionData("borrow", [id, USDC(100), asset])],
    ];

    for (const [name, calldata] of reentries) {
      it(`deposit whose transferFrom re-enters engine.${name} reverts ReentrancyGuardReentrantCall`, async function () {
        const { s, token, asset, id } = await networkHelpers.loadFixture(reentrantFixture);
        await token.arm(await s.engine.getAddress(), calldata(id, asset, s));
        await expect(s.engine.connect(s.alice).deposit(id, asset, WETH(5))).to.be.revertedWithCustomError(
          s.engine,
          "ReentrancyGuardReentrantCall",
        );
        expect(await s.engine.collateralAmount(id, asset)).to.equal(WETH(10));
        expect(await token.balanceOf(await s.engine.getAddress())).to.equal(WETH(10));
        expect(await token.reentries()).to.equal(0n);
      });

      it(`withdraw whose transfer re-enters engine.${name} reverts ReentrancyGuardReentrantCall`, async function () {
        const { s, token, asset, id } = await networkHelpers.loadFixture(reentrantFixture);
        await token.arm(await s.engine.getAddress(), calldata(id, asset, s));
        await expect(
          s.engine.connect(s.alice).withdraw(id, asset, WETH(3), s.alice.address),
        ).to.be.revertedWithCustomError(s.engine, "ReentrancyGuardReentrantCall");
        expect(await s.engine.collateralAmount(id, asset)).to.equal(WETH(10));
        expect(await token.balanceOf(s.alice.address)).to.equal(WETH(90));
        expect(await token.reentries()).to.equal(0n);
      });
    }
  });

  it("lists and values a 24-decimals and a 0-decimals token exactly", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const t24 = await ethers.deployContract("MockERC20", ["Twenty-four", "T24", 24]);
    const t0 = await ethers.deployContract("MockERC20", ["Zero", "T0", 0]);
    const [a24, a0] = [await t24.getAddress(), await t0.getAddress()];
    await listWithFeed(s, a24, "7.77");
    await listWithFeed(s, a0, "1234.56", 18);
    expect((await s.engine.collateralConfig(a24)).decimals).to.equal(24n);
    expect((await s.engine.collateralConfig(a0)).decimals).to.equal(0n);
    // A unit of 10 ** 0 = 1 still marks the 0-decimals token as listed.
    await expect(s.engine.listCollateral(a0, TEST_RISK))
      .to.be.revertedWithCustomError(s.engine, "CollateralAlreadyListed")
      .withArgs(a0);

    const amount24 = 123_456_789_012_345_678_901_234_567n; // 123.456789012345678901234567 tokens
    const amount0 = 37n;
    await fund(s, t24, s.alice, amount24);
    await fund(s, t0, s.alice, amount0);
    const id24 = await openVault(s, s.alice);
    const id0 = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id24, a24, amount24);
    await s.engine.connect(s.alice).deposit(id0, a0, amount0);

    const price24 = wad("7.77");
    const price0 = wad("1234.56");
    const value24 = (amount24 * price24) / 10n ** 24n;
    const value0 = amount0 * price0;
    expect(value24).to.equal(959_259_250_625_925_925_062n); // floor(123.456789... * 7.77 * 1e18)
    expect(value0).to.equal(wad("45678.72"));

    for (const [id, asset, amount, price, value] of [
      [id24, a24, amount24, price24, value24],
      [id0, a0, amount0, price0, value0],
    ] as const) {
      const summary = await s.lens.vaultSummary(id);
      expect(summary.collaterals).to.have.length(1);
      const c = summary.collaterals[0];
      expect(c.asset).to.equal(asset);
      expect(c.amount).to.equal(amount);
      expect(c.price).to.equal(price);
      expect(c.value).to.equal(value);
      // No size add-on and no volatility yet: flat haircuts of 0.3 / 0.2.
      expect(c.initialHaircut).to.equal(wad("0.3"));
      expect(c.maintenanceHaircut).to.equal(wad("0.2"));
      expect(summary.borrowingPower).to.equal((value * 7n) / 10n);
      expect(summary.maintenanceValue).to.equal((value * 8n) / 10n);
      expect(summary.healthFactor).to.equal(ethers.MaxUint256);
      // maxBorrow: borrowing power in USDC at $1, rounded down, minus the one-unit margin.
      expect(summary.maxBorrow).to.equal((value * 7n) / 10n / 10n ** 12n - 1n);
    }
  });

  it("lists a 36-decimals token but rejects more than 36 decimals", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const t36 = await ethers.deployContract("MockERC20", ["Thirty-six", "T36", 36]);
    await expect(s.engine.listCollateral(await t36.getAddress(), TEST_RISK)).to.emit(s.engine, "CollateralListed");
    expect((await s.engine.collateralConfig(await t36.getAddress())).decimals).to.equal(36n);
    for (const d of [37n, 255n]) {
      const t = await ethers.deployContract("MockERC20", [`D${d}`, `D${d}`, d]);
      await expect(s.engine.listCollateral(await t.getAddress(), TEST_RISK))
        .to.be.revertedWithCustomError(s.engine, "ParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("decimals"), d, 36n);
      expect(await s.engine.listedCollaterals()).to.not.include(await t.getAddress());
    }
  });
});

describe("VaultEngine: deposit and withdraw without debt need no oracle", function () {
  it("deposits and withdraws when every price feed is stale", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const [weth, wbtc] = [await s.weth.getAddress(), await s.wbtc.getAddress()];
    const id = await openVault(s, s.alice);
    await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
    await s.engine.connect(s.alice).deposit(id, wbtc, WBTC(1));

    await networkHelpers.time.increase(86_401);
    // The oracle is unusable now: every price read reverts Stale (OracleFailure 4).
    for (const asset of [weth, wbtc, await s.usdc.getAddress()]) {
      await expect(s.oracle.getPrice(asset))
        .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
        .withArgs(asset, 4n);
    }

    await expect(s.engine.connect(s.alice).withdraw(id, weth, WETH(4), s.bob.address)).to.changeTokenBalances(
      ethers,
      s.weth,
      [s.engine, s.bob],
      [-WETH(4), WETH(4)],
    );
    await expect(s.engine.connect(s.alice).withdraw(id, wbtc, WBTC(1), s.alice.address))
      .to.emit(s.engine, "CollateralWithdrawn")
      .withArgs(id, wbtc, s.alice.address, WBTC(1));
    await s.engine.connect(s.alice).deposit(id, weth, WETH(1));
    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(7));
    expect(await s.engine.collateralsOf(id)).to.deep.equal([weth]);
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
  });
});

describe("VaultEngine: long collateral lists (owner-slot head, tail slot)", function () {
  /** Funded pool; five more $10 test tokens listed, so a vault can hold eight collaterals. */
  async function eightCollateralFixture() {
    const s = await deployFundedSystem(ethers);
    const extra: string[] = [];
    for (let i = 0; i < 5; ++i) {
      const token = await ethers.deployContract("MockERC20", [`Extra ${i}`, `X${i}`, 18]);
      const asset = await token.getAddress();
      await listWithFeed(s, asset, "10");
      await fund(s, token, s.alice, WETH(1_000));
      extra.push(asset);
    }
    await s.engine.setMaxCollateralsPerVault(16);
    const [weth, wbtc, link] = await Promise.all([s.weth, s.wbtc, s.link].map((t) => t.getAddress()));
    const id = await openVault(s, s.alice);
    const e = s.engine.connect(s.alice);
    await e.deposit(id, weth, WETH(10));
    await e.deposit(id, wbtc, WBTC(1));
    await e.deposit(id, link, LINK(100));
    for (const asset of extra) await e.deposit(id, asset, WETH(100));
    return { s, id, e, list: [weth, wbtc, link, ...extra] };
  }

  /** The vault's scaled debt is exactly the sum of its positions' attributions. */
  async function expectDebtIsSumOfAttributions(s: System, id: bigint, list: string[]) {
    let sum = 0n;
    for (const asset of list) sum += await s.engine.attributedScaledDebt(id, asset);
    expect(await s.engine.scaledDebtOf(id)).to.equal(sum);
  }

  it("keeps order across the head and tail slots, swap-and-pop across the boundary, debt exact", async function () {
    const { s, id, e, list } = await networkHelpers.loadFixture(eightCollateralFixture);
    expect(await s.engine.collateralsOf(id)).to.deep.equal(list);
    const breakdown = await s.engine.healthBreakdown(id);
    expect(breakdown.assets.map((a) => a.asset)).to.deep.equal(list);

    await e.borrow(id, USDC(10_000), s.alice.address);
    expect(await s.engine.debtOf(id)).to.be.greaterThanOrEqual(USDC(10_000));
    await expectDebtIsSumOfAttributions(s, id, list);
    // Every listed collateral gives borrowing power, so each carries a share of the debt.
    for (const asset of list) expect(await s.engine.attributedScaledDebt(id, asset)).to.be.greaterThan(0n);

    // Emptying a head entry (WBTC, entry 1) moves the last entry (in the tail) into its place.
    await e.withdraw(id, list[1], WBTC(1), s.alice.address);
    const afterHead = [list[0], list[7], list[2], list[3], list[4], list[5], list[6]];
    expect(await s.engine.collateralsOf(id)).to.deep.equal(afterHead);
    expect(await s.engine.attributedScaledDebt(id, list[1])).to.equal(0n);
    await expectDebtIsSumOfAttributions(s, id, list);

    // Emptying a tail entry (entry 5) moves the new last entry (entry 6) into it.
    await e.withdraw(id, afterHead[5], WETH(100), s.alice.address);
    const afterTail = [afterHead[0], afterHead[1], afterHead[2], afterHead[3], afterHead[4], afterHead[6]];
    expect(await s.engine.collateralsOf(id)).to.deep.equal(afterTail);
    await expectDebtIsSumOfAttributions(s, id, list);

    // Down to five entries (the head is full, the tail empty), then back to six: the tail is rewritten.
    await e.withdraw(id, afterTail[5], WETH(100), s.alice.address);
    expect(await s.engine.collateralsOf(id)).to.deep.equal(afterTail.slice(0, 5));
    await e.deposit(id, list[1], WBTC(1));
    expect(await s.engine.collateralsOf(id)).to.deep.equal([...afterTail.slice(0, 5), list[1]]);
    await expectDebtIsSumOfAttributions(s, id, list);

    // Repaying everything clears every attribution.
    await s.usdc.connect(s.alice).approve(await s.engine.getAddress(), ethers.MaxUint256);
    await s.usdc.mint(s.alice.address, USDC(1_000));
    await e.repay(id, ethers.MaxUint256);
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
    for (const asset of list) expect(await s.engine.attributedScaledDebt(id, asset)).to.equal(0n);
    expect(await s.engine.healthFactor(id)).to.equal(ethers.MaxUint256);
  });
});
