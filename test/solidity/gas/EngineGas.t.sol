// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {GasTestBase} from "./GasTestBase.sol";
import {IVaultEngine} from "../../../contracts/interfaces/IVaultEngine.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";

/// @notice Gas snapshots of steady-state engine and pool operations, for the regression check
/// (`npm run gas:check`; regenerate with `npm run gas:snapshot`). Writes snapshots/VaultEngine.json
/// and snapshots/LendingPool.json.
/// @dev setUp deploys the real system with the parameters of deploy/parameters/hardhat.json, the circuit
/// breaker wired as deployed (so every figure includes the breaker's checks), lets
/// a first user warm every shared slot (and keep debt against every collateral), and prepares one
/// vault of the second user per starting state. Each test then measures ONE call of the second
/// user: setUp and the test run as separate transactions, so the measured call starts with cold
/// storage, like a real transaction. A figure equals the receipt gasUsed of the same call sent as a
/// transaction (scripts/bench-gas.ts) minus the 21,000 intrinsic gas and the calldata cost, before
/// refunds. Every test also checks the state the operation left behind, reading nothing the call
/// touches before it (see `Before`).
contract EngineGasTest is GasTestBase {
    string internal constant ENGINE = "VaultEngine";
    string internal constant POOL = "LendingPool";

    address internal constant LENDER2 = address(0x1E4D2);

    // The second user's vaults, one per starting state.
    VaultId internal vEmpty; // opened, nothing deposited
    VaultId internal vCollateral; // 10 WETH, no debt
    VaultId internal vDebt; // 10 WETH, 10,000 USDC debt
    VaultId internal vMulti; // 10 WETH + 1 WBTC + 2,000 LINK, no debt
    VaultId internal vMultiDebt; // 10 WETH + 1 WBTC + 2,000 LINK, 10,000 USDC debt

    /// @dev State read at the end of setUp, at the measured call's timestamp. Reading it inside a test
    /// before the measured call would warm the slots and accounts that call touches (EIP-2929) and
    /// understate its gas, so tests only read state after the call.
    struct Before {
        uint256 vaultCount;
        uint256 engineWeth;
        uint256 userWeth;
        uint256 userUsdc;
        uint256 poolCash;
        uint256 poolDebt;
        uint256 vDebtDebt;
        uint256 vDebtScaled;
        uint256 wethScaledBacked;
        uint256 depositShares; // previewDeposit(100,000 USDC)
        uint256 withdrawShares; // previewWithdraw(50,000 USDC)
        uint256 lender2Shares;
        uint256 lender2Usdc;
    }
    Before internal before;

    function setUp() public {
        _deploySystem();
        _deployBreakerAsDeployed();

        address[4] memory actors = [LENDER, LENDER2, WARM, USER];
        for (uint256 i; i < actors.length; ++i) _fund(actors[i], false);

        vm.prank(LENDER);
        pool.deposit(2_000_000e6, LENDER);
        _next();
        vm.prank(LENDER2);
        pool.deposit(100_000e6, LENDER2);

        _warmUp();
        _prepareSecondUser();
        // The measured call comes one block later: it accrues interest like any live call.
        _next();
        _recordBefore();
    }

    // ------------------------------------------------------------------ vault engine

    function test_openVault() public {
        vm.startPrank(USER);
        VaultId id = engine.openVault(USER);
        GAS_VM.snapshotGasLastCall(ENGINE, "openVault");
        vm.stopPrank();
        assertEq(VaultId.unwrap(id), before.vaultCount + 1, "new id");
        assertEq(engine.ownerOf(id), USER, "owner");
    }

    function test_deposit_first() public {
        vm.startPrank(USER);
        engine.deposit(vEmpty, address(weth), 10e18);
        GAS_VM.snapshotGasLastCall(ENGINE, "deposit_first");
        vm.stopPrank();
        assertEq(engine.collateralAmount(vEmpty, address(weth)), 10e18, "amount");
        assertEq(engine.collateralsOf(vEmpty).length, 1, "listed once");
        assertEq(weth.balanceOf(address(engine)), before.engineWeth + 10e18, "tokens moved");
    }

    function test_deposit_topup() public {
        vm.startPrank(USER);
        engine.deposit(vCollateral, address(weth), 5e18);
        GAS_VM.snapshotGasLastCall(ENGINE, "deposit_topup");
        vm.stopPrank();
        assertEq(engine.collateralAmount(vCollateral, address(weth)), 15e18, "amount");
        assertEq(engine.collateralsOf(vCollateral).length, 1, "still one collateral");
    }

    function test_borrow() public {
        vm.startPrank(USER);
        engine.borrow(vCollateral, 10_000e6, USER);
        GAS_VM.snapshotGasLastCall(ENGINE, "borrow");
        vm.stopPrank();
        assertEq(usdc.balanceOf(USER), before.userUsdc + 10_000e6, "received");
        // Debt rounds up: at most one unit above the amount borrowed.
        assertApproxEqAbs(engine.debtOf(vCollateral), 10_000e6, 1, "debt");
        assertGe(engine.debtOf(vCollateral), 10_000e6, "debt rounds up");
        assertApproxEqAbs(pool.totalDebt(), before.poolDebt + 10_000e6, 1, "pool debt");
        assertEq(
            engine.attributedScaledDebt(vCollateral, address(weth)),
            engine.scaledDebtOf(vCollateral),
            "single collateral backs all the debt"
        );
        assertGe(engine.initialHealthFactor(vCollateral), WAD, "initial health");
    }

    function test_borrow_3_collaterals() public {
        vm.startPrank(USER);
        engine.borrow(vMulti, 10_000e6, USER);
        GAS_VM.snapshotGasLastCall(ENGINE, "borrow_3_collaterals");
        vm.stopPrank();
        assertApproxEqAbs(engine.debtOf(vMulti), 10_000e6, 1, "debt");
        uint256 attributed =
            engine.attributedScaledDebt(vMulti, address(weth)) +
                engine.attributedScaledDebt(vMulti, address(wbtc)) +
                engine.attributedScaledDebt(vMulti, address(link));
        assertEq(attributed, engine.scaledDebtOf(vMulti), "attributions sum to the vault's debt");
        assertGt(engine.attributedScaledDebt(vMulti, address(link)), 0, "every collateral backs a share");
    }

    function test_repay_partial() public {
        vm.startPrank(USER);
        uint256 repaid = engine.repay(vDebt, 2_000e6);
        GAS_VM.snapshotGasLastCall(ENGINE, "repay_partial");
        vm.stopPrank();
        assertEq(repaid, 2_000e6, "repaid");
        // The remaining debt rounds up: at most one unit above the exact difference.
        assertApproxEqAbs(engine.debtOf(vDebt), before.vDebtDebt - 2_000e6, 1, "remaining debt");
        assertEq(pool.cash(), before.poolCash + 2_000e6, "pool cash");
    }

    function test_repay_full() public {
        vm.startPrank(USER);
        uint256 repaid = engine.repay(vDebt, type(uint256).max);
        GAS_VM.snapshotGasLastCall(ENGINE, "repay_full");
        vm.stopPrank();
        assertEq(repaid, before.vDebtDebt, "repaid everything");
        assertEq(engine.scaledDebtOf(vDebt), 0, "no scaled debt");
        assertEq(engine.attributedScaledDebt(vDebt, address(weth)), 0, "no attribution");
        assertEq(
            engine.scaledDebtBackedBy(address(weth)),
            before.wethScaledBacked - before.vDebtScaled,
            "asset backing"
        );
        assertEq(engine.healthFactor(vDebt), type(uint256).max, "HF without debt");
    }

    function test_withdraw_with_debt() public {
        vm.startPrank(USER);
        engine.withdraw(vDebt, address(weth), 1e18, USER);
        GAS_VM.snapshotGasLastCall(ENGINE, "withdraw_with_debt");
        vm.stopPrank();
        assertEq(engine.collateralAmount(vDebt, address(weth)), 9e18, "amount");
        assertEq(weth.balanceOf(USER), before.userWeth + 1e18, "received");
        assertGe(engine.initialHealthFactor(vDebt), WAD, "initial health kept");
    }

    function test_withdraw_no_debt() public {
        vm.startPrank(USER);
        engine.withdraw(vCollateral, address(weth), 1e18, USER);
        GAS_VM.snapshotGasLastCall(ENGINE, "withdraw_no_debt");
        vm.stopPrank();
        assertEq(engine.collateralAmount(vCollateral, address(weth)), 9e18, "amount");
        assertEq(weth.balanceOf(USER), before.userWeth + 1e18, "received");
    }

    function _hfFromBreakdown(VaultId id) internal view returns (uint256) {
        IVaultEngine.HealthBreakdown memory h = engine.healthBreakdown(id);
        return (h.maintenanceValue * 1e18) / h.debtValue;
    }

    /// @dev Expected: 10 WETH at $3,000 under a 15% maintenance haircut and the size add-on
    /// (0.5 * value^2 / depth = $9): $25,491 against ~10,000 USDC of debt at $1.
    function test_healthFactor_1_collateral() public {
        vm.startPrank(USER);
        uint256 hf = engine.healthFactor(vDebt);
        GAS_VM.snapshotGasLastCall(ENGINE, "healthFactor_1_collateral");
        vm.stopPrank();
        assertApproxEqAbs(hf, 2.5491e18, 0.0001e18, "HF");
        assertEq(hf, _hfFromBreakdown(vDebt), "same as the summary");
    }

    /// @dev Expected maintenance values: WETH $30,000 -> $25,491; WBTC $60,000 at 18% -> $49,140;
    /// LINK $30,000 at 25% -> $22,410 (size add-ons included); $97,041 against ~10,000 USDC.
    function test_healthFactor_3_collaterals() public {
        vm.startPrank(USER);
        uint256 hf = engine.healthFactor(vMultiDebt);
        GAS_VM.snapshotGasLastCall(ENGINE, "healthFactor_3_collaterals");
        vm.stopPrank();
        assertApproxEqAbs(hf, 9.7041e18, 0.001e18, "HF");
        assertEq(hf, _hfFromBreakdown(vMultiDebt), "same as the summary");
    }

    // ------------------------------------------------------------------ lending pool

    function test_pool_deposit() public {
        vm.startPrank(USER);
        uint256 shares = pool.deposit(100_000e6, USER);
        GAS_VM.snapshotGasLastCall(POOL, "pool_deposit");
        vm.stopPrank();
        assertEq(shares, before.depositShares, "shares as previewed");
        assertEq(pool.balanceOf(USER), shares, "first shares of this lender");
        assertEq(pool.cash(), before.poolCash + 100_000e6, "cash");
    }

    function test_pool_withdraw() public {
        vm.startPrank(LENDER2);
        uint256 shares = pool.withdraw(50_000e6, LENDER2, LENDER2);
        GAS_VM.snapshotGasLastCall(POOL, "pool_withdraw");
        vm.stopPrank();
        assertEq(shares, before.withdrawShares, "shares as previewed");
        assertEq(pool.balanceOf(LENDER2), before.lender2Shares - shares, "shares burnt");
        assertEq(usdc.balanceOf(LENDER2), before.lender2Usdc + 50_000e6, "received");
    }

    // ------------------------------------------------------------------ helpers

    /// @dev First user: every operation once, debt left outstanding against all three collaterals.
    function _warmUp() internal {
        vm.startPrank(WARM);
        VaultId w1 = engine.openVault(WARM);
        _next();
        engine.deposit(w1, address(weth), 20e18);
        _next();
        engine.deposit(w1, address(weth), 5e18);
        _next();
        engine.borrow(w1, 20_000e6, WARM);
        _next();
        engine.repay(w1, 2_000e6);
        _next();
        engine.withdraw(w1, address(weth), 1e18, WARM);
        _next();
        VaultId w2 = engine.openVault(WARM);
        _depositThree(w2);
        engine.borrow(w2, 30_000e6, WARM);
        _next();
        pool.deposit(10_000e6, WARM);
        _next();
        pool.withdraw(5_000e6, WARM, WARM);
        _next();
        vm.stopPrank();
    }

    /// @dev Second user: the starting state of each measured operation.
    function _prepareSecondUser() internal {
        vm.startPrank(USER);
        vEmpty = engine.openVault(USER);
        vCollateral = engine.openVault(USER);
        engine.deposit(vCollateral, address(weth), 10e18);
        vDebt = engine.openVault(USER);
        engine.deposit(vDebt, address(weth), 10e18);
        _next();
        engine.borrow(vDebt, 10_000e6, USER);
        vMulti = engine.openVault(USER);
        _depositThree(vMulti);
        vMultiDebt = engine.openVault(USER);
        _depositThree(vMultiDebt);
        engine.borrow(vMultiDebt, 10_000e6, USER);
        vm.stopPrank();
    }

    function _recordBefore() internal {
        before = Before({
            vaultCount: engine.vaultCount(),
            engineWeth: weth.balanceOf(address(engine)),
            userWeth: weth.balanceOf(USER),
            userUsdc: usdc.balanceOf(USER),
            poolCash: pool.cash(),
            poolDebt: pool.totalDebt(),
            vDebtDebt: engine.debtOf(vDebt),
            vDebtScaled: engine.scaledDebtOf(vDebt),
            wethScaledBacked: engine.scaledDebtBackedBy(address(weth)),
            depositShares: pool.previewDeposit(100_000e6),
            withdrawShares: pool.previewWithdraw(50_000e6),
            lender2Shares: pool.balanceOf(LENDER2),
            lender2Usdc: usdc.balanceOf(LENDER2)
        });
    }

    /// @dev Caller pranked as the vault owner: 10 WETH, 1 WBTC, 2,000 LINK ($120,000).
    function _depositThree(VaultId id) internal {
        engine.deposit(id, address(weth), 10e18);
        engine.deposit(id, address(wbtc), 1e8);
        engine.deposit(id, address(link), 2_000e18);
        _next();
    }
}
