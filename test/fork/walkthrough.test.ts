// The README's local-node walkthrough, run command by command through the real CLI against a real
// `hardhat node` (on a free port, with the deployment recorded in a temporary file), so the
// documented workflow cannot rot.
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startHardhatNode, type RunningNode } from "./node.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The `npx hardhat ...` commands of the README's walkthrough block, comments stripped. */
function walkthroughCommands(): string[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Local node walkthrough"));
  const block = section.slice(section.indexOf("```sh") + 5, section.indexOf("```", section.indexOf("```sh") + 5));
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line.startsWith("npx hardhat ") && !line.startsWith("npx hardhat node"));
}

interface Run {
  code: number | null;
  output: string;
}

/** Runs `command` in a shell from the project root; with `interruptAfterMs`, sends SIGINT then. */
function run(command: string, env: NodeJS.ProcessEnv, interruptAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    // Its own process group, so the interrupt reaches every process of it, as Ctrl-C in a terminal does.
    const child = spawn("bash", ["-c", command], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer =
      interruptAfterMs === undefined
        ? undefined
        : setTimeout(() => process.kill(-child.pid!, "SIGINT"), interruptAfterMs);
    child.on("exit", (code) => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("README: the local node walkthrough, as written", function () {
  this.timeout(600_000);
  let node: RunningNode | undefined;

  before(async function () {
    node = await startHardhatNode();
  });
  after(async function () {
    await node?.stop();
  });

  it("every command succeeds, and the keeper bot ends up buying the auctioned collateral", async function () {
    const commands = walkthroughCommands();
    expect(commands.length).to.be.greaterThan(10);
    const env = {
      ...process.env,
      PATH: `${path.join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
      LOCALHOST_URL: node!.url,
      BREAKWATER_DEPLOYMENT: path.join(mkdtempSync(path.join(tmpdir(), "bw-walkthrough-")), "localhost.json"),
      FORCE_COLOR: "0",
    };
    const outputs: string[] = [];
    for (const command of commands) {
      // The bot without --once runs until Ctrl-C: give it a few passes, then interrupt it.
      const bot = command.includes("keeper run") && !command.includes("--once");
      const result = await run(command, env, bot ? 15_000 : undefined);
      if (bot) {
        expect(result.output, command).to.contain("keeper stopped after");
      } else {
        expect(result.code, `${command}\n${result.output}`).to.equal(0);
      }
      outputs.push(result.output);
    }
    const text = outputs.join("\n");
    expect(text).to.contain("Deployment recorded in " + env.BREAKWATER_DEPLOYMENT);
    expect(text).to.contain("Opened vault 1");
    expect(text).to.match(/flag\s+1\s/);
    expect(text).to.match(/kick vault #1 -> auction #1/);
    expect(text).to.match(/take\s+1\s+1\s/);
  });
});
