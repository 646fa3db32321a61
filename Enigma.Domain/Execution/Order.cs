using System.Globalization;
using System.Text.RegularExpressions;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;

namespace Enigma.Domain.Execution;

public enum OrderType
{
    /// <summary>Entries: a resting price.</summary>
    Limit,

    /// <summary>Emergency exits only.</summary>
    Market,

    /// <summary>Stop losses: a market order triggered at the stop price.</summary>
    StopMarket,

    /// <summary>Take profits: a market order triggered at the target.</summary>
    TakeProfitMarket,
}

public enum OrderSide
{
    Buy,
    Sell,
}

public enum OrderPurpose
{
    Entry,
    StopLoss,
    TakeProfit,
    EmergencyExit,
}

public enum OrderStatus
{
    New,
    Open,
    PartiallyFilled,
    Filled,
    Cancelled,
    Rejected,
    Expired,
}

/// <summary>
/// An order as the Execution agent tracks it, from placement to its final state. <see cref="Leverage"/> is the
/// approval's (null in journals written before it was kept, and for exits, which need none; a null is not written, so
/// what version 1 wrote reads and writes back unchanged).
/// </summary>
public sealed record Order(
    string ClientOrderId,
    string Symbol,
    OrderSide OrderSide,
    OrderType Type,
    OrderPurpose Purpose,
    long Lots,
    decimal? Price,
    decimal? StopPrice,
    bool ReduceOnly,
    decimal ExpectedPrice,
    OrderStatus Status = OrderStatus.New,
    long FilledLots = 0,
    string? ExchangeOrderId = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] decimal? Leverage = null)
{
    public long RemainingLots => Lots - FilledLots;

    public bool IsFinal => Status is OrderStatus.Filled or OrderStatus.Cancelled or OrderStatus.Rejected or OrderStatus.Expired;

    /// <summary>The entry the risk gate approved, as a limit order at its entry price.</summary>
    public static Order Entry(SizedOrder approved, string clientOrderId) => Entry(approved, clientOrderId, null);

    /// <summary>The approved entry as a limit order at <paramref name="price"/> (the 9th level of the live book) or, without one, at the price risk sized it with.</summary>
    public static Order Entry(SizedOrder approved, string clientOrderId, decimal? price)
    {
        ArgumentNullException.ThrowIfNull(approved);
        var limit = price ?? approved.EntryPrice;
        return new(ClientOrderIds.Require(clientOrderId), approved.Symbol, approved.Side == Side.Long ? OrderSide.Buy : OrderSide.Sell,
            OrderType.Limit, OrderPurpose.Entry, approved.Lots, limit, null, false, limit, Leverage: approved.Leverage);
    }

    /// <summary>The approved order's stop loss: reduce-only, triggered at its stop price.</summary>
    public static Order StopLoss(SizedOrder approved, string clientOrderId)
    {
        ArgumentNullException.ThrowIfNull(approved);
        return new(ClientOrderIds.Require(clientOrderId), approved.Symbol, approved.Side == Side.Long ? OrderSide.Sell : OrderSide.Buy,
            OrderType.StopMarket, OrderPurpose.StopLoss, approved.Lots, null, approved.StopPrice, true, approved.StopPrice, Leverage: approved.Leverage);
    }

    /// <summary>The approved order's take profit: reduce-only, triggered at its target.</summary>
    public static Order TakeProfit(SizedOrder approved, string clientOrderId)
    {
        ArgumentNullException.ThrowIfNull(approved);
        return new(ClientOrderIds.Require(clientOrderId), approved.Symbol, approved.Side == Side.Long ? OrderSide.Sell : OrderSide.Buy,
            OrderType.TakeProfitMarket, OrderPurpose.TakeProfit, approved.Lots, null, approved.TakeProfitPrice, true, approved.TakeProfitPrice, Leverage: approved.Leverage);
    }

    /// <summary>A market order that closes a position: the only market order there is, for emergency stops.</summary>
    public static Order EmergencyExit(string symbol, Side positionSide, long lots, decimal markPrice, string clientOrderId) =>
        new(ClientOrderIds.Require(clientOrderId), symbol, positionSide == Side.Long ? OrderSide.Sell : OrderSide.Buy,
            OrderType.Market, OrderPurpose.EmergencyExit, lots > 0 ? lots : throw new ArgumentOutOfRangeException(nameof(lots), lots, "An exit needs a positive size."),
            null, null, true, markPrice);
}

/// <summary>
/// The legal moves of an order: new → open, partially filled, filled, cancelled, rejected or expired; open and
/// partially filled → partially filled, filled, cancelled or expired; filled, cancelled, rejected and expired are
/// final. Anything else is refused with an error that names the order and both states.
/// </summary>
public static class OrderStateMachine
{
    public static bool CanMove(OrderStatus from, OrderStatus to) => (from, to) switch
    {
        (OrderStatus.New, OrderStatus.Open or OrderStatus.PartiallyFilled or OrderStatus.Filled or OrderStatus.Cancelled or OrderStatus.Rejected or OrderStatus.Expired) => true,
        (OrderStatus.Open, OrderStatus.PartiallyFilled or OrderStatus.Filled or OrderStatus.Cancelled or OrderStatus.Expired) => true,
        (OrderStatus.PartiallyFilled, OrderStatus.PartiallyFilled or OrderStatus.Filled or OrderStatus.Cancelled or OrderStatus.Expired) => true,
        _ => false,
    };

    public static Order Move(Order order, OrderStatus to)
    {
        ArgumentNullException.ThrowIfNull(order);
        return CanMove(order.Status, to)
            ? order with { Status = to }
            : throw new InvalidOperationException($"Order {order.ClientOrderId} cannot go from {order.Status} to {to}.");
    }
}

/// <summary>
/// Client order ids: deterministic from what the order is for, so that a retry after a timeout carries the same id
/// and the exchange (or we, asking by clientOid) recognise it; unique per symbol, decision time, purpose and sequence;
/// at most 40 characters of letters, digits, '-' and '_', as KuCoin allows.
/// </summary>
public static partial class ClientOrderIds
{
    public const int MaxLength = 40;

    /// <summary>E.g. <c>XBTUSDTM-mcnmywdc-E0</c> (an entry decided at 1751562300000): symbol, decision time in base 36, purpose letter, sequence.</summary>
    public static string For(string symbol, long decisionTimeMs, OrderPurpose purpose, int sequence = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        ArgumentOutOfRangeException.ThrowIfNegative(decisionTimeMs);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var purposeLetter = purpose switch
        {
            OrderPurpose.Entry => 'E',
            OrderPurpose.StopLoss => 'S',
            OrderPurpose.TakeProfit => 'T',
            _ => 'X',
        };
        var id = string.Create(CultureInfo.InvariantCulture, $"{Shorten(symbol)}-{Base36(decisionTimeMs)}-{purposeLetter}{sequence}");
        return Require(id);
    }

    public static string Require(string clientOrderId) =>
        clientOrderId is not null && clientOrderId.Length <= MaxLength && Allowed().IsMatch(clientOrderId)
            ? clientOrderId
            : throw new ArgumentException($"Client order id '{clientOrderId}' must be 1 to {MaxLength} letters, digits, '-' or '_'.", nameof(clientOrderId));

    /// <summary>
    /// Symbols longer than 14 characters keep their first 7 and a stable 6-character hash, so that even the longest
    /// id (14 + '-' + 13 base-36 digits + '-' + letter + 10 digits) is exactly 40 characters.
    /// </summary>
    private static string Shorten(string symbol)
    {
        var clean = string.Concat(symbol.Where(char.IsAsciiLetterOrDigit));
        if (clean.Length <= 14)
        {
            return clean;
        }

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(symbol));
        return string.Concat(clean.AsSpan(0, 7), "_", Convert.ToHexStringLower(hash, 0, 3));
    }

    /// <summary>The decision time an id made by <see cref="For"/> carries, or null for any other id.</summary>
    public static long? DecisionTime(string clientOrderId)
    {
        ArgumentNullException.ThrowIfNull(clientOrderId);
        var parts = clientOrderId.Split('-');
        if (parts.Length < 3)
        {
            return null;
        }

        long value = 0;
        foreach (var c in parts[^2])
        {
            var digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'z' ? c - 'a' + 10 : -1;
            if (digit < 0 || value > (long.MaxValue - digit) / 36)
            {
                return null;
            }

            value = (value * 36) + digit;
        }

        return value;
    }

    /// <summary>The decision an id made by <see cref="For"/> belongs to (everything before its purpose letter), or null for any other id.</summary>
    public static string? Decision(string clientOrderId)
    {
        ArgumentNullException.ThrowIfNull(clientOrderId);
        var dash = clientOrderId.LastIndexOf('-');
        return dash > 0 && DecisionTime(clientOrderId) is not null ? clientOrderId[..dash] : null;
    }

    /// <summary>The sequence number an id made by <see cref="For"/> ends with (0 for the approval's own orders), or 0.</summary>
    public static int Sequence(string clientOrderId)
    {
        ArgumentNullException.ThrowIfNull(clientOrderId);
        var dash = clientOrderId.LastIndexOf('-');
        return dash >= 0 && clientOrderId.Length > dash + 2 && int.TryParse(clientOrderId.AsSpan(dash + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }

    /// <summary>The id of the order with <paramref name="purpose"/> from the same decision as <paramref name="clientOrderId"/> (the entry's stop and target).</summary>
    public static string Sibling(string clientOrderId, OrderPurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(clientOrderId);
        var dash = clientOrderId.LastIndexOf('-');
        var letter = purpose switch { OrderPurpose.Entry => 'E', OrderPurpose.StopLoss => 'S', OrderPurpose.TakeProfit => 'T', _ => 'X' };
        return Require(string.Concat(clientOrderId.AsSpan(0, dash + 1), letter.ToString(), clientOrderId.AsSpan(dash + 2)));
    }

    private static string Base36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        Span<char> buffer = stackalloc char[13];
        var i = buffer.Length;
        do
        {
            buffer[--i] = digits[(int)(value % 36)];
            value /= 36;
        }
        while (value > 0);
        return new string(buffer[i..]);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,40}$")]
    private static partial Regex Allowed();
}
