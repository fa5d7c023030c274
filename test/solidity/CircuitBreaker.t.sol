// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./utils/BaseTest.sol";
import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {CircuitBreaker} from "../../contracts/breakers/CircuitBreaker.sol";
import {ICircuitBreaker} from "../../contracts/interfaces/ICircuitBreaker.sol";
import {IBreakwaterOracle} from "../../contracts/interfaces/IBreakwaterOracle.sol";
import {BreakwaterOracle} from "../../contracts/oracles/BreakwaterOracle.sol";

/// @notice Fuzzed sequences of auction starts, ends and time jumps against the liquidation throttle,
/// checked after every step against ghost accounting: the open (ghost) auctions and an exact model of
/// each bucket (its level as a fraction with the refill period as denominator).
contract CircuitBreakerThrottleTest is BaseTest {
    address internal constant HOUSE = address(0xA0C7105E);
    uint256 internal constant ASSETS = 4;
    uint256 internal constant STEPS = 48;
    uint128 internal constant GLOBAL_CAP = 1_000_000e6; // [base units]
    uint256 internal constant NO_LIMIT = type(uint256).max;

    AccessManager internal manager;
    BreakwaterOracle internal oracle;
    CircuitBreaker internal breaker;

    /// @dev 0: both caps and a bucket dividing evenly ($100 / s); 1: a debt cap above the global room
    /// left by the others, no bucket; 2: an indivisible bucket ($1000 + 7 wei per 420 s); 3: unconfigured.
    address[ASSETS] internal assets = [address(0xA1), address(0xA2), address(0xA3), address(0xA4)];
    ICircuitBreaker.AssetConfig[ASSETS] internal configs;

    // ------------------------------------------------------------------ ghost state
    struct OpenAuction {
        uint256 asset; // index into `assets`
        uint256 debt; // [base units] still open
    }
    OpenAuction[] internal _open;
    uint256[ASSETS] internal _ghostDebt; // sum of the open debts per asset
    uint256 internal _ghostGlobal;
    /// @dev Bucket model: level = scaled / refillPeriod [wad usd], as of `_modelAt`.
    uint256[ASSETS] internal _modelScaled;
    uint256[ASSETS] internal _modelAt;

    uint256 internal _starts;
    uint256 internal _refusals;
    uint256 internal _ends;

    function setUp() public {
        vm.warp(1_700_000_000);
        manager = new AccessManager(address(this)); // admin: may call every restricted function
        oracle = new BreakwaterOracle(address(manager));
        breaker = new CircuitBreaker(
            address(manager),
            IBreakwaterOracle(address(oracle)),
            ICircuitBreaker.GlobalConfig({
                globalDebtUnderAuctionCap: GLOBAL_CAP,
                maxPauseDuration: 1 days,
                pauseCooldown: 1 days,
                gracePeriod: 1 hours
            })
        );
        breaker.setAuctionHouse(HOUSE);
        configs[0] = ICircuitBreaker.AssetConfig({
            maxDrop: 0.2e18,
            cooldown: 1 hours,
            refillPeriod: 1 hours,
            debtUnderAuctionCap: 400_000e6,
            bucketCapacity: 360_000e18
        });
        configs[1] = ICircuitBreaker.AssetConfig({
            maxDrop: 0.3e18,
            cooldown: 1 hours,
            refillPeriod: 0,
            debtUnderAuctionCap: 700_000e6,
            bucketCapacity: 0
        });
        configs[2] = ICircuitBreaker.AssetConfig({
            maxDrop: 0.1e18,
            cooldown: 1 hours,
            refillPeriod: 7 minutes,
            debtUnderAuctionCap: 250_000e6,
            bucketCapacity: 1_000e18 + 7
        });
        for (uint256 i; i < 3; ++i) breaker.setAssetConfig(assets[i], configs[i]);
        // Configured buckets start full.
        for (uint256 i; i < ASSETS; ++i) {
            _modelScaled[i] = uint256(configs[i].bucketCapacity) * configs[i].refillPeriod;
            _modelAt[i] = block.timestamp;
        }
    }

    // ------------------------------------------------------------------ model

    function _modelAvailable(uint256 i) internal view returns (uint256) {
        ICircuitBreaker.AssetConfig memory c = configs[i];
        if (c.bucketCapacity == 0) return NO_LIMIT;
        return _modelScaledNow(i) / c.refillPeriod;
    }

    function _modelScaledNow(uint256 i) internal view returns (uint256) {
        ICircuitBreaker.AssetConfig memory c = configs[i];
        uint256 refilled = _modelScaled[i] + (block.timestamp - _modelAt[i]) * c.bucketCapacity;
        return Math.min(refilled, uint256(c.bucketCapacity) * c.refillPeriod);
    }

    function _globalRoom() internal view returns (uint256) {
        return GLOBAL_CAP > _ghostGlobal ? GLOBAL_CAP - _ghostGlobal : 0;
    }

    function _assetRoom(uint256 i) internal view returns (uint256) {
        uint256 cap = configs[i].debtUnderAuctionCap;
        if (cap == 0) return NO_LIMIT;
        return cap > _ghostDebt[i] ? cap - _ghostDebt[i] : 0;
    }

    // ------------------------------------------------------------------ steps

    function _start(uint256 r) internal {
        uint256 i = (r >> 8) % ASSETS;
        uint256 globalRoom = _globalRoom();
        uint256 assetRoom = _assetRoom(i);
        uint256 debtRoom = Math.min(globalRoom, assetRoom);
        uint256 available = _modelAvailable(i);
        // A quarter of the starts ask for exactly the room, the rest for up to 25% more than it.
        uint256 debt = (r >> 16) % 4 == 0 ? debtRoom : bound(r >> 24, 0, debtRoom + debtRoom / 4 + 10);
        uint256 value;
        if (available == NO_LIMIT) value = bound(r >> 128, 0, 1e30);
        else value = (r >> 20) % 4 == 0 ? available : bound(r >> 128, 0, available + available / 4 + 10);

        bytes memory expected;
        if (debt > globalRoom) {
            expected = abi.encodeWithSelector(ICircuitBreaker.GlobalAuctionCapReached.selector, globalRoom);
        } else if (debt > assetRoom) {
            expected = abi.encodeWithSelector(ICircuitBreaker.AssetAuctionCapReached.selector, assets[i], assetRoom);
        } else if (value > available) {
            expected = abi.encodeWithSelector(ICircuitBreaker.AuctionBucketEmpty.selector, assets[i], available);
        }

        vm.prank(HOUSE);
        try breaker.onAuctionStart(assets[i], debt, value) {
            assertEq(expected.length, 0, "start accepted beyond the room");
            ++_starts;
            _open.push(OpenAuction({asset: i, debt: debt}));
            _ghostDebt[i] += debt;
            _ghostGlobal += debt;
            if (configs[i].bucketCapacity != 0) {
                _modelScaled[i] = _modelScaledNow(i) - value * configs[i].refillPeriod;
                _modelAt[i] = block.timestamp;
            }
        } catch (bytes memory err) {
            assertGt(expected.length, 0, "start within the room refused");
            assertEq(uint256(keccak256(err)), uint256(keccak256(expected)), "wrong refusal");
            ++_refusals;
        }
    }

    /// @dev Ends (or, one time in three, partly settles) a random open auction.
    function _end(uint256 r) internal {
        if (_open.length == 0) {
            // Nothing recorded anywhere: a release of any amount releases nothing.
            uint256 i = (r >> 8) % ASSETS;
            vm.prank(HOUSE);
            breaker.onAuctionEnd(assets[i], r >> 128);
            return;
        }
        uint256 k = (r >> 8) % _open.length;
        OpenAuction memory a = _open[k];
        uint256 amount = (r >> 16) % 3 == 0 ? bound(r >> 24, 0, a.debt) : a.debt;
        vm.prank(HOUSE);
        breaker.onAuctionEnd(assets[a.asset], amount);
        ++_ends;
        _ghostDebt[a.asset] -= amount;
        _ghostGlobal -= amount;
        if (amount == a.debt) {
            _open[k] = _open[_open.length - 1];
            _open.pop();
        } else {
            _open[k].debt = a.debt - amount;
        }
    }

    /// @dev Releases more than an asset has under auction: exactly its recorded debt is released.
    function _overRelease(uint256 r) internal {
        uint256 i = (r >> 8) % ASSETS;
        uint256 extra = bound(r >> 16, 1, 1e30);
        uint256 total = _ghostDebt[i];
        vm.prank(HOUSE);
        breaker.onAuctionEnd(assets[i], total + extra);
        _ghostDebt[i] = 0;
        _ghostGlobal -= total;
        for (uint256 k = _open.length; k > 0; --k) {
            if (_open[k - 1].asset == i) {
                _open[k - 1] = _open[_open.length - 1];
                _open.pop();
            }
        }
    }

    /// @dev Moves time and checks that every bucket refilled linearly (exactly, up to the cap).
    function _warp(uint256 r) internal {
        uint256 dt = (r >> 8) % 4 == 0 ? bound(r >> 16, 0, 10) : bound(r >> 16, 0, 2 hours);
        uint256[ASSETS] memory before;
        for (uint256 i; i < ASSETS; ++i) (, before[i]) = breaker.auctionRoom(assets[i]);
        skip(dt);
        for (uint256 i; i < ASSETS; ++i) {
            (, uint256 available) = breaker.auctionRoom(assets[i]);
            ICircuitBreaker.AssetConfig memory c = configs[i];
            if (c.bucketCapacity == 0) {
                assertEq(available, NO_LIMIT, "unlimited bucket");
                continue;
            }
            assertGe(available, before[i], "bucket drained by time");
            // At most the refill of dt seconds, rounded up (the level carries a fraction of a wei).
            uint256 maxRefill = Math.mulDiv(dt, c.bucketCapacity, c.refillPeriod, Math.Rounding.Ceil);
            assertLe(available - before[i], maxRefill, "bucket refilled faster than capacity / refillPeriod");
            if (available < c.bucketCapacity) {
                assertGe(available - before[i], (dt * c.bucketCapacity) / c.refillPeriod, "refill too slow");
            }
        }
    }

    function _check() internal view {
        uint256 sum;
        for (uint256 i; i < ASSETS; ++i) {
            ICircuitBreaker.AssetView memory v = breaker.assetView(assets[i]);
            assertEq(v.debtUnderAuction, _ghostDebt[i], "asset debt != sum of open debts");
            if (configs[i].debtUnderAuctionCap != 0) {
                assertLe(v.debtUnderAuction, configs[i].debtUnderAuctionCap, "asset cap exceeded");
            }
            sum += v.debtUnderAuction;
            (uint256 debtRoom, uint256 valueRoom) = breaker.auctionRoom(assets[i]);
            assertEq(debtRoom, Math.min(_globalRoom(), _assetRoom(i)), "debt room");
            assertEq(valueRoom, _modelAvailable(i), "bucket != exact model");
            assertEq(v.bucketAvailable, valueRoom, "view bucket != room");
            if (configs[i].bucketCapacity != 0) {
                assertLe(valueRoom, configs[i].bucketCapacity, "bucket above capacity");
            }
        }
        ICircuitBreaker.GlobalView memory g = breaker.globalView();
        assertEq(g.globalDebtUnderAuction, sum, "global != sum of assets");
        assertEq(g.globalDebtUnderAuction, _ghostGlobal, "global != ghost");
        assertLe(g.globalDebtUnderAuction, GLOBAL_CAP, "global cap exceeded");
        uint256 open;
        for (uint256 k; k < _open.length; ++k) open += _open[k].debt;
        assertEq(open, _ghostGlobal, "ghost bookkeeping");
    }

    // ------------------------------------------------------------------ tests

    /// @notice Random sequences of starts, ends, partial ends, over-releases and time jumps.
    function testFuzz_throttleSequence(uint256 seed) public {
        for (uint256 step; step < STEPS; ++step) {
            uint256 r = uint256(keccak256(abi.encode(seed, step)));
            uint256 op = r % 16;
            if (op < 7) _start(r);
            else if (op < 11) _end(r);
            else if (op < 12) _overRelease(r);
            else _warp(r);
            _check();
        }
        assertLe(_starts + _refusals, STEPS, "step count");
    }

    /// @notice The bucket refills by exactly dt x capacity / refillPeriod (capped), however often it is
    /// touched in between: touching it with a zero-value auction changes nothing later on.
    function testFuzz_bucketRefillIsLinearAndPathIndependent(
        uint256 assetSeed,
        uint256 consume,
        uint256 dt1,
        uint256 dt2
    ) public {
        uint256 i = assetSeed % 2 == 0 ? 0 : 2;
        ICircuitBreaker.AssetConfig memory c = configs[i];
        address asset = assets[i];
        consume = bound(consume, 0, c.bucketCapacity);
        dt1 = bound(dt1, 0, 2 * uint256(c.refillPeriod));
        dt2 = bound(dt2, 0, 2 * uint256(c.refillPeriod));
        vm.prank(HOUSE);
        breaker.onAuctionStart(asset, 0, consume);
        uint256 left = c.bucketCapacity - consume;
        uint256 scaled = left * c.refillPeriod;
        uint256 full = uint256(c.bucketCapacity) * c.refillPeriod;

        uint256 snapshot = vm.snapshotState();
        skip(dt1 + dt2);
        (, uint256 direct) = breaker.auctionRoom(asset);
        assertEq(direct, Math.min(scaled + (dt1 + dt2) * c.bucketCapacity, full) / c.refillPeriod, "direct refill");
        vm.revertToState(snapshot);

        skip(dt1);
        (, uint256 mid) = breaker.auctionRoom(asset);
        assertEq(mid, Math.min(scaled + dt1 * c.bucketCapacity, full) / c.refillPeriod, "first leg");
        vm.prank(HOUSE);
        breaker.onAuctionStart(asset, 0, 0);
        skip(dt2);
        (, uint256 touched) = breaker.auctionRoom(asset);
        assertEq(touched, direct, "touching the bucket changed the refill");
        assertLe(touched, c.bucketCapacity, "above capacity");
    }

    /// @notice A start of exactly the room passes and one more unit of debt or value is refused, with
    /// the room in the error; nothing is recorded by a refusal.
    function testFuzz_exactRoom(uint256 assetSeed, uint256 used, uint256 consume) public {
        uint256 i = assetSeed % 3; // configured assets
        address asset = assets[i];
        ICircuitBreaker.AssetConfig memory c = configs[i];
        used = bound(used, 0, Math.min(c.debtUnderAuctionCap, GLOBAL_CAP));
        consume = c.bucketCapacity == 0 ? 0 : bound(consume, 0, c.bucketCapacity);
        vm.startPrank(HOUSE);
        breaker.onAuctionStart(asset, used, consume);
        (uint256 debtRoom, uint256 valueRoom) = breaker.auctionRoom(asset);
        assertEq(debtRoom, Math.min(c.debtUnderAuctionCap, GLOBAL_CAP) - used, "debt room");
        assertEq(valueRoom, c.bucketCapacity == 0 ? NO_LIMIT : c.bucketCapacity - consume, "value room");

        vm.expectRevert(abi.encodeWithSelector(ICircuitBreaker.AssetAuctionCapReached.selector, asset, debtRoom));
        breaker.onAuctionStart(asset, debtRoom + 1, 0);
        if (valueRoom != NO_LIMIT) {
            vm.expectRevert(abi.encodeWithSelector(ICircuitBreaker.AuctionBucketEmpty.selector, asset, valueRoom));
            breaker.onAuctionStart(asset, debtRoom, valueRoom + 1);
        }
        breaker.onAuctionStart(asset, debtRoom, valueRoom == NO_LIMIT ? 0 : valueRoom);
        vm.stopPrank();
        (debtRoom, valueRoom) = breaker.auctionRoom(asset);
        assertEq(debtRoom, 0, "cap not reached");
        if (c.bucketCapacity != 0) assertEq(valueRoom, 0, "bucket not empty");
        assertEq(breaker.assetView(asset).debtUnderAuction, Math.min(c.debtUnderAuctionCap, GLOBAL_CAP), "debt");
    }
}
