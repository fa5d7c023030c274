// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {BaseTest} from "./BaseTest.sol";
import {MockERC20} from "../../mocks/MockERC20.sol";
import {BreakwaterOracle} from "../../../contracts/oracles/BreakwaterOracle.sol";
import {KinkedRateModel} from "../../../contracts/core/KinkedRateModel.sol";
import {LendingPool} from "../../../contracts/core/LendingPool.sol";
import {InsuranceFund} from "../../../contracts/core/InsuranceFund.sol";
import {VaultEngine} from "../../../contracts/core/VaultEngine.sol";
import {AuctionHouse} from "../../../contracts/auction/AuctionHouse.sol";
import {ExponentialCurve} from "../../../contracts/auction/curves/ExponentialCurve.sol";
import {IAuctionHouse} from "../../../contracts/interfaces/IAuctionHouse.sol";
import {IBreakwaterOracle} from "../../../contracts/interfaces/IBreakwaterOracle.sol";
import {IKinkedRateModel} from "../../../contracts/interfaces/IInterestRateModel.sol";
import {IPriceCurve} from "../../../contracts/interfaces/IPriceCurve.sol";
import {IVaultEngine} from "../../../contracts/interfaces/IVaultEngine.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";
import {RiskMath} from "../../../contracts/libraries/RiskMath.sol";

/// @notice Every deployed piece of the system, so a handler contract can adopt the deployment of the
/// test contract that created it.
struct BreakwaterSystem {
    AccessManager manager;
    MockERC20 usdc;
    MockERC20 weth;
    MockERC20 wbtc;
    MockERC20 link;
    MockV3Aggregator usdcFeed;
    MockV3Aggregator wethFeed;
    MockV3Aggregator wbtcFeed;
    MockV3Aggregator linkFeed;
    BreakwaterOracle oracle;
    KinkedRateModel rateModel;
    LendingPool pool;
    InsuranceFund fund;
    VaultEngine engine;
    AuctionHouse auctionHouse;
    ExponentialCurve curve;
}

/// @notice The whole Breakwater system deployed inside a Solidity test, with the parameters of
/// deploy/parameters/hardhat.json (the same deployment as test/solidity/gas/EngineGas.t.sol, plus the
/// liquidation pieces: exponential curve, auction house, insurance-fund spenders, auction configs).
/// @dev The deploying contract stays the access manager's admin and may call every restricted
/// function. All helpers are internal, so a handler inheriting this base exposes none of them to the
/// invariant fuzzer. Collateral volatility stays 0 unless a test pokes the oracle, so haircuts are
/// the base haircut plus the size add-on.
abstract contract SystemBase is BaseTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant USDC_UNIT = 1e6;
    uint256 internal constant START_TIME = 1_700_000_000;
    /// @dev Feed staleness of every asset [s].
    uint32 internal constant STALENESS = 1 days;

    // Liquidation parameters (hardhat.json).
    uint64 internal constant TARGET_HF = 1.1e18;
    uint64 internal constant HARD_FLOOR = 0.9e18;
    uint64 internal constant LOT_BUFFER = 1.3e18;
    uint32 internal constant CURE_WINDOW = 600;
    uint64 internal constant KEEPER_CHIP = 0.005e18;
    uint128 internal constant KEEPER_TIP = 5e6;
    uint128 internal constant DUST = 100e6;
    uint256 internal constant MIN_DEBT = 100e6;
    // Per-collateral auction settings (the same for all three).
    uint64 internal constant PENALTY = 0.08e18;
    uint64 internal constant START_BUFFER = 1.1e18;
    uint64 internal constant RESET_RATIO = 0.5e18;
    uint32 internal constant MAX_DURATION = 7200;
    uint256 internal constant CURVE_CUT = 0.99e18;
    uint256 internal constant CURVE_STEP = 60;

    // Initial feed answers (8 decimals).
    int256 internal constant USDC_ANSWER = 1e8;
    int256 internal constant WETH_ANSWER = 3_000e8;
    int256 internal constant WBTC_ANSWER = 60_000e8;
    int256 internal constant LINK_ANSWER = 15e8;

    address internal constant LENDER = address(0x1E4D);

    AccessManager internal manager;
    MockERC20 internal usdc;
    MockERC20 internal weth;
    MockERC20 internal wbtc;
    MockERC20 internal link;
    BreakwaterOracle internal oracle;
    KinkedRateModel internal rateModel;
    LendingPool internal pool;
    InsuranceFund internal fund;
    VaultEngine internal engine;
    AuctionHouse internal auctionHouse;
    ExponentialCurve internal curve;
    mapping(address asset => MockV3Aggregator) internal feedOf;
    /// @dev usdc, weth, wbtc, link: every asset with a feed.
    address[] internal feedAssets;
    /// @dev weth, wbtc, link.
    address[] internal collaterals;

    // ------------------------------------------------------------------ deployment

    /// @dev Deploys and wires everything; this contract stays the admin.
    function _deploySystem() internal {
        vm.warp(START_TIME);
        manager = new AccessManager(address(this));
        usdc = new MockERC20("USD Coin (mock)", "USDC", 6);
        weth = new MockERC20("Wrapped Ether (mock)", "WETH", 18);
        wbtc = new MockERC20("Wrapped Bitcoin (mock)", "WBTC", 8);
        link = new MockERC20("Chainlink (mock)", "LINK", 18);

        oracle = new BreakwaterOracle(address(manager));
        oracle.setTrackerParameters(0.94e18, 60, 3600);
        _setFeed(address(usdc), USDC_ANSWER, 0.5e18, 2e18);
        _setFeed(address(weth), WETH_ANSWER, 10e18, 1_000_000e18);
        _setFeed(address(wbtc), WBTC_ANSWER, 100e18, 10_000_000e18);
        _setFeed(address(link), LINK_ANSWER, 0.01e18, 100_000e18);

        rateModel = new KinkedRateModel(
            address(manager),
            IKinkedRateModel.RateParameters({
                baseRate: uint64(uint256(0.01e18) / 365 days),
                slopeLow: uint64(uint256(0.04e18) / 365 days),
                slopeHigh: uint64(uint256(0.75e18) / 365 days),
                kink: 0.8e18
            })
        );
        pool = new LendingPool(IERC20(address(usdc)), "Breakwater USDC", "bwUSDC", address(manager), rateModel, 0.1e18);
        fund = new InsuranceFund(address(manager), pool);
        engine = new VaultEngine(address(manager), pool, oracle, MIN_DEBT, 8);
        pool.setEngine(address(engine));
        pool.setInsuranceFund(address(fund));

        _list(address(weth), 0.2e18, 0.15e18, 50_000_000e18, 100_000_000e6);
        _list(address(wbtc), 0.25e18, 0.18e18, 30_000_000e18, 100_000_000e6);
        _list(address(link), 0.35e18, 0.25e18, 5_000_000e18, 20_000_000e6);

        curve = new ExponentialCurve(CURVE_CUT, CURVE_STEP);
        auctionHouse = new AuctionHouse(
            address(manager),
            engine,
            IAuctionHouse.AuctionParameters({
                targetHealthFactor: TARGET_HF,
                hardFloor: HARD_FLOOR,
                lotBuffer: LOT_BUFFER,
                cureWindow: CURE_WINDOW,
                keeperChip: KEEPER_CHIP,
                keeperTip: KEEPER_TIP,
                dust: DUST
            })
        );
        engine.setAuctionHouse(address(auctionHouse));
        _wireLiquidation();
    }

    /// @dev The insurance fund pays the engine (bad debt) and the auction house (keepers); every
    /// collateral gets the hardhat.json auction config.
    function _wireLiquidation() internal {
        fund.setSpender(address(engine), true);
        fund.setSpender(address(auctionHouse), true);
        for (uint256 i; i < collaterals.length; ++i) _setAuctionConfig(collaterals[i], START_BUFFER);
    }

    /// @dev An 8-decimal MockV3Aggregator at `answer`, 24 h staleness, no secondary feed.
    function _setFeed(address asset, int256 answer, uint128 minPrice, uint128 maxPrice) internal {
        MockV3Aggregator feed = new MockV3Aggregator(8, answer);
        oracle.setFeed(
            asset,
            IBreakwaterOracle.FeedConfig({
                primary: AggregatorV3Interface(address(feed)),
                secondary: AggregatorV3Interface(address(0)),
                primaryStaleness: STALENESS,
                secondaryStaleness: 0,
                maxDeviation: 0,
                minPrice: minPrice,
                maxPrice: maxPrice
            })
        );
        feedOf[asset] = feed;
        feedAssets.push(asset);
    }

    /// @dev Volatility multiplier 2 (cap 10%), size multiplier 0.5 (cap 10%), as in hardhat.json.
    function _list(
        address asset,
        uint64 initialHaircut,
        uint64 maintenanceHaircut,
        uint128 marketDepth,
        uint128 debtCeiling
    ) internal {
        engine.listCollateral(
            asset,
            IVaultEngine.CollateralConfig({
                enabled: true,
                decimals: 0,
                initialHaircut: initialHaircut,
                maintenanceHaircut: maintenanceHaircut,
                volatilityMultiplier: 2e18,
                volatilityCap: 0.1e18,
                sizeMultiplier: 0.5e18,
                sizeCap: 0.1e18,
                marketDepth: marketDepth,
                debtCeiling: debtCeiling
            })
        );
        collaterals.push(asset);
    }

    /// @dev The hardhat.json auction config of `asset` with the given start buffer (admin only).
    function _setAuctionConfig(address asset, uint64 startBuffer) internal {
        auctionHouse.setCollateralAuctionConfig(
            asset,
            IAuctionHouse.CollateralAuctionConfig({
                curve: IPriceCurve(address(curve)),
                penalty: PENALTY,
                startBuffer: startBuffer,
                resetPriceRatio: RESET_RATIO,
                maxDuration: MAX_DURATION
            })
        );
    }

    /// @dev Everything deployed, for a handler to adopt.
    function _system() internal view returns (BreakwaterSystem memory s) {
        s.manager = manager;
        s.usdc = usdc;
        s.weth = weth;
        s.wbtc = wbtc;
        s.link = link;
        s.usdcFeed = feedOf[address(usdc)];
        s.wethFeed = feedOf[address(weth)];
        s.wbtcFeed = feedOf[address(wbtc)];
        s.linkFeed = feedOf[address(link)];
        s.oracle = oracle;
        s.rateModel = rateModel;
        s.pool = pool;
        s.fund = fund;
        s.engine = engine;
        s.auctionHouse = auctionHouse;
        s.curve = curve;
    }

    /// @dev Points this contract at a deployment made by another SystemBase (a handler's constructor).
    function _adopt(BreakwaterSystem memory s) internal {
        manager = s.manager;
        usdc = s.usdc;
        weth = s.weth;
        wbtc = s.wbtc;
        link = s.link;
        oracle = s.oracle;
        rateModel = s.rateModel;
        pool = s.pool;
        fund = s.fund;
        engine = s.engine;
        auctionHouse = s.auctionHouse;
        curve = s.curve;
        feedOf[address(usdc)] = s.usdcFeed;
        feedOf[address(weth)] = s.wethFeed;
        feedOf[address(wbtc)] = s.wbtcFeed;
        feedOf[address(link)] = s.linkFeed;
        feedAssets.push(address(usdc));
        feedAssets.push(address(weth));
        feedAssets.push(address(wbtc));
        feedAssets.push(address(link));
        collaterals.push(address(weth));
        collaterals.push(address(wbtc));
        collaterals.push(address(link));
    }

    // ------------------------------------------------------------------ accounts

    /// @dev Mints generous balances of every token and approves the engine, pool and auction house.
    function _fundAccount(address who) internal {
        usdc.mint(who, 100_000_000e6);
        weth.mint(who, 100_000e18);
        wbtc.mint(who, 5_000e8);
        link.mint(who, 20_000_000e18);
        vm.startPrank(who);
        usdc.approve(address(engine), type(uint256).max);
        usdc.approve(address(pool), type(uint256).max);
        usdc.approve(address(auctionHouse), type(uint256).max);
        weth.approve(address(engine), type(uint256).max);
        wbtc.approve(address(engine), type(uint256).max);
        link.approve(address(engine), type(uint256).max);
        vm.stopPrank();
    }

    function _lenderDeposit(address lender, uint256 assets) internal returns (uint256 shares) {
        vm.prank(lender);
        shares = pool.deposit(assets, lender);
    }

    function _openVault(address owner) internal returns (VaultId id) {
        vm.prank(owner);
        id = engine.openVault(owner);
    }

    function _deposit(address owner, VaultId id, address asset, uint256 amount) internal {
        vm.prank(owner);
        engine.deposit(id, asset, amount);
    }

    function _borrow(address owner, VaultId id, uint256 amount) internal {
        vm.prank(owner);
        engine.borrow(id, amount, owner);
    }

    // ------------------------------------------------------------------ prices and time

    function _answer(address asset) internal view returns (int256) {
        return feedOf[asset].latestAnswer();
    }

    /// @dev Sets the 8-decimal answer of `asset`'s feed (timestamped now).
    function _setAnswer(address asset, int256 answer) internal {
        feedOf[asset].updateAnswer(answer);
    }

    /// @dev Multiplies `asset`'s feed answer by `factor` [wad], rounding down, at least 1.
    function _scaleAnswer(address asset, uint256 factor) internal returns (int256 answer) {
        answer = int256(Math.mulDiv(uint256(_answer(asset)), factor, WAD));
        if (answer == 0) answer = 1;
        _setAnswer(asset, answer);
    }

    /// @dev Re-publishes every feed's latest answer at the current timestamp.
    function _refreshFeeds() internal {
        for (uint256 i; i < feedAssets.length; ++i) {
            MockV3Aggregator feed = feedOf[feedAssets[i]];
            feed.updateAnswer(feed.latestAnswer());
        }
    }

    /// @dev Moves time forward by `dt` seconds and refreshes every feed so none is stale.
    function _warp(uint256 dt) internal {
        vm.warp(block.timestamp + dt);
        _refreshFeeds();
    }

    /// @dev Oracle price of `asset` in whole base tokens per whole token [wad], as the auction house
    /// computes it.
    function _priceInBase(address asset) internal view returns (uint256) {
        return Math.mulDiv(oracle.getPrice(asset), WAD, oracle.getPrice(address(usdc)));
    }

    function _unitOf(address asset) internal view returns (uint256) {
        return 10 ** engine.collateralConfig(asset).decimals;
    }

    /// @dev Base units for `amount` of `asset` at `price` [wad base per token], rounded down.
    function _baseValueDown(address asset, uint256 amount, uint256 price) internal view returns (uint256) {
        return Math.mulDiv(amount, price * USDC_UNIT, _unitOf(asset) * WAD);
    }

    /// @dev Token units of `asset` worth `usd` whole dollars at the feed price (rounded down).
    function _amountForUsd(address asset, uint256 usd) internal view returns (uint256) {
        return Math.mulDiv(usd * WAD, _unitOf(asset), oracle.getPrice(asset));
    }

    // ------------------------------------------------------------------ ledger sums

    function _sumVaultScaledDebt() internal view returns (uint256 sum) {
        uint256 n = engine.vaultCount();
        for (uint256 id = 1; id <= n; ++id) sum += engine.scaledDebtOf(VaultId.wrap(id));
    }

    function _sumPositions(address asset) internal view returns (uint256 sum) {
        uint256 n = engine.vaultCount();
        for (uint256 id = 1; id <= n; ++id) sum += engine.collateralAmount(VaultId.wrap(id), asset);
    }

    /// @dev Sums of the scaled debt and of `asset`'s lots over all open auctions (lot != 0).
    function _sumOpenAuctions(address asset) internal view returns (uint256 scaledDebt, uint256 lots) {
        uint256 n = auctionHouse.auctionCount();
        for (uint256 id = 1; id <= n; ++id) {
            IAuctionHouse.Auction memory a = auctionHouse.auction(id);
            if (a.lot == 0) continue;
            scaledDebt += a.scaledDebt;
            if (a.asset == asset) lots += a.lot;
        }
    }

    function _openAuctionCount() internal view returns (uint256 count) {
        uint256 n = auctionHouse.auctionCount();
        for (uint256 id = 1; id <= n; ++id) {
            if (auctionHouse.auction(id).lot != 0) ++count;
        }
    }

    /// @dev Property: the pool's scaled debt is exactly the vaults' plus the open auctions'.
    function _assertScaledDebtReconciles(string memory where) internal view {
        (uint256 auctionScaled, ) = _sumOpenAuctions(address(0));
        assertEq(pool.totalScaledDebt(), _sumVaultScaledDebt() + auctionScaled, where);
    }

    /// @dev Property: each collateral token held by the engine is exactly the positions plus open lots.
    function _assertCollateralReconciles(string memory where) internal view {
        for (uint256 i; i < collaterals.length; ++i) {
            address asset = collaterals[i];
            (, uint256 lots) = _sumOpenAuctions(asset);
            assertEq(IERC20(asset).balanceOf(address(engine)), _sumPositions(asset) + lots, where);
        }
    }

    // ------------------------------------------------------------------ health

    function _hf(VaultId id) internal view returns (uint256) {
        return engine.healthFactor(id);
    }

    /// @dev Effective maintenance haircut of `asset` in vault `id` (with add-ons) [wad]; 0 if not held.
    function _maintenanceHaircut(VaultId id, address asset) internal view returns (uint256) {
        IVaultEngine.HealthBreakdown memory h = engine.healthBreakdown(id);
        for (uint256 i; i < h.assets.length; ++i) {
            if (h.assets[i].asset == asset) return h.assets[i].maintenanceHaircut;
        }
        return 0;
    }

    /// @dev Debt owed for `scaled` debt at the current index, rounded up (as the engine reports it).
    function _debtUp(uint256 scaled) internal view returns (uint256) {
        return RiskMath.toDebtUp(scaled, pool.currentBorrowIndex());
    }
}
