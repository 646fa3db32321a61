using System.Globalization;

namespace Enigma.Exchange.KuCoin.Rest;

/// <summary>What kind of failure a KuCoin code means, which decides what the caller may do about it.</summary>
public enum KuCoinErrorKind
{
    /// <summary>Missing or wrong key, passphrase, signature, timestamp or key version: fix the configuration.</summary>
    Authentication,

    /// <summary>The key lacks a permission, the IP is not whitelisted, the user or region is blocked.</summary>
    Forbidden,

    /// <summary>429000 and the legacy throttles: wait for the pool to reset, then retry.</summary>
    RateLimited,

    /// <summary>A parameter, symbol, price band, size or leverage the exchange refuses: do not retry as is.</summary>
    InvalidRequest,

    /// <summary>Not enough balance or margin for the order.</summary>
    InsufficientFunds,

    /// <summary>The order, contract or URL does not exist (or can no longer be cancelled).</summary>
    NotFound,

    /// <summary>300018: this clientOid was already used, so the order exists; query it instead of placing again.</summary>
    DuplicateClientOrderId,

    /// <summary>Position, risk or liquidation state forbids it (risk limit, liquidating, bankruptcy price, settlement).</summary>
    PositionState,

    /// <summary>The exchange failed or suspended trading: safe to retry later.</summary>
    Unavailable,

    /// <summary>
    /// 400002: the request's timestamp is more than 5 s from the server's. The machine's clock, not the key: the client
    /// corrects its offset from the server's time and signs again.
    /// </summary>
    ClockSkew,

    /// <summary>A code this client does not know.</summary>
    Unknown,
}

/// <summary>A non-success KuCoin answer: its code, KuCoin's message, and what kind of failure it is.</summary>
public sealed class KuCoinApiException : Exception
{
    public KuCoinApiException(string code, string? exchangeMessage, int httpStatus)
        : base(string.Create(CultureInfo.InvariantCulture, $"KuCoin answered {code} ({KuCoinErrors.Describe(code)}), HTTP {httpStatus}: {exchangeMessage ?? "no message"}"))
    {
        Code = code;
        ExchangeMessage = exchangeMessage;
        HttpStatus = httpStatus;
        Kind = KuCoinErrors.KindOf(code);
    }

    public KuCoinApiException()
        : this("000000", null, 0)
    {
    }

    public KuCoinApiException(string message)
        : base(message)
    {
        Code = "000000";
        Kind = KuCoinErrorKind.Unknown;
    }

    public KuCoinApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "000000";
        Kind = KuCoinErrorKind.Unknown;
    }

    /// <summary>A failure of our own making with the kind of the cause it ends on (a retry may help, or not).</summary>
    public KuCoinApiException(string message, Exception innerException, KuCoinErrorKind kind)
        : base(message, innerException)
    {
        Code = "000000";
        Kind = kind;
    }

    public string Code { get; }

    public string? ExchangeMessage { get; }

    public int HttpStatus { get; }

    public KuCoinErrorKind Kind { get; }

    /// <summary>Rate limits and outages pass; everything else would fail the same way again.</summary>
    public bool IsRetryable => Kind is KuCoinErrorKind.RateLimited or KuCoinErrorKind.Unavailable;
}

/// <summary>A reply that is not KuCoin's envelope at all (not JSON, no code): the exchange or the network is broken.</summary>
public sealed class KuCoinProtocolException : Exception
{
    public KuCoinProtocolException()
    {
    }

    public KuCoinProtocolException(string message)
        : base(message)
    {
    }

    public KuCoinProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>KuCoin's error codes (kucoin-futures-api.md 2.2), by kind. Messages are not a contract; codes are.</summary>
public static class KuCoinErrors
{
    private static readonly Dictionary<string, (KuCoinErrorKind Kind, string Meaning)> Codes = new(StringComparer.Ordinal)
    {
        ["400001"] = (KuCoinErrorKind.Authentication, "a KC-API header is missing"),
        ["400002"] = (KuCoinErrorKind.ClockSkew, "KC-API-TIMESTAMP is more than 5 s from server time"),
        ["400003"] = (KuCoinErrorKind.Authentication, "the API key does not exist"),
        ["400004"] = (KuCoinErrorKind.Authentication, "the passphrase is wrong"),
        ["400005"] = (KuCoinErrorKind.Authentication, "the signature is wrong"),
        ["400006"] = (KuCoinErrorKind.Forbidden, "the IP is not in the key's whitelist"),
        ["400007"] = (KuCoinErrorKind.Forbidden, "the key lacks the permission for this endpoint"),
        ["400008"] = (KuCoinErrorKind.Authentication, "this endpoint needs a version 3 key"),
        ["400009"] = (KuCoinErrorKind.Authentication, "KC-API-KEY-VERSION is invalid"),
        ["400100"] = (KuCoinErrorKind.InvalidRequest, "a parameter is invalid"),
        ["404000"] = (KuCoinErrorKind.NotFound, "no such URL"),
        ["411100"] = (KuCoinErrorKind.Forbidden, "the user is frozen"),
        ["415000"] = (KuCoinErrorKind.InvalidRequest, "Content-Type must be application/json"),
        ["429000"] = (KuCoinErrorKind.RateLimited, "too many requests"),
        ["500000"] = (KuCoinErrorKind.Unavailable, "internal server error"),
        ["1015"] = (KuCoinErrorKind.RateLimited, "per-IP limit (legacy), blocked about 30 s"),
        ["40010"] = (KuCoinErrorKind.Forbidden, "orders are not allowed from this region"),
        ["100001"] = (KuCoinErrorKind.InvalidRequest, "invalid parameters or no such order"),
        ["100002"] = (KuCoinErrorKind.Unavailable, "exchange configuration error"),
        ["100003"] = (KuCoinErrorKind.NotFound, "no such contract"),
        ["100004"] = (KuCoinErrorKind.NotFound, "the order cannot be cancelled (done or not found)"),
        ["100005"] = (KuCoinErrorKind.InvalidRequest, "no such risk limit"),
        ["200001"] = (KuCoinErrorKind.InvalidRequest, "level-2 range too large"),
        ["200002"] = (KuCoinErrorKind.RateLimited, "too many requests for this account (legacy), blocked about 10 s"),
        ["200003"] = (KuCoinErrorKind.InvalidRequest, "invalid symbol"),
        ["200005"] = (KuCoinErrorKind.InsufficientFunds, "insufficient balance"),
        ["300000"] = (KuCoinErrorKind.InvalidRequest, "illegal request parameter"),
        ["300001"] = (KuCoinErrorKind.InvalidRequest, "too many active orders"),
        ["300002"] = (KuCoinErrorKind.Unavailable, "order placement or cancellation suspended"),
        ["300003"] = (KuCoinErrorKind.InsufficientFunds, "insufficient balance"),
        ["300004"] = (KuCoinErrorKind.InvalidRequest, "too many stop orders"),
        ["300005"] = (KuCoinErrorKind.PositionState, "risk limit exceeded"),
        ["300006"] = (KuCoinErrorKind.PositionState, "close price worse than the bankruptcy price"),
        ["300007"] = (KuCoinErrorKind.PositionState, "price worse than the liquidation price"),
        ["300009"] = (KuCoinErrorKind.PositionState, "no open position to close"),
        ["300011"] = (KuCoinErrorKind.InvalidRequest, "price above the band"),
        ["300012"] = (KuCoinErrorKind.InvalidRequest, "price below the band"),
        ["300014"] = (KuCoinErrorKind.PositionState, "the position is being liquidated"),
        ["300015"] = (KuCoinErrorKind.PositionState, "the contract is settling"),
        ["300016"] = (KuCoinErrorKind.InvalidRequest, "leverage too high"),
        ["300018"] = (KuCoinErrorKind.DuplicateClientOrderId, "duplicate clientOid"),
        ["126042"] = (KuCoinErrorKind.PositionState, "maximum position exceeded"),
        ["330005"] = (KuCoinErrorKind.InvalidRequest, "margin mode differs from the symbol's"),
        ["330008"] = (KuCoinErrorKind.InsufficientFunds, "margin or leverage insufficient for the size"),
        ["330011"] = (KuCoinErrorKind.InvalidRequest, "position mode does not match the account"),
        ["330012"] = (KuCoinErrorKind.InvalidRequest, "position mode does not match the account"),
    };

    public static KuCoinErrorKind KindOf(string code) =>
        Codes.TryGetValue(code, out var known) ? known.Kind
        : code is ['4', '0', '0', '2', '0', _] ? KuCoinErrorKind.Authentication
        : code.StartsWith('5') && code.Length == 6 ? KuCoinErrorKind.Unavailable
        : KuCoinErrorKind.Unknown;

    public static string Describe(string code) => Codes.TryGetValue(code, out var known) ? known.Meaning : "unknown code";
}
