// A local Breakwater system for scripts (demo, gas bench, later the cascade lab): the real deploy code
// with deploy/parameters/hardhat.json, plus what only a local chain allows: minting mock tokens
// and setting mock Chainlink feeds. Scripts must not import test/ helpers, hence this module.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { MaxUint256, parseUnits } from "ethers";
import { connectBreakwater, deployBreakwater, type Breakwater, type TokenInfo } from "../../deploy/breakwater.js";
import { loadDeployParameters, type DeployParameters } from "../../deploy/parameters.js";

type Token = Breakwater["baseToken"];
type Feed = Awaited<ReturnType<typeof getFeed>>;

async function getFeed(ethers: HardhatEthers, address: string) {
  return ethers.getContractAt("MockV3Aggregator", address);
}

export interface LocalSystem extends Breakwater {
  ethers: HardhatEthers;
  deployer: HardhatEthersSigner;
  /** Token contracts and metadata by symbol (base asset included). */
  tokens: Record<string, Token>;
  info: Record<string, TokenInfo>;
  /** Mock Chainlink feeds by symbol. */
  feeds: Record<string, Feed>;
  baseSymbol: string;
  collateralSymbols: string[];
  /** `amount` (human decimal string) in the token's own units. */
  units(symbol: string, amount: string | number): bigint;
  /** Mints tokens to `who` and approves the engine (and, for the base asset, the pool) for all. */
  fund(who: HardhatEthersSigner, amounts: Record<string, string | number>): Promise<void>;
  /** Sets a mock feed to a USD price (refreshing its timestamp). */
  setPrice(symbol: string, usd: string | number): Promise<void>;
  /** Current answer of a mock feed as a [wad] USD price. */
  feedPrice(symbol: string): Promise<bigint>;
  /** Sets a feed to `price * (1 + fraction)`, `fraction` [wad], e.g. -0.1e18 for -10%. Returns the new [wad] price. */
  movePriceFrom(symbol: string, reference: bigint, fraction: bigint): Promise<bigint>;
}

export interface LocalOptions {
  deployer?: HardhatEthersSigner;
  networkName?: string;
  log?: (line: string) => void;
  /** Parameters to deploy with instead of deploy/parameters/<networkName>.json (must be local). */
  params?: DeployParameters;
}

const WAD = 10n ** 18n;

/** Deploys the whole system with the real deploy code on a local (mock) chain. */
export async function deployLocalSystem(ethers: HardhatEthers, options: LocalOptions = {}): Promise<LocalSystem> {
  const deployer = options.deployer ?? (await ethers.getSigners())[0];
  const networkName = options.networkName ?? "default";
  const params = options.params ?? loadDeployParameters(networkName);
  if (!params.local) throw new Error(`network ${networkName} is not local: mocks unavailable`);
  const record = await deployBreakwater(ethers, params, { networkName, deployer, log: options.log });
  const bw = await connectBreakwater(ethers, record, deployer);

  const tokens: Record<string, Token> = { [record.baseAsset.symbol]: bw.baseToken };
  const info: Record<string, TokenInfo> = { [record.baseAsset.symbol]: record.baseAsset };
  const feeds: Record<string, Feed> = {};
  record.collaterals.forEach((c, i) => {
    tokens[c.symbol] = bw.collateralTokens[i];
    info[c.symbol] = c;
  });
  const feedDecimals: Record<string, number> = {};
  for (const t of [record.baseAsset, ...record.collaterals]) {
    if (!t.mockFeed || !t.mockToken) throw new Error(`${t.symbol}: not a mock token/feed`);
    feeds[t.symbol] = await getFeed(ethers, t.feed);
    feedDecimals[t.symbol] = Number(await feeds[t.symbol].decimals());
  }
  const engineAddress = await bw.engine.getAddress();
  const poolAddress = await bw.pool.getAddress();

  const need = <T>(map: Record<string, T>, symbol: string): T => {
    const v = map[symbol];
    if (v === undefined) throw new Error(`unknown symbol ${symbol}`);
    return v;
  };
  const units = (symbol: string, amount: string | number) => parseUnits(String(amount), need(info, symbol).decimals);
  const toFeed = (symbol: string, wadPrice: bigint) => (wadPrice * 10n ** BigInt(feedDecimals[symbol])) / WAD;
  const fromFeed = (symbol: string, answer: bigint) => (answer * WAD) / 10n ** BigInt(feedDecimals[symbol]);

  const system: LocalSystem = {
    ...bw,
    ethers,
    deployer,
    tokens,
    info,
    feeds,
    baseSymbol: record.baseAsset.symbol,
    collateralSymbols: record.collaterals.map((c) => c.symbol),
    units,
    async fund(who, amounts) {
      for (const [symbol, amount] of Object.entries(amounts)) {
        const token = need(tokens, symbol);
        await (await token.connect(deployer).mint(who.address, units(symbol, amount))).wait();
        await (await token.connect(who).approve(engineAddress, MaxUint256)).wait();
        if (symbol === record.baseAsset.symbol) {
          await (await token.connect(who).approve(poolAddress, MaxUint256)).wait();
        }
      }
    },
    async setPrice(symbol, usd) {
      const feed = need(feeds, symbol);
      await (await feed.connect(deployer).updateAnswer(parseUnits(String(usd), feedDecimals[symbol]))).wait();
    },
    async feedPrice(symbol) {
      return fromFeed(symbol, await need(feeds, symbol).latestAnswer());
    },
    async movePriceFrom(symbol, reference, fraction) {
      const answer = toFeed(symbol, (reference * (WAD + fraction)) / WAD);
      await (await need(feeds, symbol).connect(deployer).updateAnswer(answer)).wait();
      return fromFeed(symbol, answer);
    },
  };
  return system;
}
