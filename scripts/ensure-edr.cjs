// npm running on Node 20 silently skips EDR's native binding (its `engines` asks for Node >= 22),
// which Hardhat 3 needs. When the binding is missing, re-run `npm install` once on the Node 22
// that this project installs into node_modules/.bin, so the optional binding lands too.
"use strict";
const { execSync } = require("node:child_process");
const path = require("node:path");
const fs = require("node:fs");

const GUARD = "BREAKWATER_EDR_REINSTALL";
const root = path.resolve(__dirname, "..");
const binDir = path.join(root, "node_modules", ".bin");
const localNode = path.join(binDir, "node");

function bindingLoads() {
  const probe = `require("@nomicfoundation/edr")`;
  const node = fs.existsSync(localNode) ? localNode : process.execPath;
  try {
    execSync(`"${node}" -e '${probe}'`, { cwd: root, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

if (process.env[GUARD]) process.exit(0);
if (!fs.existsSync(path.join(root, "node_modules", "@nomicfoundation", "edr"))) process.exit(0);
if (bindingLoads()) process.exit(0);

console.log("[breakwater] EDR native binding missing (npm ran on an older Node); reinstalling on Node 22...");
execSync("npm install --no-audit --no-fund", {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, [GUARD]: "1", PATH: `${binDir}${path.delimiter}${process.env.PATH}` },
});
if (!bindingLoads()) {
  console.error("[breakwater] EDR native binding still missing after reinstall");
  process.exit(1);
}
console.log("[breakwater] EDR native binding installed");
