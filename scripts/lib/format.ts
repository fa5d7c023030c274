// Terminal formatting helpers shared by scripts (demo, gas bench) and, later, Hardhat tasks.
// Pure functions on bigints and strings: no Hardhat or ethers imports, so they load anywhere.

export const WAD = 10n ** 18n;
export const SECONDS_PER_YEAR = 365n * 24n * 3600n;
/** What the engine returns as the health factor of a vault without debt. */
export const MAX_UINT256 = 2n ** 256n - 1n;

export type Rounding = "down" | "half-up";

export interface UnitsOptions {
  /** Digits after the decimal point (default 2). */
  places?: number;
  /** Thousands separators in the integer part (default true). */
  grouping?: boolean;
  /** "down" truncates toward zero (default: never shows more than there is); "half-up" rounds. */
  rounding?: Rounding;
}

function group(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * Fixed-point `value` with `decimals` decimals as a decimal string with exactly `places` digits
 * after the point, e.g. formatUnitsFixed(1234567890n, 6, { places: 2 }) === "1,234.56".
 */
export function formatUnitsFixed(value: bigint, decimals: number, options: UnitsOptions = {}): string {
  const places = options.places ?? 2;
  const grouping = options.grouping ?? true;
  const negative = value < 0n;
  let abs = negative ? -value : value;
  // Bring `abs` to `places` decimals.
  if (places < decimals) {
    const divisor = 10n ** BigInt(decimals - places);
    const remainder = abs % divisor;
    abs /= divisor;
    if (options.rounding === "half-up" && remainder * 2n >= divisor) abs += 1n;
  } else {
    abs *= 10n ** BigInt(places - decimals);
  }
  const scale = 10n ** BigInt(places);
  const intPart = (abs / scale).toString();
  const fracPart = places > 0 ? "." + (abs % scale).toString().padStart(places, "0") : "";
  return (negative && abs !== 0n ? "-" : "") + (grouping ? group(intPart) : intPart) + fracPart;
}

/** A token amount, trimmed of trailing zeros beyond `minPlaces` (e.g. "10", "0.5", "2,000"). */
export function formatTokenAmount(value: bigint, decimals: number, maxPlaces = 4, minPlaces = 0): string {
  const fixed = formatUnitsFixed(value, decimals, { places: maxPlaces });
  if (!fixed.includes(".")) return fixed;
  let [intPart, frac] = fixed.split(".");
  while (frac.length > minPlaces && frac.endsWith("0")) frac = frac.slice(0, -1);
  intPart = intPart === "" ? "0" : intPart;
  return frac.length > 0 ? `${intPart}.${frac}` : intPart;
}

/** A [wad] number with `places` decimals. */
export function formatWad(value: bigint, places = 4, rounding: Rounding = "down"): string {
  return formatUnitsFixed(value, 18, { places, rounding });
}

/** A [wad USD] amount as "$1,234.56". */
export function formatUsd(value: bigint, places = 2): string {
  return "$" + formatUnitsFixed(value, 18, { places });
}

/**
 * A health factor [wad], truncated (never displays 1.0000 for a vault that is below 1); "∞" for
 * a vault without debt.
 */
export function formatHealthFactor(hf: bigint, places = 4): string {
  if (hf === MAX_UINT256) return "∞";
  return formatWad(hf, places, "down");
}

/** A [wad] fraction as a percentage, e.g. 0.3412e18 -> "34.12%". */
export function formatPercent(fraction: bigint, places = 2): string {
  return formatUnitsFixed(fraction * 100n, 18, { places, rounding: "half-up" }) + "%";
}

/** Simple (non-compounded) annual rate [wad] from a rate per second [wad]. */
export function ratePerSecondToApr(ratePerSecond: bigint): bigint {
  return ratePerSecond * SECONDS_PER_YEAR;
}

/** A signed [wad] change as a percentage with its sign, e.g. "-10.00%". */
export function formatSignedPercent(fraction: bigint, places = 2): string {
  const s = formatPercent(fraction < 0n ? -fraction : fraction, places);
  if (/^[0.]+%$/.test(s)) return s; // rounds to zero: no sign
  return (fraction < 0n ? "-" : "+") + s;
}

/** "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" -> "0x7099…79C8". */
export function shortAddress(address: string, lead = 4, tail = 4): string {
  if (address.length <= 2 + lead + tail + 1) return address;
  return `${address.slice(0, 2 + lead)}…${address.slice(-tail)}`;
}

/** An integer with thousands separators (gas figures). */
export function formatInteger(value: bigint | number): string {
  return group(BigInt(value).toString());
}

/** JSON.stringify that writes bigints as decimal strings. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v), indent);
}

// ------------------------------------------------------------------ colour

/** Colour is on for a TTY unless NO_COLOR is set, and forced by FORCE_COLOR. */
export function colourEnabled(stream: { isTTY?: boolean } = process.stdout): boolean {
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0") return true;
  if (process.env.NO_COLOR !== undefined) return false;
  return stream.isTTY === true;
}

const ANSI = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, cyan: 36 } as const;
export type Style = keyof typeof ANSI;

export function paint(text: string, style: Style, enabled = colourEnabled()): string {
  return enabled ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
}

// eslint-disable-next-line no-control-regex
const ANSI_PATTERN = /\u001b\[[0-9;]*m/g;

/** Display width of `text`: code points, ANSI escapes excluded. */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI_PATTERN, "")].length;
}

export function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - visibleLength(text)));
}

export function padStart(text: string, width: number): string {
  return " ".repeat(Math.max(0, width - visibleLength(text))) + text;
}

// ------------------------------------------------------------------ tables

export interface Column {
  header: string;
  /** "right" for numbers (default "left"). */
  align?: "left" | "right";
}

/** A row of cells, or SEPARATOR for a horizontal rule. */
export const SEPARATOR = Symbol("separator");
export type Row = string[] | typeof SEPARATOR;

export interface TableOptions {
  /** Prefix of every line (default two spaces). */
  indent?: string;
  /** Between columns (default two spaces). */
  gap?: string;
  title?: string;
}

/**
 * Renders an aligned plain-text table (header, rule, rows). Cells may contain ANSI colours;
 * missing cells are blank. Returns the lines joined with "\n" (no trailing newline).
 */
export function renderTable(columns: Column[], rows: Row[], options: TableOptions = {}): string {
  const indent = options.indent ?? "  ";
  const gap = options.gap ?? "  ";
  const widths = columns.map((c) => visibleLength(c.header));
  for (const row of rows) {
    if (row === SEPARATOR) continue;
    row.forEach((cell, i) => {
      if (i < widths.length) widths[i] = Math.max(widths[i], visibleLength(cell));
    });
  }
  const line = (cells: string[]) =>
    indent +
    columns
      .map((c, i) => {
        const cell = cells[i] ?? "";
        return c.align === "right" ? padStart(cell, widths[i]) : padEnd(cell, widths[i]);
      })
      .join(gap)
      .trimEnd();
  const rule = indent + widths.map((w) => "─".repeat(w)).join(gap);
  const out: string[] = [];
  if (options.title !== undefined) out.push(options.title);
  out.push(line(columns.map((c) => c.header)), rule);
  for (const row of rows) out.push(row === SEPARATOR ? rule : line(row));
  return out.join("\n");
}

/** Two-column key/value listing, keys padded to the longest. */
export function renderKeyValues(pairs: [string, string][], indent = "  "): string {
  const width = Math.max(0, ...pairs.map(([k]) => visibleLength(k)));
  return pairs.map(([k, v]) => `${indent}${padEnd(k, width)}  ${v}`).join("\n");
}
