// Decodes reverts from the chain into the custom error's name and arguments, using the ABIs of every
// Breakwater contract plus AccessManager and OpenZeppelin's ERC20 errors, with a plain-English hint
// for the common ones. Only ethers, no Hardhat: the tasks (tasks/lib/errors.ts wraps a decoded revert
// in a Hardhat plugin error) and the keeper bot (scripts/lib/keeper.ts) share it.
import { Interface, type ErrorDescription, type InterfaceAbi } from "ethers";

export interface DecodedError {
  /** Custom error name, e.g. "Undercollateralised"; "Error" for require strings, "Panic" for panics. */
  name: string;
  signature: string;
  /** Arguments by name (positional "argN" when unnamed); bigints as decimal strings. */
  args: Record<string, string | boolean | string[]>;
  /** Raw revert data. */
  data: string;
  hint?: string;
}

/** Names of `OracleFailure` (IBreakwaterOracle.sol) by value. */
export const ORACLE_FAILURES = [
  "None",
  "NoFeed",
  "CallFailed",
  "NonPositive",
  "Stale",
  "OutOfBounds",
  "SequencerDown",
  "SequencerGracePeriod",
  "Deviation",
] as const;

/** Names of `Action` (ICircuitBreaker.sol) by value. */
export const ACTIONS = ["Deposit", "Withdraw", "Borrow", "Kick", "Take", "PoolDeposit", "PoolWithdraw"] as const;

/** Meanings of Solidity panic codes by value. */
export const PANICS: Record<string, string> = {
  "1": "assertion failed",
  "17": "arithmetic overflow or underflow",
  "18": "division by zero",
  "33": "invalid enum value",
  "50": "array index out of bounds",
  "65": "out of memory",
};

type Args = DecodedError["args"];
type Hint = string | ((a: Args) => string);

const wadText = (v: string | boolean | string[] | undefined): string => {
  if (typeof v !== "string" || !/^\d+$/.test(v)) return String(v);
  const n = BigInt(v);
  if (n === 2n ** 256n - 1n) return "∞";
  const whole = n / 10n ** 18n;
  const frac = ((n % 10n ** 18n) / 10n ** 14n).toString().padStart(4, "0");
  return `${whole}.${frac}`;
};
const until = (v: string | boolean | string[] | undefined) =>
  typeof v === "string" && /^\d+$/.test(v) ? new Date(Number(v) * 1000).toISOString() : String(v);

/** Plain-English hints by error name. */
export const HINTS: Record<string, Hint> = {
  Undercollateralised: (a) =>
    `the vault's health factor under initial haircuts would be ${wadText(a.healthFactor)} (< 1): borrow less or deposit more collateral`,
  DebtBelowMinimum:
    "the remaining debt would be below the minimum debt: repay everything or leave at least the minimum",
  DebtCeilingExceeded: "the collateral's debt ceiling is reached: borrow less or use another collateral",
  InsufficientCollateral: "the vault holds less of that asset than requested: withdraw less",
  CollateralNotEnabled: "the asset is not enabled as collateral (disabled by governance)",
  CollateralNotListed: "the asset is not a listed collateral",
  NotOwnerOrManager: "only the vault's owner or a manager can do this: use --from with that account",
  NotOwner: "only the vault's owner can do this",
  UnknownVault: "no vault with that id",
  TooManyCollaterals: "the vault already holds the maximum number of collateral assets",
  NoDebt: "the vault has no debt",
  VaultHealthy: (a) => `the vault is healthy (HF ${wadText(a.healthFactor)} >= 1): nothing to flag or liquidate`,
  VaultUnhealthy: "the vault is still in margin shortfall",
  AlreadyFlagged: "the vault's margin call is already flagged",
  NotBadDebt: "bad debt can be realised only on a vault with debt, no collateral and no open auction",
  InsufficientCash: "the pool has too little idle cash: borrow or withdraw less, or wait for repayments",
  VaultNotLiquidatable: (a) => `the vault is not liquidatable (HF ${wadText(a.healthFactor)})`,
  MarginCallRequired: "flag the vault's margin call first (keeper flag), then wait out the cure window",
  CureWindowActive: (a) => `the owner's cure window is still open until ${until(a.liquidatableAt)}`,
  NothingToLiquidate: "nothing of that asset to liquidate in the vault",
  AssetNotInVault: "the vault holds none of that asset",
  VaultHasOpenAuction: "the vault already has an open auction: take or reset it first",
  AuctionAlreadyActive: "that collateral of the vault is already under auction",
  AuctionNotActive: "the auction is closed",
  AuctionNeedsReset: "the auction is too old or too cheap: reset it (keeper reset) before taking",
  AuctionDoesNotNeedReset: "the auction is neither too old nor below its reset price",
  TakePriceTooHigh: "the auction price is above your --max-price: wait for it to fall or raise the limit",
  TakeWouldLeaveDustTab: "a partial take would leave a dust tab: take more (or the whole lot)",
  TakeWouldLeaveDustLot: "a partial take would leave a dust lot: take the whole lot",
  AuctionThrottled: "the liquidation throttle is full for now: wait for the bucket to refill or auctions to settle",
  AuctionNotConfigured: "the asset has no auction configuration",
  ActionPaused: (a) => `that action is paused by the guardian until ${until(a.until)}`,
  AssetFrozen: (a) => `the asset is frozen until ${until(a.until)}`,
  BreakerTripped: (a) => `the asset's price-drop breaker is tripped until ${until(a.until)}`,
  LiquidationGracePeriod: (a) => `liquidations of the asset wait for a grace period until ${until(a.until)}`,
  OracleFailureMode: "the asset is in oracle-failure mode: record the recovery once the feed is healthy",
  OracleFailed: (a) =>
    `the oracle cannot price the asset (${ORACLE_FAILURES[Number(a.reason)] ?? a.reason}); refresh the feed or wait`,
  PauseTooLong: "the duration is above the maximum pause duration",
  PauseCooldown: "the guardian paused this action recently: wait for the cooldown",
  FreezeCooldown: "the guardian froze this asset recently: wait for the cooldown",
  NoPriceDrop: "the price has not fallen enough to trip the breaker",
  WindowAlreadyTripped: "the breaker already tripped in this tracker window",
  NotPaused: "the action is not paused",
  NotFrozen: "the asset is not frozen",
  NotTripped: "the breaker is not tripped",
  ParameterOutOfBounds: "the value is outside the parameter's hard bounds",
  RateParameterOutOfBounds: "the value is outside the rate model's bounds",
  ReserveFactorOutOfBounds: "the reserve factor is above its maximum",
  TrackerParameterOutOfBounds: "the value is outside the tracker's bounds",
  InvalidHaircuts: "the maintenance haircut must be at least 1 percentage point below the initial haircut",
  IncentiveAbovePenalty:
    "keeper incentives would reach the penalty of a dust-sized auction: lower tip/chip or raise the penalty",
  TransferAmountMismatch: "fee-on-transfer or rebasing tokens are not supported",
  ZeroAmount: "the amount must be greater than zero",
  AccessManagerUnauthorizedAccount: "the account lacks the role this function requires",
  AccessManagedUnauthorized: "the account lacks the role this function requires (see gov show for the roles)",
  AccessManagerNotScheduled: "the operation is not scheduled: schedule it first (run the task without --execute)",
  AccessManagerNotReady: "the operation's delay has not passed yet: execute it later",
  AccessManagerExpired: "the scheduled operation expired: schedule it again",
  AccessManagerAlreadyScheduled: "the operation is already scheduled: execute it once the delay has passed",
  AccessManagerUnauthorizedCall: "the account may not call that function through the access manager",
  ERC20InsufficientBalance: "the account's token balance is too low",
  ERC20InsufficientAllowance: "the token allowance is too low: approve first",
  ERC4626ExceededMaxWithdraw: "more than the account can withdraw from the pool (shares or pool cash)",
  ERC4626ExceededMaxRedeem: "more shares than the account holds (or the pool's cash allows)",
  ERC4626ExceededMaxDeposit: "the pool does not accept that deposit now",
  CallbackInProgress: "the protocol is locked during a flash-take callback",
};

/** The ABIs whose errors a revert is decoded against. */
export class ErrorDecoder {
  private readonly interfaces: Interface[];

  constructor(abis: Array<Interface | InterfaceAbi>) {
    this.interfaces = abis.map((a) => (a instanceof Interface ? a : new Interface(a)));
  }

  /** Decodes raw revert data, or undefined when no ABI knows the selector. */
  decodeData(data: string): DecodedError | undefined {
    if (!/^0x[0-9a-fA-F]{8}/.test(data)) return undefined;
    const selector = data.slice(0, 10).toLowerCase();
    if (selector === "0x08c379a0" || selector === "0x4e487b71") {
      const parsed = new Interface(["error Error(string message)", "error Panic(uint256 code)"]).parseError(data);
      if (parsed === null) return undefined;
      const out = fromDescription(parsed, data);
      if (parsed.name === "Panic") out.hint = PANICS[out.args.code as string] ?? "panic";
      return out;
    }
    for (const iface of this.interfaces) {
      let parsed: ErrorDescription | null = null;
      try {
        parsed = iface.parseError(data);
      } catch {
        parsed = null;
      }
      if (parsed !== null) return fromDescription(parsed, data);
    }
    return undefined;
  }

  /** Decodes a thrown error (ethers or provider shapes), or undefined when it carries no known revert. */
  decode(error: unknown): DecodedError | undefined {
    for (const data of revertDataCandidates(error)) {
      const decoded = this.decodeData(data);
      if (decoded !== undefined) return decoded;
    }
    return undefined;
  }

  /** The name of the error with this 4-byte selector (as `canKick` reports it), or undefined when no ABI knows it. */
  errorName(selector: string): string | undefined {
    for (const iface of this.interfaces) {
      try {
        const fragment = iface.getError(selector);
        if (fragment !== null) return fragment.name;
      } catch {
        // not this ABI's error
      }
    }
    return undefined;
  }

  /** `errorName`, "reverted without reason" for 0x00000000, else "unknown error 0x…". */
  describeSelector(selector: string): string {
    return (
      this.errorName(selector) ?? (selector === "0x00000000" ? "reverted without reason" : `unknown error ${selector}`)
    );
  }

  /**
   * One line for any thrown error: `describe()` of a known revert, "unknown error 0x…" for other revert
   * data, else the error's short message.
   */
  describeError(error: unknown): string {
    const decoded = this.decode(error);
    if (decoded !== undefined) return describe(decoded);
    const data = revertDataCandidates(error)[0];
    if (data !== undefined) return `unknown error ${data.slice(0, 10)}`;
    const e = error as { shortMessage?: string; message?: string } | null | undefined;
    return (e?.shortMessage ?? e?.message ?? String(error)).split("\n")[0];
  }
}

function fromDescription(parsed: ErrorDescription, data: string): DecodedError {
  const args: Args = {};
  parsed.fragment.inputs.forEach((input, i) => {
    args[input.name === "" ? `arg${i}` : input.name] = plain(parsed.args[i]);
  });
  const hint = HINTS[parsed.name];
  return {
    name: parsed.name,
    signature: parsed.signature,
    args,
    data,
    hint: hint === undefined ? undefined : typeof hint === "string" ? hint : hint(args),
  };
}

function plain(v: unknown): string | boolean | string[] {
  if (typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map((x) => String(plain(x)));
  return String(v);
}

/** "Undercollateralised(id: 1, healthFactor: 950000000000000000)". */
export function describe(d: DecodedError): string {
  const parts = Object.entries(d.args).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(", ")}]` : v}`);
  return `${d.name}(${parts.join(", ")})`;
}

/** Every hex string that may be revert data in an error object, nearest first. */
export function revertDataCandidates(error: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number) => {
    if (depth > 6 || v === null || v === undefined) return;
    if (typeof v === "string") {
      if (/^0x[0-9a-fA-F]{8}([0-9a-fA-F]{64})*$/.test(v) && !out.includes(v)) out.push(v);
      return;
    }
    if (typeof v !== "object" || seen.has(v)) return;
    seen.add(v);
    const o = v as Record<string, unknown>;
    for (const key of ["data", "revert", "error", "info", "cause", "payload", "body"]) {
      if (key in o) visit(o[key], depth + 1);
    }
    if (typeof o.message === "string") {
      const m = /(0x[0-9a-fA-F]{8}(?:[0-9a-fA-F]{64})*)\b/.exec(o.message);
      if (m !== null && !out.includes(m[1])) out.push(m[1]);
    }
  };
  visit(error, 0);
  return out;
}

interface HasInterface {
  interface: Interface;
}

/** A decoder over the ABIs of every contract of a connected Breakwater system (see deploy/breakwater.ts). */
export function breakwaterDecoder(bw: {
  accessManager: HasInterface;
  oracle: HasInterface;
  rateModel: HasInterface;
  pool: HasInterface;
  insuranceFund: HasInterface;
  engine: HasInterface;
  lens: HasInterface;
  auctionHouse: HasInterface;
  circuitBreaker: HasInterface;
  baseToken: HasInterface;
}): ErrorDecoder {
  return new ErrorDecoder([
    bw.engine.interface,
    bw.auctionHouse.interface,
    bw.circuitBreaker.interface,
    bw.pool.interface,
    bw.oracle.interface,
    bw.rateModel.interface,
    bw.insuranceFund.interface,
    bw.lens.interface,
    bw.accessManager.interface,
    bw.baseToken.interface, // OpenZeppelin ERC20 errors (the collateral tokens share its ABI)
  ]);
}
