// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Chainlink's MockV3Aggregator and OpenZeppelin's AccessManager are built from npm through
// `solidity.npmFilesToBuild` in hardhat.config.ts; only the faulty feeds and the probe live here.
import {IBreakwaterOracle} from "../../contracts/interfaces/IBreakwaterOracle.sol";

/// @notice Feed whose `latestRoundData` always reverts (decimals still works so it can be configured).
contract RevertingFeed {
    error FeedBroken();

    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external pure returns (uint80, int256, uint256, uint256, uint80) {
        revert FeedBroken();
    }
}

/// @notice Feed returning only two of the five words of `latestRoundData` (same selector).
contract ShortDataFeed {
    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external view returns (uint80, int256) {
        return (1, int256(block.timestamp));
    }
}

/// @notice Feed whose `latestRoundData` consumes all the gas it is given.
contract GasBurnerFeed {
    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external pure returns (uint80, int256, uint256, uint256, uint80) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            invalid()
        }
    }
}

/// @notice Healthy feed that needs a lot of gas (~200k) for `latestRoundData`, to exercise the
/// out-of-gas guard with a leftover large enough for the guard's own revert.
contract ExpensiveFeed {
    error Unreachable();

    int256 private immutable _answer;

    constructor(int256 answer) {
        _answer = answer;
    }

    function decimals() external pure returns (uint8) {
        return 8;
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        bytes32 acc = bytes32(uint256(_answer));
        for (uint256 i; i < 3000; ++i) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                mstore(0, acc)
                acc := keccak256(0, 32)
            }
        }
        // Never true; keeps the loop from being optimised away.
        if (acc == bytes32(0)) revert Unreachable();
        return (1, _answer, block.timestamp, block.timestamp, 1);
    }
}

/// @notice Feed whose `decimals` reverts: cannot be configured.
contract NoDecimalsFeed {
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, 1e8, block.timestamp, block.timestamp, 1);
    }
}

/// @notice Calls the oracle twice in one transaction to measure cold and warm gas of the hot path.
contract OracleGasProbe {
    function measure(IBreakwaterOracle oracle, address asset) external view returns (uint256 cold, uint256 warm) {
        uint256 g = gasleft();
        oracle.getPriceAndVolatility(asset);
        cold = g - gasleft();
        g = gasleft();
        oracle.getPriceAndVolatility(asset);
        warm = g - gasleft();
    }

    /// @dev Calls `tryGetPrice` with a gas budget (to test the out-of-gas griefing guard) and
    /// returns the failure code; bubbles up a revert.
    function tryWithGas(IBreakwaterOracle oracle, address asset, uint256 gasBudget) external view returns (uint8) {
        (bool ok, bytes memory ret) = address(oracle).staticcall{gas: gasBudget}(
            abi.encodeCall(IBreakwaterOracle.tryGetPrice, (asset))
        );
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        (, uint8 failure) = abi.decode(ret, (uint256, uint8));
        return failure;
    }
}
