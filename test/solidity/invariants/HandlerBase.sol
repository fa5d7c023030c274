// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {BreakerSystemBase} from "../utils/BreakerSystemBase.sol";
import {Action, ICircuitBreaker} from "../../../contracts/interfaces/ICircuitBreaker.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";

/// @notice Scaffolding shared by every invariant handler: named actors and vaults, bounded input
/// helpers, a call summary (attempts and successes per named action) and violation counters (per
/// kind, with the first violation's text kept for the failure message).
/// @dev A handler adopts a deployment made by its test contract (`_adopt`, and `_adoptBreaker` when a
/// breaker is wired); without a breaker `breaker` stays zero. Everything here is internal except the
/// views at the bottom, so the invariant fuzzer only ever calls the concrete handler's actions.
abstract contract HandlerBase is BreakerSystemBase {
    address internal constant TAKER = address(0x7A4E);
    /// @dev Receives keeper incentives and nothing else, so its balance delta is the reward paid.
    address internal constant KEEPER = address(0x4EE9);
    address[3] internal borrowers = [address(0xB0B1), address(0xB0B2), address(0xB0B3)];

    VaultId[] internal vaults;

    // ------------------------------------------------------------------ call summary
    string[] internal _actionNames;
    uint256[] internal _calls;
    uint256[] internal _successes;

    // ------------------------------------------------------------------ violations
    struct Violations {
        uint256 count;
        string first;
    }
    mapping(bytes32 kind => Violations) internal _violations;

    /// @dev Registers the next action id (call in the constructor, in id order).
    function _addAction(string memory name) internal returns (uint256 id) {
        id = _actionNames.length;
        _actionNames.push(name);
        _calls.push(0);
        _successes.push(0);
    }

    modifier counted(uint256 action) {
        ++_calls[action];
        _;
    }

    function _countCall(uint256 action) internal {
        ++_calls[action];
    }

    function _succeeded(uint256 action) internal {
        ++_successes[action];
    }

    function _violation(bytes32 kind, string memory what) internal {
        Violations storage v = _violations[kind];
        if (v.count++ == 0) v.first = what;
    }

    // ------------------------------------------------------------------ bounded inputs

    function _vault(uint256 seed) internal view returns (VaultId) {
        return vaults[seed % vaults.length];
    }

    function _collateral(uint256 seed) internal view returns (address) {
        return collaterals[seed % collaterals.length];
    }

    /// @dev Moves prices by up to +-30%: one seed in three moves all collaterals together (a market
    /// move), otherwise one feed (USDC by up to +-1% only). Collaterals stay within [0.1x, 10x] of
    /// their initial price and USDC within [0.97, 1.03], inside every feed's bounds.
    function _movePrices(uint256 assetSeed, uint256 moveSeed) internal {
        if (assetSeed % 3 == 0) {
            uint256 factor = bound(moveSeed, 0.7e18, 1.3e18);
            for (uint256 i; i < collaterals.length; ++i) _movePrice(collaterals[i], factor);
        } else {
            address asset = feedAssets[(assetSeed / 3) % 4];
            _movePrice(
                asset,
                asset == address(usdc) ? bound(moveSeed, 0.99e18, 1.01e18) : bound(moveSeed, 0.7e18, 1.3e18)
            );
        }
    }

    function _movePrice(address asset, uint256 factor) internal {
        bool isBase = asset == address(usdc);
        uint256 initial = uint256(_initialAnswer(asset));
        uint256 next = Math.mulDiv(uint256(_answer(asset)), factor, WAD);
        uint256 lo = isBase ? (initial * 97) / 100 : initial / 10;
        uint256 hi = isBase ? (initial * 103) / 100 : initial * 10;
        _setAnswer(asset, int256(Math.min(Math.max(next, lo), hi)));
    }

    function _initialAnswer(address asset) internal view returns (int256) {
        if (asset == address(usdc)) return USDC_ANSWER;
        if (asset == address(weth)) return WETH_ANSWER;
        if (asset == address(wbtc)) return WBTC_ANSWER;
        return LINK_ANSWER;
    }

    // ------------------------------------------------------------------ shared keeper steps

    /// @dev HF < 1, treating an unreadable price as "not in shortfall".
    function _inShortfall(VaultId id) internal view returns (bool) {
        try engine.healthFactor(id) returns (uint256 hf) {
            return hf < WAD;
        } catch {
            return false;
        }
    }

    /// @dev Flags the first unflagged vault in margin shortfall from a random starting point.
    function _tryFlag(uint256 vaultSeed, uint256 flagAction) internal {
        for (uint256 k; k < vaults.length; ++k) {
            VaultId id = vaults[(vaultSeed + k) % vaults.length];
            if (engine.marginCallOf(id) != 0) continue;
            try engine.healthFactor(id) returns (uint256 hf) {
                if (hf >= WAD) continue;
            } catch {
                continue;
            }
            vm.prank(KEEPER);
            try engine.flagMarginCall(id) {
                _succeeded(flagAction);
            } catch {}
            return;
        }
    }

    /// @dev An open auction, searched from a random starting point; 0 if none.
    function _openAuction(uint256 seed) internal view returns (uint256) {
        uint256 n = auctionHouse.auctionCount();
        for (uint256 k; k < n; ++k) {
            uint256 auctionId = (((seed % n) + k) % n) + 1; // seed % n first: a fuzzed seed may be max
            if (auctionHouse.auction(auctionId).lot != 0) return auctionId;
        }
        return 0;
    }

    /// @dev True when a guardian pause of `action` is in force (always false without a breaker).
    function _isPaused(uint8 action) internal view returns (bool) {
        if (address(breaker) == address(0)) return false;
        try breaker.checkAction(Action(action)) {
            return false;
        } catch {
            return true;
        }
    }

    /// @dev The revert data's selector (zero when there is none).
    function _selector(bytes memory err) internal pure returns (bytes4 sel) {
        if (err.length >= 4) sel = bytes4(err);
    }

    /// @dev True when `err` is one of the circuit breaker's blocking errors (pauses, freezes, trips,
    /// oracle-failure mode, grace periods, throttle caps).
    function _isBreakerError(bytes memory err) internal pure returns (bool) {
        bytes4 s = _selector(err);
        return
            s == ICircuitBreaker.ActionPaused.selector ||
            s == ICircuitBreaker.AssetFrozen.selector ||
            s == ICircuitBreaker.BreakerTripped.selector ||
            s == ICircuitBreaker.OracleFailureMode.selector ||
            s == ICircuitBreaker.LiquidationGracePeriod.selector ||
            s == ICircuitBreaker.GlobalAuctionCapReached.selector ||
            s == ICircuitBreaker.AssetAuctionCapReached.selector ||
            s == ICircuitBreaker.AuctionBucketEmpty.selector;
    }

    // ------------------------------------------------------------------ text

    function _str(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        bytes memory b;
        while (v != 0) {
            b = abi.encodePacked(bytes1(uint8(48 + (v % 10))), b);
            v /= 10;
        }
        return string(b);
    }

    function _hex4(bytes memory err) internal pure returns (string memory) {
        if (err.length < 4) return "(no selector)";
        bytes memory out = new bytes(10);
        bytes16 digits = "0123456789abcdef";
        out[0] = "0";
        out[1] = "x";
        for (uint256 i; i < 4; ++i) {
            out[2 + 2 * i] = digits[uint8(err[i]) >> 4];
            out[3 + 2 * i] = digits[uint8(err[i]) & 0x0f];
        }
        return string(out);
    }

    // ------------------------------------------------------------------ views for the invariants

    function actionCount() external view returns (uint256) {
        return _actionNames.length;
    }

    function actionName(uint256 action) external view returns (string memory) {
        return _actionNames[action];
    }

    function callsOf(uint256 action) external view returns (uint256, uint256) {
        return (_calls[action], _successes[action]);
    }

    /// @notice How many violations of `kind` the handler recorded, and the first one's text.
    function violationsOf(bytes32 kind) external view returns (uint256 count, string memory first) {
        Violations storage v = _violations[kind];
        return (v.count, v.first);
    }

    function vaultCount() external view returns (uint256) {
        return vaults.length;
    }

    function vaultAt(uint256 i) external view returns (VaultId) {
        return vaults[i];
    }
}
