// Task output: a readable table by default, or JSON with --json (stable field names, bigints as
// decimal strings). Every action returns the same JSON object it prints, so tests and scripts can
// use the result of `hre.tasks.getTask([...]).run({...})` directly.
import { toJson } from "../../scripts/lib/format.js";

/** A JSON value: bigints already turned into decimal strings. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** `value` with bigints as decimal strings (and undefined fields dropped), as printed by --json. */
export function toPlain(value: unknown): Json {
  return JSON.parse(toJson(value)) as Json;
}

/** Prints `result` as JSON or through `render`, and returns its JSON form. */
export function emit<T>(json: boolean, result: T, render: (r: T) => string): Json {
  const plain = toPlain(result);
  if (json) console.log(toJson(plain));
  else console.log(render(result));
  return plain;
}
