using Enigma.Domain.Execution;

namespace Enigma.Actors.Execution;

/// <summary>An order as the exchange reports it, in the Execution agent's terms.</summary>
public sealed record ExchangeOrderReport(string ExchangeOrderId, string ClientOrderId, long Lots, long FilledLots, bool IsActive, bool CancelExist);

/// <summary>A fill as the exchange reports it.</summary>
public sealed record ExchangeFillReport(string TradeId, string ExchangeOrderId, long Lots, decimal Price, decimal Fee, Liquidity Liquidity, long TimeMs);

/// <summary>The result of sending an order: the exchange's id, or a refusal that a retry would not change.</summary>
public sealed record PlacementOutcome(string? ExchangeOrderId, string? Refusal)
{
    public bool Accepted => ExchangeOrderId is not null;
}

/// <summary>
/// What the Execution agent needs from an exchange. The live and paper implementation is the KuCoin client (paper
/// trading points it at the simulator), so an entity never knows which one it talks to.
/// </summary>
public interface IExchangeGateway
{
    /// <summary>Sends the order at most once (clientOid-idempotent); a refusal is an outcome, a failure is an exception.</summary>
    Task<PlacementOutcome> PlaceAsync(Order order, decimal leverage, CancellationToken ct);

    Task CancelAsync(string symbol, string clientOrderId, CancellationToken ct);

    Task<ExchangeOrderReport?> FindOrderAsync(string clientOrderId, CancellationToken ct);

    Task<IReadOnlyList<ExchangeFillReport>> FillsAsync(string exchangeOrderId, CancellationToken ct);

    Task<IReadOnlyList<ExchangeOrderReport>> OpenOrdersAsync(string symbol, CancellationToken ct);

    /// <summary>The signed position in lots (long &gt; 0).</summary>
    Task<long> PositionLotsAsync(string symbol, CancellationToken ct);
}
