// Shared by the task tests: one in-process chain, a deployment recorded in a temp file, and a runner
// that executes a task the way the CLI does and captures what it prints.
//
// The tests take the connection with `network.getOrCreate()`, the call the tasks make
// (tasks/lib/context.ts): both get the same cached connection, so a task acts on the test's chain.
// (`network.create()` here would give the test a second, separate chain the tasks never see.)
// Every task test file uses this module's single fixture, so loadFixture snapshots never interleave.
import { expect } from "chai";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import hre, { network } from "hardhat";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { writeDeployment } from "../../deploy/breakwater.js";
import { deployLocalSystem, type LocalSystem } from "../../scripts/lib/local.js";

export const connection = await network.getOrCreate();
export const { ethers, networkHelpers } = connection;

export const deploymentFile = path.join(mkdtempSync(path.join(tmpdir(), "bw-tasks-")), "default.json");

export interface TaskFixture {
  s: LocalSystem;
  file: string;
}

/** The whole system with deploy/parameters/hardhat.json, recorded in `deploymentFile`. */
export async function taskFixture(): Promise<TaskFixture> {
  const s = await deployLocalSystem(ethers, { networkName: connection.networkName });
  writeDeployment(s.record, deploymentFile);
  return { s, file: deploymentFile };
}

/** Nonce of every signer plus the block number: unchanged when a task failed before sending anything. */
export async function chainMark(): Promise<string> {
  const signers = await ethers.getSigners();
  const nonces = await Promise.all(signers.slice(0, 8).map((x) => ethers.provider.getTransactionCount(x.address)));
  return `${await ethers.provider.getBlockNumber()}:${nonces.join(",")}`;
}

export const loadTaskFixture = () => networkHelpers.loadFixture(taskFixture);

export interface TaskRun {
  result: unknown;
  stdout: string;
  stderr: string;
}

/**
 * Runs a task with `--deployment` set to the fixture's file, capturing console output (log and error).
 * `on`: the runtime environment whose task runs (default: the tests' own, on the in-process chain).
 */
export async function runTask(
  id: string[],
  args: Record<string, unknown> = {},
  on: HardhatRuntimeEnvironment = hre,
): Promise<TaskRun> {
  const out: string[] = [];
  const err: string[] = [];
  const original = { log: console.log, error: console.error };
  console.log = (...parts: unknown[]) => out.push(parts.map(String).join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.map(String).join(" "));
  try {
    const result = await on.tasks.getTask(id).run({ deployment: deploymentFile, ...args });
    return { result, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    console.log = original.log;
    console.error = original.error;
  }
}

/** Runs a task with --json and checks that what it printed is the JSON it returned. */
export async function runJson(
  id: string[],
  args: Record<string, unknown> = {},
  on: HardhatRuntimeEnvironment = hre,
): Promise<any> {
  const { result, stdout } = await runTask(id, { ...args, json: true }, on);
  const printed = JSON.parse(stdout);
  if (JSON.stringify(printed) !== JSON.stringify(result)) {
    throw new Error(`printed JSON differs from the returned result:\n${stdout}\nvs\n${JSON.stringify(result)}`);
  }
  return printed;
}

/** Index of a signer among ethers.getSigners(), as a --from value. */
export async function fromOf(address: string): Promise<string> {
  const signers = await ethers.getSigners();
  const i = signers.findIndex((x) => x.address === address);
  if (i < 0) throw new Error(`${address} is not a configured signer`);
  return String(i);
}

/** Awaits `run`, expects it to throw an Error whose message matches `pattern`, and returns the error. */
export async function expectFailure(run: Promise<unknown>, pattern: RegExp): Promise<any> {
  let error: any;
  try {
    await run;
  } catch (e) {
    error = e;
  }
  expect(error, `expected a failure matching ${pattern}`).to.be.instanceOf(Error);
  expect(error.message).to.match(pattern);
  return error;
}

/**
 * A JSON-RPC server over HTTP in front of the in-process chain (single requests and batches, passed
 * on as they are), for a network config of `type: "http"` that points at the tests' chain.
 */
export async function serveChain(): Promise<{ url: string; close(): Promise<void> }> {
  type Request = { id: number; method: string; params?: unknown[] };
  const answer = async (r: Request) => {
    try {
      return { jsonrpc: "2.0", id: r.id, result: await connection.provider.request(r) };
    } catch (e) {
      const err = e as { code?: number; message: string; data?: unknown };
      return { jsonrpc: "2.0", id: r.id, error: { code: err.code ?? -32603, message: err.message, data: err.data } };
    }
  };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", async () => {
      const parsed = JSON.parse(body) as Request | Request[];
      const reply = Array.isArray(parsed) ? await Promise.all(parsed.map(answer)) : await answer(parsed);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
