// Shared set-up of every Breakwater task: the network connection, the recorded deployment, typed
// contracts and the signer that acts.
//
// Connection: `hre.network.getOrCreate()` returns the connection cached for the selected network
// (the `--network` global option, or the default network). A mocha test that itself calls
// `network.getOrCreate()` (not `network.create()`, which always makes a new, empty chain) gets that
// same cached connection, so a task run in-process with `hre.tasks.getTask([...]).run({...})` acts on
// the test's chain (checked in test/tasks/connection.test.ts).
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { getAddress, isAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
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

/** Options every task that reads a deployment takes. */
export interface CommonArgs {
  deployment: string;
  from: string;
  json: boolean;
}

export interface TaskContext {
  hre: HardhatRuntimeEnvironment;
  ethers: HardhatEthers;
  networkName: string;
  deploymentFile: string;
  record: DeploymentRecord;
  bw: Breakwater;
  signer: HardhatEthersSigner;
  /** Current block timestamp [s]. */
  now(): Promise<bigint>;
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
  if (signers.length === 0) throw new TaskError("no accounts configured for this network");
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

/** Connects to the network, reads the deployment and checks it matches the chain. */
export async function loadContext(hre: HardhatRuntimeEnvironment, args: Partial<CommonArgs>): Promise<TaskContext> {
  const connection = await hre.network.getOrCreate();
  const ethers = connection.ethers;
  const networkName = connection.networkName;
  const deploymentFile = resolveDeploymentFile(args.deployment ?? "", networkName);
  let record: DeploymentRecord;
  try {
    record = readDeployment(networkName, deploymentFile);
  } catch (e) {
    throw new TaskError((e as Error).message);
  }
  const chainId = (await ethers.provider.getNetwork()).chainId.toString();
  if (record.chainId !== chainId) {
    throw new TaskError(`deployment ${deploymentFile} is for chain ${record.chainId}, connected to chain ${chainId}`);
  }
  const code = await ethers.provider.getCode(record.contracts.engine);
  if (code === "0x") {
    throw new TaskError(
      `no contract at the recorded engine address ${record.contracts.engine} on ${networkName}: ` +
        `the deployment ${deploymentFile} is not on this chain (restarted node?); deploy again`,
    );
  }
  const signer = await resolveSigner(ethers, args.from ?? "");
  const bw = await connectBreakwater(ethers, record, signer);
  return {
    hre,
    ethers,
    networkName,
    deploymentFile,
    record,
    bw,
    signer,
    async now() {
      const block = await ethers.provider.getBlock("latest");
      return BigInt(block!.timestamp);
    },
  };
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
export async function resolveVault(ctx: TaskContext, vault: string): Promise<bigint> {
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
export async function resolveAuction(ctx: TaskContext, auction: string): Promise<bigint> {
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
