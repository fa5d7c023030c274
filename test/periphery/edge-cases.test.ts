// Edge cases of the periphery contracts that the integration tests do not reach: the keeper's
// FlashTakeRouter (callback guard, pair check, the profit boundary to the unit) and the
// LiquidationScanner's range clamping and id filtering.
import { expect } from "chai";
import { network } from "hardhat";
import type { Contract } from "ethers";
import { deployFundedSystem, openVault, setPrice, USDC, WAD, WBTC, WETH, type System } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

const CURE_WINDOW = 600n;

/** Uniswap V2: output of selling `amountIn` into reserves (rIn, rOut), 0.3% fee. */
const amountOut = (amountIn: bigint, reserveIn: bigint, reserveOut: bigint) =>
  (amountIn * 997n * reserveOut) / (reserveIn * 1000n + amountIn * 997n);

/** A Uniswap V2 pair of `a` and `b` from the published artifacts, seeded with the given amounts. */
async function deployPair(s: System, a: System["weth"], amountA: bigint, b: System["weth"], amountB: bigint) {
  const factoryArtifact = (await import("@uniswap/v2-core/build/UniswapV2Factory.json", { with: { type: "json" } }))
    .default;
  const pairArtifact = (await import("@uniswap/v2-core/build/UniswapV2Pair.json", { with: { type: "json" } })).default;
  const factory = await new ethers.ContractFactory(factoryArtifact.abi, factoryArtifact.bytecode, s.deployer).deploy(
    s.deployer.address,
  );
  await factory.waitForDeployment();
  const [addressA, addressB] = [await a.getAddress(), await b.getAddress()];
  await (await factory.getFunction("createPair")(addressA, addressB)).wait();
  const pairAddress: string = await factory.getFunction("getPair")(addressA, addressB);
  const pair = new ethers.Contract(pairAddress, pairArtifact.abi, s.deployer) as Contract;
  await a.mint(pairAddress, amountA);
  await b.mint(pairAddress, amountB);
  await (await pair.getFunction("mint")(s.deployer.address)).wait();
  return { pair, pairAddress };
}

/**
 * Alice's vault 1 (10 WETH, 23,000 USDC debt) kicked at WETH $2,600 after the cure window; a
 * WETH/USDC pair with 1,000 WETH at $2,600, a WBTC/USDC pair, and a FlashTakeRouter on the auction house.
 */
async function routerFixture() {
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
  const wethMarket = await deployPair(s, s.weth, WETH(1_000), s.usdc, USDC(2_600_000));
  const wbtcMarket = await deployPair(s, s.wbtc, WBTC(10), s.usdc, USDC(600_000));
  const router = await ethers.deployContract("FlashTakeRouter", [await s.auctionHouse.getAddress()]);
  const flashKeeper = (await ethers.getSigners())[7];
  const { startedAt } = await s.auctionHouse.auction(1n);
  return { s, id, weth, router, flashKeeper, startedAt, wethMarket, wbtcMarket };
}

async function reserves(pair: Contract, collateral: string): Promise<[bigint, bigint]> {
  const [r0, r1] = await pair.getFunction("getReserves")();
  return (await pair.getFunction("token0")()) === collateral ? [r0, r1] : [r1, r0];
}

describe("FlashTakeRouter: edge cases", function () {
  it("quoteSale is the Uniswap V2 output for the pair's reserves, in either token order", async function () {
    const { s, router, wethMarket, wbtcMarket } = await networkHelpers.loadFixture(routerFixture);
    const weth = await s.weth.getAddress();
    const wbtc = await s.wbtc.getAddress();
    const [wethIn, usdcOut] = await reserves(wethMarket.pair, weth);
    expect(await router.quoteSale(wethMarket.pairAddress, weth, WETH(3))).to.equal(amountOut(WETH(3), wethIn, usdcOut));
    const [wbtcIn, usdcOut2] = await reserves(wbtcMarket.pair, wbtc);
    expect(await router.quoteSale(wbtcMarket.pairAddress, wbtc, WBTC(1))).to.equal(
      amountOut(WBTC(1), wbtcIn, usdcOut2),
    );
    // Sanity of the formula: 3 WETH into 1,000 WETH / 2,600,000 USDC yields a little under 7,800 USDC.
    expect(amountOut(WETH(3), wethIn, usdcOut)).to.be.within(USDC(7_700), USDC(7_800));
  });

  it("refuses a pair that does not trade the collateral against the base asset (PairMismatch)", async function () {
    const { s, router, wethMarket, wbtcMarket } = await networkHelpers.loadFixture(routerFixture);
    const weth = await s.weth.getAddress();
    const wbtc = await s.wbtc.getAddress();
    await expect(router.quoteSale(wbtcMarket.pairAddress, weth, WETH(1)))
      .to.be.revertedWithCustomError(router, "PairMismatch")
      .withArgs(wbtcMarket.pairAddress, weth);
    await expect(router.quoteSale(wethMarket.pairAddress, wbtc, WBTC(1)))
      .to.be.revertedWithCustomError(router, "PairMismatch")
      .withArgs(wethMarket.pairAddress, wbtc);
    // The same check guards a real take: selling auctioned WETH into the WBTC pair reverts, nothing moves.
    const lot = (await s.auctionHouse.auction(1n)).lot;
    await expect(router.flashTake(1n, ethers.MaxUint256, ethers.MaxUint256, wbtcMarket.pairAddress, 0n))
      .to.be.revertedWithCustomError(router, "PairMismatch")
      .withArgs(wbtcMarket.pairAddress, weth);
    expect((await s.auctionHouse.auction(1n)).lot).to.equal(lot);
  });

  it("rejects a callback it did not start, from the auction house or anyone else (UnexpectedCallback)", async function () {
    const { s, router, flashKeeper } = await networkHelpers.loadFixture(routerFixture);
    const data = ethers.AbiCoder.defaultAbiCoder().encode(["address"], [flashKeeper.address]);
    const routerAddress = await router.getAddress();
    // A stranger calling the callback directly, even naming the router as the taker.
    await expect(router.connect(s.stranger).onAuctionTake(routerAddress, 1n, WETH(1), USDC(1), data))
      .to.be.revertedWithCustomError(router, "UnexpectedCallback")
      .withArgs(s.stranger.address, routerAddress);
    // The auction house itself, outside a running flashTake (no pair set).
    const auctionHouse = await s.auctionHouse.getAddress();
    await networkHelpers.impersonateAccount(auctionHouse);
    await networkHelpers.setBalance(auctionHouse, WAD);
    const asAuctionHouse = await ethers.getSigner(auctionHouse);
    await expect(router.connect(asAuctionHouse).onAuctionTake(routerAddress, 1n, WETH(1), USDC(1), data))
      .to.be.revertedWithCustomError(router, "UnexpectedCallback")
      .withArgs(auctionHouse, routerAddress);
    // A take started by someone else with the router as receiver: the taker is not the router.
    await expect(router.connect(asAuctionHouse).onAuctionTake(s.keeper.address, 1n, WETH(1), USDC(1), data))
      .to.be.revertedWithCustomError(router, "UnexpectedCallback")
      .withArgs(auctionHouse, s.keeper.address);
    await networkHelpers.stopImpersonatingAccount(auctionHouse);
  });

  it("takes when the sale covers the payment plus minProfit exactly, and reverts Unprofitable one unit above", async function () {
    const { s, weth, router, flashKeeper, startedAt, wethMarket } = await networkHelpers.loadFixture(routerFixture);
    const at = startedAt + 900n; // 15 steps into the auction: price well below the market
    const snapshot = await networkHelpers.takeSnapshot();

    // First, find the exact figures of the take at that moment.
    await networkHelpers.time.setNextBlockTimestamp(at);
    const receipt = await (
      await router.connect(flashKeeper).flashTake(1n, ethers.MaxUint256, ethers.MaxUint256, wethMarket.pairAddress, 0n)
    ).wait();
    const event = receipt!.logs
      .map((log) => router.interface.parseLog(log))
      .find((parsed) => parsed?.name === "FlashTake");
    expect(event, "FlashTake event").to.not.equal(undefined);
    const [collateral, owe, proceeds] = [event!.args.collateral, event!.args.owe, event!.args.proceeds] as bigint[];
    expect(proceeds).to.be.greaterThan(owe);
    const profit = proceeds - owe;
    await snapshot.restore();

    // One unit more than the sale yields: the callback refuses, the take reverts, nothing moves.
    const lot = (await s.auctionHouse.auction(1n)).lot;
    await networkHelpers.time.setNextBlockTimestamp(at);
    await expect(
      router
        .connect(flashKeeper)
        .flashTake(1n, ethers.MaxUint256, ethers.MaxUint256, wethMarket.pairAddress, profit + 1n),
    )
      .to.be.revertedWithCustomError(router, "Unprofitable")
      .withArgs(proceeds, owe, profit + 1n);
    expect((await s.auctionHouse.auction(1n)).lot).to.equal(lot);
    expect(await s.usdc.balanceOf(flashKeeper.address)).to.equal(0n);

    // Exactly the profit the sale yields: the take goes through and the keeper gets that profit.
    await networkHelpers.time.setNextBlockTimestamp(at);
    await expect(
      router.connect(flashKeeper).flashTake(1n, ethers.MaxUint256, ethers.MaxUint256, wethMarket.pairAddress, profit),
    )
      .to.emit(router, "FlashTake")
      .withArgs(1n, flashKeeper.address, wethMarket.pairAddress, collateral, owe, proceeds);
    expect(await s.usdc.balanceOf(flashKeeper.address)).to.equal(profit);
    const routerAddress = await router.getAddress();
    expect(await s.usdc.balanceOf(routerAddress)).to.equal(0n);
    expect(await s.weth.balanceOf(routerAddress)).to.equal(0n);
    expect(await s.weth.balanceOf(flashKeeper.address)).to.equal(0n);
    // The pair received exactly the collateral bought.
    const [wethReserve] = await reserves(wethMarket.pair, weth);
    expect(wethReserve).to.equal(WETH(1_000) + collateral);
  });
});

/**
 * Vaults: 1 (alice, WETH, debt, unhealthy after WETH falls to $1,000), 2 (bob, WETH, no debt),
 * 3 (carol, WBTC, debt, healthy). A scanner on the deployed engine and auction house.
 */
async function scannerFixture() {
  const s = await deployFundedSystem(ethers);
  const weth = await s.weth.getAddress();
  const wbtc = await s.wbtc.getAddress();
  const alice = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(alice, weth, WETH(10));
  await s.engine.connect(s.alice).borrow(alice, USDC(20_000), s.alice.address);
  const bob = await openVault(s, s.bob);
  await s.engine.connect(s.bob).deposit(bob, weth, WETH(1));
  const carol = await openVault(s, s.carol);
  await s.engine.connect(s.carol).deposit(carol, wbtc, WBTC(1));
  await s.engine.connect(s.carol).borrow(carol, USDC(10_000), s.carol.address);
  await setPrice(s, "WETH", "1000");
  const scanner = await ethers.deployContract("LiquidationScanner", [
    await s.engine.getAddress(),
    await s.auctionHouse.getAddress(),
  ]);
  return { s, scanner, ids: { alice, bob, carol } };
}

const idsOf = (found: { id: bigint }[]) => found.map((v) => v.id);

describe("LiquidationScanner: ranges and ids", function () {
  it("scan clamps the range to [1, vaultCount] and keeps vaults with debt below the health bound", async function () {
    const { s, scanner, ids } = await networkHelpers.loadFixture(scannerFixture);
    expect(await s.engine.vaultCount()).to.equal(3n);
    const aliceHf = await s.engine.healthFactor(ids.alice);
    const carolHf = await s.engine.healthFactor(ids.carol);
    expect(aliceHf).to.be.lessThan(WAD);
    expect(carolHf).to.be.greaterThan(WAD);

    // from 0 counts as 1, to beyond the count stops at the count; bob (no debt) is never listed.
    const unhealthy = await scanner.scan(0n, 1_000n, WAD);
    expect(idsOf(unhealthy)).to.deep.equal([ids.alice]);
    expect(unhealthy[0].healthFactor).to.equal(aliceHf);
    expect(unhealthy[0].debt).to.equal(await s.engine.debtOf(ids.alice));
    expect(unhealthy[0].priced).to.equal(true);
    expect(unhealthy[0].marginCallAt).to.equal(0n);
    expect(unhealthy[0].blockingAuction).to.equal(0n);
    expect(unhealthy[0].openAuctions).to.equal(0n);
    expect(idsOf(await scanner.scan(0n, ethers.MaxUint256, ethers.MaxUint256))).to.deep.equal([ids.alice, ids.carol]);
    // An upper end below the count cuts the range there.
    expect(idsOf(await scanner.scan(0n, 2n, ethers.MaxUint256))).to.deep.equal([ids.alice]);
    // The health bound is exclusive: carol's own HF does not list her, one more does.
    expect(idsOf(await scanner.scan(3n, 3n, carolHf))).to.deep.equal([]);
    expect(idsOf(await scanner.scan(3n, 3n, carolHf + 1n))).to.deep.equal([ids.carol]);
    // A range starting past the count, or ending before it starts, is empty.
    expect(await scanner.scan(4n, 100n, ethers.MaxUint256)).to.have.length(0);
    expect(await scanner.scan(3n, 2n, ethers.MaxUint256)).to.have.length(0);
  });

  it("scanIds skips id 0 and ids above the vault count, and keeps the order given", async function () {
    const { scanner, ids } = await networkHelpers.loadFixture(scannerFixture);
    const found = await scanner.scanIds([0n, ids.carol, 99n, ids.bob, ids.alice, ethers.MaxUint256], ethers.MaxUint256);
    expect(idsOf(found)).to.deep.equal([ids.carol, ids.alice]);
    expect(await scanner.scanIds([], ethers.MaxUint256)).to.have.length(0);
    expect(await scanner.scanIds([0n, 4n], ethers.MaxUint256)).to.have.length(0);
  });

  it("healthFactors clamps like scan and reports a vault without debt as the maximum", async function () {
    const { s, scanner, ids } = await networkHelpers.loadFixture(scannerFixture);
    const hfs = await scanner.healthFactors(0n, 1_000n);
    expect(hfs).to.deep.equal([
      await s.engine.healthFactor(ids.alice),
      ethers.MaxUint256,
      await s.engine.healthFactor(ids.carol),
    ]);
    expect(await scanner.healthFactors(2n, 2n)).to.deep.equal([ethers.MaxUint256]);
    expect(await scanner.healthFactors(4n, 10n)).to.have.length(0);
    expect(await scanner.healthFactors(3n, 1n)).to.have.length(0);
  });
});
