// `npm run coverage:check`: the line-coverage gate on the protocol's own contracts.
//   node scripts/coverage-gate.ts [--lcov coverage/lcov.info] [--min 95]
//
// Reads the lcov report that `hardhat test --coverage` writes (coverage/lcov.info), keeps the
// Solidity files under contracts/ only (test helpers and mocks live under test/ and are compiled
// as sources, so Hardhat instruments them too; they are left out), prints a per-file table and
// the total, and exits non-zero when total line coverage is below the minimum.
//
// It refuses to pass vacuously: a missing or empty report, a report without any contracts/ file,
// a contracts/ file with function bodies that the report does not list (never instrumented), and a
// stale report (a contracts/ file changed after it was written, or line numbers past the end of the
// current source) all fail. Line numbers are taken from the report as it is, never from a
// checked-in list, so edits that move code around need nothing here.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONTRACTS_DIR = "contracts";
/** Path segments that mark test helpers, wherever they sit. */
const EXCLUDED_SEGMENTS = ["test", "tests", "mocks", "mock"];

interface FileCoverage {
  /** Repository-relative path with forward slashes. */
  file: string;
  /** Line number -> hit count (0 = instrumented, never executed). */
  lines: Map<number, number>;
}

interface Options {
  lcovPath: string;
  min: number;
}

function fail(message: string): never {
  console.error(`coverage gate: FAILED - ${message}`);
  process.exit(1);
}

function parseArgs(argv: string[]): Options {
  let lcovPath = path.join(ROOT, "coverage", "lcov.info");
  let min = Number(process.env.COVERAGE_MIN_LINES ?? "95");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--lcov" && value !== undefined) {
      lcovPath = path.resolve(value);
      i++;
    } else if (arg === "--min" && value !== undefined) {
      min = Number(value);
      i++;
    } else {
      fail(`unknown argument ${arg} (usage: coverage-gate.ts [--lcov FILE] [--min PERCENT])`);
    }
  }
  if (!Number.isFinite(min) || min < 0 || min > 100) fail(`minimum must be a percentage, got ${min}`);
  return { lcovPath, min };
}

/** Repository-relative, forward slashes (lcov may hold absolute or relative paths). */
function normalise(file: string): string {
  const absolute = path.isAbsolute(file) ? file : path.join(ROOT, file);
  return path.relative(ROOT, absolute).split(path.sep).join("/");
}

/** SF/DA records of an lcov file; a file listed twice has its hit counts added up. */
function parseLcov(text: string): Map<string, FileCoverage> {
  const files = new Map<string, FileCoverage>();
  let current: FileCoverage | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("SF:")) {
      const file = normalise(line.slice(3));
      current = files.get(file) ?? { file, lines: new Map() };
      files.set(file, current);
    } else if (line.startsWith("DA:")) {
      if (current === undefined) fail(`DA record outside a file section: "${line}"`);
      const [lineNo, hits] = line.slice(3).split(",");
      const n = Number(lineNo);
      const h = Number(hits);
      if (!Number.isInteger(n) || n < 1 || !Number.isFinite(h)) fail(`malformed DA record: "${line}"`);
      current.lines.set(n, (current.lines.get(n) ?? 0) + h);
    } else if (line === "end_of_record") {
      current = undefined;
    }
  }
  return files;
}

function isProtocolFile(file: string): boolean {
  const parts = file.split("/");
  if (parts[0] !== CONTRACTS_DIR || !file.endsWith(".sol")) return false;
  return !parts.slice(1, -1).some((segment) => EXCLUDED_SEGMENTS.includes(segment.toLowerCase()));
}

/** Every protocol .sol file under contracts/ (same exclusions as the report). */
function protocolSources(dir = path.join(ROOT, CONTRACTS_DIR)): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...protocolSources(full));
    else if (entry.name.endsWith(".sol")) out.push(normalise(full));
  }
  return out.filter(isProtocolFile).sort();
}

/** True when the source has a contract or library with at least one function body (so instrumentable). */
function hasExecutableCode(source: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  if (!/\b(contract|library)\s+\w+/.test(code)) return false;
  return /\b(function\s+\w+|constructor|modifier\s+\w+|receive|fallback)\s*\([^;{]*\)[^;{]*\{/.test(code);
}

/** "3-5, 9, 12" from [3, 4, 5, 9, 12]. */
function ranges(lines: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j] + 1) j++;
    out.push(i === j ? `${lines[i]}` : `${lines[i]}-${lines[j]}`);
    i = j;
  }
  return out.join(", ");
}

/** `file` relative to the repository when inside it, else as it is. */
function shown(file: string): string {
  const relative = path.relative(ROOT, file);
  return relative.startsWith("..") ? file : relative;
}

function pct(hit: number, found: number): string {
  return found === 0 ? "-" : ((hit * 100) / found).toFixed(2);
}

function main(): void {
  const { lcovPath, min } = parseArgs(process.argv.slice(2));
  if (!existsSync(lcovPath)) {
    fail(`${shown(lcovPath)} not found: run \`npm run coverage\` first`);
  }
  const reportTime = statSync(lcovPath).mtimeMs;
  const report = parseLcov(readFileSync(lcovPath, "utf8"));
  if (report.size === 0) fail(`${shown(lcovPath)} lists no source files`);

  const covered = [...report.values()]
    .filter((f) => isProtocolFile(f.file))
    .sort((a, b) => a.file.localeCompare(b.file));
  if (covered.length === 0) {
    fail(`${shown(lcovPath)} lists ${report.size} files but none under ${CONTRACTS_DIR}/`);
  }

  const problems: string[] = [];
  const listed = new Set(covered.map((f) => f.file));
  for (const file of protocolSources()) {
    if (!listed.has(file) && hasExecutableCode(readFileSync(path.join(ROOT, file), "utf8"))) {
      problems.push(`${file} has code but is not in the report (not compiled or not instrumented)`);
    }
  }

  const rows: string[][] = [];
  let totalHit = 0;
  let totalFound = 0;
  for (const f of covered) {
    const sourcePath = path.join(ROOT, f.file);
    if (!existsSync(sourcePath)) {
      problems.push(`${f.file} is in the report but not on disk (stale report)`);
      continue;
    }
    if (statSync(sourcePath).mtimeMs > reportTime) {
      problems.push(`${f.file} changed after the report was written (stale report: run npm run coverage again)`);
    }
    const lineCount = readFileSync(sourcePath, "utf8").split("\n").length;
    const maxLine = Math.max(0, ...f.lines.keys());
    if (maxLine > lineCount) {
      problems.push(`${f.file}: report line ${maxLine} past the file's ${lineCount} lines (stale report)`);
    }
    const found = f.lines.size;
    const missed = [...f.lines.entries()].filter(([, hits]) => hits === 0).map(([n]) => n);
    missed.sort((a, b) => a - b);
    const hit = found - missed.length;
    totalHit += hit;
    totalFound += found;
    rows.push([f.file, `${hit}/${found}`, pct(hit, found), ranges(missed)]);
  }

  const header = ["File (contracts/, no test helpers)", "Lines", "Line %", "Uncovered lines"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 3 ? 0 : r[i].length))));
  const format = (r: string[]) =>
    [r[0].padEnd(widths[0]), r[1].padStart(widths[1]), r[2].padStart(widths[2]), r[3]].join("  ").trimEnd();
  const age = Math.round((Date.now() - reportTime) / 60_000);
  console.log(`Line coverage from ${shown(lcovPath)} (written ${age} min ago)\n`);
  console.log(format(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(format(r));
  const total = totalFound === 0 ? 0 : (totalHit * 100) / totalFound;
  console.log(format(["Total", `${totalHit}/${totalFound}`, total.toFixed(2), ""]));
  console.log();

  if (totalFound === 0) problems.push("the contracts/ files in the report have no instrumented lines");
  if (problems.length > 0) fail(problems.join("\n  "));
  if (total < min) fail(`line coverage ${total.toFixed(2)}% on ${CONTRACTS_DIR}/ is below the minimum of ${min}%`);
  console.log(`coverage gate: ok - ${total.toFixed(2)}% of lines on ${CONTRACTS_DIR}/ (minimum ${min}%)`);
}

main();
