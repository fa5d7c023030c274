// Deploys and wires the whole Breakwater system from typed parameters. The same code serves the
// CLI deployment (scripts/deploy.ts), test fixtures, the demo and the cascade lab, so what is tested
// is what is deployed.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { parseUnits, type ContractRunner, type Signer } from "ethers";
import type { AccountRef, AssetParams, CurveParams, DeployParameters } from "./parameters.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DEPLOYMENTS_DIR = path.join(HERE, "..", "deployments");

export const ROLES = { ADMIN: 0n, RISK_MANAGER: 1n, GUARDIAN: 2n } as const;
const SECONDS_PER_YEAR = 365n * 24n * 3600n;

/** Functions callable by the guardian: pause and freeze only. */
export const GUARDIAN_FUNCTIONS: Record<string, string[]> = {
  circuitBreaker: ["pause(uint8,uint256)", "freeze(address,uint256)"],
};

/** Functions callable by the risk manager; every other restricted function stays admin-only. */
export const RISK_MANAGER_FUNCTIONS: Record<string, string[]> = {
  engine: [
    "listCollateral(address,(bool,uint8,uint64,uint64,uint64,uint64,uint64,uint64,uint128,uint128))",
    "setCollateralConfig(address,(bool,uint8,uint64,uint64,uint64,uint64,uint64,uint64,uint128,uint128))",
    "setMinDebt(uint256)",
    "setMaxCollateralsPerVault(uint256)",
  ],
  oracle: ["setTrackerParameters(uint64,uint32,uint32)"],
  pool: ["setReserveFactor(uint256)"],
  auctionHouse: [
    "setCollateralAuctionConfig(address,(address,uint64,uint64,uint64,uint32))",
    "setAuctionParameters((uint64,uint64,uint64,uint32,uint64,uint128,uint128))",
  ],
  circuitBreaker: [
    "setAssetConfig(address,(uint64,uint32,uint32,uint128,uint128))",
    "setGlobalConfig((uint128,uint32,uint32,uint32))",
  ],
  rateModel: ["setParameters((uint64,uint64,uint64,uint64))"],
};

export interface TokenInfo {
  symbol: string;
  address: string;
  decimals: number;
  feed: string;
  /** Deployed by us: a mintable mock token / a settable MockV3Aggregator (local chains only). */
  mockToken: boolean;
  mockFeed: boolean;
}

export interface DeploymentRecord {
  network: string;
  chainId: string;
  deployer: string;
  blockNumber: number;
  local: boolean;
  contracts: {
    accessManager: string;
    oracle: string;
    rateModel: string;
    pool: string;
    insuranceFund: string;
    engine: string;
    lens: string;
    auctionHouse: string;
    curve: string;
    circuitBreaker: string;
  };
  baseAsset: TokenInfo;
  collaterals: TokenInfo[];
  /** Contract name and constructor arguments of every contract in `contracts`, for `scripts/verify.ts`. */
  verification?: Record<string, VerificationEntry>;
}

export interface VerificationEntry {
  /** Artifact name, e.g. "VaultEngine". */
  contract: string;
  /** Constructor arguments as deployed; integers as decimal strings (JSON has no bigint). */
  constructorArgs: unknown[];
}

/** `value` with every bigint as a decimal string, recursively (for JSON records). */
function jsonable(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonable);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]));
  }
  return value;
}

export const wad = (x: string): bigint => parseUnits(x, 18);

function resolveAccount(ref: AccountRef, deployer: string): string {
  return ref === "deployer" ? deployer : ref;
}

async function deployAssetAndFeed(
  ethers: HardhatEthers,
  a: AssetParams,
): Promise<{ token: string; decimals: number; feed: string; mockToken: boolean; mockFeed: boolean }> {
  let token = a.address;
  let decimals: number;
  if (token === undefined) {
    const m = a.mock!;
    const mock = await ethers.deployContract("MockERC20", [m.name, m.symbol, m.decimals]);
    token = await mock.getAddress();
    decimals = m.decimals;
  } else {
    const erc20 = await ethers.getContractAt("IERC20Metadata", token);
    decimals = Number(await erc20.decimals());
  }
  let feed = a.feed.address;
  if (feed === undefined) {
    const answer = parseUnits(a.feed.mockPrice!, a.feed.mockDecimals!);
    const mockFeed = await ethers.deployContract("MockV3Aggregator", [a.feed.mockDecimals!, answer]);
    feed = await mockFeed.getAddress();
  }
  return { token, decimals, feed, mockToken: a.address === undefined, mockFeed: a.feed.address === undefined };
}

function feedConfig(a: AssetParams, feed: string) {
  return {
    primary: feed,
    secondary: a.feed.secondary ?? "0x0000000000000000000000000000000000000000",
    primaryStaleness: a.feed.staleness,
    secondaryStaleness: a.feed.secondaryStaleness ?? 0,
    maxDeviation: a.feed.maxDeviation === undefined ? 0n : wad(a.feed.maxDeviation),
    minPrice: wad(a.feed.minPrice),
    maxPrice: wad(a.feed.maxPrice),
  };
}

type Recorder = <A extends unknown[]>(key: keyof DeploymentRecord["contracts"], contract: string, args: A) => A;

async function deployCurve(ethers: HardhatEthers, curve: CurveParams, deployer: HardhatEthersSigner, rec: Recorder) {
  switch (curve.kind) {
    case "linear":
      return ethers.deployContract("LinearCurve", rec("curve", "LinearCurve", [curve.duration]), deployer);
    case "exponential":
      return ethers.deployContract(
        "ExponentialCurve",
        rec("curve", "ExponentialCurve", [wad(curve.cut), curve.step]),
        deployer,
      );
    case "stairstep":
      return ethers.deployContract(
        "StairstepCurve",
        rec("curve", "StairstepCurve", [wad(curve.cut), curve.step]),
        deployer,
      );
  }
}

export interface DeployOptions {
  networkName: string;
  deployer?: HardhatEthersSigner;
  log?: (line: string) => void;
}

/** Deploys every contract, wires roles and lists the collaterals. Returns the deployment record. */
export async function deployBreakwater(
  ethers: HardhatEthers,
  params: DeployParameters,
  options: DeployOptions,
): Promise<DeploymentRecord> {
  const deployer = options.deployer ?? (await ethers.getSigners())[0];
  const log = options.log ?? (() => {});
  const me = await deployer.getAddress();
  const verification: Record<string, VerificationEntry> = {};
  /** Records the constructor arguments of the contract deployed as `key`, and passes them on. */
  const rec: Recorder = (key, contract, args) => {
    verification[key] = { contract, constructorArgs: jsonable(args) as unknown[] };
    return args;
  };

  const manager = await ethers.deployContract("AccessManager", rec("accessManager", "AccessManager", [me]), deployer);
  const managerAddress = await manager.getAddress();

  const base = await deployAssetAndFeed(ethers, params.baseAsset);
  const collaterals = [];
  for (const c of params.collaterals) collaterals.push({ params: c, ...(await deployAssetAndFeed(ethers, c)) });

  const oracle = await ethers.deployContract(
    "BreakwaterOracle",
    rec("oracle", "BreakwaterOracle", [managerAddress]),
    deployer,
  );
  const rm = params.pool.rateModel;
  const rateModel = await ethers.deployContract(
    "KinkedRateModel",
    rec("rateModel", "KinkedRateModel", [
      managerAddress,
      {
        baseRate: wad(rm.baseRatePerYear) / SECONDS_PER_YEAR,
        slopeLow: wad(rm.slopeLowPerYear) / SECONDS_PER_YEAR,
        slopeHigh: wad(rm.slopeHighPerYear) / SECONDS_PER_YEAR,
        kink: wad(rm.kink),
      },
    ]),
    deployer,
  );
  const pool = await ethers.deployContract(
    "LendingPool",
    rec("pool", "LendingPool", [
      base.token,
      params.pool.name,
      params.pool.symbol,
      managerAddress,
      await rateModel.getAddress(),
      wad(params.pool.reserveFactor),
    ]),
    deployer,
  );
  const poolAddress = await pool.getAddress();
  const insuranceFund = await ethers.deployContract(
    "InsuranceFund",
    rec("insuranceFund", "InsuranceFund", [managerAddress, poolAddress]),
    deployer,
  );
  const engine = await ethers.deployContract(
    "VaultEngine",
    rec("engine", "VaultEngine", [
      managerAddress,
      poolAddress,
      await oracle.getAddress(),
      parseUnits(params.engine.minDebt, base.decimals),
      params.engine.maxCollateralsPerVault,
    ]),
    deployer,
  );
  const lens = await ethers.deployContract(
    "VaultLens",
    rec("lens", "VaultLens", [await engine.getAddress()]),
    deployer,
  );
  const liq = params.liquidation;
  const curve = await deployCurve(ethers, liq.curve, deployer, rec);
  const auctionHouse = await ethers.deployContract(
    "AuctionHouse",
    rec("auctionHouse", "AuctionHouse", [
      managerAddress,
      await engine.getAddress(),
      {
        targetHealthFactor: wad(liq.targetHealthFactor),
        hardFloor: wad(liq.hardFloor),
        lotBuffer: wad(liq.lotBuffer),
        cureWindow: liq.cureWindow,
        keeperChip: wad(liq.keeperChip),
        keeperTip: parseUnits(liq.keeperTip, base.decimals),
        dust: parseUnits(liq.dust, base.decimals),
      },
    ]),
    deployer,
  );
  const br = params.breakers;
  const circuitBreaker = await ethers.deployContract(
    "CircuitBreaker",
    rec("circuitBreaker", "CircuitBreaker", [
      managerAddress,
      await oracle.getAddress(),
      {
        globalDebtUnderAuctionCap: parseUnits(br.globalDebtUnderAuctionCap, base.decimals),
        maxPauseDuration: br.maxPauseDuration,
        pauseCooldown: br.pauseCooldown,
        gracePeriod: br.gracePeriod,
      },
    ]),
    deployer,
  );
  const addresses = {
    accessManager: managerAddress,
    oracle: await oracle.getAddress(),
    rateModel: await rateModel.getAddress(),
    pool: poolAddress,
    insuranceFund: await insuranceFund.getAddress(),
    engine: await engine.getAddress(),
    lens: await lens.getAddress(),
    auctionHouse: await auctionHouse.getAddress(),
    curve: await curve.getAddress(),
    circuitBreaker: await circuitBreaker.getAddress(),
  };
  for (const [name, address] of Object.entries(addresses)) log(`${name.padEnd(15)} ${address}`);

  // Roles: the deployer acts as risk manager while configuring, then hands over.
  const send = async (label: string, tx: Promise<{ wait: () => Promise<unknown> }>) => {
    await (await tx).wait();
    log(`  ${label}`);
  };
  const m = manager; // deployed by (and so connected to) the deployer
  for (const [key, signatures] of Object.entries(RISK_MANAGER_FUNCTIONS)) {
    const target = addresses[key as keyof typeof addresses];
    const selectors = signatures.map((s) => ethers.id(s).slice(0, 10));
    await send(`risk-manager functions on ${key}`, m.setTargetFunctionRole(target, selectors, ROLES.RISK_MANAGER));
  }
  for (const [key, signatures] of Object.entries(GUARDIAN_FUNCTIONS)) {
    const target = addresses[key as keyof typeof addresses];
    const selectors = signatures.map((s) => ethers.id(s).slice(0, 10));
    await send(`guardian functions on ${key}`, m.setTargetFunctionRole(target, selectors, ROLES.GUARDIAN));
  }
  await send("label roles", m.labelRole(ROLES.RISK_MANAGER, "RISK_MANAGER"));
  await send("label guardian", m.labelRole(ROLES.GUARDIAN, "GUARDIAN"));
  await send("deployer risk manager (setup)", m.grantRole(ROLES.RISK_MANAGER, me, 0));

  await send("pool.setEngine", pool.connect(deployer).setEngine(addresses.engine));
  await send("pool.setInsuranceFund", pool.connect(deployer).setInsuranceFund(addresses.insuranceFund));
  await send("engine.setAuctionHouse", engine.connect(deployer).setAuctionHouse(addresses.auctionHouse));
  await send("engine.setCircuitBreaker", engine.connect(deployer).setCircuitBreaker(addresses.circuitBreaker));
  await send("pool.setCircuitBreaker", pool.connect(deployer).setCircuitBreaker(addresses.circuitBreaker));
  await send(
    "auctionHouse.setCircuitBreaker",
    auctionHouse.connect(deployer).setCircuitBreaker(addresses.circuitBreaker),
  );
  await send("breaker.setAuctionHouse", circuitBreaker.connect(deployer).setAuctionHouse(addresses.auctionHouse));
  await send("oracle.setPriceDropBreaker", oracle.connect(deployer).setPriceDropBreaker(addresses.circuitBreaker));
  // The engine pays bad debt and the auction house pays keepers out of the insurance fund.
  await send("fund spender: engine", insuranceFund.connect(deployer).setSpender(addresses.engine, true));
  await send("fund spender: auction house", insuranceFund.connect(deployer).setSpender(addresses.auctionHouse, true));

  const o = oracle.connect(deployer);
  await send(
    "oracle tracker parameters",
    o.setTrackerParameters(wad(params.oracle.ewmaLambda), params.oracle.minPokeInterval, params.oracle.windowLength),
  );
  if (params.oracle.sequencerFeed !== undefined) {
    await send(
      "oracle sequencer feed",
      o.setSequencerFeed(params.oracle.sequencerFeed, params.oracle.sequencerGracePeriod ?? 3600),
    );
  }
  await send(`feed ${params.baseAsset.symbol}`, o.setFeed(base.token, feedConfig(params.baseAsset, base.feed)));
  const e = engine.connect(deployer);
  for (const c of collaterals) {
    await send(`feed ${c.params.symbol}`, o.setFeed(c.token, feedConfig(c.params, c.feed)));
    const r = c.params.risk;
    await send(
      `list ${c.params.symbol}`,
      e.listCollateral(c.token, {
        enabled: true,
        decimals: 0, // read from the token by the engine
        initialHaircut: wad(r.initialHaircut),
        maintenanceHaircut: wad(r.maintenanceHaircut),
        volatilityMultiplier: wad(r.volatilityMultiplier),
        volatilityCap: wad(r.volatilityCap),
        sizeMultiplier: wad(r.sizeMultiplier),
        sizeCap: wad(r.sizeCap),
        marketDepth: wad(r.marketDepth),
        debtCeiling: parseUnits(r.debtCeiling, base.decimals),
      }),
    );
    const b = c.params.breaker;
    await send(
      `breaker config ${c.params.symbol}`,
      circuitBreaker.connect(deployer).setAssetConfig(c.token, {
        maxDrop: wad(b.maxDrop),
        cooldown: b.cooldown,
        refillPeriod: b.refillPeriod,
        debtUnderAuctionCap: parseUnits(b.debtUnderAuctionCap, base.decimals),
        bucketCapacity: wad(b.bucketCapacity),
      }),
    );
    const au = c.params.auction;
    await send(
      `auction config ${c.params.symbol}`,
      auctionHouse.connect(deployer).setCollateralAuctionConfig(c.token, {
        curve: addresses.curve,
        penalty: wad(au.penalty),
        startBuffer: wad(au.startBuffer),
        resetPriceRatio: wad(au.resetPriceRatio),
        maxDuration: au.maxDuration,
      }),
    );
  }

  // Hand over. Admin last: once its delay is set, admin actions go through schedule/execute.
  const g = params.governance;
  const riskManager = resolveAccount(g.riskManager, me);
  const guardian = resolveAccount(g.guardian, me);
  const admin = resolveAccount(g.admin, me);
  await send("grant guardian", m.grantRole(ROLES.GUARDIAN, guardian, 0));
  if (riskManager !== me || g.riskManagerDelay !== 0) {
    await send("grant risk manager", m.grantRole(ROLES.RISK_MANAGER, riskManager, g.riskManagerDelay));
    if (riskManager !== me) await send("revoke deployer risk manager", m.revokeRole(ROLES.RISK_MANAGER, me));
  }
  if (admin !== me) {
    await send("grant admin", m.grantRole(ROLES.ADMIN, admin, g.adminDelay));
    await send("renounce deployer admin", m.renounceRole(ROLES.ADMIN, me));
  } else if (g.adminDelay !== 0) {
    await send("set admin delay", m.grantRole(ROLES.ADMIN, me, g.adminDelay));
  }

  const network = await ethers.provider.getNetwork();
  const token = (symbol: string, t: Awaited<ReturnType<typeof deployAssetAndFeed>>): TokenInfo => ({
    symbol,
    address: t.token,
    decimals: t.decimals,
    feed: t.feed,
    mockToken: t.mockToken,
    mockFeed: t.mockFeed,
  });
  return {
    network: options.networkName,
    chainId: network.chainId.toString(),
    deployer: me,
    blockNumber: await ethers.provider.getBlockNumber(),
    local: params.local,
    contracts: addresses,
    baseAsset: token(params.baseAsset.symbol, base),
    collaterals: collaterals.map((c) => token(c.params.symbol, c)),
    verification,
  };
}

export function deploymentPath(networkName: string): string {
  return path.join(DEPLOYMENTS_DIR, `${networkName}.json`);
}

export function writeDeployment(record: DeploymentRecord, file = deploymentPath(record.network)): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

export function readDeployment(networkName: string, file = deploymentPath(networkName)): DeploymentRecord {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new Error(`no deployment recorded for network "${networkName}" (${file}); deploy first`);
  }
  return JSON.parse(text) as DeploymentRecord;
}

/**
 * Typed contract instances for a recorded deployment, connected to `runner`: a signer (default: the
 * first configured account), or a provider for read-only use (no account needed).
 */
export async function connectBreakwater(ethers: HardhatEthers, record: DeploymentRecord, runner?: ContractRunner) {
  // hardhat-ethers types getContractAt's runner as a Signer, but hands it to ethers' Contract, which
  // takes any ContractRunner (a provider makes read-only contracts).
  const s = (runner ?? (await ethers.getSigners())[0]) as Signer | undefined;
  return {
    record,
    accessManager: await ethers.getContractAt("AccessManager", record.contracts.accessManager, s),
    oracle: await ethers.getContractAt("BreakwaterOracle", record.contracts.oracle, s),
    rateModel: await ethers.getContractAt("KinkedRateModel", record.contracts.rateModel, s),
    pool: await ethers.getContractAt("LendingPool", record.contracts.pool, s),
    insuranceFund: await ethers.getContractAt("InsuranceFund", record.contracts.insuranceFund, s),
    engine: await ethers.getContractAt("VaultEngine", record.contracts.engine, s),
    lens: await ethers.getContractAt("VaultLens", record.contracts.lens, s),
    auctionHouse: await ethers.getContractAt("AuctionHouse", record.contracts.auctionHouse, s),
    circuitBreaker: await ethers.getContractAt("CircuitBreaker", record.contracts.circuitBreaker, s),
    baseToken: await ethers.getContractAt("MockERC20", record.baseAsset.address, s),
    collateralTokens: await Promise.all(record.collaterals.map((c) => ethers.getContractAt("MockERC20", c.address, s))),
  };
}

export type Breakwater = Awaited<ReturnType<typeof connectBreakwater>>;
