// The tasks' errors. Both classes are HardhatPluginErrors, so the Hardhat CLI prints them as one clear
// line ("Error in community plugin breakwater: ...") instead of an "unexpected error" stack trace.
// Decoding reverts is Hardhat-independent and lives in scripts/lib/errors.ts (shared with the keeper bot).
import { HardhatPluginError } from "hardhat/plugins";
import { describe, type DecodedError, type ErrorDecoder } from "../../scripts/lib/errors.js";

export const PLUGIN_ID = "breakwater";

/** An error in the arguments or the state that a task detects before sending anything. */
export class TaskError extends HardhatPluginError {
  constructor(message: string) {
    super(PLUGIN_ID, message);
    this.name = "TaskError";
  }
}

/** A chain revert, decoded. `message` reads "Name(arg: value, ...) — hint". */
export class ChainError extends HardhatPluginError {
  constructor(
    readonly decoded: DecodedError,
    readonly action: string,
    cause?: Error,
  ) {
    super(
      PLUGIN_ID,
      `${action} reverted with ${describe(decoded)}${decoded.hint === undefined ? "" : ` — ${decoded.hint}`}`,
      cause,
    );
    this.name = "ChainError";
  }
}

/** `error` as a ChainError when `decoder` knows its revert, else unchanged. */
export function explain(decoder: ErrorDecoder, error: unknown, action: string): unknown {
  if (error instanceof ChainError || error instanceof TaskError) return error;
  const decoded = decoder.decode(error);
  return decoded === undefined ? error : new ChainError(decoded, action, error instanceof Error ? error : undefined);
}
