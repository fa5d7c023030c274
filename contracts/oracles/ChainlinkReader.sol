// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IBreakwaterOracle, OracleFailure} from "../interfaces/IBreakwaterOracle.sol";

/// @title Defensive Chainlink reads
/// @notice Reads a feed without ever reverting on a feed fault: reverts, short or missing return
/// data, gas bombs and bad values all map to an `OracleFailure`. The only revert is
/// `InsufficientGasForOracle`, raised when the failure may have been caused by the caller starving
/// the call of gas (so nobody can fake a feed failure to trip a fallback path).
library ChainlinkReader {
    /// @dev Most gas a feed call may use. Chainlink proxies use ~10-30k; the cap keeps a gas-burning
    /// feed a plain `CallFailed` instead of forcing `InsufficientGasForOracle` on every caller.
    uint256 internal constant FEED_CALL_GAS_LIMIT = 1_000_000;

    /// @dev latestRoundData returns five 32-byte words.
    uint256 private constant ROUND_DATA_SIZE = 0xa0;

    /// @dev Highest supported feed decimals (10**36 fits easily in a uint256 scale factor).
    uint8 internal constant MAX_DECIMALS = 36;

    uint256 private constant WAD_DECIMALS = 18;

    /// @notice Calls `latestRoundData()` on `feed` without trusting it.
    /// @return ok False if the call reverted or returned fewer than five words (an EOA returns none).
    function latestRoundData(
        AggregatorV3Interface feed
    ) internal view returns (bool ok, int256 answer, uint256 startedAt, uint256 updatedAt) {
        bytes4 selector = AggregatorV3Interface.latestRoundData.selector;
        bool success;
        uint256 size;
        uint256 gasBefore = gasleft();
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Scratch memory past the free pointer; only the first five words of the return data are
            // copied, so a return-data bomb cannot make us pay for memory expansion.
            let ptr := mload(0x40)
            mstore(ptr, selector)
            success := staticcall(FEED_CALL_GAS_LIMIT, feed, ptr, 4, ptr, ROUND_DATA_SIZE)
            size := returndatasize()
            answer := mload(add(ptr, 0x20))
            startedAt := mload(add(ptr, 0x40))
            updatedAt := mload(add(ptr, 0x60))
        }
        if (!success) {
            // EIP-150: the callee got at most 63/64 of our gas. If ~1/64 or less is left, the call
            // may have run out of gas because the caller supplied too little: refuse to call it a
            // feed failure.
            if (gasleft() <= gasBefore / 64) revert IBreakwaterOracle.InsufficientGasForOracle();
            return (false, 0, 0, 0);
        }
        if (size < ROUND_DATA_SIZE) return (false, 0, 0, 0);
        ok = true;
    }

    /// @notice Reads and validates a price feed; the bounds check is left to the caller.
    /// @param decimals The feed's decimals, cached at configuration time (<= MAX_DECIMALS).
    /// @param staleness Max accepted age of the answer [s].
    /// @return price Answer scaled to 1e18 [wad]; `type(uint256).max` when it would not fit (which
    /// any `maxPrice` rejects). Zero when `failure != None`.
    function readPrice(
        AggregatorV3Interface feed,
        uint8 decimals,
        uint32 staleness
    ) internal view returns (uint256 price, OracleFailure failure) {
        (bool ok, int256 answer, , uint256 updatedAt) = latestRoundData(feed);
        if (!ok) return (0, OracleFailure.CallFailed);
        if (answer <= 0) return (0, OracleFailure.NonPositive);
        if (updatedAt == 0 || updatedAt > block.timestamp || block.timestamp - updatedAt > staleness) {
            return (0, OracleFailure.Stale);
        }
        return (toWad(uint256(answer), decimals), OracleFailure.None);
    }

    /// @notice Scales `answer` with `decimals` (<= MAX_DECIMALS) to 18 decimals, rounding down.
    /// @dev Saturates at `type(uint256).max` instead of overflowing: anything above uint128 is
    /// beyond any configurable `maxPrice` anyway.
    function toWad(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        unchecked {
            if (decimals <= WAD_DECIMALS) {
                if (answer > type(uint128).max) return type(uint256).max;
                // < 2^128 * 1e18 < 2^188: cannot overflow.
                return answer * 10 ** (WAD_DECIMALS - decimals);
            }
            return answer / 10 ** (decimals - WAD_DECIMALS);
        }
    }
}
