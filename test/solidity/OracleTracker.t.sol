// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BaseTest} from "./utils/BaseTest.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IBreakwaterOracle} from "../../contracts/interfaces/IBreakwaterOracle.sol";
import {BreakwaterOracle} from "../../contracts/oracles/BreakwaterOracle.sol";
import {ChainlinkReader} from "../../contracts/oracles/ChainlinkReader.sol";

/// @notice Properties of the EWMA volatility tracker and of the price normalisation.
contract OracleTrackerTest is BaseTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant CAP = 1e18; // BreakwaterOracle.MAX_VARIANCE_SAMPLE
    address internal constant ASSET = address(0xA55E7);
    uint256 internal constant STEPS = 10;

    AccessManager internal manager;
    BreakwaterOracle internal oracle;
    MockV3Aggregator internal feed; // 18 decimals: answer == price [wad]

    /// @dev What the tracker should hold, recomputed here step by step.
    struct Model {
        uint256 lastPrice;
        uint256 lastUpdate;
        uint256 variance;
        uint256 windowStart;
        uint256 windowHigh;
    }

    function setUp() public {
        vm.warp(1_700_000_000);
        manager = new AccessManager(address(this)); // admin role may call every restricted function
        oracle = new BreakwaterOracle(address(manager));
        feed = new MockV3Aggregator(18, 1e18);
        oracle.setFeed(
            ASSET,
            IBreakwaterOracle.FeedConfig({
                primary: AggregatorV3Interface(address(feed)),
                secondary: AggregatorV3Interface(address(0)),
                primaryStaleness: 7 days,
                secondaryStaleness: 0,
                maxDeviation: 0,
                minPrice: 1,
                maxPrice: type(uint128).max
            })
        );
    }

    // ------------------------------------------------------------------ helpers

    function _pokeAt(uint256 price, uint256 dt) internal {
        skip(dt);
        feed.updateAnswer(int256(price));
        oracle.poke(ASSET);
    }

    /// @dev Reference sample: same definition as the spec, with its own overflow shortcut. The
    /// sample reaches the cap once r >= 1e18 * sqrt(dt / 1h), i.e. r < 1e21 for any dt <= 1 year.
    function _sample(uint256 last, uint256 price, uint256 dt) internal pure returns (uint256) {
        uint256 diff = price > last ? price - last : last - price;
        uint256 r = (diff * WAD) / last;
        if (r > 1e30) return CAP;
        return Math.min(CAP, (r * r * 1 hours) / (WAD * dt));
    }

    function _assertState(Model memory m, string memory step) internal view {
        IBreakwaterOracle.TrackerState memory s = oracle.trackerState(ASSET);
        assertEq(s.lastPrice, m.lastPrice, string.concat(step, ": lastPrice"));
        assertEq(s.lastUpdate, m.lastUpdate, string.concat(step, ": lastUpdate"));
        assertEq(s.ewmaVariance, m.variance, string.concat(step, ": ewmaVariance"));
        assertEq(s.windowStart, m.windowStart, string.concat(step, ": windowStart"));
        assertEq(s.windowHighPrice, m.windowHigh, string.concat(step, ": windowHighPrice"));
        uint256 vol = oracle.volatility(ASSET);
        assertEq(vol, Math.sqrt(m.variance * WAD), string.concat(step, ": volatility"));
        assertLe(m.variance, CAP, string.concat(step, ": variance above cap"));
        assertLe(vol, WAD, string.concat(step, ": volatility above 1"));
    }

    // ------------------------------------------------------------------ variance

    /// Any price path within the bounds: no overflow/revert, the variance follows the EWMA of the
    /// capped samples exactly, stays within [0, cap], and volatility == sqrt(variance).
    function testFuzz_varianceFollowsEwmaForAnyPath(
        uint256[STEPS] memory prices,
        uint256[STEPS] memory dts,
        uint256 lambda,
        uint256 minPoke
    ) public {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        minPoke = bound(minPoke, 1, 1 days);
        oracle.setTrackerParameters(uint64(lambda), uint32(minPoke), 1 hours);

        Model memory m;
        for (uint256 i; i < STEPS; ++i) {
            uint256 price = bound(prices[i], 1, type(uint128).max);
            // Mix of tiny and huge gaps (up to a year), including same-block pokes.
            uint256 dt = i == 0 ? 0 : bound(dts[i], 0, i % 2 == 0 ? 2 * minPoke : 365 days);
            _pokeAt(price, dt);
            if (i == 0) {
                m = Model(price, block.timestamp, 0, block.timestamp, price);
            } else {
                if (block.timestamp - m.lastUpdate >= minPoke) {
                    uint256 sample = _sample(m.lastPrice, price, block.timestamp - m.lastUpdate);
                    m.variance = (lambda * m.variance + (WAD - lambda) * sample) / WAD;
                    m.lastPrice = price;
                    m.lastUpdate = block.timestamp;
                }
                if (block.timestamp >= m.windowStart + 1 hours) {
                    m.windowStart = block.timestamp;
                    m.windowHigh = price;
                } else if (price > m.windowHigh) {
                    m.windowHigh = price;
                }
            }
            _assertState(m, "step");
        }
    }

    /// The sample helper matches the reference and never exceeds the cap, for any prices and gaps.
    function testFuzz_varianceSampleCapped(uint256 last, uint256 price, uint256 dt) public view {
        last = bound(last, 1, type(uint128).max);
        price = bound(price, 1, type(uint128).max);
        dt = bound(dt, 1, 365 days);
        uint256 sample = oracle.varianceSample(last, price, dt);
        assertEq(sample, _sample(last, price, dt), "sample");
        assertLe(sample, CAP, "cap");
    }

    /// With a constant price every poke multiplies the variance by lambda (rounded down), so it
    /// decays strictly until it reaches zero, and volatility never rises.
    function testFuzz_constantPriceDecaysVariance(uint256 p0, uint256 p1, uint256 lambda, uint256 dt) public {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        oracle.setTrackerParameters(uint64(lambda), 60, 1 hours);
        p0 = bound(p0, 1e6, 1e30);
        // At least a 1% move so that the starting variance is non-zero.
        p1 = bound(p1, p0 + p0 / 100, p0 * 1000);
        dt = bound(dt, 60, 1 days);

        _pokeAt(p0, 0);
        _pokeAt(p1, dt);
        uint256 variance = oracle.trackerState(ASSET).ewmaVariance;
        assertGt(variance, 0, "no starting variance");
        uint256 vol = oracle.volatility(ASSET);

        for (uint256 i; i < 20; ++i) {
            _pokeAt(p1, dt);
            uint256 next = oracle.trackerState(ASSET).ewmaVariance;
            assertEq(next, (lambda * variance) / WAD, "decay is not lambda * old");
            if (variance > 0) assertLt(next, variance, "variance did not decrease");
            uint256 nextVol = oracle.volatility(ASSET);
            assertLe(nextVol, vol, "volatility increased");
            variance = next;
            vol = nextVol;
        }
    }

    /// lambda 0.94, 100 -> 110 after 1 h -> 99 after 30 min, worked out by hand.
    function test_lambdaWeightingKnownExample() public {
        _pokeAt(100e18, 0);
        // r = 0.1, sample = 0.01 per hour; variance = 0.06 * 0.01 = 0.0006
        _pokeAt(110e18, 1 hours);
        assertEq(oracle.trackerState(ASSET).ewmaVariance, 0.0006e18, "first update");
        // r = 11/110 = 0.1 over 30 min -> sample = 0.01 * 2 = 0.02; variance = 0.94 * 0.0006 + 0.06 * 0.02
        _pokeAt(99e18, 30 minutes);
        assertEq(oracle.trackerState(ASSET).ewmaVariance, 0.001764e18, "second update");
        assertEq(oracle.volatility(ASSET), 0.042e18, "sqrt(0.001764) = 0.042");
        (uint256 price, uint256 vol) = oracle.getPriceAndVolatility(ASSET);
        assertEq(price, 99e18, "price");
        assertEq(vol, 0.042e18, "hot path volatility");
    }

    /// The largest possible jump contributes exactly (1 - lambda) * cap and then decays.
    function test_outlierIsCapped() public {
        _pokeAt(1, 0);
        _pokeAt(type(uint128).max, 60);
        assertEq(oracle.trackerState(ASSET).ewmaVariance, 0.06e18, "capped sample weighted by 1 - lambda");
        _pokeAt(1, 60);
        assertEq(oracle.trackerState(ASSET).ewmaVariance, (0.94e18 * 0.06e18) / WAD + 0.06e18, "second outlier");
    }

    // ------------------------------------------------------------------ window

    /// Window high is the max of the prices poked since the window started; a window rolls over
    /// at windowStart + windowLength and restarts from the current price.
    function testFuzz_windowHighIsMaxInWindow(
        uint256[STEPS] memory prices,
        uint256[STEPS] memory dts,
        uint256 windowLength
    ) public {
        windowLength = bound(windowLength, 1 minutes, 2 hours);
        oracle.setTrackerParameters(0.94e18, 1, uint32(windowLength));
        uint256 windowStart;
        uint256 high;
        for (uint256 i; i < STEPS; ++i) {
            uint256 price = bound(prices[i], 1e6, 1e30);
            uint256 dt = i == 0 ? 0 : bound(dts[i], 0, windowLength);
            _pokeAt(price, dt);
            if (i == 0 || block.timestamp >= windowStart + windowLength) {
                windowStart = block.timestamp;
                high = price;
            } else {
                high = Math.max(high, price);
            }
            IBreakwaterOracle.TrackerState memory s = oracle.trackerState(ASSET);
            assertEq(s.windowStart, windowStart, "windowStart");
            assertEq(s.windowHighPrice, high, "windowHighPrice");
            assertGe(s.windowHighPrice, price, "high below the current price");
        }
    }

    // ------------------------------------------------------------------ normalisation

    /// toWad matches repeated multiplication/division by ten for every supported decimals.
    function testFuzz_toWadMatchesReference(uint256 answer, uint256 decimals) public pure {
        decimals = bound(decimals, 0, 36);
        answer = bound(answer, 1, type(uint128).max);
        uint256 expected = answer;
        for (uint256 d = decimals; d < 18; ++d) expected *= 10;
        for (uint256 d = 18; d < decimals; ++d) expected /= 10;
        assertEq(ChainlinkReader.toWad(answer, uint8(decimals)), expected, "toWad");
    }

    /// End to end through a real mock feed: any decimals in [0, 36] yields the same wad price.
    function testFuzz_priceNormalisedForAnyDecimals(uint256 whole, uint256 decimals) public {
        decimals = bound(decimals, 0, 36);
        whole = bound(whole, 1, 1e12); // 1 .. 1e12 USD per token
        MockV3Aggregator f = new MockV3Aggregator(uint8(decimals), int256(whole * 10 ** decimals));
        address asset = address(uint160(0xBEEF + decimals));
        oracle.setFeed(
            asset,
            IBreakwaterOracle.FeedConfig({
                primary: AggregatorV3Interface(address(f)),
                secondary: AggregatorV3Interface(address(0)),
                primaryStaleness: 1 hours,
                secondaryStaleness: 0,
                maxDeviation: 0,
                minPrice: 1,
                maxPrice: type(uint128).max
            })
        );
        assertEq(oracle.getPrice(asset), whole * WAD, "normalised price");
    }
}
