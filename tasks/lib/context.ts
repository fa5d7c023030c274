// Shared set-up of every Breakwater task: the network connection, the recorded deployment, typed
// contracts and the signer that acts.
//
// Connection: `hre.network.getOrCreate()` returns the connection cached for the selected network
// (the `--network` global option, or the default network). A mocha test that itself calls
// `network.getOrCreate()` (not `network.create()`, which always makes a new, empty chain) gets that
// same cached connection, so a task run in-process with `hre.tasks.getTask([...]).run({...})` acts on
// the test's chain (checked in test/tasks/vault.test.ts, "tasks: connection").
//
// Read-only tasks (`loadContext(hre, args, { readOnly: true })`) get contracts connected to a provider
// and no signer, so they run where no account is configured (e.g. Sepolia with only SEPOLIA_RPC_URL):
// on an HTTP network they talk to the RPC URL through a plain ethers JsonRpcProvider, because Hardhat's
// provider resolves the configured account keys on its first request (an unset SEPOLIA_PRIVATE_KEY
// would fail every call). Tasks that send transactions resolve `--from` to a signer up front.
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { FetchRequest, getAddress, isAddress, JsonRpcProvider, Network, type Provider } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import {
  connectBreakwater,
  deploymentPath,
  readDeployment,
  type Breakwater,
  type DeploymentRecord,
  type TokenInfo,
} from "../../deploy/breakwater.js";
import { TaskError } from "./errors.js";

/** Environment variable that overrides the deployment file (the `--deployment` option wins). */
export const DEPLOYMENT_ENV = "BREAKWATER_DEPLOYMENT";

/** The error of a network without accounts (also when a read-only task needs one). */
export const NO_ACCOUNTS = "no accounts configured for this network";

/** Options every task that reads a deployment takes. */
export interface CommonArgs {
  deployment: string;
  from: string;
  json: boolean;
}

/** A JSON-RPC endpoint: the URL and headers of an HTTP network. */
export interface RpcEndpoint {
  url: string;
  headers: Record<string, string>;
}

/** What every task reads through: the deployment and its contracts, checked against the chain. */
export interface ReadTaskContext {
  hre: HardhatRuntimeEnvironment;
  networkName: string;
  deploymentFile: string;
  record: DeploymentRecord;
  /** Connected to the signer (tasks that send), or to `provider` (read-only tasks). */
  bw: Breakwater;
  /** The provider the deployment was checked through and reads go through. */
  provider: Provider;
  /** Read-only tasks on an HTTP network: the endpoint `provider` talks to. */
  rpc?: RpcEndpoint;
  /**
   * The acting account's address: `--from`, else the first configured account. A read-only task
   * looks it up only when it asks, and gets `undefined` when the network has no account (or its key
   * is not set); a `--from` that names no account fails as it does for a task that sends.
   */
  account(): Promise<string | undefined>;
  /** Current block timestamp [s]. */
  now(): Promise<bigint>;
}

/** The context of a task that sends transactions: `--from` resolved to a signer. */
export interface TaskContext extends ReadTaskContext {
  ethers: HardhatEthers;
  signer: HardhatEthersSigner;
}

export interface ContextOptions {
  /** No signer: contracts connected to a provider that needs no account key. */
  readOnly?: boolean;
  /** Read-only: read through this JSON-RPC endpoint instead of the network's (tests). */
  rpc?: RpcEndpoint;
}

/** Deployment file: `--deployment`, else $BREAKWATER_DEPLOYMENT, else deployments/<network>.json. */
export function resolveDeploymentFile(option: string, networkName: string): string {
  if (option !== "") return option;
  const env = process.env[DEPLOYMENT_ENV];
  if (env !== undefined && env !== "") return env;
  return deploymentPath(networkName);
}

/** The acting account: `--from` as a signer index ("0", "1", ...) or an address among the signers. */
export async function resolveSigner(ethers: HardhatEthers, from: string): Promise<HardhatEthersSigner> {
  const signers = await ethers.getSigners();
  if (signers.length === 0) throw new TaskError(NO_ACCOUNTS);
  if (from === "") return signers[0];
  if (/^\d+$/.test(from)) {
    const i = Number(from);
    if (i >= signers.length) throw new TaskError(`--from ${from}: only ${signers.length} accounts configured`);
    return signers[i];
  }
  if (!isAddress(from)) throw new TaskError(`--from ${from}: not an account index or address`);
  const wanted = getAddress(from);
  const signer = signers.find((s) => s.address === wanted);
  if (signer === undefined) throw new TaskError(`--from ${from}: no configured account with that address`);
  return signer;
}

/** A deployment file read, with the connection to its network: no chain call yet. */
export interface LoadedRecord {
  connection: NetworkConnection;
  deploymentFile: string;
  record: DeploymentRecord;
}

/** Reads the deployment record for `--deployment` (or $BREAKWATER_DEPLOYMENT, or the network's file). */
export async function loadRecord(hre: HardhatRuntimeEnvironment, deployment: string): Promise<LoadedRecord> {
  const connection = await hre.network.getOrCreate();
  const deploymentFile = resolveDeploymentFile(deployment, connection.networkName);
  try {
    return { connection, deploymentFile, record: readDeployment(connection.networkName, deploymentFile) };
  } catch (e) {
    throw new TaskError((e as Error).message);
  }
}

/**
 * A provider that never needs an account key: on an HTTP network (or with `rpcOverride`) a plain
 * JsonRpcProvider to its URL, whose chain id is asked first with a clear error (an unreachable URL
 * would otherwise make ethers retry forever); in-process, the connection's own provider.
 */
export async function readProvider(
  connection: NetworkConnection,
  rpcOverride?: RpcEndpoint,
): Promise<{ provider: Provider; rpc?: RpcEndpoint }> {
  const config = connection.networkConfig;
  if (rpcOverride === undefined && config.type !== "http") return { provider: connection.ethers.provider };
  const rpc = rpcOverride ?? {
    url: await (config as { url: { getUrl(): Promise<string> } }).url.getUrl(),
    headers: (config as { httpHeaders?: Record<string, string> }).httpHeaders ?? {},
  };
  let answer: { result?: string; error?: { message: string } };
  try {
    const response = await fetch(rpc.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...rpc.headers },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    answer = (await response.json()) as typeof answer;
  } catch (e) {
    throw new TaskError(`cannot reach the RPC of network ${connection.networkName}: ${(e as Error).message}`);
  }
  if (typeof answer.result !== "string") {
    throw new TaskError(
      `the RPC of network ${connection.networkName} answered eth_chainId with ${answer.error?.message}`,
    );
  }
  const request = new FetchRequest(rpc.url);
  for (const [k, v] of Object.entries(rpc.headers)) request.setHeader(k, v);
  const network = Network.from(BigInt(answer.result));
  return { provider: new JsonRpcProvider(request, network, { staticNetwork: network, batchMaxCount: 1 }), rpc };
}

/** Checks that the record is for the connected chain and its engine has code there. */
export async function checkDeployment(loaded: LoadedRecord, provider: Provider): Promise<void> {
  const { connection, deploymentFile, record } = loaded;
  const chainId = (await provider.getNetwork()).chainId.toString();
  if (record.chainId !== chainId) {
    throw new TaskError(`deployment ${deploymentFile} is for chain ${record.chainId}, connected to chain ${chainId}`);
  }
  if ((await provider.getCode(record.contracts.engine)) === "0x") {
    throw new TaskError(
      `no contract at the recorded engine address ${record.contracts.engine} on ${connection.networkName}: ` +
        `the deployment ${deploymentFile} is not on this chain (restarted node?); deploy again`,
    );
  }
}

/** Checks a loaded record against the chain and connects its contracts (see loadContext). */
export async function connectContext(
  hre: HardhatRuntimeEnvironment,
  loaded: LoadedRecord,
  args: Partial<CommonArgs>,
  options: ContextOptions & { readOnly: true },
): Promise<ReadTaskContext>;
export async function connectContext(
  hre: HardhatRuntimeEnvironment,
  loaded: LoadedRecord,
  args: Partial<CommonArgs>,
  options?: ContextOptions & { readOnly?: false },
): Promise<TaskContext>;
export async function connectContext(
  hre: HardhatRuntimeEnvironment,
  loaded: LoadedRecord,
  args: Partial<CommonArgs>,
  options: ContextOptions = {},
): Promise<ReadTaskContext | TaskContext> {
  const { connection, deploymentFile, record } = loaded;
  const ethers = connection.ethers;
  const from = args.from ?? "";
  const { provider, rpc } = options.readOnly
    ? await readProvider(connection, options.rpc)
    : { provider: ethers.provider, rpc: undefined };
  await checkDeployment(loaded, provider);
  const base = {
    hre,
    networkName: connection.networkName,
    deploymentFile,
    record,
    provider,
    rpc,
    async now() {
      const block = await provider.getBlock("latest");
      return BigInt(block!.timestamp);
    },
  };
  if (options.readOnly) {
    let account: Promise<string | undefined> | undefined;
    const lookUp = async () => {
      if (from !== "") return (await resolveSigner(ethers, from)).address;
      try {
        return (await resolveSigner(ethers, "")).address;
      } catch {
        // No account, or the network's account keys cannot be resolved (an unset SEPOLIA_PRIVATE_KEY).
        return undefined;
      }
    };
    return {
      ...base,
      bw: await connectBreakwater(ethers, record, provider),
      account: () => (account ??= lookUp()),
    };
  }
  const signer = await resolveSigner(ethers, from);
  return {
    ...base,
    ethers,
    bw: await connectBreakwater(ethers, record, signer),
    signer,
    account: async () => signer.address,
  };
}

/**
 * Connects to the network, reads the deployment, checks it matches the chain and resolves `--from`
 * to the signer. With `{ readOnly: true }`: no signer, and no account needed (see ReadTaskContext).
 */
export async function loadContext(
  hre: HardhatRuntimeEnvironment,
  args: Partial<CommonArgs>,
  options: ContextOptions & { readOnly: true },
): Promise<ReadTaskContext>;
export async function loadContext(
  hre: HardhatRuntimeEnvironment,
  args: Partial<CommonArgs>,
  options?: ContextOptions & { readOnly?: false },
): Promise<TaskContext>;
export async function loadContext(
  hre: HardhatRuntimeEnvironment,
  args: Partial<CommonArgs>,
  options: ContextOptions = {},
): Promise<ReadTaskContext | TaskContext> {
  const loaded = await loadRecord(hre, args.deployment ?? "");
  return options.readOnly
    ? connectContext(hre, loaded, args, { ...options, readOnly: true })
    : connectContext(hre, loaded, args, { ...options, readOnly: false });
}

/**
 * The acting account of a read-only task (ctx.account()), or a TaskError when the network has none,
 * saying what to pass instead (e.g. "pass --owner <address> or --all").
 */
export async function requireAccount(ctx: ReadTaskContext, instead: string): Promise<string> {
  const account = await ctx.account();
  if (account === undefined) throw new TaskError(`${NO_ACCOUNTS} ("${ctx.networkName}"): ${instead}`);
  return account;
}

/** Local-only tasks (mock feeds, minting, time travel) refuse any deployment not marked local. */
export function requireLocal(ctx: TaskContext, what: string): void {
  if (ctx.record.local !== true) {
    throw new TaskError(
      `${what} is only available on local chains; the deployment for "${ctx.networkName}" ` +
        `(${ctx.deploymentFile}) is not local`,
    );
  }
}

/** All tokens of the deployment, base asset first. */
export function allTokens(record: DeploymentRecord): TokenInfo[] {
  return [record.baseAsset, ...record.collaterals];
}

/** A listed collateral by symbol (case-insensitive) or address. */
export function resolveCollateral(record: DeploymentRecord, asset: string): TokenInfo {
  const found = findToken(record.collaterals, asset);
  if (found === undefined) {
    const listed = record.collaterals.map((c) => c.symbol).join(", ");
    throw new TaskError(`asset "${asset}" is not a listed collateral (listed: ${listed})`);
  }
  return found;
}

/** Any token of the deployment (base asset included) by symbol or address. */
export function resolveToken(record: DeploymentRecord, asset: string): TokenInfo {
  const found = findToken(allTokens(record), asset);
  if (found === undefined) {
    const known = allTokens(record)
      .map((c) => c.symbol)
      .join(", ");
    throw new TaskError(`token "${asset}" is not part of this deployment (known: ${known})`);
  }
  return found;
}

function findToken(tokens: TokenInfo[], asset: string): TokenInfo | undefined {
  const needle = asset.trim();
  if (/^0x[0-9a-fA-F]{40}$/.test(needle)) return tokens.find((t) => t.address.toLowerCase() === needle.toLowerCase());
  return tokens.find((t) => t.symbol.toLowerCase() === needle.toLowerCase());
}

export function tokenByAddress(record: DeploymentRecord, address: string): TokenInfo | undefined {
  return allTokens(record).find((t) => t.address.toLowerCase() === address.toLowerCase());
}

/** Symbol of a token address, or the shortened address for an unknown token. */
export function symbolOf(record: DeploymentRecord, address: string): string {
  return tokenByAddress(record, address)?.symbol ?? address;
}

/** Parses a vault id and checks the vault exists, before any transaction. */
export async function resolveVault(ctx: ReadTaskContext, vault: string): Promise<bigint> {
  const text = vault.trim().replace(/^#/, "");
  if (!/^\d+$/.test(text) || BigInt(text) === 0n) throw new TaskError(`vault id "${vault}" is not a positive integer`);
  const id = BigInt(text);
  const count = await ctx.bw.engine.vaultCount();
  if (id > count) throw new TaskError(`unknown vault ${id}: ${count} vault(s) opened so far`);
  return id;
}

/** Fails unless the signer is the vault's owner or one of its managers. */
export async function requireOwnerOrManager(ctx: TaskContext, id: bigint): Promise<void> {
  const owner = await ctx.bw.engine.ownerOf(id);
  if (owner === ctx.signer.address) return;
  if (await ctx.bw.engine.isManager(id, ctx.signer.address)) return;
  throw new TaskError(
    `account ${ctx.signer.address} is neither the owner (${owner}) nor a manager of vault ${id}; use --from`,
  );
}

/** Parses an auction id and checks it exists. */
export async function resolveAuction(ctx: ReadTaskContext, auction: string): Promise<bigint> {
  const text = auction.trim().replace(/^#/, "");
  if (!/^\d+$/.test(text) || BigInt(text) === 0n) {
    throw new TaskError(`auction id "${auction}" is not a positive integer`);
  }
  const id = BigInt(text);
  const count = await ctx.bw.auctionHouse.auctionCount();
  if (id > count) throw new TaskError(`unknown auction ${id}: ${count} auction(s) started so far`);
  return id;
}

/** An address argument, or the signer's address when empty. */
export function addressOr(value: string, fallback: string, what: string): string {
  if (value === "") return fallback;
  if (!isAddress(value)) throw new TaskError(`${what} "${value}" is not an address`);
  return getAddress(value);
}
