// The read-only tasks on networks without an account: an HTTP network with `accounts: []`, and one
// whose account key is an unset configuration variable (Sepolia with SEPOLIA_RPC_URL but no
// SEPOLIA_PRIVATE_KEY). Each is a second runtime environment, created from the project's config plus
// that network, whose RPC URL is a JSON-RPC server in front of the tests' in-process chain: its
// tasks read the same deployment as the tests' own runtime environment, which has accounts.
import { expect } from "chai";
import { parseUnits } from "ethers";
import { configVariable } from "hardhat/config";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import config from "../../hardhat.config.js";
import { TaskError } from "../../tasks/lib/errors.js";
import {
  chainMark,
  ethers,
  expectFailure,
  fromOf,
  loadTaskFixture,
  runJson,
  runTask,
  serveChain,
  type TaskFixture,
} from "./helpers.js";

const USDC = (x: string) => parseUnits(x, 6);
const UNSET_KEY = "BREAKWATER_TEST_UNSET_KEY";

/** Vault 1 (alice): 10 WETH against 23,000 USDC, below HF 1 once WETH is at $2,400; vault 2 (bob): 1 WETH. */
async function book() {
  const f: TaskFixture = await loadTaskFixture();
  const { s } = f;
  const [, lender, alice, bob] = await ethers.getSigners();
  await s.fund(lender, { USDC: 1_000_000 });
  await (await s.pool.connect(lender).deposit(USDC("1000000"), lender.address)).wait();
  const weth = await s.tokens.WETH.getAddress();
  for (const [who, amount, debt] of [
    [alice, "10", "23000"],
    [bob, "1", "0"],
  ] as const) {
    await s.fund(who, { WETH: Number(amount) });
    await (await s.engine.connect(who).openVault(who.address)).wait();
    const id = await s.engine.vaultCount();
    await (await s.engine.connect(who).deposit(id, weth, s.units("WETH", amount))).wait();
    if (debt !== "0") await (await s.engine.connect(who).borrow(id, USDC(debt), who.address)).wait();
  }
  await s.setPrice("WETH", 2400);
  return { ...f, lender, alice, bob };
}

/** Everything but the keys that name the network or measure time. */
function sansNetwork(risk: Record<string, unknown>) {
  const { network: _network, timing: _timing, ...rest } = risk;
  return rest;
}

describe("tasks: read-only without accounts", function () {
  let server: Awaited<ReturnType<typeof serveChain>>;
  /** `accounts: []`: eth_accounts answers an empty list. */
  let noAccounts: HardhatRuntimeEnvironment;
  /** `accounts: [configVariable(UNSET_KEY)]`: Hardhat's provider fails its first request. */
  let unsetKey: HardhatRuntimeEnvironment;

  before(async function () {
    delete process.env[UNSET_KEY];
    server = await serveChain();
    const withNetwork = (name: string, accounts: [] | [ReturnType<typeof configVariable>]) =>
      createHardhatRuntimeEnvironment(
        { ...config, networks: { ...config.networks, [name]: { type: "http", url: server.url, accounts } } },
        { network: name },
      );
    noAccounts = await withNetwork("noAccounts", []);
    unsetKey = await withNetwork("unsetKey", [configVariable(UNSET_KEY)]);
  });

  after(async function () {
    await server.close();
  });

  it("vault show, vault list, pool show, keeper list, guardian show, gov show and risk report print the chain's data", async function () {
    const { alice, lender } = await book();
    const lenderFrom = await fromOf(lender.address);
    expect((await (await noAccounts.network.getOrCreate()).ethers.getSigners()).length).to.equal(0);

    // The same JSON as from the runtime environment with accounts, where no account is involved.
    for (const [id, args] of [
      [["vault", "show"], { vault: "1" }],
      [["vault", "show"], { vault: "2" }],
      [["vault", "list"], { all: true }],
      [["vault", "list"], { owner: alice.address }],
      [["pool", "show"], { account: lender.address }],
      [["keeper", "list"], {}],
      [["guardian", "show"], {}],
    ] as [string[], Record<string, unknown>][]) {
      expect(await runJson(id, args, noAccounts), `${id.join(" ")} ${JSON.stringify(args)}`).to.deep.equal(
        await runJson(id, args),
      );
    }
    const listed = await runJson(["vault", "list"], { owner: alice.address }, noAccounts);
    expect(listed.vaults.map((v: { vault: string }) => v.vault)).to.deep.equal(["1"]);
    const keeper = await runJson(["keeper", "list"], {}, noAccounts);
    expect(keeper.liquidatable.map((v: { vault: string }) => v.vault)).to.deep.equal(["1"]);

    // Where the acting account would be shown, it is left out.
    const pool = await runJson(["pool", "show"], {}, noAccounts);
    const { position: _position, ...poolRest } = await runJson(["pool", "show"], { from: lenderFrom });
    expect(pool).to.deep.equal({ ...poolRest, position: null });
    expect(BigInt(pool.totalDebt)).to.be.gte(USDC("23000"));
    const gov = await runJson(["gov", "show"], {}, noAccounts);
    const { account, ...govRest } = await runJson(["gov", "show"]);
    expect(account.roles).to.have.length(3); // with accounts: the deployer's roles
    expect(gov).to.deep.equal({ ...govRest, account: null });

    // risk report reads through the network's RPC URL (its HTTP path), with the same figures.
    const risk = await runJson(["risk", "report"], { paths: "200" }, noAccounts);
    expect(risk.network).to.equal("noAccounts");
    expect(sansNetwork(risk)).to.deep.equal(sansNetwork(await runJson(["risk", "report"], { paths: "200" })));

    // The tables.
    const texts: [string[], Record<string, unknown>, string[]][] = [
      [["vault", "show"], { vault: "1" }, ["Vault 1", alice.address, "23,000", "WETH"]],
      [["vault", "list"], { all: true }, [alice.address, "23,000"]],
      [
        ["pool", "show"],
        {},
        ["Lending pool (USDC)", "utilisation", "position", "no account configured for this network: pass --account"],
      ],
      [["keeper", "list"], {}, ["1 of 2 vault(s) below HF 1", "0 open auction(s)"]],
      [["guardian", "show"], {}, ["Circuit breaker", "WETH", "WBTC", "LINK"]],
      [
        ["gov", "show"],
        {},
        ["Governance parameters", "reserve factor", "Roles: no account configured for this network"],
      ],
      [["risk", "report"], { paths: "200" }, ["Risk report: noAccounts", "total debt", "23,000"]],
    ];
    for (const [id, args, expected] of texts) {
      const { stdout } = await runTask(id, args, noAccounts);
      for (const text of expected) expect(stdout, id.join(" ")).to.contain(text);
    }
    expect((await runTask(["pool", "show"], {}, noAccounts)).stdout).to.not.contain("position of");
  });

  it("a read-only task that needs an address says to pass one; --from needs an account", async function () {
    await book();
    const mark = await chainMark();
    const error = await expectFailure(
      runTask(["vault", "list"], {}, noAccounts),
      /^no accounts configured for this network \("noAccounts"\): pass --owner <address> or --all$/,
    );
    expect(error).to.be.instanceOf(TaskError);
    for (const id of [
      ["gov", "show"],
      ["pool", "show"],
      ["vault", "list"],
    ]) {
      const e = await expectFailure(
        runTask(id, { from: "0" }, noAccounts),
        /^no accounts configured for this network$/,
      );
      expect(e).to.be.instanceOf(TaskError);
    }
    expect(await chainMark()).to.equal(mark);
  });

  it("a task that sends fails with the no-accounts TaskError, before sending anything", async function () {
    await book();
    const mark = await chainMark();
    for (const [id, args] of [
      [["vault", "open"], {}],
      [["vault", "borrow"], { vault: "2", amount: "100 USDC", to: "" }],
      [["pool", "deposit"], { amount: "1 USDC", to: "" }],
      [["keeper", "flag"], { vault: "1" }],
      [["guardian", "trip"], { asset: "WETH" }],
      [["gov", "set-min-debt"], { value: "1 USDC" }],
      [["vault", "open"], { from: "0" }],
    ] as [string[], Record<string, unknown>][]) {
      const e = await expectFailure(runTask(id, args, noAccounts), /^no accounts configured for this network$/);
      expect(e, id.join(" ")).to.be.instanceOf(TaskError);
    }
    expect(await chainMark()).to.equal(mark);
  });

  it("an unset account key (Sepolia without SEPOLIA_PRIVATE_KEY): the read-only tasks still read", async function () {
    const { alice, lender } = await book();
    // Hardhat's provider for this network resolves the key on its first request, whatever it is...
    const hardhatProvider = (await unsetKey.network.getOrCreate()).ethers.provider;
    await expectFailure(hardhatProvider.getBlockNumber(), new RegExp(UNSET_KEY));
    // ...so the read-only tasks read without it.
    for (const [id, args] of [
      [["vault", "show"], { vault: "1" }],
      [["vault", "list"], { all: true }],
      [["pool", "show"], { account: lender.address }],
      [["keeper", "list"], {}],
      [["guardian", "show"], {}],
    ] as [string[], Record<string, unknown>][]) {
      expect(await runJson(id, args, unsetKey), id.join(" ")).to.deep.equal(await runJson(id, args));
    }
    expect((await runJson(["vault", "show"], { vault: "1" }, unsetKey)).owner).to.equal(alice.address);
    expect((await runJson(["pool", "show"], {}, unsetKey)).position).to.equal(null);
    expect((await runJson(["gov", "show"], {}, unsetKey)).account).to.equal(null);
    await expectFailure(
      runTask(["vault", "list"], {}, unsetKey),
      /no accounts configured .*--owner <address> or --all/,
    );
    const risk = await runJson(["risk", "report"], { paths: "200" }, unsetKey);
    expect(risk.totals.vaultsWithDebt).to.equal(1);
    // A task that sends still needs the key, and Hardhat's error names it.
    const mark = await chainMark();
    await expectFailure(runTask(["vault", "open"], {}, unsetKey), new RegExp(UNSET_KEY));
    expect(await chainMark()).to.equal(mark);
  });

  it("with accounts, the read-only tasks still default to the acting account (--from)", async function () {
    const { alice, lender } = await book();
    const aliceFrom = await fromOf(alice.address);
    const mine = await runJson(["vault", "list"], { from: aliceFrom });
    expect(mine.owner).to.equal(alice.address);
    expect(mine.vaults.map((v: { vault: string }) => v.vault)).to.deep.equal(["1"]);
    const pool = await runJson(["pool", "show"], { from: await fromOf(lender.address) });
    expect(pool.position.account).to.equal(lender.address);
    expect(BigInt(pool.position.assets)).to.be.gte(USDC("1000000"));
    const [deployer] = await ethers.getSigners();
    const gov = await runJson(["gov", "show"]);
    expect(gov.account.address).to.equal(deployer.address);
    expect(gov.account.roles.find((r: { role: string }) => r.role === "ADMIN").member).to.equal(true);
    expect((await runJson(["gov", "show"], { from: aliceFrom })).account.address).to.equal(alice.address);
  });
});
