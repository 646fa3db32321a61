using Enigma.Exchange.KuCoin.Rest;

namespace Enigma.Tests.Exchange.KuCoin;

public sealed class EnvelopeSpecs
{
    [Fact]
    public void A_success_must_yield_its_data()
    {
        var data = KuCoinEnvelope.Data("""{"code":"200000","data":{"symbol":"XBTUSDTM","tickSize":0.1}}""", 200, "contract");
        Assert.Equal("XBTUSDTM", data.GetProperty("symbol").GetString());
        Assert.Equal(1_700_000_000_000, KuCoinEnvelope.Data("""{"code":"200000","data":1700000000000}""", 200, "time").GetInt64());
        Assert.Equal("ok", KuCoinEnvelope.Data("""{"code":"200","data":"ok"}""", 200, "batch item").GetString());
    }

    [Theory]
    [InlineData("400005", 401, KuCoinErrorKind.Authentication, false)]
    [InlineData("400007", 200, KuCoinErrorKind.Forbidden, false)]
    [InlineData("429000", 429, KuCoinErrorKind.RateLimited, true)]
    [InlineData("300003", 200, KuCoinErrorKind.InsufficientFunds, false)]
    [InlineData("300018", 200, KuCoinErrorKind.DuplicateClientOrderId, false)]
    [InlineData("100004", 200, KuCoinErrorKind.NotFound, false)]
    [InlineData("300014", 200, KuCoinErrorKind.PositionState, false)]
    [InlineData("500000", 500, KuCoinErrorKind.Unavailable, true)]
    [InlineData("400201", 200, KuCoinErrorKind.Authentication, false)]
    [InlineData("999999", 200, KuCoinErrorKind.Unknown, false)]
    public void A_failure_must_become_a_typed_error_whatever_the_HTTP_status(string code, int status, KuCoinErrorKind kind, bool retryable)
    {
        var error = Assert.Throws<KuCoinApiException>(() => KuCoinEnvelope.Data($$"""{"code":"{{code}}","msg":"reason from KuCoin"}""", status, "place order"));
        Assert.Equal((code, kind, retryable, status), (error.Code, error.Kind, error.IsRetryable, error.HttpStatus));
        Assert.Contains($"KuCoin answered {code}", error.Message, StringComparison.Ordinal);
        Assert.Contains("reason from KuCoin", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<html>502 Bad Gateway</html>", "not JSON")]
    [InlineData("""{"data":{}}""", "no 'code'")]
    [InlineData("[1,2]", "no 'code'")]
    [InlineData("""{"code":null}""", "'code' is Null")]
    public void A_reply_that_is_not_KuCoins_envelope_must_be_a_protocol_error_naming_the_call(string body, string expected)
    {
        var error = Assert.Throws<KuCoinProtocolException>(() => KuCoinEnvelope.Data(body, 502, "ticker XBTUSDTM"));
        Assert.StartsWith("ticker XBTUSDTM:", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rate_limit_headers_must_be_read_or_reported_absent()
    {
        var headers = new Dictionary<string, string> { ["gw-ratelimit-limit"] = "2000", ["gw-ratelimit-remaining"] = "0", ["gw-ratelimit-reset"] = "12345" };
        var state = RateLimitState.FromHeaders(headers.GetValueOrDefault);
        Assert.Equal(new RateLimitState(2000, 0, 12345), state);
        Assert.True(state!.Value.IsExhausted);
        Assert.Null(RateLimitState.FromHeaders(_ => null));
        headers["gw-ratelimit-reset"] = "-5";
        Assert.Null(RateLimitState.FromHeaders(headers.GetValueOrDefault));
    }
}
