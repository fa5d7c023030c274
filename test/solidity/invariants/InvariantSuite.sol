// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BreakerSystemBase} from "../utils/BreakerSystemBase.sol";
import {HandlerBase} from "./HandlerBase.sol";

/// @notice Scaffolding shared by every handler-based invariant suite: the fuzzer's target (the one
/// handler), the call-summary checks and a deterministic random walk through the handler that checks
/// every invariant after every step.
/// @dev The walk is fixed (seeded by keccak of a tag, the walk and the step), so unlike the fuzzer's
/// runs it can assert that the handler really reached each action. Storage written during a walk is
/// rolled back between walks (snapshot/revert), so the totals are kept in memory.
abstract contract InvariantSuite is BreakerSystemBase {
    /// @dev The handler the fuzzer calls.
    function _handler() internal view virtual returns (HandlerBase);

    /// @dev One step of the walk: decodes `r` into one handler action with its seeds.
    function _act(uint256 r) internal virtual;

    /// @dev Every invariant of the suite (run after each step of the walk).
    function _checkAll() internal view virtual;

    /// @dev Adds the handler's ghost figures of interest to `acc` at the end of each walk.
    function _collectWalk(uint256[] memory acc) internal view virtual {}

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(_handler());
    }

    /// @notice Totals of a deterministic walk: attempts and successes per action, and the suite's
    /// own ghost figures.
    struct WalkTotals {
        uint256[] calls;
        uint256[] successes;
        uint256[] ghosts;
    }

    /// @dev `walks` walks of `depth` steps from the state after setUp, each step followed by all
    /// invariants; returns the totals over all walks.
    function _walk(
        string memory tag,
        uint256 walks,
        uint256 depth,
        uint256 ghostSlots
    ) internal returns (WalkTotals memory t) {
        HandlerBase h = _handler();
        uint256 n = h.actionCount();
        t.calls = new uint256[](n);
        t.successes = new uint256[](n);
        t.ghosts = new uint256[](ghostSlots);
        uint256 snap = vm.snapshotState();
        for (uint256 w; w < walks; ++w) {
            for (uint256 i; i < depth; ++i) {
                _act(uint256(keccak256(abi.encode(tag, w, i))));
                _checkAll();
            }
            for (uint256 a; a < n; ++a) {
                (uint256 c, uint256 s) = h.callsOf(a);
                t.calls[a] += c;
                t.successes[a] += s;
            }
            _collectWalk(t.ghosts);
            vm.revertToState(snap);
            snap = vm.snapshotState();
        }
    }

    /// @dev Plausibility of the call counts: successes <= attempts for every action.
    function _assertCallCounts() internal view {
        HandlerBase h = _handler();
        uint256 n = h.actionCount();
        for (uint256 a; a < n; ++a) {
            (uint256 c, uint256 s) = h.callsOf(a);
            assertLe(s, c, "more successes than calls");
        }
    }

    /// @dev Every action succeeded at least once in the walk (an action the handler never reaches
    /// fails here, by name).
    function _assertEveryActionSucceeded(WalkTotals memory t) internal view {
        HandlerBase h = _handler();
        for (uint256 a; a < t.successes.length; ++a) {
            assertGt(t.successes[a], 0, string.concat("walk never completed action: ", h.actionName(a)));
        }
    }

    /// @dev The handler recorded no violation of `kind` (the first one's text is the message).
    function _assertNoViolation(bytes32 kind) internal view {
        (uint256 count, string memory first) = _handler().violationsOf(kind);
        assertEq(count, 0, first);
    }
}
