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
    address internal constant ASSET2 = address(0xA55E72);
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

    /// @dev Independent reference for `decayWeight`, straight from the definition
    /// w = lambda^n * (1 - (1 - lambda) * f / 1h) with n = dt / 1h, f = dt % 1h: lambda^n by plain
    /// repeated multiplication (36 decimals) instead of squaring. Loops n times: keep dt modest.
    function _weightRef(uint256 lambda, uint256 dt) internal pure returns (uint256) {
        uint256 lambda36 = lambda * 1e18;
        uint256 w = 1e36;
        for (uint256 i; i < dt / 1 hours && w != 0; ++i) w = (w * lambda36) / 1e36;
        w = (w * (1e36 - ((1e36 - lambda36) * (dt % 1 hours)) / 1 hours)) / 1e36;
        return w / 1e18;
    }

    /// @dev The EWMA update as specified: w * old + (1 - w) * sample, rounded down.
    function _mix(uint256 old, uint256 sample, uint256 w) internal pure returns (uint256) {
        return (w * old + (WAD - w) * sample) / WAD;
    }

    function _variance(address asset) internal view returns (uint256) {
        return oracle.trackerState(asset).ewmaVariance;
    }

    /// @dev ASSET2 reads the same feed as ASSET, so both trackers see the same prices and can be
    /// poked on different schedules within one test.
    function _listSecondAsset() internal {
        oracle.setFeed(
            ASSET2,
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

    /// @dev Both assets: first poke at 100, then +10% after exactly one hour, so both hold
    /// variance (1 - lambda) * 0.01 (0.0006e18 at the default lambda).
    function _seedBothAssets() internal {
        _listSecondAsset();
        feed.updateAnswer(100e18);
        oracle.poke(ASSET);
        oracle.poke(ASSET2);
        skip(1 hours);
        feed.updateAnswer(110e18);
        oracle.poke(ASSET);
        oracle.poke(ASSET2);
        assertEq(_variance(ASSET), _variance(ASSET2), "seed: same variance");
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

    // ------------------------------------------------------------------ decay weight

    /// decayWeight agrees with the plain definition (to the last wei: the squarings round
    /// differently from repeated multiplication) and never exceeds 1.
    function testFuzz_decayWeightMatchesReference(uint256 lambda, uint256 dt) public view {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        dt = bound(dt, 0, 30 days);
        uint256 w = oracle.decayWeight(lambda, dt);
        assertApproxEqAbs(w, _weightRef(lambda, dt), 1, "reference");
        assertLe(w, WAD, "above 1");
    }

    /// Exact values: whole intervals give lambda^n, a fraction of one the linear interpolation.
    function test_decayWeightKnownValues() public view {
        assertEq(oracle.decayWeight(0.94e18, 0), WAD, "dt 0");
        assertEq(oracle.decayWeight(0.94e18, 1 hours), 0.94e18, "one interval: lambda");
        assertEq(oracle.decayWeight(0.5e18, 1 hours), 0.5e18, "one interval, min lambda");
        assertEq(oracle.decayWeight(0.999e18, 1 hours), 0.999e18, "one interval, max lambda");
        assertEq(oracle.decayWeight(0.94e18, 2 hours), 0.8836e18, "two intervals: lambda^2");
        assertEq(oracle.decayWeight(0.94e18, 3 hours), 0.830584e18, "three intervals: lambda^3");
        assertEq(oracle.decayWeight(0.94e18, 30 minutes), 0.97e18, "half an interval: 1 - 0.06 / 2");
        assertEq(oracle.decayWeight(0.94e18, 60), 0.999e18, "one minute: 1 - 0.06 / 60");
        assertEq(oracle.decayWeight(0.94e18, 90 minutes), 0.9118e18, "1.5 intervals: 0.94 * 0.97");
        // The cut-off changes no result: just below it the weight has already rounded to zero.
        uint256 cutoff = oracle.MAX_DECAY_INTERVALS() * 1 hours;
        assertEq(oracle.decayWeight(0.999e18, cutoff - 1), 0, "max lambda just below the cut-off");
        assertEq(oracle.decayWeight(0.999e18, cutoff), 0, "cut-off");
        assertEq(oracle.decayWeight(0.999e18, type(uint256).max), 0, "no overflow for any dt");
        assertEq(oracle.decayWeight(WAD, cutoff - 1), WAD, "lambda 1 keeps everything below the cut-off");
    }

    /// The weight never increases with elapsed time (also across interval boundaries, where the
    /// linear fraction hands over to the next power), and never decreases with lambda.
    function testFuzz_decayWeightMonotonic(uint256 lambda, uint256 dt, uint256 step, uint256 lambda2) public view {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        dt = bound(dt, 0, 30 days);
        step = bound(step, 1, 30 days);
        uint256 w = oracle.decayWeight(lambda, dt);
        assertLe(oracle.decayWeight(lambda, dt + 1), w, "dt + 1");
        assertLe(oracle.decayWeight(lambda, dt + step), w, "dt + step");
        uint256 boundary = (dt / 1 hours + 1) * 1 hours;
        assertLe(oracle.decayWeight(lambda, boundary), oracle.decayWeight(lambda, boundary - 1), "at boundary");
        assertLe(oracle.decayWeight(lambda, boundary + 1), oracle.decayWeight(lambda, boundary), "after boundary");
        lambda2 = bound(lambda2, lambda, 0.999e18);
        assertGe(oracle.decayWeight(lambda2, dt), w, "lambda");
    }

    /// Splitting a gap into two updates never decays faster than one update over the whole gap
    /// (the linear fraction lies above lambda^x), up to rounding: no poke schedule can shrink the
    /// variance faster than lambda per VARIANCE_INTERVAL.
    function testFuzz_splittingNeverDecaysFaster(uint256 lambda, uint256 a, uint256 b) public view {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        a = bound(a, 0, 30 days);
        b = bound(b, 0, 30 days);
        uint256 split = (oracle.decayWeight(lambda, a) * oracle.decayWeight(lambda, b)) / WAD;
        assertLe(oracle.decayWeight(lambda, a + b), split + 2, "split decays faster");
    }

    // ------------------------------------------------------------------ variance

    /// Any price path within the bounds: no overflow/revert, the variance follows the time-decayed
    /// EWMA of the capped samples exactly (weights from decayWeight, checked against the
    /// definition above), stays within [0, cap], and volatility == sqrt(variance).
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
                uint256 elapsed = block.timestamp - m.lastUpdate;
                if (elapsed >= minPoke) {
                    uint256 sample = _sample(m.lastPrice, price, elapsed);
                    m.variance = _mix(m.variance, sample, oracle.decayWeight(lambda, elapsed));
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

    /// @dev Brings ASSET's variance to about `target`: after MAX_DECAY_INTERVALS the old weight is
    /// 0, so the variance is exactly the sample, and a return r over dt0 gives r^2 * 1h / dt0.
    function _seedVariance(uint256 target) internal returns (uint256 p1, uint256 variance) {
        uint256 dt0 = oracle.MAX_DECAY_INTERVALS() * 1 hours;
        p1 = 1e18 + Math.sqrt((target * dt0 * WAD) / 1 hours); // p0 = 1: r = p1 - 1
        _pokeAt(1e18, 0);
        _pokeAt(p1, dt0);
        variance = _variance(ASSET);
        assertEq(variance, _sample(1e18, p1, dt0), "old variance is the sample");
        assertApproxEqAbs(variance, target, 1e9, "old variance near the target");
    }

    /// For any gap in [minPokeInterval, 30 days] and any old variance in [0, cap], the new
    /// variance lies between the old variance and the new sample.
    function testFuzz_newVarianceBetweenOldAndSample(
        uint256 lambda,
        uint256 minPoke,
        uint256 oldTarget,
        uint256 p2,
        uint256 dt
    ) public {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        minPoke = bound(minPoke, 1, 1 days);
        oracle.setTrackerParameters(uint64(lambda), uint32(minPoke), 1 hours);

        (uint256 p1, uint256 old) = _seedVariance(bound(oldTarget, 0, CAP));
        dt = bound(dt, minPoke, 30 days);
        p2 = bound(p2, 1, 1e30);
        _pokeAt(p2, dt);
        uint256 sample = _sample(p1, p2, dt);
        uint256 next = _variance(ASSET);
        assertEq(next, _mix(old, sample, oracle.decayWeight(lambda, dt)), "update rule");
        assertGe(next, Math.min(old, sample), "below min(old, sample)");
        assertLe(next, Math.max(old, sample), "above max(old, sample)");
        assertEq(oracle.volatility(ASSET), Math.sqrt(next * WAD), "volatility");
    }

    /// With a constant price every poke after dt multiplies the variance by decayWeight(dt)
    /// (rounded down), so it decays strictly until it reaches zero, and volatility never rises.
    function testFuzz_constantPriceDecaysVariance(uint256 p0, uint256 p1, uint256 lambda, uint256 dt) public {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        oracle.setTrackerParameters(uint64(lambda), 60, 1 hours);
        p0 = bound(p0, 1e6, 1e30);
        // At least a 1% move so that the starting variance is non-zero.
        p1 = bound(p1, p0 + p0 / 100, p0 * 1000);
        dt = bound(dt, 60, 1 days);
        uint256 w = _weightRef(lambda, dt);
        assertApproxEqAbs(oracle.decayWeight(lambda, dt), w, 1, "weight");
        w = oracle.decayWeight(lambda, dt);
        assertLt(w, WAD, "no decay");

        _pokeAt(p0, 0);
        _pokeAt(p1, dt);
        uint256 variance = _variance(ASSET);
        assertGt(variance, 0, "no starting variance");
        uint256 vol = oracle.volatility(ASSET);

        for (uint256 i; i < 20; ++i) {
            _pokeAt(p1, dt);
            uint256 next = _variance(ASSET);
            assertEq(next, (w * variance) / WAD, "decay is not w * old");
            if (variance > 0) assertLt(next, variance, "variance did not decrease");
            uint256 nextVol = oracle.volatility(ASSET);
            assertLe(nextVol, vol, "volatility increased");
            variance = next;
            vol = nextVol;
        }
    }

    /// Pokes spaced exactly VARIANCE_INTERVAL apart apply lambda exactly once each.
    function testFuzz_wholeIntervalsDecayByExactlyLambda(uint256 lambda, uint256 k) public {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        k = bound(k, 1, 5);
        oracle.setTrackerParameters(uint64(lambda), 60, 1 hours);
        _pokeAt(100e18, 0);
        _pokeAt(150e18, 1 hours); // r = 0.5: sample 0.25
        uint256 variance = _variance(ASSET);
        assertEq(variance, ((WAD - lambda) * 0.25e18) / WAD, "first update");
        for (uint256 i; i < k; ++i) {
            _pokeAt(150e18, 1 hours);
            variance = (lambda * variance) / WAD;
            assertEq(_variance(ASSET), variance, "lambda per interval");
        }
    }

    /// lambda 0.94: 100 -> 110 after 1 h -> 99 after 30 min -> 99 after 2 h, worked out by hand.
    function test_lambdaWeightingKnownExample() public {
        _pokeAt(100e18, 0);
        // One whole interval: w = lambda. r = 0.1, sample = 0.01 per hour; 0.06 * 0.01 = 0.0006
        _pokeAt(110e18, 1 hours);
        assertEq(_variance(ASSET), 0.0006e18, "first update");
        // r = 11/110 = 0.1 over 30 min -> sample = 0.01 * 2 = 0.02; w = 1 - 0.06 / 2 = 0.97;
        // variance = 0.97 * 0.0006 + 0.03 * 0.02 = 0.000582 + 0.0006
        _pokeAt(99e18, 30 minutes);
        assertEq(_variance(ASSET), 0.001182e18, "second update");
        uint256 vol = Math.sqrt(0.001182e18 * WAD); // 0.03438...
        assertEq(oracle.volatility(ASSET), vol, "sqrt(0.001182)");
        assertApproxEqAbs(vol, 0.034380e18, 0.000001e18, "vol ~ 0.03438");
        (uint256 price, uint256 hotVol) = oracle.getPriceAndVolatility(ASSET);
        assertEq(price, 99e18, "price");
        assertEq(hotVol, vol, "hot path volatility");
        // Flat for two intervals: w = 0.94^2 = 0.8836; 0.001182 * 0.8836 = 0.0010444152
        _pokeAt(99e18, 2 hours);
        assertEq(_variance(ASSET), 0.0010444152e18, "third update");
    }

    /// The largest possible jump over one interval contributes exactly (1 - lambda) * cap and then
    /// decays by lambda per interval.
    function test_outlierIsCapped() public {
        _pokeAt(1, 0);
        _pokeAt(type(uint128).max, 1 hours);
        assertEq(_variance(ASSET), 0.06e18, "capped sample weighted by 1 - lambda");
        // Back to 1: r is a hair below 100%, so the sample is a couple of wei below the cap.
        uint256 sample = _sample(type(uint128).max, 1, 1 hours);
        assertEq(sample, CAP - 2, "-100% sample");
        _pokeAt(1, 1 hours);
        assertEq(_variance(ASSET), (0.94e18 * 0.06e18 + 0.06e18 * sample) / WAD, "second outlier");
    }

    /// Over a short gap the capped sample only gets the weight of that gap: one minute weighs
    /// 1 - 0.999 = 0.001. Known limit of the time-based decay: once the cap binds
    /// (r^2 > dt / VARIANCE_INTERVAL, i.e. r > ~12.9% within one minute) a move counts less when seen
    /// over a short gap than over a long one.
    function test_outlierOverShortGapGetsTheGapsWeight() public {
        _pokeAt(1, 0);
        _pokeAt(type(uint128).max, 60);
        assertEq(_variance(ASSET), 0.001e18, "capped sample weighted by 1 - w(60 s)");
        _pokeAt(1, 60);
        assertEq(_variance(ASSET), (0.999e18 * 0.001e18) / WAD + 0.001e18, "second outlier");
    }

    // ------------------------------------------------------------------ poke frequency

    /// Poking every minute for an hour at a constant price decays the variance like one poke after
    /// the hour: 0.999^60 = 0.94118 vs lambda = 0.94, 0.13% apart, and never below it. The old
    /// per-poke decay left 0.94^60 ~ 2.4% of the variance instead of 94%: ~39x lower, so this
    /// test would fail by that factor.
    function test_spammingPokesDoesNotSuppressVariance() public {
        _seedBothAssets();
        uint256 start = _variance(ASSET);
        assertEq(start, 0.0006e18, "seed");
        uint256 expected = start;
        for (uint256 i; i < 60; ++i) {
            skip(60);
            oracle.poke(ASSET);
            expected = (0.999e18 * expected) / WAD; // one minute: w = 1 - 0.06 / 60
        }
        oracle.poke(ASSET2); // same timestamp: exactly one hour after the seed
        uint256 spammed = _variance(ASSET);
        uint256 single = _variance(ASSET2);
        assertEq(single, 0.000564e18, "one poke after one hour: lambda * old");
        assertGe(spammed, single, "spamming decayed faster than time");
        assertLe(spammed, single + single / 100, "more than 1% apart");
        assertEq(spammed, expected, "60 pokes: 0.999^60 * old");
        assertGe(oracle.volatility(ASSET), oracle.volatility(ASSET2), "vol below single");
        assertLe(oracle.volatility(ASSET) - oracle.volatility(ASSET2), oracle.volatility(ASSET2) / 100, "vol");
    }

    /// Any schedule of pokes at a constant price never leaves less variance than one poke over
    /// the same total time (up to one wei of rounding per update).
    function testFuzz_pokeScheduleCannotOutpaceTimeDecay(uint256 lambda, uint256[STEPS] memory dts) public {
        lambda = bound(lambda, 0.5e18, 0.999e18);
        oracle.setTrackerParameters(uint64(lambda), 60, 1 hours);
        _seedBothAssets();
        for (uint256 i; i < STEPS; ++i) {
            skip(bound(dts[i], 60, 2 hours));
            oracle.poke(ASSET);
        }
        oracle.poke(ASSET2);
        assertGe(_variance(ASSET) + 2 * STEPS, _variance(ASSET2), "schedule decayed faster than time");
    }

    /// A move of up to 12% (below the cap over one minute) contributes the same to the variance
    /// whether the hour was poked once or every minute: if it happens in the last minute the
    /// two end within 1% of each other; earlier, the spammed tracker has already decayed the move
    /// for part of the hour, by at most lambda. (The old per-poke rule weighted a one-minute
    /// sample 0.06 * 60 r^2, 60x more, and then decayed it by 6% per minute.)
    function testFuzz_moveContributionIndependentOfPokeFrequency(uint256 r, uint256 jumpMinute) public {
        r = bound(r, 0, 0.12e18);
        jumpMinute = bound(jumpMinute, 1, 60);
        _seedBothAssets();
        uint256 p1 = 110e18 + (110e18 * r) / WAD;
        for (uint256 i = 1; i <= 60; ++i) {
            skip(60);
            if (i == jumpMinute) feed.updateAnswer(int256(p1));
            oracle.poke(ASSET);
        }
        oracle.poke(ASSET2);
        uint256 spammed = _variance(ASSET);
        uint256 single = _variance(ASSET2);
        assertEq(single, _mix(0.0006e18, _sample(110e18, p1, 1 hours), 0.94e18), "single poke");
        assertLe(spammed, single + single / 100, "spammed above single + 1%");
        assertGe(spammed, (0.94e18 * single) / WAD, "spammed below lambda * single");
        if (jumpMinute == 60) assertGe(spammed + 60, single, "last-minute move: spammed below single");
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
