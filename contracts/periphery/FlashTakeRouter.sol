// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAuctionHouse, IAuctionTakeCallback} from "../interfaces/IAuctionHouse.sol";

/// @notice The part of a Uniswap V2 pair the router uses.
interface IUniswapV2PairLike {
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function token0() external view returns (address);
    function token1() external view returns (address);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

/// @title Flash-take router: buys auctioned collateral with no capital and sells it into a Uniswap V2 pair
/// @notice A keeper calls `flashTake`; the router calls `AuctionHouse.take` with itself as receiver, gets
/// the collateral in `onAuctionTake`, sells all of it into `pair` (constant product, 0.3% fee), approves
/// the auction house for what the take owes and, once `take` has pulled the payment, sends the whole
/// remaining base-asset profit to the keeper. The take reverts unless the sale covers the payment plus
/// `minProfit`, so a keeper never pays anything out of pocket.
/// @dev Stateless between calls: the router keeps no tokens and no allowance after a call. The callback
/// only accepts the auction house, for a take this router started in the same call (transient flag), and
/// the pair to sell into is the one that call named. Used by the cascade lab's keeper agents
/// (scripts/lab/), and usable by any keeper against a Uniswap V2 market of the collateral.
contract FlashTakeRouter is IAuctionTakeCallback {
    using SafeERC20 for IERC20;

    /// @notice The auction house whose takes this router executes.
    IAuctionHouse public immutable auctionHouse;
    /// @notice The base asset, in which takes are paid and profits are sent [base units].
    IERC20 public immutable baseAsset;

    /// @dev Pair to sell into during this router's own take; zero outside it.
    address private transient _pair;
    /// @dev Minimum profit asked by the running take [base units].
    uint256 private transient _minProfit;
    /// @dev Collateral of the running take's auction (read before the take: a take that settles the
    /// auction deletes it before the callback runs).
    address private transient _asset;

    /// @notice A callback this router did not start, or from someone other than the auction house.
    error UnexpectedCallback(address caller, address taker);
    /// @notice The pair does not trade the auctioned collateral against the base asset.
    error PairMismatch(address pair, address collateral);
    /// @notice The sale of the collateral does not cover the payment plus the minimum profit.
    error Unprofitable(uint256 proceeds, uint256 owe, uint256 minProfit);
    /// @notice A sale of more than 2^128 - 1 token units (no auction lot is larger): the quote would overflow.
    error SaleTooLarge(uint256 amountIn);

    /// @notice A flash take went through: `collateral` bought for `owe`, sold for `proceeds`.
    event FlashTake(
        uint256 indexed auctionId,
        address indexed keeper,
        address indexed pair,
        uint256 collateral,
        uint256 owe,
        uint256 proceeds
    );

    /// @param auctionHouse_ The auction house to take from; the base asset is read from its engine.
    constructor(IAuctionHouse auctionHouse_) {
        auctionHouse = auctionHouse_;
        baseAsset = IERC20(auctionHouse_.engine().baseAsset());
    }

    /// @notice Buys up to `maxCollateral` of auction `auctionId` at a price of at most `maxPrice`
    /// [wad base per token], sells it into `pair` in the same transaction, and sends the profit to the
    /// caller.
    /// @param auctionId The auction.
    /// @param maxCollateral Most collateral to buy [token units]; the auction's dust rules may lower it.
    /// @param maxPrice Highest acceptable auction price [wad base per token].
    /// @param pair A Uniswap V2 pair of the auctioned collateral and the base asset.
    /// @param minProfit Least profit the keeper accepts [base units]; the take reverts below it.
    /// @return profit Base asset sent to the caller [base units].
    function flashTake(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        address pair,
        uint256 minProfit
    ) external returns (uint256 profit) {
        _pair = pair;
        _minProfit = minProfit;
        _asset = auctionHouse.auction(auctionId).asset;
        auctionHouse.take(auctionId, maxCollateral, maxPrice, address(this), abi.encode(msg.sender));
        _pair = address(0);
        _minProfit = 0;
        _asset = address(0);
        profit = baseAsset.balanceOf(address(this));
        if (profit != 0) baseAsset.safeTransfer(msg.sender, profit);
    }

    /// @inheritdoc IAuctionTakeCallback
    /// @dev Sells `collateral` into the pair named by the running `flashTake` and approves `owe`.
    function onAuctionTake(
        address taker,
        uint256 auctionId,
        uint256 collateral,
        uint256 owe,
        bytes calldata data
    ) external {
        address pair = _pair;
        if (msg.sender != address(auctionHouse) || taker != address(this) || pair == address(0)) {
            revert UnexpectedCallback(msg.sender, taker);
        }
        uint256 proceeds = _sell(IUniswapV2PairLike(pair), _asset, collateral);
        uint256 minProfit = _minProfit;
        if (proceeds < owe + minProfit) revert Unprofitable(proceeds, owe, minProfit);
        baseAsset.forceApprove(address(auctionHouse), owe);
        emit FlashTake(auctionId, abi.decode(data, (address)), pair, collateral, owe, proceeds);
    }

    /// @notice Base asset a sale of `amountIn` collateral into `pair` yields now [base units].
    function quoteSale(address pair, address collateral, uint256 amountIn) external view returns (uint256) {
        (uint256 reserveIn, uint256 reserveOut, ) = _reserves(IUniswapV2PairLike(pair), collateral);
        return _amountOut(amountIn, reserveIn, reserveOut);
    }

    /// @dev Uniswap V2 output for `amountIn` with the 0.3% fee, rounded down as the pair requires.
    function _amountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        // Reserves are 112-bit: with amountIn below 2^128 no product below overflows.
        if (amountIn > type(uint128).max) revert SaleTooLarge(amountIn);
        uint256 inWithFee = amountIn * 997;
        return (inWithFee * reserveOut) / (reserveIn * 1000 + inWithFee);
    }

    /// @dev Reserves as (collateral, base) and whether the collateral is token0; checks the pair's tokens.
    function _reserves(
        IUniswapV2PairLike pair,
        address collateral
    ) internal view returns (uint256 reserveIn, uint256 reserveOut, bool collateralIsToken0) {
        address token0 = pair.token0();
        address token1 = pair.token1();
        address base = address(baseAsset);
        if (!((token0 == collateral && token1 == base) || (token0 == base && token1 == collateral))) {
            revert PairMismatch(address(pair), collateral);
        }
        (uint112 reserve0, uint112 reserve1, ) = pair.getReserves();
        collateralIsToken0 = token0 == collateral;
        (reserveIn, reserveOut) = collateralIsToken0 ? (reserve0, reserve1) : (reserve1, reserve0);
    }

    /// @dev Sends `amountIn` collateral to the pair and swaps it for the base asset, to this contract.
    function _sell(IUniswapV2PairLike pair, address collateral, uint256 amountIn) internal returns (uint256 out) {
        (uint256 reserveIn, uint256 reserveOut, bool collateralIsToken0) = _reserves(pair, collateral);
        out = _amountOut(amountIn, reserveIn, reserveOut);
        IERC20(collateral).safeTransfer(address(pair), amountIn);
        (uint256 out0, uint256 out1) = collateralIsToken0 ? (uint256(0), out) : (out, uint256(0));
        pair.swap(out0, out1, address(this), "");
    }
}
