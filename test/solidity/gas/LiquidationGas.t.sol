// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GasTestBase} from "./GasTestBase.sol";
import {AuctionHouse} from "../../../contracts/auction/AuctionHouse.sol";
import {IAuctionHouse} from "../../../contracts/interfaces/IAuctionHouse.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";

/// @notice Gas snapshots of steady-state liquidation operations (margin call, kick, take, reset, bad
/// debt), for the regression check next to EngineGas.t.sol. Writes snapshots/AuctionHouse.json.
/// @dev setUp deploys the real system with the parameters of deploy/parameters/hardhat.json (auction
/// house, exponential curve -1% per minute, insurance-fund spenders, per-collateral auction configs,
/// and the circuit breaker wired as deployed, so every figure includes its checks and throttle),
/// funds the insurance fund with pool shares, and runs one whole liquidation sequence on a first
/// user's vaults to warm every shared slot. Keeper rewards and bad-debt cover are really paid: in the
/// measured calls, out of the penalties the fund collected in base asset during that sequence. It
/// then prepares one vault or auction of the second user per measured operation, all on one
/// timeline: WETH falls from $3,000 to $2,550 (margin shortfall above the 0.9 hard floor), the vaults
/// are flagged, and the measured call comes when each is in the state it needs. Each test measures
/// ONE call, with cold storage as in a real transaction (setUp and the test run separately), and
/// checks the state it left behind against figures read at the end of setUp (see `Before`).
contract LiquidationGasTest is GasTestBase {
    string internal constant GROUP = "AuctionHouse";

    address internal constant KEEPER = address(0x4EE9E4);

    /// @dev The second user's vaults and auctions, one per measured operation.
    struct Prepared {
        VaultId flag; // 20 WETH, 45,000 USDC: in shortfall, not flagged
        VaultId kick1; // 20 WETH, 45,000 USDC: flagged, cure window over
        VaultId kick3; // 20 WETH + 0.1 WBTC + 100 LINK, 50,000 USDC: flagged, cure window over
        VaultId take1; // 1 collateral, WETH auction 10 minutes old
        VaultId take3; // 3 collaterals, WETH auction 10 minutes old
        VaultId reset; // 1 collateral, WETH auction 81 minutes old, partly sold: needs a reset
        VaultId bad; // debt, no collateral, no auction: its whole WETH lot sold under the tab
        uint256 take1Id;
        uint256 take3Id;
        uint256 resetId;
    }
    Prepared internal u;

    /// @dev The first user's vaults, liquidated in setUp to warm every shared slot.
    struct Warm {
        VaultId single;
        VaultId multi;
        VaultId partly;
        VaultId bad;
    }

    /// @dev State read at the end of setUp, at the measured call's timestamp. Reading it inside a test
    /// before the measured call would warm the slots and accounts that call touches (EIP-2929) and
    /// understate its gas, so tests only read state after the call.
    struct Before {
        uint256 auctionCount;
        uint256 keeperUsdc;
        uint256 keeperWeth;
        uint256 poolScaled;
        uint256 fundAssets;
        // kick
        AuctionHouse.Kick kick1;
        AuctionHouse.Kick kick3;
        uint256 kick1Weth;
        uint256 kick1Scaled;
        uint256 kick3Weth;
        uint256 kick3Scaled;
        // take
        TakeBefore take1;
        TakeBefore take3;
        uint256 partialCollateral1; // quoteTake(lot / 4)
        uint256 partialOwe1;
        // reset
        IAuctionHouse.AuctionStatus reset;
        uint256 resetTop;
        // bad debt
        uint256 badDebt;
        uint256 badScaled;
    }
    Before internal before;

    /// @dev One auction to take from, as it stands at the measured call's timestamp.
    struct TakeBefore {
        uint256 id;
        VaultId vault;
        IAuctionHouse.AuctionStatus status;
        uint256 scaledDebt; // debt part of the auction [scaled]
        uint256 vaultWeth; // WETH left in the vault
        uint256 fullCollateral; // quoteTake(everything)
        uint256 fullOwe;
    }

    function setUp() public {
        _deploySystem();
        _deployBreakerAsDeployed();

        address[4] memory actors = [LENDER, WARM, USER, KEEPER];
        for (uint256 i; i < actors.length; ++i) _fund(actors[i], true);

        vm.startPrank(LENDER);
        pool.deposit(2_000_000e6, LENDER);
        // The insurance fund's reserve, as pool shares (what the reserve factor mints it).
        pool.deposit(500_000e6, address(fund));
        vm.stopPrank();
        _next();

        Warm memory w = _openVaults();
        // WETH -15%: HF 0.96 (45,000 on 20 WETH), 0.99 (three collaterals), 0.91 (47,500 borrowed);
        // all above the 0.9 hard floor, so every kick needs a margin call and the cure window.
        feedOf[address(weth)].updateAnswer(2_550e8);
        _next();
        vm.startPrank(KEEPER);
        VaultId[10] memory flagged = [
            w.single,
            w.multi,
            w.partly,
            w.bad,
            u.kick1,
            u.kick3,
            u.take1,
            u.take3,
            u.reset,
            u.bad
        ];
        for (uint256 i; i < flagged.length; ++i) engine.flagMarginCall(flagged[i]);
        skip(auctionHouse.auctionParameters().cureWindow);
        _next();

        _warmUpAndAge(w);
        // The second user's take auctions start ten minutes before the measured call.
        u.take1Id = auctionHouse.kick(u.take1, address(weth), KEEPER);
        u.take3Id = auctionHouse.kick(u.take3, address(weth), KEEPER);
        vm.stopPrank();
        skip(10 minutes);
        _recordBefore();
    }

    /// @dev Every vault opens at $3,000 WETH.
    function _openVaults() internal returns (Warm memory w) {
        w.single = _single(WARM, 45_000e6);
        w.multi = _multi(WARM);
        w.partly = _single(WARM, 45_000e6);
        w.bad = _single(WARM, 47_500e6);
        u.flag = _single(USER, 45_000e6);
        u.kick1 = _single(USER, 45_000e6);
        u.kick3 = _multi(USER);
        u.take1 = _single(USER, 45_000e6);
        u.take3 = _multi(USER);
        u.reset = _single(USER, 45_000e6);
        u.bad = _single(USER, 47_500e6);
    }

    /// @dev Keeper pranked, cure windows over. The first user's vaults go through every measured
    /// operation (kick 1 and 3 collaterals, full and partial take, reset, bad debt); meanwhile the
    /// second user's reset auction ages and its bad-debt vault is sold out.
    function _warmUpAndAge(Warm memory w) internal {
        uint256 a1 = auctionHouse.kick(w.single, address(weth), KEEPER);
        uint256 a3 = auctionHouse.kick(w.multi, address(weth), KEEPER);
        uint256 aPartly = auctionHouse.kick(w.partly, address(weth), KEEPER);
        uint256 aBad = auctionHouse.kick(w.bad, address(weth), KEEPER);
        u.resetId = auctionHouse.kick(u.reset, address(weth), KEEPER);
        uint256 uBad = auctionHouse.kick(u.bad, address(weth), KEEPER);
        // Eleven minutes on, the price (start x 1.1, -1% a minute) is under the oracle's: the whole
        // lots of the 47,500 vaults sell under their tabs, leaving debt and no collateral.
        skip(11 minutes);
        auctionHouse.take(a1, type(uint256).max, type(uint256).max, KEEPER, "");
        auctionHouse.take(a3, type(uint256).max, type(uint256).max, KEEPER, "");
        auctionHouse.take(aPartly, auctionHouse.auction(aPartly).lot / 4, type(uint256).max, KEEPER, "");
        auctionHouse.take(u.resetId, auctionHouse.auction(u.resetId).lot / 4, type(uint256).max, KEEPER, "");
        auctionHouse.take(aBad, type(uint256).max, type(uint256).max, KEEPER, "");
        auctionHouse.take(uBad, type(uint256).max, type(uint256).max, KEEPER, "");
        _next();
        engine.realiseBadDebt(w.bad);
        // 70 minutes after the kicks, the partly sold auctions need a reset.
        skip(1 hours);
        auctionHouse.reset(aPartly, KEEPER);
        _next();
    }

    // ------------------------------------------------------------------ margin call

    function test_flag_1_collateral() public {
        vm.startPrank(KEEPER);
        engine.flagMarginCall(u.flag);
        GAS_VM.snapshotGasLastCall(GROUP, "flag_1_collateral");
        vm.stopPrank();
        assertEq(engine.marginCallOf(u.flag), block.timestamp, "flagged now");
        assertLt(engine.healthFactor(u.flag), WAD, "in margin shortfall");
        assertGe(engine.healthFactor(u.flag), auctionHouse.auctionParameters().hardFloor, "above the hard floor");
    }

    // ------------------------------------------------------------------ kick

    function test_kick_1_collateral() public {
        vm.startPrank(KEEPER);
        uint256 id = auctionHouse.kick(u.kick1, address(weth), KEEPER);
        GAS_VM.snapshotGasLastCall(GROUP, "kick_1_collateral");
        vm.stopPrank();
        _checkKick(id, u.kick1, before.kick1, before.kick1Weth, before.kick1Scaled);
        assertGt(engine.collateralAmount(u.kick1, address(weth)), 0, "part of the position stays in the vault");
    }

    function test_kick_3_collaterals() public {
        vm.startPrank(KEEPER);
        uint256 id = auctionHouse.kick(u.kick3, address(weth), KEEPER);
        GAS_VM.snapshotGasLastCall(GROUP, "kick_3_collaterals");
        vm.stopPrank();
        _checkKick(id, u.kick3, before.kick3, before.kick3Weth, before.kick3Scaled);
        assertEq(engine.collateralsOf(u.kick3).length, 3, "still three collaterals");
    }

    function _checkKick(
        uint256 id,
        VaultId vault,
        AuctionHouse.Kick memory expected,
        uint256 wethBefore,
        uint256 scaledBefore
    ) internal view {
        assertEq(id, before.auctionCount + 1, "new auction id");
        assertEq(auctionHouse.activeAuctionOf(vault, address(weth)), id, "active");
        IAuctionHouse.Auction memory a = auctionHouse.auction(id);
        assertEq(a.lot, expected.lot, "lot as previewed");
        assertEq(a.scaledDebt, expected.scaledDebt, "debt as previewed");
        assertEq(a.penalty, expected.penalty, "penalty as previewed");
        assertEq(a.top, expected.top, "start price as previewed");
        assertEq(a.startedAt, block.timestamp, "started now");
        assertEq(engine.collateralAmount(vault, address(weth)), wethBefore - expected.lot, "lot seized");
        assertEq(engine.scaledDebtOf(vault), scaledBefore - expected.scaledDebt, "debt moved out");
        assertEq(engine.openAuctionsOf(vault), 1, "one open auction");
        IAuctionHouse.AuctionParameters memory p = auctionHouse.auctionParameters();
        uint256 reward = p.keeperTip + ((expected.debt + expected.penalty) * p.keeperChip) / WAD;
        assertEq(usdc.balanceOf(KEEPER), before.keeperUsdc + reward, "keeper paid by the fund");
    }

    // ------------------------------------------------------------------ take

    function test_take_full_1_collateral() public {
        vm.startPrank(KEEPER);
        (uint256 collateral, uint256 paid) = auctionHouse.take(
            u.take1Id,
            type(uint256).max,
            type(uint256).max,
            KEEPER,
            ""
        );
        GAS_VM.snapshotGasLastCall(GROUP, "take_full_1_collateral");
        vm.stopPrank();
        _checkFullTake(before.take1, collateral, paid);
    }

    function test_take_partial_1_collateral() public {
        uint256 maxCollateral = before.take1.status.lot / 4;
        vm.startPrank(KEEPER);
        (uint256 collateral, uint256 paid) = auctionHouse.take(u.take1Id, maxCollateral, type(uint256).max, KEEPER, "");
        GAS_VM.snapshotGasLastCall(GROUP, "take_partial_1_collateral");
        vm.stopPrank();
        assertEq(collateral, before.partialCollateral1, "collateral as quoted");
        assertEq(collateral, maxCollateral, "a quarter of the lot");
        assertEq(paid, before.partialOwe1, "paid as quoted");
        assertEq(weth.balanceOf(KEEPER), before.keeperWeth + collateral, "collateral received");
        assertEq(usdc.balanceOf(KEEPER), before.keeperUsdc - paid, "payment pulled");
        IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(u.take1Id);
        assertTrue(s.active, "still open");
        assertEq(s.lot, before.take1.status.lot - collateral, "lot left");
        // Payments cover the debt first; the scaled debt repaid rounds down, so the debt left may
        // round up to one unit more.
        assertApproxEqAbs(s.tab, before.take1.status.tab - paid, 1, "tab left");
        assertGe(s.tab, before.take1.status.tab - paid, "tab left never rounds in the buyer's favour");
        assertEq(s.penalty, before.take1.status.penalty, "penalty untouched while debt remains");
        assertGe(s.tab, auctionHouse.auctionParameters().dust, "at least dust left");
        assertEq(engine.openAuctionsOf(u.take1), 1, "auction still open on the vault");
    }

    function test_take_full_3_collaterals() public {
        vm.startPrank(KEEPER);
        (uint256 collateral, uint256 paid) = auctionHouse.take(
            u.take3Id,
            type(uint256).max,
            type(uint256).max,
            KEEPER,
            ""
        );
        GAS_VM.snapshotGasLastCall(GROUP, "take_full_3_collaterals");
        vm.stopPrank();
        _checkFullTake(before.take3, collateral, paid);
        assertEq(engine.collateralsOf(u.take3).length, 3, "still three collaterals");
    }

    function _checkFullTake(TakeBefore memory t, uint256 collateral, uint256 paid) internal view {
        assertEq(paid, t.status.tab, "the whole tab in one call");
        assertEq(paid, t.fullOwe, "paid as quoted");
        assertEq(collateral, t.fullCollateral, "collateral as quoted");
        assertLt(collateral, t.status.lot, "the tab cost less than the lot");
        assertEq(weth.balanceOf(KEEPER), before.keeperWeth + collateral, "collateral received");
        assertEq(usdc.balanceOf(KEEPER), before.keeperUsdc - paid, "payment pulled");
        assertEq(auctionHouse.auction(t.id).lot, 0, "auction closed");
        assertEq(auctionHouse.activeAuctionOf(t.vault, address(weth)), 0, "no active auction");
        assertEq(engine.openAuctionsOf(t.vault), 0, "no open auction on the vault");
        assertEq(pool.totalScaledDebt(), before.poolScaled - t.scaledDebt, "debt part repaid to the pool");
        assertEq(
            engine.collateralAmount(t.vault, address(weth)),
            t.vaultWeth + t.status.lot - collateral,
            "unsold collateral returned"
        );
        assertEq(engine.marginCallOf(t.vault), 0, "margin call cured");
        assertGe(engine.healthFactor(t.vault), WAD, "healthy again");
    }

    // ------------------------------------------------------------------ reset

    function test_reset() public {
        vm.startPrank(KEEPER);
        auctionHouse.reset(u.resetId, KEEPER);
        GAS_VM.snapshotGasLastCall(GROUP, "reset");
        vm.stopPrank();
        IAuctionHouse.Auction memory a = auctionHouse.auction(u.resetId);
        assertEq(a.startedAt, block.timestamp, "restarted now");
        assertEq(a.top, before.resetTop, "fresh start price: oracle x start buffer");
        assertEq(a.lot, before.reset.lot, "lot unchanged");
        IAuctionHouse.AuctionStatus memory s = auctionHouse.auctionStatus(u.resetId);
        assertFalse(s.needsReset, "fresh");
        assertEq(s.price, before.resetTop, "at the start price");
        IAuctionHouse.AuctionParameters memory p = auctionHouse.auctionParameters();
        uint256 reward = p.keeperTip + (before.reset.tab * p.keeperChip) / WAD;
        assertEq(usdc.balanceOf(KEEPER), before.keeperUsdc + reward, "keeper paid by the fund");
    }

    // ------------------------------------------------------------------ bad debt

    function test_realiseBadDebt() public {
        vm.startPrank(KEEPER);
        (uint256 covered, uint256 socialised) = engine.realiseBadDebt(u.bad);
        GAS_VM.snapshotGasLastCall(GROUP, "realiseBadDebt");
        vm.stopPrank();
        assertEq(covered, before.badDebt, "the fund covers it all");
        assertEq(socialised, 0, "nothing written off against lenders");
        assertEq(engine.scaledDebtOf(u.bad), 0, "no debt left");
        assertEq(engine.marginCallOf(u.bad), 0, "flag cleared");
        assertEq(pool.totalScaledDebt(), before.poolScaled - before.badScaled, "pool debt cleared");
        assertEq(fund.availableAssets(), before.fundAssets - covered, "paid by the fund");
    }

    // ------------------------------------------------------------------ helpers

    function _recordBefore() internal {
        before.auctionCount = auctionHouse.auctionCount();
        before.keeperUsdc = usdc.balanceOf(KEEPER);
        before.keeperWeth = weth.balanceOf(KEEPER);
        before.poolScaled = pool.totalScaledDebt();
        before.fundAssets = fund.availableAssets();

        before.kick1 = auctionHouse.previewKick(u.kick1, address(weth));
        before.kick3 = auctionHouse.previewKick(u.kick3, address(weth));
        before.kick1Weth = engine.collateralAmount(u.kick1, address(weth));
        before.kick1Scaled = engine.scaledDebtOf(u.kick1);
        before.kick3Weth = engine.collateralAmount(u.kick3, address(weth));
        before.kick3Scaled = engine.scaledDebtOf(u.kick3);

        before.take1 = _takeBefore(u.take1Id, u.take1);
        before.take3 = _takeBefore(u.take3Id, u.take3);
        (before.partialCollateral1, before.partialOwe1, ) = auctionHouse.quoteTake(
            u.take1Id,
            before.take1.status.lot / 4,
            0
        );

        before.reset = auctionHouse.auctionStatus(u.resetId);
        uint256 oraclePrice = (oracle.getPrice(address(weth)) * WAD) / oracle.getPrice(address(usdc));
        before.resetTop = (oraclePrice * auctionHouse.collateralAuctionConfig(address(weth)).startBuffer) / WAD;

        before.badDebt = engine.debtOf(u.bad);
        before.badScaled = engine.scaledDebtOf(u.bad);

        // The timeline put every prepared state where its measured call needs it.
        assertEq(engine.marginCallOf(u.flag), 0, "u.flag not flagged");
        assertLt(engine.healthFactor(u.flag), WAD, "u.flag in shortfall");
        (bool ok1, ) = auctionHouse.canKick(u.kick1, address(weth));
        (bool ok3, ) = auctionHouse.canKick(u.kick3, address(weth));
        assertTrue(ok1 && ok3, "kickable");
        assertTrue(before.take1.status.active && !before.take1.status.needsReset, "take auction 1 live");
        assertTrue(before.take3.status.active && !before.take3.status.needsReset, "take auction 3 live");
        assertLt(before.take1.status.price, (before.resetTop / 11) * 10, "taken under the oracle price");
        assertTrue(before.reset.active && before.reset.needsReset, "reset auction stale");
        assertTrue(before.badDebt != 0 && engine.collateralsOf(u.bad).length == 0, "bad debt");
        assertEq(engine.openAuctionsOf(u.bad), 0, "no auction on the bad-debt vault");
        assertGt(before.fundAssets, before.badDebt, "fund can cover the bad debt");
        // Rewards and cover come out of the penalties the fund collected in base asset.
        assertGt(usdc.balanceOf(address(fund)), before.badDebt, "fund cash");
    }

    function _takeBefore(uint256 id, VaultId vault) internal view returns (TakeBefore memory t) {
        t.id = id;
        t.vault = vault;
        t.status = auctionHouse.auctionStatus(id);
        t.scaledDebt = auctionHouse.auction(id).scaledDebt;
        t.vaultWeth = engine.collateralAmount(vault, address(weth));
        (t.fullCollateral, t.fullOwe, ) = auctionHouse.quoteTake(id, type(uint256).max, 0);
    }

    /// @dev 20 WETH ($60,000) and `debt` borrowed.
    function _single(address owner, uint256 debt) internal returns (VaultId id) {
        vm.startPrank(owner);
        id = engine.openVault(owner);
        engine.deposit(id, address(weth), 20e18);
        engine.borrow(id, debt, owner);
        vm.stopPrank();
        _next();
    }

    /// @dev 20 WETH + 0.1 WBTC + 100 LINK ($67,500), 50,000 USDC borrowed.
    function _multi(address owner) internal returns (VaultId id) {
        vm.startPrank(owner);
        id = engine.openVault(owner);
        engine.deposit(id, address(weth), 20e18);
        engine.deposit(id, address(wbtc), 0.1e8);
        engine.deposit(id, address(link), 100e18);
        engine.borrow(id, 50_000e6, owner);
        vm.stopPrank();
        _next();
    }
}
