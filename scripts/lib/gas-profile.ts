// Where a transaction's gas goes, per contract: replays it with `debug_traceTransaction` (struct
// logs) and splits every step's cost into the frame that paid it. Used by `GAS_PROFILE=... npm run
// bench:gas` to find what to optimise; the figures are exclusive (a call's callee is not counted
// in its caller) and exclude the 21,000 intrinsic gas and calldata.

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
  memory?: string[];
}

/** One external call: depth, callee name, 4-byte selector and inclusive gas. */
export interface CallRecord {
  depth: number;
  name: string;
  selector: string;
  gas: number;
}

export interface FrameCost {
  name: string;
  calls: number;
  gas: number;
  sload: { count: number; cold: number; gas: number };
  sstore: { count: number; gas: number };
  /** Gas of the CALL-family opcodes themselves (cold account access, value, memory), callee excluded. */
  callOps: number;
  logs: number;
}

type Provider = { send(method: string, params: unknown[]): Promise<unknown> };

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

/** Per-contract exclusive gas of transaction `hash`, largest first. `names` maps lower-case addresses. */
export async function profileTransaction(
  provider: Provider,
  hash: string,
  names: Map<string, string>,
  to: string,
  calls: CallRecord[] = [],
): Promise<FrameCost[]> {
  const trace = (await provider.send("debug_traceTransaction", [
    hash,
    { disableMemory: false, disableStorage: true, enableMemory: true },
  ])) as { structLogs: StructLog[] };
  const logs = trace.structLogs;
  const costs = new Map<string, FrameCost>();
  const cost = (address: string) => {
    const name = names.get(address.toLowerCase()) ?? address.toLowerCase();
    let c = costs.get(name);
    if (c === undefined) {
      c = {
        name,
        calls: 0,
        gas: 0,
        sload: { count: 0, cold: 0, gas: 0 },
        sstore: { count: 0, gas: 0 },
        callOps: 0,
        logs: 0,
      };
      costs.set(name, c);
    }
    return c;
  };
  // Frames: the executing address and the inclusive gas of the frame so far.
  const frames: {
    address: string;
    inclusive: number;
    pendingCall?: { gasBefore: number; target: string; record: CallRecord };
  }[] = [{ address: to, inclusive: 0 }];
  cost(to).calls++;
  for (let i = 0; i < logs.length; i++) {
    const step = logs[i];
    const frame = frames[frames.length - 1];
    const next = logs[i + 1];
    const c = cost(frame.address);
    if (CALLS.has(step.op) && next !== undefined && next.depth > step.depth) {
      const stack = step.stack ?? [];
      const target =
        "0x" +
        BigInt(stack[stack.length - 2] ?? "0")
          .toString(16)
          .padStart(40, "0");
      // Arguments offset: 4th stack item for CALL/CALLCODE (value), 3rd for the others.
      const argsAt = Number(
        BigInt(stack[stack.length - (step.op === "CALL" || step.op === "CALLCODE" ? 4 : 3)] ?? "0"),
      );
      const memory = (step.memory ?? []).map((w) => w.replace(/^0x/, "")).join("");
      const selector = "0x" + memory.slice(argsAt * 2, argsAt * 2 + 8);
      const record = { depth: frames.length, name: names.get(target) ?? target, selector, gas: 0 };
      calls.push(record);
      frame.pendingCall = { gasBefore: step.gas, target, record };
      frames.push({ address: step.op === "DELEGATECALL" ? frame.address : target, inclusive: 0 });
      cost(target).calls++;
      continue;
    }
    let stepGas: number;
    if (next === undefined || next.depth < step.depth) stepGas = step.gasCost;
    else stepGas = step.gas - next.gas;
    c.gas += stepGas;
    frame.inclusive += stepGas;
    if (step.op === "SLOAD") {
      c.sload.count++;
      c.sload.gas += stepGas;
      if (stepGas >= 2100) c.sload.cold++;
    } else if (step.op === "SSTORE") {
      c.sstore.count++;
      c.sstore.gas += stepGas;
    } else if (step.op.startsWith("LOG")) c.logs += stepGas;
    else if (CALLS.has(step.op)) c.callOps += stepGas; // a call to a codeless account or precompile
    if (next !== undefined && next.depth < step.depth) {
      // Frame returns: the caller pays the call opcode's own cost (total minus the callee's).
      const done = frames.pop()!;
      const caller = frames[frames.length - 1];
      const pending = caller.pendingCall!;
      const total = pending.gasBefore - next.gas;
      const own = total - done.inclusive;
      const cc = cost(caller.address);
      cc.gas += own;
      cc.callOps += own;
      caller.inclusive += total;
      pending.record.gas = total;
      caller.pendingCall = undefined;
    }
  }
  return [...costs.values()].sort((a, b) => b.gas - a.gas);
}

/** The profile as printable lines. */
export function formatProfile(label: string, total: bigint, rows: FrameCost[]): string[] {
  const lines = [`  ${label}: ${total.toLocaleString("en-US")} gas (receipt)`];
  for (const r of rows) {
    lines.push(
      `    ${r.name.padEnd(24)} ${r.gas.toLocaleString("en-US").padStart(9)}  calls ${String(r.calls).padStart(2)}` +
        `  sload ${r.sload.count} (${r.sload.cold} cold) ${r.sload.gas.toLocaleString("en-US")}` +
        `  sstore ${r.sstore.count} ${r.sstore.gas.toLocaleString("en-US")}` +
        `  callops ${r.callOps.toLocaleString("en-US")}  logs ${r.logs.toLocaleString("en-US")}`,
    );
  }
  return lines;
}
