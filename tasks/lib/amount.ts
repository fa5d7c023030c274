// Human-unit arguments: token amounts ("1.5", "2500 USDC", "2,500 usdc", "max"), fractions
// ("0.2", "20%"), USD prices and durations ("90", "15m", "1h", "2d"). Everything is validated here,
// before any transaction is sent.
import { parseUnits } from "ethers";
import { TaskError } from "./errors.js";

export interface UnitToken {
  symbol: string;
  decimals: number;
}

export interface SplitAmount {
  number: string;
  symbol?: string;
}

const NUMBER = /^\d+(\.\d+)?$/;
const GROUPED = /^\d{1,3}(,\d{3})+(\.\d+)?$/;

/** "2,500.5 USDC" -> { number: "2500.5", symbol: "USDC" }; "1.5" -> { number: "1.5" }. */
export function splitAmount(input: string): SplitAmount {
  const text = input.trim();
  const m = /^(-?[\d.,_]*\d[\d.,_]*|-?\.\d+)\s*([A-Za-z][A-Za-z0-9.\-_]*)?$/.exec(text);
  if (m === null) throw new TaskError(`amount "${input}" is not a number (expected e.g. "1.5" or "2500 USDC")`);
  let number = m[1].replace(/_/g, "");
  if (number.startsWith("-")) throw new TaskError(`amount "${input}" is negative`);
  if (GROUPED.test(number)) number = number.replace(/,/g, "");
  if (number.startsWith(".")) number = "0" + number;
  if (!NUMBER.test(number))
    throw new TaskError(`amount "${input}" is not a number (expected e.g. "1.5" or "2500 USDC")`);
  return { number, symbol: m[2] };
}

/** The token symbol written in an amount, if any ("10 WETH" -> "WETH"). */
export function amountSymbol(input: string): string | undefined {
  const text = input.trim();
  if (isKeyword(text)) return undefined;
  return splitAmount(text).symbol;
}

function isKeyword(text: string, keywords: readonly string[] = ["max", "all"]): boolean {
  return keywords.includes(text.trim().toLowerCase());
}

export interface ParseAmountOptions {
  /** Accept 0 (default false: zero is meaningless for deposits, borrows, ...). */
  allowZero?: boolean;
  /** Accept "max" / "all" and return "max". */
  allowMax?: boolean;
  /** What the amount is for, in error messages. */
  what?: string;
}

/** A human amount in `token`'s units; a symbol written in the amount must be the token's. */
export function parseAmount(
  input: string,
  token: UnitToken,
  options: ParseAmountOptions & { allowMax: true },
): bigint | "max";
export function parseAmount(input: string, token: UnitToken, options?: ParseAmountOptions): bigint;
export function parseAmount(input: string, token: UnitToken, options: ParseAmountOptions = {}): bigint | "max" {
  const what = options.what ?? "amount";
  if (input === undefined || input.trim() === "") throw new TaskError(`${what} is required`);
  if (isKeyword(input)) {
    if (options.allowMax === true) return "max";
    throw new TaskError(`${what} "${input}": "max" is not accepted here`);
  }
  const { number, symbol } = splitAmount(input);
  if (symbol !== undefined && symbol.toLowerCase() !== token.symbol.toLowerCase()) {
    throw new TaskError(`${what} "${input}" is in ${symbol}, expected ${token.symbol}`);
  }
  const places = number.includes(".") ? number.split(".")[1].length : 0;
  if (places > token.decimals) {
    throw new TaskError(`${what} "${input}" has ${places} decimals; ${token.symbol} has only ${token.decimals}`);
  }
  const value = parseUnits(number, token.decimals);
  if (value === 0n && options.allowZero !== true) throw new TaskError(`${what} must be greater than zero`);
  return value;
}

/** A fraction [wad]: "0.2", "20%". `max` bounds it (default 1e18 inclusive, pass undefined for none). */
export function parseFraction(input: string, what: string, max: bigint | undefined = 10n ** 18n): bigint {
  const text = input.trim();
  const percent = text.endsWith("%");
  const body = percent ? text.slice(0, -1).trim() : text;
  if (body.startsWith("-")) throw new TaskError(`${what} "${input}" is negative`);
  if (!NUMBER.test(body)) throw new TaskError(`${what} "${input}" is not a number (expected e.g. "0.2" or "20%")`);
  const places = body.includes(".") ? body.split(".")[1].length : 0;
  if (places > (percent ? 16 : 18)) throw new TaskError(`${what} "${input}" has too many decimals`);
  const value = percent ? parseUnits(body, 16) : parseUnits(body, 18);
  if (max !== undefined && value > max) throw new TaskError(`${what} "${input}" is above ${Number(max) / 1e18}`);
  return value;
}

/** A USD price [wad], "$3,000" / "3000" / "2999.5 USD". */
export function parseUsd(input: string, what = "price"): bigint {
  const text = input.trim().replace(/^\$/, "");
  return parseAmount(text.replace(/\s*usd$/i, ""), { symbol: "USD", decimals: 18 }, { what });
}

const DURATION_UNITS: Record<string, bigint> = { s: 1n, m: 60n, h: 3600n, d: 86400n, w: 604800n };

/** A duration in seconds: "600", "600s", "15m", "1h", "2d", "1w". */
export function parseDuration(input: string, what = "duration", allowZero = false): bigint {
  const m = /^(\d+)\s*([smhdw]?)$/i.exec(input.trim());
  if (m === null) throw new TaskError(`${what} "${input}" is not a duration (e.g. "600", "15m", "1h", "2d")`);
  const seconds = BigInt(m[1]) * DURATION_UNITS[(m[2] === "" ? "s" : m[2]).toLowerCase()];
  if (seconds === 0n && !allowZero) throw new TaskError(`${what} must be greater than zero`);
  return seconds;
}

/** A non-negative integer option. */
export function parseInteger(input: string, what: string, max?: bigint): bigint {
  if (!/^\d+$/.test(input.trim())) throw new TaskError(`${what} "${input}" is not a non-negative integer`);
  const value = BigInt(input.trim());
  if (max !== undefined && value > max) throw new TaskError(`${what} ${value} is above ${max}`);
  return value;
}
