// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SystemBase} from "../utils/SystemBase.sol";
import {VaultId} from "../../../contracts/libraries/Types.sol";
import {IAuctionHouse} from "../../../contracts/interfaces/IAuctionHouse.sol";

/// @notice Fuzzed amounts on every user-facing amount-taking entry point (engine deposit, withdraw,
/// borrow, repay; pool mint, withdraw, redeem and deposit; auction take): any amount, including 0 and
/// the extremes the fuzzer favours, either succeeds with exact accounting or reverts with a custom
/// error, never a Solidity panic; the ledgers reconcile afterwards either way.
/// @dev Two known panics are excluded here and reproduced in the adversarial report: a deposit on
/// a position already held (held + amount overflows before the uint128 cast) and pool deposits above
/// ~1e71 (ERC-4626 conversion overflow). Deposits here go to a position not yet held, pool deposits
/// stay below 2^200.
contract AmountFuzzTest is SystemBase {
    address internal constant BORROWER = address(0xB0EE);
    address internal constant VICTIM = address(0x71C7);
    address internal constant TAKER = address(0x7A4E);
    bytes4 internal constant PANIC = 0x4e487b71;

    VaultId internal vault;
    uint256 internal auctionId;

    function setUp() public {
        _deploySystem();
        _fundAccount(LENDER);
        _fundAccount(BORROWER);
        _fundAccount(VICTIM);
        _fundAccount(TAKER);
        _lenderDeposit(LENDER, 50_000_000e6);
        vault = _openVault(BORROWER);
        _deposit(BORROWER, vault, address(weth), 10e18);
        _borrow(BORROWER, vault, 15_000e6);
        VaultId victim = _openVault(VICTIM);
        _deposit(VICTIM, victim, address(weth), 10e18);
        _borrow(VICTIM, victim, 23_000e6);
        _setAnswer(address(weth), 2_600e8);
        engine.flagMarginCall(victim);
        _warp(CURE_WINDOW);
        auctionId = auctionHouse.kick(victim, address(weth), TAKER);
    }

    function _noPanic(bytes memory err, string memory where) internal pure {
        if (err.length >= 4 && bytes4(err) == PANIC) revert AssertionFailed(where);
    }

    function _reconciles(string memory where) internal view {
        _assertScaledDebtReconciles(where);
        _assertCollateralReconciles(where);
        assertEq(usdc.balanceOf(address(pool)), pool.cash(), where);
    }

    /// @notice Engine deposit (new position), withdraw, borrow and repay with any amount.
    function testFuzz_engineAmountsNeverPanic(uint256 amount, uint8 op) public {
        op = op % 4;
        uint256 held = engine.collateralAmount(vault, address(weth));
        uint256 debt = engine.debtOf(vault);
        vm.prank(BORROWER);
        if (op == 0) {
            try engine.deposit(vault, address(wbtc), amount) {
                assertEq(engine.collateralAmount(vault, address(wbtc)), amount, "deposit credited");
            } catch (bytes memory err) {
                _noPanic(err, "deposit panicked");
            }
        } else if (op == 1) {
            try engine.withdraw(vault, address(weth), amount, BORROWER) {
                assertEq(engine.collateralAmount(vault, address(weth)), held - amount, "withdraw debited");
                assertGe(engine.initialHealthFactor(vault), WAD, "withdraw left HF >= 1");
            } catch (bytes memory err) {
                _noPanic(err, "withdraw panicked");
            }
        } else if (op == 2) {
            try engine.borrow(vault, amount, BORROWER) {
                assertGe(engine.debtOf(vault), debt + amount, "borrow recorded");
                assertGe(engine.initialHealthFactor(vault), WAD, "borrow left HF >= 1");
            } catch (bytes memory err) {
                _noPanic(err, "borrow panicked");
            }
        } else {
            try engine.repay(vault, amount) returns (uint256 repaid) {
                assertLe(repaid, amount, "repaid at most the amount");
                assertLe(engine.debtOf(vault), debt, "repay lowered the debt");
            } catch (bytes memory err) {
                _noPanic(err, "repay panicked");
            }
        }
        _reconciles("after engine op");
    }

    /// @notice Lender mint, withdraw, redeem (any amount) and deposit (below 2^200).
    function testFuzz_poolAmountsNeverPanic(uint256 amount, uint8 op) public {
        op = op % 4;
        uint256 shares = pool.balanceOf(LENDER);
        vm.prank(LENDER);
        if (op == 0) {
            try pool.mint(amount, LENDER) {
                assertEq(pool.balanceOf(LENDER), shares + amount, "mint");
            } catch (bytes memory err) {
                _noPanic(err, "mint panicked");
            }
        } else if (op == 1) {
            try pool.withdraw(amount, LENDER, LENDER) {} catch (bytes memory err) {
                _noPanic(err, "withdraw panicked");
            }
        } else if (op == 2) {
            try pool.redeem(amount, LENDER, LENDER) {
                assertEq(pool.balanceOf(LENDER), shares - amount, "redeem");
            } catch (bytes memory err) {
                _noPanic(err, "redeem panicked");
            }
        } else {
            try pool.deposit(bound(amount, 0, 2 ** 200), LENDER) {} catch (bytes memory err) {
                _noPanic(err, "deposit panicked");
            }
        }
        assertEq(pool.totalAssets(), pool.cash() + pool.totalDebt(), "totalAssets = cash + debt");
        _reconciles("after pool op");
    }

    /// @notice A take with any max collateral and max price, at any age of the auction.
    function testFuzz_takeAmountsNeverPanic(uint256 maxCollateral, uint256 maxPrice, uint256 wait) public {
        _warp(bound(wait, 0, MAX_DURATION + 60));
        IAuctionHouse.Auction memory before = auctionHouse.auction(auctionId);
        uint256 takerWeth = weth.balanceOf(TAKER);
        vm.prank(TAKER);
        try auctionHouse.take(auctionId, maxCollateral, maxPrice, TAKER, "") returns (uint256 collateral, uint256) {
            assertLe(collateral, maxCollateral, "took at most maxCollateral");
            assertEq(weth.balanceOf(TAKER), takerWeth + collateral, "collateral received");
            assertLe(collateral, before.lot, "took at most the lot");
        } catch (bytes memory err) {
            _noPanic(err, "take panicked");
        }
        assertEq(IERC20(address(weth)).balanceOf(address(auctionHouse)), 0, "auction house holds no collateral");
        _reconciles("after take");
    }
}
