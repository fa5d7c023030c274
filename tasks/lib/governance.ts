// Restricted calls through OpenZeppelin's AccessManager. A caller whose role has no execution delay
// calls the target directly; a caller with a delay (the timelocked ADMIN) schedules the call with
// `AccessManager.schedule` and, once the delay has passed, executes it with `AccessManager.execute`
// (`--execute`, or `gov execute <target> <data>`). The role map is in deploy/breakwater.ts.
import type { BaseContract, Interface } from "ethers";
import { ROLES } from "../../deploy/breakwater.js";
import type { TaskContext } from "./context.js";
import { TaskError } from "./errors.js";
import { sendTx, type TxSummary } from "./tx.js";

export const ROLE_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(ROLES).map(([name, id]) => [id.toString(), name]),
);

export const roleName = (id: bigint) => ROLE_NAMES[id.toString()] ?? `role ${id}`;

export interface GovernedResult {
  target: string;
  function: string;
  data: string;
  /** "direct": called now; "scheduled": waits for the delay; "executed": a scheduled call executed. */
  mode: "direct" | "scheduled" | "executed";
  role: string;
  delay: bigint;
  operationId?: string;
  readyAt?: bigint;
  txs: TxSummary[];
}

interface Governed {
  interface: Interface;
  getAddress(): Promise<string>;
}

/** Calls `fn(args)` on `contract` as the signer, through the access manager when its role is delayed. */
export async function governedCall(
  ctx: TaskContext,
  contract: Governed & BaseContract,
  fn: string,
  args: unknown[],
  options: { execute: boolean },
): Promise<GovernedResult> {
  const target = await contract.getAddress();
  const fragment = contract.interface.getFunction(fn);
  if (fragment === null) throw new Error(`no function ${fn} on ${target}`);
  const data = contract.interface.encodeFunctionData(fragment, args);
  return governedData(ctx, target, data, options, fragment.format("sighash"));
}

/** The same as governedCall, from raw calldata (gov execute). */
export async function governedData(
  ctx: TaskContext,
  target: string,
  data: string,
  options: { execute: boolean },
  signature = data.slice(0, 10),
): Promise<GovernedResult> {
  const am = ctx.bw.accessManager;
  const me = ctx.signer.address;
  const selector = data.slice(0, 10);
  const roleId = await am.getTargetFunctionRole(target, selector);
  const [immediate, delay] = await am.canCall(me, target, selector);
  const base = { target, function: signature, data, role: roleName(roleId), delay: BigInt(delay) };
  if (immediate && !options.execute) {
    const { tx } = await sendTx(ctx, signature, () => ctx.signer.sendTransaction({ to: target, data }));
    return { ...base, mode: "direct", txs: [tx] };
  }
  if (delay === 0n) {
    if (immediate)
      throw new TaskError(`${signature} needs no schedule: the account's role has no delay; drop --execute`);
    throw new TaskError(
      `account ${me} may not call ${signature} on ${target}: it needs the ${roleName(roleId)} role` +
        ` (use --from with a ${roleName(roleId)} account)`,
    );
  }
  const operationId = await am.hashOperation(me, target, data);
  const scheduledAt = await am.getSchedule(operationId);
  const now = await ctx.now();
  if (!options.execute) {
    if (scheduledAt !== 0n) {
      throw new TaskError(
        `${signature} is already scheduled (operation ${operationId}), ready at ${iso(scheduledAt)}: run again with --execute`,
      );
    }
    const { tx } = await sendTx(ctx, `schedule ${signature}`, () => am.schedule(target, data, 0));
    const readyAt = await am.getSchedule(operationId);
    return { ...base, mode: "scheduled", operationId, readyAt, txs: [tx] };
  }
  if (scheduledAt === 0n) {
    throw new TaskError(`${signature} is not scheduled (or expired): run without --execute to schedule it first`);
  }
  if (now < scheduledAt) {
    throw new TaskError(`${signature} is scheduled but its delay ends at ${iso(scheduledAt)}: execute it after that`);
  }
  const { tx } = await sendTx(ctx, `execute ${signature}`, () => am.execute(target, data));
  return { ...base, mode: "executed", operationId, readyAt: scheduledAt, txs: [tx] };
}

const iso = (t: bigint) => new Date(Number(t) * 1000).toISOString();

export function describeGoverned(r: GovernedResult): string {
  switch (r.mode) {
    case "direct":
      return `Called ${r.function} (${r.role}, no delay)`;
    case "scheduled":
      return (
        `Scheduled ${r.function} (${r.role}, delay ${r.delay} s): operation ${r.operationId}\n` +
        `  ready at ${iso(r.readyAt!)}; then run the same task with --execute (or gov execute ${r.target} ${r.data})`
      );
    case "executed":
      return `Executed scheduled ${r.function} (${r.role}, operation ${r.operationId})`;
  }
}
