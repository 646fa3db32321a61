using System.Globalization;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Exchange.KuCoin.Rest;

namespace Enigma.Exchange.KuCoin.Adapters;

/// <summary>
/// The order gateway port over our KuCoin client: KuCoin itself in live mode, the simulator in paper mode. KuCoin's
/// errors become the port's terms here: a final refusal is an outcome, a venue error on a cancel an
/// <see cref="ExchangeRequestException"/>.
/// </summary>
public sealed class KuCoinExchangeGateway(KuCoinRestClient client) : IExchangeGateway
{
    public async Task<PlacementOutcome> PlaceAsync(Order order, decimal leverage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(order);
        try
        {
            var placed = await client.PlaceOrderOnceAsync(ToRequest(order, leverage), ct).ConfigureAwait(false);
            return new PlacementOutcome(placed.OrderId, null);
        }
        catch (KuCoinApiException e) when (!e.IsRetryable && e.Kind != KuCoinErrorKind.Unknown)
        {
            return new PlacementOutcome(null, $"{e.Code}: {e.ExchangeMessage ?? e.Message}");
        }
    }

    public async Task CancelAsync(string symbol, string clientOrderId, CancellationToken ct)
    {
        try
        {
            await client.CancelOrderByClientOidAsync(symbol, clientOrderId, ct).ConfigureAwait(false);
        }
        catch (KuCoinApiException e)
        {
            // The message as KuCoin's exception has it: the entity records it with the order.
            throw new ExchangeRequestException(e.Message, e, e.Code, e.IsRetryable);
        }
    }

    public async Task<ExchangeOrderReport?> FindOrderAsync(string clientOrderId, CancellationToken ct) =>
        await client.GetOrderByClientOidAsync(clientOrderId, ct).ConfigureAwait(false) is { } o ? Report(o) : null;

    public async Task<IReadOnlyList<ExchangeFillReport>> FillsAsync(string exchangeOrderId, CancellationToken ct) =>
        (await client.GetFillsAsync(orderId: exchangeOrderId, ct: ct).ConfigureAwait(false))
            .Select(f => new ExchangeFillReport(f.TradeId, f.OrderId, f.Lots, f.Price, f.Fee, f.Liquidity == "maker" ? Liquidity.Maker : Liquidity.Taker, f.TimeMs))
            .OrderBy(f => f.TimeMs).ThenBy(f => f.TradeId, StringComparer.Ordinal)
            .ToArray();

    public async Task<IReadOnlyList<ExchangeOrderReport>> OpenOrdersAsync(string symbol, CancellationToken ct)
    {
        var open = await client.GetOpenOrdersAsync(symbol, ct).ConfigureAwait(false);
        var stops = await client.GetStopOrdersAsync(symbol, ct).ConfigureAwait(false);
        return open.Concat(stops).Select(Report).ToArray();
    }

    public async Task<long> PositionLotsAsync(string symbol, CancellationToken ct) => (await client.GetPositionAsync(symbol, ct).ConfigureAwait(false)).Lots;

    /// <summary>KuCoin writes funding positive when received; the port says what was paid.</summary>
    public async Task<IReadOnlyList<ExchangeFundingReport>> FundingAfterAsync(string symbol, long afterMs, CancellationToken ct) =>
        (await client.GetFundingHistoryAsync(symbol, afterMs, ct).ConfigureAwait(false))
            .Select(f => new ExchangeFundingReport(f.TimeMs, f.FundingRate, f.MarkPrice, f.PositionLots, -f.Funding))
            .ToArray();

    private static ExchangeOrderReport Report(KuCoinOrder o) => new(o.Id, o.ClientOid, o.Lots, o.FilledLots, o.IsActive, o.CancelExist);

    /// <summary>
    /// Entries rest as limit orders; stops and take-profits are reduce-only market orders that trigger on the mark
    /// (stop) or the last trade (take-profit); emergency exits are reduce-only market orders.
    /// </summary>
    internal static KuCoinOrderRequest ToRequest(Order order, decimal leverage)
    {
        var side = order.OrderSide == OrderSide.Buy ? "buy" : "sell";
        var lev = (int)Math.Max(1, decimal.Floor(leverage));
        return order.Type switch
        {
            OrderType.Limit => new KuCoinOrderRequest { ClientOid = order.ClientOrderId, Symbol = order.Symbol, Side = side, Type = "limit", Lots = order.Lots, Price = order.Price, Leverage = lev, ReduceOnly = order.ReduceOnly },
            OrderType.Market => new KuCoinOrderRequest { ClientOid = order.ClientOrderId, Symbol = order.Symbol, Side = side, Type = "market", Lots = order.Lots, Leverage = lev, ReduceOnly = order.ReduceOnly },
            OrderType.StopMarket => new KuCoinOrderRequest
            {
                ClientOid = order.ClientOrderId, Symbol = order.Symbol, Side = side, Type = "market", Lots = order.Lots, Leverage = lev, ReduceOnly = true,
                Stop = order.OrderSide == OrderSide.Sell ? "down" : "up", StopPrice = order.StopPrice, StopPriceType = "MP",
            },
            OrderType.TakeProfitMarket => new KuCoinOrderRequest
            {
                ClientOid = order.ClientOrderId, Symbol = order.Symbol, Side = side, Type = "market", Lots = order.Lots, Leverage = lev, ReduceOnly = true,
                Stop = order.OrderSide == OrderSide.Sell ? "up" : "down", StopPrice = order.StopPrice, StopPriceType = "TP",
            },
            _ => throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Order type {order.Type} has no KuCoin form."), nameof(order)),
        };
    }
}
