import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";
import { network } from "hardhat";
import { deployFundedSystem, flaggedShortfallVaults, refreshFeeds, setPrice, WETH } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();
const MASK160 = (1n << 160n) - 1n;

/** Two vaults (Alice's, Bob's) in margin shortfall past their cure window; a keeper that can take. */
async function twoVaultsFixture() {
  const s = await deployFundedSystem(ethers);
  await s.usdc.connect(s.keeper).approve(await s.auctionHouse.getAddress(), ethers.MaxUint256);
  const weth = await s.weth.getAddress();
  const vaults = await flaggedShortfallVaults(s, [s.alice, s.bob]);
  await networkHelpers.time.increase(601);
  await refreshFeeds(s);
  return { s, weth, alice: vaults[0], bob: vaults[1] };
}

type Fixture = Awaited<ReturnType<typeof twoVaultsFixture>>;

/** The auction house's header slot (breaker | auctionCount | freeSlab | slabCount), found by its breaker. */
async function header(f: Fixture) {
  const house = await f.s.auctionHouse.getAddress();
  const breaker = BigInt(await f.s.auctionHouse.circuitBreaker());
  for (let i = 0n; i < 64n; i++) {
    const word = BigInt(await ethers.provider.getStorage(house, i));
    if ((word & MASK160) === breaker) {
      return {
        slot: i,
        auctionCount: (word >> 160n) & ((1n << 48n) - 1n),
        freeSlab: (word >> 208n) & ((1n << 24n) - 1n),
        slabCount: word >> 232n,
      };
    }
  }
  throw new Error("header slot not found");
}

/** Storage slot 0 of slab `slab` (asset | startedAt | vault | generation), found by its asset. */
async function slabSlot(f: Fixture, slab: bigint): Promise<bigint> {
  const house = await f.s.auctionHouse.getAddress();
  for (let p = 0n; p < 64n; p++) {
    const slot = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [slab, p])));
    if ((BigInt(await ethers.provider.getStorage(house, slot)) & MASK160) === BigInt(f.weth)) return slot;
  }
  throw new Error("slab not found");
}

async function kickAndTakeAll(f: Fixture, vault: bigint): Promise<bigint> {
  await f.s.auctionHouse.connect(f.s.keeper).kick(vault, f.weth, f.s.keeper.address);
  const id = await f.s.auctionHouse.auctionCount();
  const lot = (await f.s.auctionHouse.auction(id)).lot;
  await f.s.auctionHouse.connect(f.s.keeper).take(id, lot, ethers.MaxUint256, f.s.keeper.address, "0x");
  return id;
}

describe("Liquidation: recycled auction storage", function () {
  it("a settled auction's slab serves the next kick under a new id; the old id reads closed everywhere", async function () {
    const f = await networkHelpers.loadFixture(twoVaultsFixture);
    const { s, weth, alice, bob } = f;
    const first = await kickAndTakeAll(f, alice);
    expect(first).to.equal(1n);
    expect(await header(f)).to.include({ auctionCount: 1n, freeSlab: 1n, slabCount: 1n });

    const tx = await s.auctionHouse.connect(s.keeper).kick(bob, weth, s.keeper.address);
    const started = (await tx.wait())!.logs
      .map((l) => s.auctionHouse.interface.parseLog(l))
      .find((e) => e?.name === "AuctionStarted")!;
    expect(started.args.auctionId).to.equal(2n);
    // No new slab: the second auction lives in the first one's storage.
    expect(await header(f)).to.include({ auctionCount: 2n, freeSlab: 0n, slabCount: 1n });

    // The new auction reads exactly what the kick started.
    const a = await s.auctionHouse.auction(2n);
    expect(a.vault).to.equal(bob);
    expect(a.asset).to.equal(weth);
    expect(a.lot).to.equal(started.args.lot);
    expect(a.penalty).to.equal(started.args.penalty);
    expect(a.top).to.equal(started.args.top);
    expect(a.startedAt).to.equal(BigInt((await ethers.provider.getBlock(tx.blockNumber!))!.timestamp));
    expect(await s.auctionHouse.incentiveLeft(2n)).to.equal(started.args.penalty - started.args.keeperReward);
    expect(await s.auctionHouse.throttledDebtOf(2n)).to.equal(started.args.debt);
    expect(await s.auctionHouse.activeAuctionOf(bob, weth)).to.equal(2n);
    expect(await s.auctionHouse.blockingAuctionOf(bob)).to.equal(2n);

    // The first id refers to nothing although its slab is in use again.
    const closed = await s.auctionHouse.auction(1n);
    expect([closed.vault, closed.asset, closed.lot, closed.scaledDebt, closed.top]).to.deep.equal([
      0n,
      ethers.ZeroAddress,
      0n,
      0n,
      0n,
    ]);
    expect((await s.auctionHouse.auctionStatus(1n)).active).to.equal(false);
    expect(await s.auctionHouse.incentiveLeft(1n)).to.equal(0n);
    expect(await s.auctionHouse.throttledDebtOf(1n)).to.equal(0n);
    expect(await s.auctionHouse.blockingAuctionOf(alice)).to.equal(0n);
    expect(await s.auctionHouse.activeAuctionOf(alice, weth)).to.equal(0n);
    const ah = s.auctionHouse.connect(s.keeper);
    await expect(ah.take(1n, WETH(1), ethers.MaxUint256, s.keeper.address, "0x"))
      .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
      .withArgs(1n);
    await expect(ah.reset(1n, s.keeper.address))
      .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
      .withArgs(1n);
    await expect(s.auctionHouse.quoteTake(1n, WETH(1), 0n))
      .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
      .withArgs(1n);
    // Ids never issued: nothing either.
    for (const id of [0n, 3n, 6n, 7n, ethers.MaxUint256]) {
      expect((await s.auctionHouse.auctionStatus(id)).active).to.equal(false);
      await expect(ah.take(id, WETH(1), ethers.MaxUint256, s.keeper.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
        .withArgs(id);
    }
  });

  it("a vault whose auction settled is not blocked by its stale entry; the vault's next auction blocks again", async function () {
    const f = await networkHelpers.loadFixture(twoVaultsFixture);
    const { s, weth, alice } = f;
    await kickAndTakeAll(f, alice);
    // Still short of the target HF after the first round: crash WETH so Alice is below the hard floor.
    await setPrice(s, "WETH", "1500");
    await refreshFeeds(s);
    await s.auctionHouse.connect(s.keeper).kick(alice, weth, s.keeper.address);
    expect(await s.auctionHouse.auctionCount()).to.equal(2n);
    expect(await s.auctionHouse.blockingAuctionOf(alice)).to.equal(2n);
    expect(await s.auctionHouse.activeAuctionOf(alice, weth)).to.equal(2n);
    await expect(s.auctionHouse.connect(s.keeper).kick(alice, weth, s.keeper.address))
      .to.be.revertedWithCustomError(s.auctionHouse, "AuctionAlreadyActive")
      .withArgs(alice, weth, 2n);
    expect(await header(f)).to.include({ slabCount: 1n });
  });

  it("a slab whose generation is exhausted is retired, not reused: the next kick takes a new slab", async function () {
    const f = await networkHelpers.loadFixture(twoVaultsFixture);
    const { s, weth, alice, bob } = f;
    await kickAndTakeAll(f, alice);
    // Age the free slab to one generation below the maximum (bits 240..255 of its first slot).
    const house = await s.auctionHouse.getAddress();
    const slot = await slabSlot(f, 1n);
    const word = BigInt(await ethers.provider.getStorage(house, slot));
    await networkHelpers.setStorageAt(house, slot, (word & ((1n << 240n) - 1n)) | (0xfffen << 240n));

    // The next auction gets the last generation and works as usual...
    await s.auctionHouse.connect(s.keeper).kick(bob, weth, s.keeper.address);
    expect(await header(f)).to.include({ auctionCount: 2n, freeSlab: 0n, slabCount: 1n });
    expect((await s.auctionHouse.auction(2n)).vault).to.equal(bob);
    const lot = (await s.auctionHouse.auction(2n)).lot;
    await s.auctionHouse.connect(s.keeper).take(2n, lot, ethers.MaxUint256, s.keeper.address, "0x");
    // ...and its settlement retires the slab instead of freeing it.
    expect(await header(f)).to.include({ auctionCount: 2n, freeSlab: 0n, slabCount: 1n });
    expect((await s.auctionHouse.auctionStatus(2n)).active).to.equal(false);

    await setPrice(s, "WETH", "1500");
    await refreshFeeds(s);
    await s.auctionHouse.connect(s.keeper).kick(alice, weth, s.keeper.address);
    expect(await header(f)).to.include({ auctionCount: 3n, freeSlab: 0n, slabCount: 2n });
    expect((await s.auctionHouse.auction(3n)).vault).to.equal(alice);
    expect((await s.auctionHouse.auction(2n)).lot).to.equal(0n);
  });
});
