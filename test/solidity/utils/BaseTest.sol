// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm} from "./Vm.sol";

/// @notice Minimal test base: cheatcodes, assertions that revert with the values involved, and
/// bounding helpers. forge-std is not installable here (see TOOLCHAIN.md), so we keep our own.
abstract contract BaseTest {
    // solhint-disable-next-line const-name-snakecase
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    error AssertionFailed(string message);
    error AssertEqFailed(uint256 left, uint256 right, string message);
    error AssertLeFailed(uint256 left, uint256 right, string message);
    error AssertGeFailed(uint256 left, uint256 right, string message);
    error AssertApproxFailed(uint256 left, uint256 right, uint256 tolerance, string message);

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert AssertionFailed(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert AssertionFailed(message);
    }

    function assertEq(uint256 left, uint256 right, string memory message) internal pure {
        if (left != right) revert AssertEqFailed(left, right, message);
    }

    function assertEq(address left, address right, string memory message) internal pure {
        if (left != right) revert AssertEqFailed(uint160(left), uint160(right), message);
    }

    function assertLe(uint256 left, uint256 right, string memory message) internal pure {
        if (left > right) revert AssertLeFailed(left, right, message);
    }

    function assertGe(uint256 left, uint256 right, string memory message) internal pure {
        if (left < right) revert AssertGeFailed(left, right, message);
    }

    function assertLt(uint256 left, uint256 right, string memory message) internal pure {
        if (left >= right) revert AssertGeFailed(left, right, message);
    }

    function assertGt(uint256 left, uint256 right, string memory message) internal pure {
        if (left <= right) revert AssertLeFailed(left, right, message);
    }

    /// @dev |left - right| <= tolerance
    function assertApproxEqAbs(uint256 left, uint256 right, uint256 tolerance, string memory message) internal pure {
        uint256 diff = left > right ? left - right : right - left;
        if (diff > tolerance) revert AssertApproxFailed(left, right, tolerance, message);
    }

    /// @dev Maps any `x` into [min, max] (inclusive) without discarding fuzz runs.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (min > max) revert AssertLeFailed(min, max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (size == 0) return x; // full range
        return min + (x % size);
    }

    function skip(uint256 seconds_) internal {
        vm.warp(block.timestamp + seconds_);
    }
}
