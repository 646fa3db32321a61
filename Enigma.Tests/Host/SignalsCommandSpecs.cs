using System.Text.Json;
using Enigma.Cluster.Host.Commands;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

public sealed class SignalsCommandSpecs
{
    [Fact]
    public void Enigma_signals_must_write_one_camelCase_json_object_per_base_candle()
    {
        using var folder = TestFiles.TemporaryFolder();
        var output = folder.File("signals.jsonl");
        var (code, stdout, stderr) = Cli.Run("signals", "--input", TestFiles.Fixture("ethusdt-5m-input.csv"), "--symbol", "ETHUSDTM",
            "--timeframes", "5m,15m,1h", "--param", "RSI_PERIOD=21", "--param", "SIGNAL_MIN_SCORE=40", "--output", output);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("Wrote 2000 signals for ETHUSDTM", stdout, StringComparison.Ordinal);
        var lines = File.ReadAllLines(output);
        Assert.Equal(2000, lines.Length);
        var directions = new HashSet<string>();
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            Assert.Equal("ETHUSDTM", root.GetProperty("symbol").GetString());
            directions.Add(root.GetProperty("direction").GetString()!);
            Assert.InRange(root.GetProperty("score").GetDouble(), -130, 130);
            Assert.InRange(root.GetProperty("confidence").GetDouble(), 0, 100);
            Assert.Contains(root.GetProperty("alignment").GetString(), new[] { "full", "partial", "divergent" });
            Assert.Equal(9, root.GetProperty("indicators").GetArrayLength());
            Assert.Equal(JsonValueKind.Array, root.GetProperty("signals").ValueKind);
            Assert.Equal(JsonValueKind.Number, root.GetProperty("timestamp").ValueKind);
        }

        Assert.Subset(new HashSet<string> { "long", "short", "neutral" }, directions);
        Assert.Contains("neutral", directions);
        using var last = JsonDocument.Parse(lines[^1]);
        // The timestamp is the close of the base candle: the last row opens at 1606780800000 + 1999 * 5 minutes.
        Assert.Equal(1606780800000 + (2000 * 300_000L), last.RootElement.GetProperty("timestamp").GetInt64());
    }

    [Theory]
    [InlineData("--param", "RSI_PERIOD=abc", "takes a whole number")]
    [InlineData("--param", "NOPE=1", "Unknown signal parameter 'NOPE'")]
    [InlineData("--param", "RSI_PERIOD", "is not KEY=VALUE")]
    [InlineData("--timeframes", "5m,7m", "'7m' is not a timeframe")]
    [InlineData("--timeframes", "1h,15m", "cannot be built from the base 1h")]
    [InlineData("--symbol", "eth-usdt", "is not a symbol")]
    public void Bad_parameters_must_be_a_clear_usage_error(string option, string value, string expected)
    {
        using var folder = TestFiles.TemporaryFolder();
        var args = new List<string> { "signals", "--input", TestFiles.Fixture("ethusdt-5m-input.csv"), "--output", folder.File("out.jsonl") };
        if (option != "--symbol")
        {
            args.AddRange(["--symbol", "ETHUSDTM"]);
        }

        args.AddRange([option, value]);
        var (code, _, stderr) = Cli.Run([.. args]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("out.jsonl")));
    }

    [Fact]
    public void A_file_of_another_timeframe_than_the_base_must_be_refused()
    {
        using var folder = TestFiles.TemporaryFolder();
        var (code, _, stderr) = Cli.Run("signals", "--input", TestFiles.Candles("binance-spot/ETHUSDT-1h.csv.gz"), "--symbol", "ETHUSDTM", "--output", folder.File("out.jsonl"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("holds 1h candles, but the base timeframe (the first of --timeframes) is 5m", stderr, StringComparison.Ordinal);
    }
}
