import { expect } from "chai";
import { network } from "hardhat";
import type { Contract } from "ethers";
import {
  deployFundedSystem,
  LINK,
  openVault,
  RAY,
  setPrice,
  USDC,
  WAD,
  WBTC,
  WETH,
  type System,
} from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

const BASE_UNIT = 10n ** 6n;
const CURE_WINDOW = 600n;
const ELAPSED = 900n; // takes happen 15 steps in: top * 0.99^15 = 0.8601 * top
const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;
const toDebtUp = (scaled: bigint, index: bigint) => ceilDiv(scaled * index, RAY);
const toCollateralDown = (base: bigint, price: bigint) => (base * WAD * WAD) / (price * BASE_UNIT); // 18 decimals

/** Uniswap V2: output of selling `amountIn` into reserves (rIn, rOut), 0.3% fee. */
const amountOut = (amountIn: bigint, reserveIn: bigint, reserveOut: bigint) =>
  (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);

/** Mode enum of FlashTaker. */
const Mode = {
  Sell: 0,
  NoPay: 1,
  ReenterDeposit: 2,
  ReenterBorrow: 3,
  ReenterRepay: 4,
  ReenterFlag: 5,
  ReenterTake: 6,
  ReenterKick: 7,
} as const;

/** A Uniswap V2 WETH/USDC pair seeded with `wethDepth` WETH at `price` USD per WETH. */
async function deployMarket(s: System, price: bigint, wethDepth: bigint) {
  const factoryArtifact = (await import("@uniswap/v2-core/build/UniswapV2Factory.json", { with: { type: "json" } }))
    .default;
  const pairArtifact = (await import("@uniswap/v2-core/build/UniswapV2Pair.json", { with: { type: "json" } })).default;
  const factory = await new ethers.ContractFactory(factoryArtifact.abi, factoryArtifact.bytecode, s.deployer).deploy(
    s.deployer.address,
  );
  await factory.waitForDeployment();
  const weth = await s.weth.getAddress();
  const usdc = await s.usdc.getAddress();
  await (await factory.getFunction("createPair")(weth, usdc)).wait();
  const pairAddress: string = await factory.getFunction("getPair")(weth, usdc);
  const pair = new ethers.Contract(pairAddress, pairArtifact.abi, s.deployer) as Contract;
  // Seed at the oracle price: send both tokens to the pair, then mint the liquidity.
  await s.weth.mint(pairAddress, WETH(wethDepth.toString()));
  await s.usdc.mint(pairAddress, USDC((wethDepth * price).toString()));
  await (await pair.getFunction("mint")(s.deployer.address)).wait();
  return { factory, pair, pairAddress };
}

async function reservesOf(s: System, pair: Contract): Promise<{ weth: bigint; usdc: bigint }> {
  const [r0, r1] = await pair.getFunction("getReserves")();
  const token0: string = await pair.getFunction("token0")();
  return token0 === (await s.weth.getAddress()) ? { weth: r0, usdc: r1 } : { weth: r1, usdc: r0 };
}

/**
 * Alice's vault 1: 10 WETH, 23,000 USDC debt, WETH at $2,600 (HF 0.96), flagged and kicked after the
 * cure window: auction 1 sells 9.5 WETH for a tab of ~19,000 USDC from 2,860 down. A WETH/USDC pair
 * holds 1,000 WETH at $2,600. A keeper with no tokens at all drives the FlashTaker.
 */
async function flashFixture() {
  const s = await deployFundedSystem(ethers);
  await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
  const weth = await s.weth.getAddress();
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
  await setPrice(s, "WETH", "2600");
  await s.engine.connect(s.keeper).flagMarginCall(id);
  await networkHelpers.time.increase(Number(CURE_WINDOW));
  await s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address);
  const market = await deployMarket(s, 2_600n, 1_000n);
  const taker = await ethers.deployContract("FlashTaker", [
    await s.auctionHouse.getAddress(),
    market.pairAddress,
    weth,
  ]);
  const flashKeeper = (await ethers.getSigners())[7];
  const a = await s.auctionHouse.auction(1n);
  return { s, id, weth, ...market, taker, flashKeeper, auctionId: 1n, startedAt: a.startedAt, top: a.top };
}

type Fixture = Awaited<ReturnType<typeof flashFixture>>;

/** Everything a failed take must leave untouched. */
async function snapshotState(f: Fixture) {
  const { s } = f;
  const a = await s.auctionHouse.auction(f.auctionId);
  const takerAddress = await f.taker.getAddress();
  return {
    auction: [a.lot, a.scaledDebt, a.penalty, a.top, a.startedAt],
    reserves: await reservesOf(s, f.pair),
    engineWeth: await s.weth.balanceOf(await s.engine.getAddress()),
    poolScaled: await s.pool.totalScaledDebt(),
    poolCash: await s.pool.cash(),
    fund: await s.usdc.balanceOf(await s.insuranceFund.getAddress()),
    takerWeth: await s.weth.balanceOf(takerAddress),
    takerUsdc: await s.usdc.balanceOf(takerAddress),
    keeperUsdc: await s.usdc.balanceOf(f.flashKeeper.address),
    vaultScaled: await s.engine.scaledDebtOf(f.id),
    vaultWeth: await s.engine.collateralAmount(f.id, f.weth),
    openAuctions: await s.engine.openAuctionsOf(f.id),
  };
}

/** Curve price at `elapsed` for whole steps: top * 0.99^n, as ExponentialCurve computes it. */
async function priceAt(s: System, top: bigint, elapsed: bigint): Promise<bigint> {
  const curve = await ethers.getContractAt("ExponentialCurve", s.record.contracts.curve);
  return curve.price(top, elapsed);
}

describe("Liquidation: flash takes through a Uniswap V2 market", function () {
  it("a keeper without capital buys the lot, sells it in the same transaction and keeps the profit", async function () {
    const f = await networkHelpers.loadFixture(flashFixture);
    const { s, id, weth, taker, flashKeeper, auctionId, startedAt, top } = f;
    const takerAddress = await taker.getAddress();
    expect(await s.usdc.balanceOf(flashKeeper.address)).to.equal(0n);
    expect(await s.weth.balanceOf(flashKeeper.address)).to.equal(0n);

    const price = await priceAt(s, top, ELAPSED); // 2,860 * 0.99^15 = 2,459.9, below the market's 2,600
    const before = await s.auctionHouse.auction(auctionId);
    const reserves = await reservesOf(s, f.pair);
    const fund = await s.usdc.balanceOf(await s.insuranceFund.getAddress());
    const vaultWeth = await s.engine.collateralAmount(id, weth);
    // What a keeper sees a second before: a profitable quote at the market price (before slippage).
    await networkHelpers.time.setNextBlockTimestamp(startedAt + ELAPSED - 1n);
    await networkHelpers.mine();
    const [, , quotedProfit] = await s.auctionHouse.quoteTake(auctionId, ethers.MaxUint256, 2_600n * WAD);
    expect(quotedProfit).to.be.greaterThan(0n);

    await networkHelpers.time.setNextBlockTimestamp(startedAt + ELAPSED);
    const tx = await taker.connect(flashKeeper).execute(auctionId, ethers.MaxUint256, price);
    const index = await s.pool.borrowIndex();
    const tab = toDebtUp(before.scaledDebt, index) + before.penalty;
    const bought = toCollateralDown(tab, price); // the tab's worth, rounded down
    const proceeds = amountOut(bought, reserves.weth, reserves.usdc);
    const profit = proceeds - tab;
    expect(profit).to.be.greaterThan(0n);

    await expect(tx)
      .to.emit(s.auctionHouse, "AuctionTaken")
      .withArgs(auctionId, id, takerAddress, takerAddress, bought, tab, price, before.lot - bought, 0n);
    await expect(tx).to.emit(taker, "FlashTaken").withArgs(auctionId, bought, tab, proceeds);
    await expect(tx)
      .to.emit(s.auctionHouse, "AuctionSettled")
      .withArgs(auctionId, id, before.lot - bought, 0n, 0n);

    // The keeper: profit in USDC, no WETH; the taker contract keeps nothing.
    expect(await s.usdc.balanceOf(flashKeeper.address)).to.equal(profit);
    expect(await s.weth.balanceOf(flashKeeper.address)).to.equal(0n);
    expect(await s.weth.balanceOf(takerAddress)).to.equal(0n);
    expect(await s.usdc.balanceOf(takerAddress)).to.equal(0n);
    expect(await s.usdc.allowance(takerAddress, await s.auctionHouse.getAddress())).to.equal(0n);
    // The market moved: WETH in, USDC out, x * y grew by the fee.
    const after = await reservesOf(s, f.pair);
    expect(after.weth).to.equal(reserves.weth + bought);
    expect(after.usdc).to.equal(reserves.usdc - proceeds);
    expect(after.weth * after.usdc).to.be.greaterThan(reserves.weth * reserves.usdc);
    // The auction is settled: the penalty reached the fund, the unsold WETH went back to the vault.
    expect((await s.auctionHouse.auctionStatus(auctionId)).active).to.equal(false);
    expect(await s.auctionHouse.activeAuctionOf(id, weth)).to.equal(0n);
    expect(await s.usdc.balanceOf(await s.insuranceFund.getAddress())).to.equal(fund + before.penalty);
    expect(await s.engine.collateralAmount(id, weth)).to.equal(vaultWeth + before.lot - bought);
  });

  it("a partial flash take buys only what was asked", async function () {
    const f = await networkHelpers.loadFixture(flashFixture);
    const { s, taker, flashKeeper, auctionId, startedAt, top } = f;
    const price = await priceAt(s, top, ELAPSED);
    const reserves = await reservesOf(s, f.pair);
    const lot = (await s.auctionHouse.auction(auctionId)).lot;
    await networkHelpers.time.setNextBlockTimestamp(startedAt + ELAPSED);
    await taker.connect(flashKeeper).execute(auctionId, WETH(3), price);
    const owe = ceilDiv(WETH(3) * price * BASE_UNIT, WAD * WAD);
    expect(await s.usdc.balanceOf(flashKeeper.address)).to.equal(
      amountOut(WETH(3), reserves.weth, reserves.usdc) - owe,
    );
    expect((await s.auctionHouse.auction(auctionId)).lot).to.equal(lot - WETH(3));
    expect((await s.auctionHouse.auctionStatus(auctionId)).active).to.equal(true);
  });

  describe("the callback cannot re-enter the protocol", function () {
    /** The flash fixture plus the taker's own funded vault, used as a control outside the callback. */
    async function reentryFixture() {
      const f = await flashFixture();
      const { s, taker } = f;
      await taker.openOwnVault();
      await s.weth.mint(await taker.getAddress(), WETH(2));
      await taker.depositOwn(WETH(1)); // works outside a callback
      await taker.borrowOwn(USDC(200)); // works outside a callback
      await taker.setKickAsset(f.weth);
      return f;
    }

    for (const [name, mode] of [
      ["deposit", Mode.ReenterDeposit],
      ["borrow", Mode.ReenterBorrow],
      ["repay", Mode.ReenterRepay],
      ["flagMarginCall", Mode.ReenterFlag],
    ] as const) {
      it(`engine.${name} from the callback reverts CallbackInProgress and the whole take with it`, async function () {
        const f = await networkHelpers.loadFixture(reentryFixture);
        const before = await snapshotState(f);
        await networkHelpers.time.setNextBlockTimestamp(f.startedAt + ELAPSED);
        await expect(
          f.taker.connect(f.flashKeeper).executeWithMode(f.auctionId, ethers.MaxUint256, ethers.MaxUint256, mode),
        ).to.be.revertedWithCustomError(f.s.engine, "CallbackInProgress");
        expect(await snapshotState(f)).to.deep.equal(before);
      });
    }

    for (const [name, mode] of [
      ["take", Mode.ReenterTake],
      ["kick", Mode.ReenterKick],
    ] as const) {
      it(`auctionHouse.${name} from the callback reverts ReentrancyGuardReentrantCall`, async function () {
        const f = await networkHelpers.loadFixture(reentryFixture);
        const before = await snapshotState(f);
        await networkHelpers.time.setNextBlockTimestamp(f.startedAt + ELAPSED);
        await expect(
          f.taker.connect(f.flashKeeper).executeWithMode(f.auctionId, ethers.MaxUint256, ethers.MaxUint256, mode),
        ).to.be.revertedWithCustomError(f.s.auctionHouse, "ReentrancyGuardReentrantCall");
        expect(await snapshotState(f)).to.deep.equal(before);
      });
    }

    it("the lock is released after the callback: the engine works again in the next transaction", async function () {
      const f = await networkHelpers.loadFixture(reentryFixture);
      await networkHelpers.time.setNextBlockTimestamp(f.startedAt + ELAPSED);
      await f.taker.connect(f.flashKeeper).execute(f.auctionId, ethers.MaxUint256, ethers.MaxUint256);
      await expect(f.taker.depositOwn(WETH(1))).to.emit(f.s.engine, "CollateralDeposited");
    });
  });

  it("a protocol contract as callback receiver reverts InvalidCallbackReceiver", async function () {
    const f = await networkHelpers.loadFixture(flashFixture);
    const { s, auctionId } = f;
    await s.usdc.connect(s.bob).approve(await s.auctionHouse.getAddress(), ethers.MaxUint256);
    const protocol = [
      await s.engine.getAddress(),
      await s.pool.getAddress(),
      await s.auctionHouse.getAddress(),
      await s.usdc.getAddress(),
      f.weth,
      await s.insuranceFund.getAddress(),
    ];
    for (const receiver of protocol) {
      await expect(s.auctionHouse.connect(s.bob).take(auctionId, WETH(1), ethers.MaxUint256, receiver, "0x01"))
        .to.be.revertedWithCustomError(s.auctionHouse, "InvalidCallbackReceiver")
        .withArgs(receiver);
    }
    // Without data there is no callback: the collateral simply goes to the receiver, the caller pays.
    const carolWeth = await s.weth.balanceOf(s.carol.address);
    await expect(s.auctionHouse.connect(s.bob).take(auctionId, WETH(1), ethers.MaxUint256, s.carol.address, "0x"))
      .to.emit(s.auctionHouse, "AuctionTaken")
      .withArgs(auctionId, f.id, s.bob.address, s.carol.address, WETH(1), anyValue, anyValue, anyValue, anyValue);
    expect(await s.weth.balanceOf(s.carol.address)).to.equal(carolWeth + WETH(1));
  });

  it("a callback that does not pay makes the whole take revert, changing nothing", async function () {
    const f = await networkHelpers.loadFixture(flashFixture);
    const before = await snapshotState(f);
    await networkHelpers.time.setNextBlockTimestamp(f.startedAt + ELAPSED);
    await expect(
      f.taker.connect(f.flashKeeper).executeWithMode(f.auctionId, ethers.MaxUint256, ethers.MaxUint256, Mode.NoPay),
    ).to.be.revertedWithCustomError(f.s.usdc, "ERC20InsufficientAllowance");
    expect(await snapshotState(f)).to.deep.equal(before);
    // A callback that cannot cover the price (here: the auction is too expensive for the market) reverts too.
    await networkHelpers.time.setNextBlockTimestamp(f.startedAt + 60n);
    await expect(
      f.taker.connect(f.flashKeeper).execute(f.auctionId, ethers.MaxUint256, ethers.MaxUint256),
    ).to.be.revertedWithCustomError(f.taker, "InsufficientProceeds");
    expect(await snapshotState(f)).to.deep.equal(before);
  });

  it("the taker refuses callbacks it did not start", async function () {
    const f = await networkHelpers.loadFixture(flashFixture);
    const data = ethers.AbiCoder.defaultAbiCoder().encode(["uint8"], [Mode.Sell]);
    await expect(f.taker.connect(f.s.stranger).onAuctionTake(await f.taker.getAddress(), 1n, 1n, 1n, data))
      .to.be.revertedWithCustomError(f.taker, "UnexpectedCallback")
      .withArgs(f.s.stranger.address, await f.taker.getAddress());
  });

  describe("gas", function () {
    /** The 1-collateral vault of the flash fixture, before its margin call. */
    async function oneCollateralFixture() {
      const s = await deployFundedSystem(ethers);
      await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
      const weth = await s.weth.getAddress();
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
      await s.engine.connect(s.alice).borrow(id, USDC(23_000), s.alice.address);
      await setPrice(s, "WETH", "2600"); // HF 0.96
      const market = await deployMarket(s, 2_600n, 1_000n);
      return { s, id, weth, ...market };
    }

    /**
     * 40 WETH + 0.5 WBTC + 1,000 LINK, 125,000 USDC debt (HF 1.10), then every price 10% lower (HF 0.99):
     * WETH is big enough for a partial auction of it (38.9 of 40 WETH) to restore the target HF.
     */
    async function threeCollateralFixture() {
      const s = await deployFundedSystem(ethers);
      await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
      const weth = await s.weth.getAddress();
      const id = await openVault(s, s.alice);
      await s.engine.connect(s.alice).deposit(id, weth, WETH(40));
      await s.engine.connect(s.alice).deposit(id, await s.wbtc.getAddress(), WBTC("0.5"));
      await s.engine.connect(s.alice).deposit(id, await s.link.getAddress(), LINK(1_000));
      await s.engine.connect(s.alice).borrow(id, USDC(125_000), s.alice.address);
      await setPrice(s, "WETH", "2700");
      await setPrice(s, "WBTC", "54000");
      await setPrice(s, "LINK", "13.5");
      const market = await deployMarket(s, 2_700n, 2_000n);
      return { s, id, weth, ...market };
    }

    async function measure(fixture: typeof oneCollateralFixture, collaterals: number) {
      const { s, id, weth, pairAddress } = await networkHelpers.loadFixture(fixture);
      const hf = await s.engine.healthFactor(id);
      expect(hf).to.be.lessThan(WAD);
      expect(hf).to.be.greaterThan(9n * 10n ** 17n);
      expect(await s.engine.collateralsOf(id)).to.have.length(collaterals);
      const gasOf = async (tx: Promise<{ wait: () => Promise<{ gasUsed: bigint } | null> }>) =>
        (await (await tx).wait())!.gasUsed;

      const flag = await gasOf(s.engine.connect(s.keeper).flagMarginCall(id));
      await networkHelpers.time.increase(Number(CURE_WINDOW));
      const kick = await gasOf(s.auctionHouse.connect(s.keeper).kick(id, weth, s.keeper.address));
      const a = await s.auctionHouse.auction(1n);
      expect(await s.engine.collateralAmount(id, weth)).to.be.greaterThan(0n); // a partial lot
      const afterKick = await networkHelpers.takeSnapshot();

      // Full take by an EOA holding USDC, covering the tab.
      await s.usdc.connect(s.bob).approve(await s.auctionHouse.getAddress(), ethers.MaxUint256);
      await networkHelpers.time.setNextBlockTimestamp(a.startedAt + ELAPSED);
      const takeTx = s.auctionHouse.connect(s.bob).take(1n, a.lot, ethers.MaxUint256, s.bob.address, "0x");
      await expect(takeTx).to.emit(s.auctionHouse, "AuctionSettled");
      const fullTake = (await (await takeTx).wait())!.gasUsed;
      await afterKick.restore();

      // The same take as a flash take through the FlashTaker and the pair.
      const taker = await ethers.deployContract("FlashTaker", [await s.auctionHouse.getAddress(), pairAddress, weth]);
      const keeper = (await ethers.getSigners())[7];
      await networkHelpers.time.setNextBlockTimestamp(a.startedAt + ELAPSED);
      const flashTx = taker.connect(keeper).execute(1n, a.lot, ethers.MaxUint256);
      await expect(flashTx).to.emit(s.auctionHouse, "AuctionSettled");
      const flashTake = (await (await flashTx).wait())!.gasUsed;
      expect(await s.usdc.balanceOf(keeper.address)).to.be.greaterThan(0n);
      return { flag, kick, fullTake, flashTake };
    }

    it("receipt gasUsed of flagMarginCall, kick, a full take and a flash take (1 and 3 collaterals)", async function () {
      const one = await measure(oneCollateralFixture, 1);
      const three = await measure(threeCollateralFixture, 3);
      console.log("      gas (receipt gasUsed)   1 collateral   3 collaterals");
      for (const key of ["flag", "kick", "fullTake", "flashTake"] as const) {
        console.log(`      ${key.padEnd(24)}${one[key].toString().padStart(12)}${three[key].toString().padStart(16)}`);
      }
      // Sanity: every health check reads one more price per collateral.
      expect(three.flag).to.be.greaterThan(one.flag);
      expect(three.kick).to.be.greaterThan(one.kick);
    });
  });
});

/** withArgs predicate accepting any value. */
function anyValue() {
  return true;
}
