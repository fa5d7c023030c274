// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IInterestRateModel} from "./IInterestRateModel.sol";
import {ICircuitBreaker} from "./ICircuitBreaker.sol";

/// @title Breakwater lending pool: an ERC-4626 vault of the base asset that the vault engine borrows from
/// @notice Lenders deposit the base asset and receive shares. The engine (the only borrower) draws cash
/// and repays it; the pool keeps the debt ledger: a borrow index [ray] and the total scaled debt.
/// `totalAssets() = cash + totalDebt()`, where `cash` is tracked internally, so tokens donated to
/// the pool never move the share price. A reserve factor of the accrued interest is minted as shares
/// to the insurance fund.
/// @dev Warning: the debt of one borrower is `scaled * borrowIndex / 1e27` rounded up; the pool's
/// `totalDebt()` rounds down. Sum of rounded-up debts can exceed `totalDebt()` by a few wei.
interface ILendingPool is IERC4626 {
    error OnlyEngine(address caller);
    error EngineAlreadySet(address engine);
    error ZeroAddress();
    error InsufficientCash(uint256 requested, uint256 available);
    error RepayExceedsDebt(uint256 scaledRepaid, uint256 totalScaledDebt);
    error ReserveFactorOutOfBounds(uint256 value, uint256 bound);
    error WriteOffExceedsDebt(uint256 scaledWrittenOff, uint256 totalScaledDebt);
    error CircuitBreakerAlreadySet(address circuitBreaker);
    /// @notice A share/asset conversion (`convertTo*`, `preview*`) of `amount` whose exact result does
    /// not fit in 256 bits: only for absurd amounts, which deposit/mint/withdraw/redeem reject earlier
    /// with their ERC-4626 max errors.
    error ConversionOverflow(uint256 amount);
    /// @notice `skim` found nothing of `token` beyond the pool's books.
    error NothingToSkim(address token);

    event EngineSet(address indexed engine);
    event RateModelSet(address indexed rateModel);
    event ReserveFactorSet(uint256 reserveFactor);
    event InsuranceFundSet(address indexed insuranceFund);
    event CircuitBreakerSet(address indexed circuitBreaker);
    /// @notice `amount` of `token` held beyond the pool's books was sent to `to`.
    event Skimmed(address indexed token, address indexed to, uint256 amount);
    /// @param interest Interest accrued since the last accrual [base units].
    /// @param reserveShares Shares accrued to the insurance fund for the reserve factor (in its balance at
    /// once; minted, with their Transfer event, when the fund's balance next moves out).
    event InterestAccrued(uint256 borrowIndex, uint256 interest, uint256 reserveShares);
    event Borrowed(address indexed receiver, uint256 assets, uint256 scaledDebt);
    event Repaid(address indexed payer, uint256 assets, uint256 scaledDebt);
    /// @notice Debt removed from the ledger without repayment: lenders absorb `assets`.
    event BadDebtSocialised(uint256 assets, uint256 scaledDebt);
    /// @notice The insurance fund's shares burnt to absorb `assets` of a write-off before lenders do.
    event InsuranceSharesBurnt(address indexed fund, uint256 shares, uint256 assets);

    /// @notice RAY-scaled borrow index, as of the last accrual.
    function borrowIndex() external view returns (uint256);
    /// @notice Borrow index including interest accrued up to now (view, no state change) [ray].
    function currentBorrowIndex() external view returns (uint256);
    /// @notice Sum of scaled debt of all borrowers [scaled base units].
    function totalScaledDebt() external view returns (uint256);
    /// @notice Outstanding debt including interest up to now, rounded down [base units].
    function totalDebt() external view returns (uint256);
    /// @notice Base asset held for lenders, tracked internally (excludes donations) [base units].
    function cash() external view returns (uint256);
    /// @notice Utilisation = totalDebt / (cash + totalDebt) [wad].
    function utilisation() external view returns (uint256);
    /// @notice Borrow rate per second right now [wad].
    function borrowRatePerSecond() external view returns (uint256);
    /// @notice Supply rate per second right now, net of the reserve factor [wad].
    function supplyRatePerSecond() external view returns (uint256);
    function reserveFactor() external view returns (uint256);
    function rateModel() external view returns (IInterestRateModel);
    function insuranceFund() external view returns (address);
    function engine() external view returns (address);

    /// @notice Accrues interest up to the current timestamp. Permissionless.
    /// @return index The borrow index after accrual [ray].
    function accrueInterest() external returns (uint256 index);

    /// @notice Engine only: lends `assets` to `receiver`. Accrues first.
    /// @return scaledDebt Scaled debt to record for the borrower, rounded up.
    function borrow(uint256 assets, address receiver) external returns (uint256 scaledDebt);

    /// @notice Engine only: records a repayment of `scaledDebt` whose `assets` the engine has
    /// already transferred to the pool from `payer`. Accrues first.
    function repay(uint256 assets, uint256 scaledDebt, address payer) external;

    /// @notice Engine only: removes `scaledDebt` from the ledger without repayment (bad debt the insurance
    /// fund could not pay in cash). The fund's pool shares absorb it first: shares worth up to the
    /// write-off are burnt; lenders absorb the rest through a lower share price.
    /// @return assets The debt written off: exactly the drop in `totalAssets()` [base units].
    /// @return absorbedByFund Part of `assets` borne by burning the insurance fund's shares [base units].
    function socialiseBadDebt(uint256 scaledDebt) external returns (uint256 assets, uint256 absorbedByFund);

    /// @notice Admin: sets the engine once (the engine is deployed after the pool).
    function setEngine(address engine_) external;
    /// @notice Governance: switches the rate model (accrues first).
    function setRateModel(IInterestRateModel model) external;
    /// @notice Governance: sets the share of interest going to the insurance fund [wad], at most MAX_RESERVE_FACTOR.
    function setReserveFactor(uint256 reserveFactor_) external;
    /// @notice Governance: sets the insurance fund receiving reserve shares.
    function setInsuranceFund(address fund) external;
    /// @notice Admin: recovers tokens sent to the pool by mistake or donated, which would otherwise be stuck:
    /// of the base asset, the balance above the internally tracked `cash` (lenders' cash is never touched);
    /// of any other token (pool shares included), the whole balance. Reverts `NothingToSkim` when there is none.
    /// @return amount What was sent to `to` [token units].
    function skim(address token, address to) external returns (uint256 amount);
    /// @notice Admin: wires the circuit breaker, once; guardians can then pause lender deposits and
    /// withdrawals (the insurance fund's own redemptions are never paused).
    function setCircuitBreaker(ICircuitBreaker breaker) external;
    function circuitBreaker() external view returns (ICircuitBreaker);
}
