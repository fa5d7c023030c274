// Fork tests. The suite starts a real `hardhat node`, deploys and populates Breakwater there (lenders,
// vaults, an open auction), pins a block, then forks that chain at the pinned block in an in-process
// network for every test and operates on the fork as one would on a live chain: impersonated
// governance through the timelock, a price shock, liquidations by the keeper bot's code, a breaker
// trip and its clearing, bad-debt realisation. The node is stopped afterwards, also on failure.
//
// With FORK_URL (and FORK_DEPLOYMENT, a deployments/<network>.json file; optional FORK_BLOCK and
// FORK_GOVERNANCE) the same checks also run against that external chain.
import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Interface, type BaseContract } from "ethers";
import {
  connectBreakwater,
  readDeployment,
  type Breakwater,
  type DeploymentRecord,
  type TokenInfo,
} from "../../deploy/breakwater.js";
import { loadDeployParameters } from "../../deploy/parameters.js";
import { keeperStep, type KeeperAction } from "../../scripts/lib/keeper.js";
import { deployLocalSystem } from "../../scripts/lib/local.js";
import { startHardhatNode, type RunningNode } from "./node.js";

const WAD = 10n ** 18n;
const HOUR = 3600;
/** Timelocks of the node's deployment: long enough to matter, short of the feeds' 1-day staleness. */
const ADMIN_DELAY = 6 * HOUR;
const RISK_MANAGER_DELAY = HOUR;
const MOCK_FEED_ABI = new Interface([
  "function updateAnswer(int256 answer)",
  "function latestAnswer() view returns (int256)",
  "function decimals() view returns (uint8)",
]);

interface ForkTarget {
  label: string;
  url: string;
  blockNumber: number;
  record: DeploymentRecord;
  /** Account holding the ADMIN and RISK_MANAGER roles. */
  governance: string;
  /** Populated by this suite (known vaults and an open auction at the pinned block). */
  populated?: { vaults: Record<string, bigint>; auctionId: bigint; totalAssets: bigint };
}

interface Fork {
  ethers: HardhatEthers;
  time: { increase(seconds: number): Promise<unknown> };
  bw: Breakwater;
  gov: HardhatEthersSigner;
  close(): Promise<void>;
}

async function openFork(t: ForkTarget): Promise<Fork> {
  const conn = await network.create({
    network: "default",
    override: { forking: { url: t.url, blockNumber: t.blockNumber } },
  });
  const { ethers, networkHelpers } = conn;
  await networkHelpers.impersonateAccount(t.governance);
  await networkHelpers.setBalance(t.governance, 100n * WAD);
  const gov = await ethers.getSigner(t.governance);
  const bw = await connectBreakwater(ethers, t.record, gov);
  return { ethers, time: networkHelpers.time, bw, gov, close: () => conn.close() };
}

/**
 * Calls `target` with `data` as governance would: directly when the role has no execution delay,
 * otherwise schedule -> wait the delay -> execute through the AccessManager. Returns the delay used.
 */
async function governed(f: Fork, target: BaseContract, data: string): Promise<number> {
  const am = f.bw.accessManager.connect(f.gov);
  const targetAddress = await target.getAddress();
  const [immediate, delay] = await am.canCall(f.gov.address, targetAddress, data.slice(0, 10));
  if (immediate) {
    await (await f.gov.sendTransaction({ to: targetAddress, data })).wait();
    return 0;
  }
  if (delay === 0n) throw new Error(`${f.gov.address} may not call ${data.slice(0, 10)} on ${targetAddress}`);
  await (await am.schedule(targetAddress, data, 0)).wait();
  await f.time.increase(Number(delay));
  await refreshFeeds(f);
  await (await am.execute(targetAddress, data)).wait();
  return Number(delay);
}

const allTokens = (r: DeploymentRecord): TokenInfo[] => [r.baseAsset, ...r.collaterals];

function tokenInfo(f: Fork, symbol: string): TokenInfo {
  const info = allTokens(f.bw.record).find((t) => t.symbol === symbol);
  if (info === undefined) throw new Error(`no ${symbol} in the deployment`);
  return info;
}

/** Re-publishes every mock feed's answer (time warps would make them stale). */
async function refreshFeeds(f: Fork): Promise<void> {
  for (const t of allTokens(f.bw.record)) {
    const feed = await feedOf(f, t);
    if (feed === undefined) continue;
    const answer = (
      await f.ethers.provider.call({ to: feed, data: MOCK_FEED_ABI.encodeFunctionData("latestAnswer") })
    ).toString();
    await setFeedAnswer(f, feed, BigInt(answer));
  }
}

/** The settable feed of `t`: its mock feed, or the one `shockPrice` installed on this fork. */
async function feedOf(f: Fork, t: TokenInfo): Promise<string | undefined> {
  if (t.mockFeed) return t.feed;
  const primary = (await f.bw.oracle.feedConfig(t.address)).primary;
  return primary === t.feed ? undefined : primary;
}

async function setFeedAnswer(f: Fork, feed: string, answer: bigint): Promise<void> {
  const data = MOCK_FEED_ABI.encodeFunctionData("updateAnswer", [answer]);
  await (await f.gov.sendTransaction({ to: feed, data })).wait();
}

/**
 * Moves `symbol`'s USD price to `usd` on the fork. A mock feed is set directly; a real Chainlink feed
 * is replaced, through governance, by a MockV3Aggregator with the same decimals (bounds kept).
 */
async function shockPrice(f: Fork, symbol: string, usd: string): Promise<void> {
  const t = tokenInfo(f, symbol);
  let feed = await feedOf(f, t);
  if (feed === undefined) {
    const decimals = Number(await (await f.ethers.getContractAt("MockV3Aggregator", t.feed)).decimals());
    const mock = await f.ethers.deployContract(
      "MockV3Aggregator",
      [decimals, f.ethers.parseUnits(usd, decimals)],
      f.gov,
    );
    const old = await f.bw.oracle.feedConfig(t.address);
    const config = {
      primary: await mock.getAddress(),
      secondary: f.ethers.ZeroAddress,
      primaryStaleness: old.primaryStaleness,
      secondaryStaleness: 0,
      maxDeviation: 0,
      minPrice: old.minPrice,
      maxPrice: old.maxPrice,
    };
    await governed(f, f.bw.oracle, f.bw.oracle.interface.encodeFunctionData("setFeed", [t.address, config]));
    feed = await mock.getAddress();
  }
  const decimals = Number(
    BigInt(await f.ethers.provider.call({ to: feed, data: MOCK_FEED_ABI.encodeFunctionData("decimals") })),
  );
  await setFeedAnswer(f, feed, f.ethers.parseUnits(usd, decimals));
}

async function usdPrice(f: Fork, symbol: string): Promise<bigint> {
  return f.bw.oracle.getPrice(tokenInfo(f, symbol).address);
}

/** A keeper on the fork: a default account, with base-asset capital when the base token is a mock. */
async function keeperOf(f: Fork): Promise<HardhatEthersSigner> {
  const keeper = (await f.ethers.getSigners())[19];
  if (f.bw.record.baseAsset.mockToken) {
    await (
      await f.bw.baseToken.mint(keeper.address, 10n ** 12n * 10n ** BigInt(f.bw.record.baseAsset.decimals))
    ).wait();
  }
  return keeper;
}

/** keeperStep passes a minute apart (cure windows pass, auction prices fall) until nothing is left to do. */
async function runKeeperOnFork(f: Fork, keeper: HardhatEthersSigner, maxPasses = 150): Promise<KeeperAction[]> {
  const all: KeeperAction[] = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    const actions = await keeperStep({ ethers: f.ethers, bw: f.bw, signer: keeper });
    all.push(...actions);
    if (actions.length === 0 && (await shortfallVaults(f)).length === 0 && (await openAuctions(f)) === 0) return all;
    await f.time.increase(60);
    await refreshFeeds(f);
  }
  throw new Error(`the keeper was still busy after ${maxPasses} passes`);
}

async function openAuctions(f: Fork): Promise<number> {
  let open = 0;
  for (let id = 1n; id <= (await f.bw.auctionHouse.auctionCount()); id++) {
    if ((await f.bw.auctionHouse.auctionStatus(id)).active) open++;
  }
  return open;
}

async function shortfallVaults(f: Fork): Promise<bigint[]> {
  const count = await f.bw.engine.vaultCount();
  if (count === 0n) return [];
  return [...(await f.bw.lens.liquidatableVaults(1n, count))];
}

// -------------------------------------------------------------------------------------------------
// The checks, shared by the local-node target and an external FORK_URL target.
// -------------------------------------------------------------------------------------------------

function forkSuite(target: () => ForkTarget) {
  let f: Fork;
  beforeEach(async function () {
    f = await openFork(target());
  });
  afterEach(async function () {
    await f?.close();
  });

  it("the fork serves the chain's state at the pinned block", async function () {
    const t = target();
    expect(await f.ethers.provider.getBlockNumber()).to.equal(t.blockNumber);
    for (const [name, address] of Object.entries(t.record.contracts)) {
      expect(await f.ethers.provider.getCode(address), name).to.not.equal("0x");
    }
    expect(await f.bw.engine.pool()).to.equal(t.record.contracts.pool);
    if (t.populated) {
      expect(await f.bw.pool.totalAssets()).to.equal(t.populated.totalAssets);
      expect(await f.bw.engine.vaultCount()).to.equal(BigInt(Object.keys(t.populated.vaults).length));
      expect((await f.bw.auctionHouse.auctionStatus(t.populated.auctionId)).active).to.equal(true);
    }
  });

  it("impersonated governance changes a risk parameter only through the timelock", async function () {
    const engine = f.bw.engine.connect(f.gov);
    const newMinDebt = (await engine.minDebt()) + 1n;
    const data = engine.interface.encodeFunctionData("setMinDebt", [newMinDebt]);
    const [immediate, delay] = await f.bw.accessManager.canCall(
      f.gov.address,
      await engine.getAddress(),
      data.slice(0, 10),
    );
    if (!immediate) {
      expect(delay).to.be.greaterThan(0n);
      // A direct call needs a scheduled operation; execution before the delay is refused.
      await expect(engine.setMinDebt(newMinDebt)).to.be.revertedWithCustomError(
        f.bw.accessManager,
        "AccessManagerNotScheduled",
      );
      const am = f.bw.accessManager.connect(f.gov);
      await (await am.schedule(await engine.getAddress(), data, 0)).wait();
      await expect(am.execute(await engine.getAddress(), data)).to.be.revertedWithCustomError(
        am,
        "AccessManagerNotReady",
      );
      if (target().populated) expect(Number(delay)).to.equal(RISK_MANAGER_DELAY);
      await f.time.increase(Number(delay));
      await expect(am.execute(await engine.getAddress(), data))
        .to.emit(engine, "MinDebtSet")
        .withArgs(newMinDebt);
    } else {
      await expect(engine.setMinDebt(newMinDebt)).to.emit(engine, "MinDebtSet").withArgs(newMinDebt);
    }
    expect(await engine.minDebt()).to.equal(newMinDebt);
  });

  it("a price shock, then the keeper bot's code liquidates every vault in shortfall and leaves the rest alone", async function () {
    const weth = tokenInfo(f, "WETH");
    const before = await usdPrice(f, "WETH");
    // -15%: below every populated vault's comfort, short of the 20% price-drop breaker.
    await shockPrice(f, "WETH", f.ethers.formatUnits((before * 85n) / 100n, 18));
    const inShortfall = new Set(await shortfallVaults(f));
    const count = await f.bw.engine.vaultCount();
    const healthy: bigint[] = [];
    for (let id = 1n; id <= count; id++) if (!inShortfall.has(id)) healthy.push(id);
    const keeper = await keeperOf(f);

    const actions = await runKeeperOnFork(f, keeper);

    const touched = new Set(actions.map((a) => a.vault));
    for (const id of healthy) {
      const debt = await f.bw.engine.debtOf(id);
      if (debt === 0n) continue;
      expect(touched.has(id), `healthy vault ${id} touched`).to.equal(false);
      expect(await f.bw.engine.marginCallOf(id)).to.equal(0n);
    }
    for (const id of inShortfall) {
      expect(touched.has(id), `vault ${id} in shortfall was acted on`).to.equal(true);
      expect(await f.bw.engine.openAuctionsOf(id), `vault ${id} auctions`).to.equal(0n);
      const debt = await f.bw.engine.debtOf(id);
      if (debt !== 0n) expect(await f.bw.engine.healthFactor(id), `vault ${id} HF`).to.be.at.least(WAD);
    }
    expect(await shortfallVaults(f)).to.deep.equal([]);
    const t = target();
    if (t.populated) {
      expect(inShortfall.size).to.be.greaterThan(0);
      // The auction that was open at the pinned block was bought out.
      expect(actions.some((a) => a.kind === "take" && a.auctionId === t.populated!.auctionId)).to.equal(true);
      expect((await f.bw.auctionHouse.auctionStatus(t.populated.auctionId)).active).to.equal(false);
      expect(await f.bw.oracle.getPrice(weth.address)).to.equal((before * 85n) / 100n);
    }
  });

  it("a drop beyond maxDrop trips the breaker (anyone), blocks borrowing against the asset, and governance clears it", async function () {
    const weth = tokenInfo(f, "WETH");
    const breaker = f.bw.circuitBreaker;
    const config = await breaker.assetConfig(weth.address);
    if (config.maxDrop === 0n) this.skip();
    const t = target();
    // A timelock longer than the trip would let it expire before governance acts: lengthen trips first
    // (a risk-manager parameter change, itself timelocked on the node's deployment).
    const clearData = breaker.interface.encodeFunctionData("clearTrip", [weth.address]);
    const [, clearDelay] = await f.bw.accessManager.canCall(
      f.gov.address,
      await breaker.getAddress(),
      clearData.slice(0, 10),
    );
    let cooldown = config.cooldown;
    if (cooldown <= clearDelay + BigInt(HOUR)) {
      cooldown = clearDelay + BigInt(3 * HOUR);
      const longer = {
        maxDrop: config.maxDrop,
        cooldown,
        refillPeriod: config.refillPeriod,
        debtUnderAuctionCap: config.debtUnderAuctionCap,
        bucketCapacity: config.bucketCapacity,
      };
      const setData = breaker.interface.encodeFunctionData("setAssetConfig", [weth.address, longer]);
      const delay = await governed(f, breaker, setData);
      if (t.populated) expect(delay).to.equal(RISK_MANAGER_DELAY);
      expect((await breaker.assetConfig(weth.address)).cooldown).to.equal(cooldown);
    }

    await f.time.increase(2 * HOUR); // a fresh tracker window
    await refreshFeeds(f);
    await (await f.bw.oracle.poke(weth.address)).wait();
    const high = (await f.bw.oracle.trackerState(weth.address)).windowHighPrice;
    const below = (high * (WAD - config.maxDrop)) / WAD - WAD; // a dollar under the trip price
    await shockPrice(f, "WETH", f.ethers.formatUnits(below, 18));
    const stranger = (await f.ethers.getSigners())[18];
    await expect(breaker.connect(stranger).trip(weth.address)).to.emit(breaker, "Tripped");
    const tripped = await breaker.assetView(weth.address);
    expect(tripped.tripped).to.equal(true);
    expect(await breaker.isRiskIncreaseBlocked(weth.address)).to.equal(true);
    if (t.populated) expect(await f.bw.engine.maxBorrow(t.populated.vaults.dave)).to.equal(0n);

    const delay = await governed(f, breaker, clearData);
    if (t.populated) expect(delay).to.equal(ADMIN_DELAY);
    const now = BigInt((await f.ethers.provider.getBlock("latest"))!.timestamp);
    expect(now).to.be.lessThan(tripped.trippedUntil); // cleared early, not expired
    const v = await breaker.assetView(weth.address);
    expect(v.tripped).to.equal(false);
    expect(v.trippedUntil).to.equal(now);
    // Liquidations wait out a grace period; the same window's drop no longer blocks borrowing.
    expect(v.graceUntil).to.equal(now + (await breaker.globalConfig()).gracePeriod);
    expect(await breaker.isRiskIncreaseBlocked(weth.address)).to.equal(false);
    if (t.populated) expect(await f.bw.engine.maxBorrow(t.populated.vaults.dave)).to.be.greaterThan(0n);
  });

  it("a collateral crash leaves bad debt, which the keeper's code realises: the insurance fund pays first", async function () {
    const t = target();
    if (!t.populated) this.skip(); // needs a vault whose collateral the suite knows
    const carol = t.populated.vaults.carol;
    await shockPrice(f, "LINK", "4");
    const fundShares = await f.bw.pool.balanceOf(await f.bw.insuranceFund.getAddress());
    const fundCash = await f.bw.baseToken.balanceOf(await f.bw.insuranceFund.getAddress());
    const keeper = await keeperOf(f);
    const actions = await runKeeperOnFork(f, keeper);
    const realised = actions.filter((a) => a.kind === "realiseBadDebt" && a.vault === carol);
    expect(realised.length).to.equal(1);
    const receipt = await f.ethers.provider.getTransactionReceipt(realised[0].txHash);
    const event = receipt!.logs
      .map((log) => f.bw.engine.interface.parseLog(log))
      .find((parsed) => parsed?.name === "BadDebtRealised");
    expect(event, "BadDebtRealised").to.not.equal(undefined);
    const covered = event!.args.covered as bigint;
    expect(covered).to.be.greaterThan(0n);
    expect(await f.bw.engine.debtOf(carol)).to.equal(0n);
    expect(await f.bw.engine.collateralsOf(carol)).to.deep.equal([]);
    // The fund gave up cash or pool shares for it.
    const fundSharesAfter = await f.bw.pool.balanceOf(await f.bw.insuranceFund.getAddress());
    const fundCashAfter = await f.bw.baseToken.balanceOf(await f.bw.insuranceFund.getAddress());
    expect(fundSharesAfter < fundShares || fundCashAfter < fundCash).to.equal(true);
  });
}

// -------------------------------------------------------------------------------------------------

describe("Fork tests: a local hardhat node, forked at a pinned block", function () {
  this.timeout(300_000);
  let node: RunningNode | undefined;
  let target: ForkTarget | undefined;

  before(async function () {
    node = await startHardhatNode();
    target = await populateNode(node.url);
  });
  after(async function () {
    await node?.stop();
  });

  forkSuite(() => target!);

  it("the node moved on after the pinned block, and the fork does not see it", async function () {
    const t = target!;
    const conn = await network.create({ network: "localhost", override: { url: t.url } });
    try {
      expect(await conn.ethers.provider.getBlockNumber()).to.be.greaterThan(t.blockNumber);
      const live = await connectBreakwater(conn.ethers, t.record);
      expect(await live.engine.vaultCount()).to.equal(BigInt(Object.keys(t.populated!.vaults).length) + 1n);
    } finally {
      await conn.close();
    }
    const f = await openFork(t);
    try {
      expect(await f.bw.engine.vaultCount()).to.equal(BigInt(Object.keys(t.populated!.vaults).length));
    } finally {
      await f.close();
    }
  });
});

describe("Fork tests: an external chain (FORK_URL)", function () {
  this.timeout(600_000);
  const url = process.env.FORK_URL;
  const file = process.env.FORK_DEPLOYMENT;
  if (url === undefined || url === "" || file === undefined || file === "") {
    it("skipped: set FORK_URL and FORK_DEPLOYMENT (a deployments/<network>.json file) to run against a live chain", function () {
      this.skip();
    });
    return;
  }
  let target: ForkTarget | undefined;
  before(async function () {
    const record = readDeployment("external", file);
    let blockNumber = Number(process.env.FORK_BLOCK ?? "0");
    if (blockNumber === 0) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
      });
      blockNumber = Number(((await response.json()) as { result: string }).result);
    }
    target = {
      label: "external",
      url,
      blockNumber,
      record,
      governance: process.env.FORK_GOVERNANCE ?? record.deployer,
    };
  });
  forkSuite(() => target!);
});

// -------------------------------------------------------------------------------------------------

/**
 * Deploys Breakwater on the node with timelocked governance, funds a lender and the insurance fund,
 * opens vaults (one of them pushed into an auction), then pins the block and moves the node on.
 */
async function populateNode(url: string): Promise<ForkTarget> {
  const conn = await network.create({ network: "localhost", override: { url } });
  try {
    const { ethers } = conn;
    const signers = await ethers.getSigners();
    const [deployer, lender, alice, bob, carol, dave, erin] = signers;
    const params = loadDeployParameters("localhost");
    params.governance = { ...params.governance, adminDelay: ADMIN_DELAY, riskManagerDelay: RISK_MANAGER_DELAY };
    const s = await deployLocalSystem(ethers, { networkName: "localhost", deployer, params });
    await s.fund(lender, { USDC: "2000000" });
    await (await s.pool.connect(lender).deposit(s.units("USDC", "2000000"), lender.address)).wait();
    await s.fund(deployer, { USDC: "20000" });
    await (await s.baseToken.transfer(await s.insuranceFund.getAddress(), s.units("USDC", "20000"))).wait();
    for (const symbol of s.collateralSymbols) await (await s.oracle.poke(s.info[symbol].address)).wait();

    // Maintenance haircuts WETH 0.15, WBTC 0.18, LINK 0.25; initial 0.2, 0.25, 0.35 (hardhat/localhost.json).
    const plans: [string, HardhatEthersSigner, Record<string, string>, string][] = [
      ["alice", alice, { WETH: "10" }, "22000"], // WETH 3,000 -> 2,550 on the fork: HF 0.985, liquidated there
      ["bob", bob, { WETH: "10" }, "22500"], // pushed into an auction before the pin
      ["carol", carol, { LINK: "1000" }, "9000"], // LINK 15 -> 4: below the floor, bad debt
      ["dave", dave, { WETH: "10" }, "5000"], // stays healthy
      ["erin", erin, { WBTC: "1" }, "20000"], // stays healthy
    ];
    const vaults: Record<string, bigint> = {};
    for (const [name, owner, collateral, debt] of plans) {
      await s.fund(owner, collateral);
      await (await s.engine.connect(owner).openVault(owner.address)).wait();
      const id = await s.engine.vaultCount();
      for (const [symbol, amount] of Object.entries(collateral)) {
        await (await s.engine.connect(owner).deposit(id, s.info[symbol].address, s.units(symbol, amount))).wait();
      }
      await (await s.engine.connect(owner).borrow(id, s.units("USDC", debt), owner.address)).wait();
      vaults[name] = id;
    }

    // WETH -13%: bob (HF 0.98) falls short; flag, wait out the cure window, kick.
    await s.setPrice("WETH", "2610");
    await (await s.engine.flagMarginCall(vaults.bob)).wait();
    const cureWindow = Number((await s.auctionHouse.auctionParameters()).cureWindow);
    await conn.provider.request({ method: "evm_increaseTime", params: [cureWindow + 1] });
    await (await s.auctionHouse.kick(vaults.bob, s.info.WETH.address, deployer.address)).wait();
    const auctionId = await s.auctionHouse.auctionCount();
    // Back to 3,000 for everyone else.
    await s.setPrice("WETH", "3000");
    const blockNumber = await ethers.provider.getBlockNumber();
    const totalAssets = await s.pool.totalAssets();

    // The node moves on: a later vault the fork at the pinned block must not see.
    await (await s.engine.connect(signers[7]).openVault(signers[7].address)).wait();
    return {
      label: "local node",
      url,
      blockNumber,
      record: s.record,
      governance: deployer.address,
      populated: { vaults, auctionId, totalAssets },
    };
  } finally {
    await conn.close();
  }
}
