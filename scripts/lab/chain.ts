// Low-overhead access to the in-process chain for the cascade lab: raw JSON-RPC calls, transactions sent
// without waiting (automine off, nonces managed here, explicit gas), one `evm_mine` per lab block, and
// one `eth_getLogs` per block to read what happened. Measured on the 2-core machine: a send with an
// explicit nonce costs ~0.6 ms, one without it grows with the pending pool (100 ms at 1,000 pending);
// an ethers contract call ~6 ms, a raw eth_call ~0.6 ms.
import type { Interface, LogDescription } from "ethers";
import { AbiCoder } from "ethers";

export interface RawProvider {
  send(method: string, params: unknown[]): Promise<unknown>;
}

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  transactionHash: string;
  logIndex: string;
}

export interface RawReceipt {
  transactionHash: string;
  status: string;
  gasUsed: string;
  from: string;
  to: string | null;
}

const hex = (n: bigint | number) => "0x" + BigInt(n).toString(16);

export class Chain {
  private readonly nonces = new Map<string, number>();
  private readonly pending: { hash: Promise<unknown>; from: string; label: string; gas: number }[] = [];
  private gasInBlock = 0;
  /** Transactions sent since creation. */
  sent = 0;
  /** Transactions mined with status 0 (reverted), by label. */
  readonly reverted = new Map<string, number>();
  /** Wall time spent in eth_call / send / mine [ms]. */
  readonly timing = { call: 0, send: 0, mine: 0 };
  /** eth_call time by function [ms] and count. */
  readonly callTiming = new Map<string, { ms: number; n: number }>();
  timestamp = 0;
  blockNumber = 0;
  private labels = new Map<string, string>();
  /** Diagnostics hook: called for every reverted transaction with its label and hash. */
  onRevert?: (label: string, hash: string) => Promise<void>;

  constructor(
    readonly provider: RawProvider,
    public blockGasLimit: number,
    /** Gas price [wei] of every lab transaction; the base fee is held at zero. */
    private readonly gasPrice = 1_000_000_000n,
  ) {}

  /** Syncs with the node (also after an evm_revert): automine off, block, timestamp, nonces re-read. */
  async init(): Promise<void> {
    this.nonces.clear();
    this.pending.length = 0;
    this.gasInBlock = 0;
    await this.provider.send("evm_setAutomine", [false]);
    const block = (await this.provider.send("eth_getBlockByNumber", ["latest", false])) as {
      number: string;
      timestamp: string;
    };
    this.blockNumber = Number(block.number);
    this.timestamp = Number(block.timestamp);
  }

  async setBlockGasLimit(limit: number): Promise<void> {
    this.blockGasLimit = limit;
    await this.provider.send("evm_setBlockGasLimit", [hex(limit)]);
  }

  /** Gives `address` a large ether balance (and lets the node sign for it). */
  async fundAndImpersonate(address: string): Promise<void> {
    await this.provider.send("hardhat_setBalance", [address, hex(10n ** 30n)]);
    await this.provider.send("hardhat_impersonateAccount", [address]);
  }

  /** Gas still free in the block being assembled. */
  gasLeft(): number {
    return this.blockGasLimit - this.gasInBlock;
  }

  /**
   * Queues a transaction for the next block; false (and nothing sent) when it would not fit. Within a
   * block, transactions run by `priority` (higher first, as the node orders by tip), then in sending order.
   */
  async send(from: string, to: string, data: string, gas: number, label = "tx", priority = 0): Promise<boolean> {
    if (this.gasInBlock + gas > this.blockGasLimit) return false;
    const key = from.toLowerCase();
    let nonce = this.nonces.get(key);
    if (nonce === undefined) {
      // "latest": every lab sender sends only through this Chain, so it has nothing pending when first seen
      // (with a "pending" count, the 300-vault setup took 62.7 s; with "latest", 8.9 s).
      nonce = Number(await this.provider.send("eth_getTransactionCount", [from, "latest"]));
    }
    this.nonces.set(key, nonce + 1);
    this.gasInBlock += gas;
    const t = performance.now();
    const hash = this.provider.send("eth_sendTransaction", [
      {
        from,
        to,
        data,
        gas: hex(gas),
        gasPrice: hex(this.gasPrice + BigInt(priority) * 1_000_000_000n),
        nonce: hex(nonce),
      },
    ]);
    this.timing.send += performance.now() - t;
    this.pending.push({ hash, from: key, label, gas });
    this.sent++;
    return true;
  }

  /** Raw eth_call at the latest block; returns the result data (throws on revert). */
  async call(to: string, data: string): Promise<string> {
    const t = performance.now();
    try {
      return (await this.provider.send("eth_call", [{ to, data }, "latest"])) as string;
    } finally {
      this.timing.call += performance.now() - t;
    }
  }

  /** eth_call decoded with `iface`. */
  async read(iface: Interface, to: string, fn: string, args: unknown[] = []): Promise<unknown[]> {
    const t = performance.now();
    const out = await this.call(to, iface.encodeFunctionData(fn, args));
    const k = this.callTiming.get(fn) ?? { ms: 0, n: 0 };
    k.ms += performance.now() - t;
    k.n++;
    this.callTiming.set(fn, k);
    return [...iface.decodeFunctionResult(fn, out)];
  }

  /**
   * Mines the queued transactions into one block `seconds` after the previous one. Returns the block's
   * logs and receipts. Every queued transaction must fit (the gas budget of `send` guarantees it).
   */
  async mine(seconds: number): Promise<{ logs: RawLog[]; receipts: RawReceipt[]; number: number; timestamp: number }> {
    const t = performance.now();
    const sent = this.pending.splice(0);
    const hashes = (await Promise.all(sent.map((p) => p.hash))) as string[];
    sent.forEach((p, i) => this.labels.set(hashes[i], p.label));
    await this.provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
    this.timestamp += seconds;
    await this.provider.send("evm_mine", [hex(this.timestamp)]);
    this.blockNumber += 1;
    this.gasInBlock = 0;
    const n = hex(this.blockNumber);
    const [logs, receipts] = await Promise.all([
      this.provider.send("eth_getLogs", [{ fromBlock: n, toBlock: n }]) as Promise<RawLog[]>,
      Promise.all(
        hashes.map((h) => this.provider.send("eth_getTransactionReceipt", [h]) as Promise<RawReceipt | null>),
      ),
    ]);
    const missing = receipts.filter((r) => r === null).length;
    if (missing > 0)
      throw new Error(`block ${this.blockNumber}: ${missing} of ${hashes.length} transactions not mined`);
    for (const r of receipts as RawReceipt[]) {
      if (r.status !== "0x1") {
        const label = this.labels.get(r.transactionHash) ?? "tx";
        if (this.onRevert !== undefined) await this.onRevert(label, r.transactionHash);
        this.reverted.set(label, (this.reverted.get(label) ?? 0) + 1);
      }
      this.labels.delete(r.transactionHash);
    }
    this.timing.mine += performance.now() - t;
    return { logs, receipts: receipts as RawReceipt[], number: this.blockNumber, timestamp: this.timestamp };
  }

  /** Mines until every queued transaction is in (setup phases that exceed one block). */
  async flush(seconds = 1): Promise<RawReceipt[]> {
    const all: RawReceipt[] = [];
    while (this.pending.length > 0) all.push(...(await this.mine(seconds)).receipts);
    return all;
  }
}

/** Decodes the logs emitted by the contracts in `sources` (address -> interface). */
export function decodeLogs(
  logs: RawLog[],
  sources: Map<string, Interface>,
): (LogDescription & { address: string; tx: string })[] {
  const out: (LogDescription & { address: string; tx: string })[] = [];
  for (const log of logs) {
    const iface = sources.get(log.address.toLowerCase());
    if (iface === undefined) continue;
    const parsed = iface.parseLog({ topics: log.topics, data: log.data });
    if (parsed !== null)
      out.push(Object.assign(parsed, { address: log.address.toLowerCase(), tx: log.transactionHash }));
  }
  return out;
}

export const abi = AbiCoder.defaultAbiCoder();
