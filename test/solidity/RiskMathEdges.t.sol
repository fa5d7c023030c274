// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./utils/BaseTest.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {RiskMath} from "../../contracts/libraries/RiskMath.sol";
import {VaultId} from "../../contracts/libraries/Types.sol";

/// @notice Edge cases of the risk maths that the engine never reaches with the shipped parameters: the
/// inverse of the effective value without a size add-on, and the VaultId equality operator; and the
/// cheap product helpers, which must equal OpenZeppelin's mulDiv for every input.
contract RiskMathEdgesTest is BaseTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_TOTAL = 0.95e18; // VaultEngine.MAX_TOTAL_HAIRCUT

    /// @dev Without a size multiplier the inverse is ceil(target / (1 - flat)), whatever cap and depth say.
    function test_valueForEffectiveValueUp_noSizeMultiplier_exact() public pure {
        // 0.2 haircut: 800 effective needs exactly 1,000 of value; 801 needs 1,001.25, rounded up.
        assertEq(RiskMath.valueForEffectiveValueUp(800e18, 0.2e18, 0, 0.1e18, 1e24), 1_000e18, "800 at 0.2");
        assertEq(RiskMath.valueForEffectiveValueUp(801e18, 0.2e18, 0, 0, 1e18), 1_001.25e18, "801 at 0.2");
        // One wei of target at a 0.3 haircut: 1 / 0.7 = 1.43 wei, rounded up to 2.
        assertEq(RiskMath.valueForEffectiveValueUp(1, 0.3e18, 0, 0, 1e18), 2, "1 wei at 0.3");
        assertEq(RiskMath.valueForEffectiveValueUp(0, 0.3e18, 0, 0, 1e18), 0, "zero target");
        // No haircut at all: the value is the target.
        assertEq(RiskMath.valueForEffectiveValueUp(12_345, 0, 0, 0, 1e18), 12_345, "no haircut");
    }

    /// @dev It is the smallest value whose effective value (with the same zero multiplier) reaches the target.
    function testFuzz_valueForEffectiveValueUp_noSizeMultiplier_isSmallest(
        uint256 target,
        uint256 flat,
        uint256 cap,
        uint256 depth
    ) public pure {
        target = bound(target, 1, 1e36);
        flat = bound(flat, 0, MAX_TOTAL);
        cap = bound(cap, 0, (MAX_TOTAL - flat) / 2);
        depth = bound(depth, 1e18, 1e36);
        uint256 value = RiskMath.valueForEffectiveValueUp(target, flat, 0, cap, depth);
        assertGe(RiskMath.effectiveValueDown(value, flat, 0, cap, depth), target, "reaches the target");
        assertLt(RiskMath.effectiveValueDown(value - 1, flat, 0, cap, depth), target, "one wei less does not");
    }

    function test_vaultIdEquality() public pure {
        VaultId one = VaultId.wrap(1);
        assertTrue(one == VaultId.wrap(1), "same id");
        assertFalse(one == VaultId.wrap(2), "different id");
        assertFalse(VaultId.wrap(0) == VaultId.wrap(type(uint256).max), "zero vs max");
        assertTrue(VaultId.wrap(type(uint256).max) == VaultId.wrap(type(uint256).max), "max");
    }

    function testFuzz_vaultIdEquality(uint256 a, uint256 b) public pure {
        assertTrue((VaultId.wrap(a) == VaultId.wrap(b)) == (a == b), "matches the raw ids");
    }

    /// @dev Both paths of the helpers (factors within 128 bits, and not) against Math.mulDiv.
    function testFuzz_mulDivHelpersEqualMathMulDiv(uint256 x, uint256 y, uint256 d, bool small) public pure {
        if (small) (x, y) = (x >> 128, y >> 128);
        d = bound(d, 1, type(uint256).max);
        (uint256 high, ) = Math.mul512(x, y);
        // Beyond 512-bit quotients Math.mulDiv reverts, and so do the helpers (through it): skip those.
        if (high >= d) return;
        assertEq(RiskMath.mulDivDown(x, y, d), Math.mulDiv(x, y, d), "down");
        assertEq(RiskMath.mulDivUp(x, y, d), Math.mulDiv(x, y, d, Math.Rounding.Ceil), "up");
    }

    function test_mulDivHelpers_edges() public pure {
        uint256 m = type(uint128).max;
        assertEq(RiskMath.mulDivDown(m, m, m), m, "128-bit factors");
        assertEq(RiskMath.mulDivUp(m, m, m + 2), Math.mulDiv(m, m, m + 2, Math.Rounding.Ceil), "rounds up");
        assertEq(RiskMath.mulDivDown(m + 1, m, m), m + 1, "a 129-bit factor takes the full path");
        assertEq(RiskMath.mulDivUp(7, 3, 2), 11, "ceil(21 / 2)");
        assertEq(RiskMath.mulDivUp(8, 3, 2), 12, "exact");
        assertEq(RiskMath.mulDivDown(0, type(uint256).max, 1), 0, "zero");
    }
}
