// The one base fixture for TypeScript tests: the real deployment code on the in-process network,
// with named actors funded in every token. Pass these named functions to loadFixture.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { parseUnits } from "ethers";
import { connectBreakwater, deployBreakwater, type Breakwater } from "../../deploy/breakwater.js";
import type { MockV3Aggregator, VaultEngine } from "../../types/ethers-contracts/index.js";
import { loadDeployParameters } from "../../deploy/parameters.js";

export interface Actors {
  deployer: HardhatEthersSigner;
  lender: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  stranger: HardhatEthersSigner;
}

export interface System extends Breakwater, Actors {
  ethers: HardhatEthers;
  usdc: Breakwater["baseToken"];
  weth: Breakwater["baseToken"];
  wbtc: Breakwater["baseToken"];
  link: Breakwater["baseToken"];
  /** Chainlink MockV3Aggregator feeds by symbol. */
  feeds: Record<string, MockV3Aggregator>;
}

export const USDC = (x: string | number) => parseUnits(String(x), 6);
export const WETH = (x: string | number) => parseUnits(String(x), 18);
export const WBTC = (x: string | number) => parseUnits(String(x), 8);
export const LINK = (x: string | number) => parseUnits(String(x), 18);
export const WAD = 10n ** 18n;
export const RAY = 10n ** 27n;

/** Full system from deploy/parameters/hardhat.json; every actor holds and has approved every token. */
export async function deploySystem(ethers: HardhatEthers): Promise<System> {
  const [deployer, lender, alice, bob, carol, keeper, stranger] = await ethers.getSigners();
  const record = await deployBreakwater(ethers, loadDeployParameters("hardhat"), { networkName: "hardhat", deployer });
  const bw = await connectBreakwater(ethers, record, deployer);
  const [weth, wbtc, link] = bw.collateralTokens;
  const feeds: System["feeds"] = {};
  for (const t of [record.baseAsset, ...record.collaterals]) {
    feeds[t.symbol] = await ethers.getContractAt("MockV3Aggregator", t.feed);
  }
  const engineAddress = await bw.engine.getAddress();
  const poolAddress = await bw.pool.getAddress();
  for (const who of [lender, alice, bob, carol, keeper, stranger]) {
    await bw.baseToken.mint(who.address, USDC(10_000_000));
    await bw.baseToken.connect(who).approve(engineAddress, ethers.MaxUint256);
    await bw.baseToken.connect(who).approve(poolAddress, ethers.MaxUint256);
    for (const [token, amount] of [
      [weth, WETH(10_000)],
      [wbtc, WBTC(1_000)],
      [link, LINK(1_000_000)],
    ] as const) {
      await token.mint(who.address, amount);
      await token.connect(who).approve(engineAddress, ethers.MaxUint256);
    }
  }
  return {
    ...bw,
    ethers,
    deployer,
    lender,
    alice,
    bob,
    carol,
    keeper,
    stranger,
    usdc: bw.baseToken,
    weth,
    wbtc,
    link,
    feeds,
  };
}

/** The system plus 5,000,000 USDC supplied to the pool by `lender`. */
export async function deployFundedSystem(ethers: HardhatEthers): Promise<System> {
  const s = await deploySystem(ethers);
  await s.pool.connect(s.lender).deposit(USDC(5_000_000), s.lender.address);
  return s;
}

/** Opens a vault for `owner` and returns its id. */
export async function openVault(s: System, owner: HardhatEthersSigner): Promise<bigint> {
  const id = (await s.engine.vaultCount()) + 1n;
  await s.engine.connect(owner).openVault(owner.address);
  return id;
}

/**
 * One vault per owner with 10 WETH and 23,000 USDC of debt, then WETH at $2,600 (HF below 1, above the
 * hard floor) and each vault flagged by the keeper. The cure window still has to pass before a kick.
 */
export async function flaggedShortfallVaults(s: System, owners: HardhatEthersSigner[]): Promise<bigint[]> {
  const weth = await s.weth.getAddress();
  const ids: bigint[] = [];
  for (const owner of owners) {
    const id = await openVault(s, owner);
    await s.engine.connect(owner).deposit(id, weth, WETH(10));
    await s.engine.connect(owner).borrow(id, USDC(23_000), owner.address);
    ids.push(id);
  }
  await setPrice(s, "WETH", "2600");
  for (const id of ids) await s.engine.connect(s.keeper).flagMarginCall(id);
  return ids;
}

/** Sets a mock feed to a USD price, refreshing its timestamp. */
export async function setPrice(s: System, symbol: string, usd: string): Promise<void> {
  const feed = s.feeds[symbol] as unknown as {
    updateAnswer: (a: bigint) => Promise<unknown>;
    decimals: () => Promise<bigint>;
  };
  const decimals = Number(await feed.decimals());
  await feed.updateAnswer(parseUnits(usd, decimals));
}

/** Refreshes every feed at its current answer (after a time jump made them stale). */
export async function refreshFeeds(s: System): Promise<void> {
  for (const feed of Object.values(s.feeds)) await feed.updateAnswer(await feed.latestAnswer());
}

export type CollateralConfig = {
  enabled: boolean;
  decimals: bigint;
  initialHaircut: bigint;
  maintenanceHaircut: bigint;
  volatilityMultiplier: bigint;
  volatilityCap: bigint;
  sizeMultiplier: bigint;
  sizeCap: bigint;
  marketDepth: bigint;
  debtCeiling: bigint;
};

/** An asset's collateral config as a plain object, ready to modify and pass back to a setter. */
export async function collateralConfigOf(engine: VaultEngine, asset: string): Promise<CollateralConfig> {
  const c = await engine.collateralConfig(asset);
  return {
    enabled: c.enabled,
    decimals: c.decimals,
    initialHaircut: c.initialHaircut,
    maintenanceHaircut: c.maintenanceHaircut,
    volatilityMultiplier: c.volatilityMultiplier,
    volatilityCap: c.volatilityCap,
    sizeMultiplier: c.sizeMultiplier,
    sizeCap: c.sizeCap,
    marketDepth: c.marketDepth,
    debtCeiling: c.debtCeiling,
  };
}
