// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AuctionHouse} from "../../../contracts/auction/AuctionHouse.sol";
import {CircuitBreaker} from "../../../contracts/breakers/CircuitBreaker.sol";
import {IAuctionHouse} from "../../../contracts/interfaces/IAuctionHouse.sol";
import {IBreakwaterOracle} from "../../../contracts/interfaces/IBreakwaterOracle.sol";
import {ICircuitBreaker} from "../../../contracts/interfaces/ICircuitBreaker.sol";
import {SystemBase} from "./SystemBase.sol";

/// @notice The breaker pieces a handler adopts on top of a {BreakwaterSystem}.
struct BreakerSystem {
    CircuitBreaker breaker;
    AuctionHouse previewHouse;
}

/// @notice {SystemBase} plus a circuit breaker wired into the engine, the pool and the auction house,
/// with deliberately SMALL throttle settings so that the liquidation throttle binds within a short
/// run: a per-asset debt-under-auction cap of 150,000 USDC, a global cap of 400,000 USDC (below the
/// three asset caps together) and a bucket of $200,000 of collateral per hour per asset.
/// @dev Call `_deploySystemWithBreaker()` (or `_deploySystem()` then `_deployBreaker()`). The deploying
/// contract stays the access manager's admin. Besides the breaker, an UNWIRED, unthrottled twin of the
/// auction house (`previewHouse`: same engine, parameters and auction configs, no circuit breaker) is
/// deployed; its `previewKick` sizes the auction a kick would start without the throttle, so tests can
/// tell a shrunken auction from a full one. It is never registered with the engine, so it can only
/// be read: its own `_active`/`_blocking` maps stay empty (a preview ignores the real house's open
/// auctions, so compare only where the real house kicks).
abstract contract BreakerSystemBase is SystemBase {
    // Global breaker settings.
    uint128 internal constant GLOBAL_AUCTION_CAP = 400_000e6; // [base units]
    uint32 internal constant MAX_PAUSE_DURATION = 3 days;
    uint32 internal constant PAUSE_COOLDOWN = 1 days;
    uint32 internal constant GRACE_PERIOD = 30 minutes;
    // Per-collateral breaker settings (the same for weth, wbtc, link).
    uint64 internal constant MAX_DROP = 0.2e18;
    uint32 internal constant TRIP_COOLDOWN = 30 minutes;
    uint32 internal constant REFILL_PERIOD = 1 hours;
    uint128 internal constant ASSET_AUCTION_CAP = 150_000e6; // [base units]
    uint128 internal constant BUCKET_CAPACITY = 200_000e18; // [wad usd]

    CircuitBreaker internal breaker;
    /// @dev Unthrottled, unwired twin of `auctionHouse`, for `previewKick` only.
    AuctionHouse internal previewHouse;

    // ------------------------------------------------------------------ deployment

    function _deploySystemWithBreaker() internal {
        _deploySystem();
        _deployBreaker();
    }

    /// @dev Deploys the breaker, wires it into engine, pool and auction house, configures every
    /// collateral, and deploys the preview twin of the auction house. Requires `_deploySystem()`.
    function _deployBreaker() internal {
        _deployAndWireBreaker(GLOBAL_AUCTION_CAP);
        for (uint256 i; i < collaterals.length; ++i) {
            _setBreakerConfig(collaterals[i], ASSET_AUCTION_CAP, BUCKET_CAPACITY);
        }

        previewHouse = new AuctionHouse(address(manager), engine, auctionHouse.auctionParameters());
        for (uint256 i; i < collaterals.length; ++i) {
            previewHouse.setCollateralAuctionConfig(
                collaterals[i],
                auctionHouse.collateralAuctionConfig(collaterals[i])
            );
        }
    }

    /// @dev The breaker as the real deployment has it (deploy/parameters/hardhat.json and
    /// deploy/breakwater.ts): global cap 200,000,000 USDC, 3-day pauses, 1-day cooldown, 30-minute grace;
    /// per collateral the 20% / 30-minute drop breaker and the deployment's caps and hourly buckets;
    /// wired into engine, pool, auction house and the oracle's poke. No preview twin. For the gas
    /// snapshots, which must include the breaker's cost. Requires `_deploySystem()`.
    function _deployBreakerAsDeployed() internal {
        _deployAndWireBreaker(200_000_000e6);
        oracle.setPriceDropBreaker(address(breaker));
        _setBreakerConfig(address(weth), 25_000_000e6, 10_000_000e18);
        _setBreakerConfig(address(wbtc), 15_000_000e6, 6_000_000e18);
        _setBreakerConfig(address(link), 2_500_000e6, 1_000_000e18);
    }

    /// @dev A breaker with this suite's pause and grace settings and the given global auction cap, wired
    /// into engine, pool and auction house.
    function _deployAndWireBreaker(uint128 globalDebtUnderAuctionCap) internal {
        breaker = new CircuitBreaker(
            address(manager),
            IBreakwaterOracle(address(oracle)),
            ICircuitBreaker.GlobalConfig({
                globalDebtUnderAuctionCap: globalDebtUnderAuctionCap,
                maxPauseDuration: MAX_PAUSE_DURATION,
                pauseCooldown: PAUSE_COOLDOWN,
                gracePeriod: GRACE_PERIOD
            })
        );
        engine.setCircuitBreaker(breaker);
        pool.setCircuitBreaker(breaker);
        auctionHouse.setCircuitBreaker(breaker);
        breaker.setAuctionHouse(address(auctionHouse));
    }

    /// @dev The standard breaker config of this suite with the given caps (admin only).
    function _setBreakerConfig(address asset, uint128 debtCap, uint128 bucketCapacity) internal {
        breaker.setAssetConfig(
            asset,
            ICircuitBreaker.AssetConfig({
                maxDrop: MAX_DROP,
                cooldown: TRIP_COOLDOWN,
                refillPeriod: REFILL_PERIOD,
                debtUnderAuctionCap: debtCap,
                bucketCapacity: bucketCapacity
            })
        );
    }

    /// @dev The breaker pieces, for a handler to adopt (together with `_system()`).
    function _breakerSystem() internal view returns (BreakerSystem memory b) {
        b.breaker = breaker;
        b.previewHouse = previewHouse;
    }

    /// @dev Points this contract at the breaker pieces of another deployment (after `_adopt`).
    function _adoptBreaker(BreakerSystem memory b) internal {
        breaker = b.breaker;
        previewHouse = b.previewHouse;
    }

    // ------------------------------------------------------------------ views

    function _assetView(address asset) internal view returns (ICircuitBreaker.AssetView memory) {
        return breaker.assetView(asset);
    }

    function _globalDebtUnderAuction() internal view returns (uint256) {
        return breaker.globalView().globalDebtUnderAuction;
    }

    /// @dev One pass over every auction id: per entry of `collaterals`, the sum of `throttledDebtOf`
    /// over the auction house's open auctions (lot != 0) of that asset and how many there are. Asserts
    /// on the way that every closed auction (lot == 0) holds no throttled debt any more and that every
    /// open auction is of a listed collateral.
    function _scanThrottledDebt(
        string memory where
    ) internal view returns (uint256[] memory sums, uint256[] memory counts) {
        uint256 m = collaterals.length;
        sums = new uint256[](m);
        counts = new uint256[](m);
        uint256 n = auctionHouse.auctionCount();
        for (uint256 id = 1; id <= n; ++id) {
            IAuctionHouse.Auction memory a = auctionHouse.auction(id);
            uint256 throttled = auctionHouse.throttledDebtOf(id);
            if (a.lot == 0) {
                assertEq(throttled, 0, where);
                continue;
            }
            uint256 i;
            while (i < m && collaterals[i] != a.asset) ++i;
            assertLt(i, m, "open auction of an unlisted asset");
            sums[i] += throttled;
            ++counts[i];
        }
    }
}
