// The lab's markets: one real Uniswap V2 pair per collateral against the base asset, deployed from the
// published @uniswap/v2-core artifacts, plus an external venue (a constant-product book kept off-chain,
// standing for the wider market) that arbitrageurs connect to the pair. All maths in token units (bigint),
// exactly as the pair computes it.
import { createRequire } from "node:module";
import { ContractFactory, Interface } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

const require = createRequire(import.meta.url);
interface Artifact {
  abi: unknown[];
  bytecode: string;
}
export const factoryArtifact = require("@uniswap/v2-core/build/UniswapV2Factory.json") as Artifact;
export const pairArtifact = require("@uniswap/v2-core/build/UniswapV2Pair.json") as Artifact;
export const pairInterface = new Interface(pairArtifact.abi as never);
export const factoryInterface = new Interface(factoryArtifact.abi as never);

/** Uniswap V2 output for `amountIn`, 0.3% fee, rounded down. */
export function amountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountIn <= 0n) return 0n;
  const inWithFee = amountIn * 997n;
  return (inWithFee * reserveOut) / (reserveIn * 1000n + inWithFee);
}

/** Integer square root. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new Error("isqrt of negative");
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x && x * x <= n && (x + 1n) * (x + 1n) > n) return x;
    x = y;
  }
}

/**
 * Input that moves a constant-product pool's price to `targetNum/targetDen` of its current price:
 * selling the asset (target < 1) or buying it (target > 1). Returns the amount of the asset to sell
 * (positive) or the amount of base to spend (negative), before fees, which the caller applies.
 */
export function tradeToPrice(asset: bigint, base: bigint, ratio: number): { sellAsset: bigint; spendBase: bigint } {
  // Price p = base / asset; at constant k, asset' = asset / sqrt(ratio).
  const scale = 1_000_000_000_000n;
  const r = BigInt(Math.round(Math.sqrt(ratio) * Number(scale)));
  if (ratio < 1) {
    const assetAfter = (asset * scale) / r;
    return { sellAsset: assetAfter - asset, spendBase: 0n };
  }
  const baseAfter = (base * r) / scale;
  return { sellAsset: 0n, spendBase: baseAfter - base };
}

/** Off-chain constant-product venue (no fee) standing for the market outside the chain. */
export class ExternalVenue {
  constructor(
    public asset: bigint,
    public base: bigint,
  ) {}
  /** Price in base units per asset unit (float). */
  price(): number {
    return Number(this.base) / Number(this.asset);
  }
  sellAsset(amount: bigint): bigint {
    const out = (amount * this.base) / (this.asset + amount);
    this.asset += amount;
    this.base -= out;
    return out;
  }
  buyAsset(spend: bigint): bigint {
    const out = (spend * this.asset) / (this.base + spend);
    this.base += spend;
    this.asset -= out;
    return out;
  }
  /** Moves the price by `ratio` with exogenous flow. */
  move(ratio: number): void {
    const t = tradeToPrice(this.asset, this.base, ratio);
    if (t.sellAsset > 0n) this.sellAsset(t.sellAsset);
    if (t.spendBase > 0n) this.buyAsset(t.spendBase);
  }
}

export async function deployFactory(signer: HardhatEthersSigner): Promise<string> {
  const factory = await new ContractFactory(factoryArtifact.abi as never, factoryArtifact.bytecode, signer).deploy(
    signer.address,
  );
  await factory.waitForDeployment();
  return factory.getAddress();
}
