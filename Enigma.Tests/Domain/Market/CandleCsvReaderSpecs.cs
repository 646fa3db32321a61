using System.IO.Compression;
using System.Text;
using Enigma.Domain.Market;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Market;

public sealed class CandleCsvReaderSpecs
{
    private const string Header = "timestamp_ms,open,high,low,close,volume";

    /// <summary>Rows, gaps and missing bars as knowledge-bank/historical-data/candles/README.md lists them.</summary>
    public static TheoryData<string, int, int, long, string, string> ShippedFiles => new()
    {
        { "bybit-linear/BTCUSDT-5m.csv.gz", 25919, 0, 0, "2025-04-03T17:05Z", "2025-07-02T16:55Z" },
        { "bybit-linear/XRPUSDT-5m.csv.gz", 25919, 0, 0, "2025-04-03T17:10Z", "2025-07-02T17:00Z" },
        { "binance-spot/ETHUSDT-5m.csv.gz", 65742, 6, 177, "2020-12-01T00:00Z", "2021-07-17T21:10Z" },
        { "binance-spot/BTCUSDT-1h.csv.gz", 23987, 5, 12, "2021-04-04T20:00Z", "2023-12-30T18:00Z" },
        { "binance-spot/ADAUSDT-1h.csv.gz", 23987, 5, 12, "2021-04-04T21:00Z", "2023-12-30T19:00Z" },
    };

    [Theory]
    [MemberData(nameof(ShippedFiles))]
    public void Shipped_files_must_load_with_exactly_the_gaps_their_README_lists(string file, int rows, int gaps, long missing, string first, string last)
    {
        var loaded = CandleCsvReader.Load(TestFiles.Candles(file));
        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Errors));
        Assert.Equal(rows, loaded.Candles.Length);
        Assert.Equal(gaps, loaded.Gaps.Count());
        Assert.Equal(missing, loaded.MissingBars);
        Assert.Equal(first, Candle.FormatTime(loaded.Candles[0].OpenTimeMs));
        Assert.Equal(last, Candle.FormatTime(loaded.Candles[^1].OpenTimeMs));
        Assert.Equal(CandleCsvReader.TimeframeFromFileName(file), loaded.Timeframe);
    }

    [Fact]
    public void Gzip_and_plain_text_must_read_the_same_whatever_the_file_is_called()
    {
        using var folder = TestFiles.TemporaryFolder();
        var gz = TestFiles.Candles("bybit-linear/SOLUSDT-5m.csv.gz");
        var plain = folder.File("SOLUSDT-5m.csv");
        using (var source = new GZipStream(File.OpenRead(gz), CompressionMode.Decompress))
        using (var target = File.Create(plain))
        {
            source.CopyTo(target);
        }

        var misnamed = folder.File("SOLUSDT-5m.txt");
        File.Copy(gz, misnamed);
        // ImmutableArray's own Equals compares array references, so compare the rows as arrays.
        var fromGz = CandleCsvReader.Load(gz).Candles.ToArray();
        Assert.Equal(25919, fromGz.Length);
        Assert.Equal(fromGz, CandleCsvReader.Load(plain).Candles.ToArray());
        Assert.Equal(fromGz, CandleCsvReader.Load(misnamed, Timeframe.FiveMinutes).Candles.ToArray());
    }

    [Fact]
    public void Prices_must_be_read_exactly_as_written()
    {
        var file = Read($"{Header}\n1606780800000,616.65,617.49,613.94,615.06,9670.10803\n");
        Assert.Equal(new Candle(1606780800000, 616.65m, 617.49m, 613.94m, 615.06m, 9670.10803m), Assert.Single(file.Candles));
    }

    [Fact]
    public void Every_problem_must_be_reported_with_its_line_and_no_readable_row_dropped()
    {
        var text = new StringBuilder(Header).Append('\n')
            .Append("1606780800000,10,11,9,10.5,1\n")       // 2: fine
            .Append("1606781100000,10,11,9,10.5\n")         // 3: five fields
            .Append("1606781100000,10,11,9,abc,1\n")        // 4: not a number
            .Append("1606781100000,10,11,9,10.5,1\n")       // 5: fine
            .Append("1606781100000,10,11,9,10.5,1\n")       // 6: duplicate of 5
            .Append("1606780800000,10,11,9,10.5,1\n")       // 7: earlier than 6
            .Append("1606781400000,10,9,11,10.5,1\n")       // 8: low above high
            .Append("1606781460000,10,11,9,10.5,1\n")       // 9: off the 5m grid
            .Append('\n')                                   // 10: blank inside the data
            .Append("1606782600000,10,11,9,12,1\n")         // 11: close above high, after a gap
            .ToString();
        var file = Read(text);

        Assert.Equal([2, 5, 6, 7, 8, 9, 11], Enumerable.Range(0, file.Candles.Length).Select(file.LineOf));
        var issues = file.Issues.Select(i => (i.Line, i.Kind)).ToList();
        Assert.Contains((3, CandleIssueKind.Malformed), issues);
        Assert.Contains((4, CandleIssueKind.Malformed), issues);
        Assert.Contains((6, CandleIssueKind.Duplicate), issues);
        Assert.Contains((7, CandleIssueKind.Unsorted), issues);
        Assert.Contains((8, CandleIssueKind.OhlcViolation), issues);
        Assert.Contains((9, CandleIssueKind.Misaligned), issues);
        Assert.Contains((10, CandleIssueKind.Malformed), issues);
        Assert.Contains((11, CandleIssueKind.OhlcViolation), issues);
        Assert.Contains(file.Issues, i => i.Line == 11 && i.Kind == CandleIssueKind.Gap);
        Assert.Contains("close 'abc' is not a number", file.Issues.Single(i => i.Line == 4).Message, StringComparison.Ordinal);

        var error = Assert.Throws<CandleDataException>(() => file.EnsureUsable());
        Assert.Contains("test.csv:7: Unsorted", error.Message, StringComparison.Ordinal);
        Assert.Equal(file.Errors.Count(), error.Problems.Count);
    }

    [Fact]
    public void A_gap_alone_must_be_a_warning_not_an_error()
    {
        var file = Read($"{Header}\n0,10,11,9,10,1\n900000,10,11,9,10,1\n");
        var gap = Assert.Single(file.Issues);
        Assert.Equal(CandleIssueKind.Gap, gap.Kind);
        Assert.False(gap.IsError);
        Assert.Equal(2, file.MissingBars);
        Assert.Same(file, file.EnsureUsable());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("time,o,h,l,c,v\n1,1,1,1,1,1\n", ":1: expected the header")]
    public void A_file_without_the_header_must_be_refused_with_a_clear_error(string text, string expected)
    {
        var error = Assert.Throws<CandleDataException>(() => Read(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_timeframe_must_come_from_the_file_name_else_from_the_most_common_step()
    {
        Assert.Equal(Timeframe.OneHour, CandleCsvReader.TimeframeFromFileName("/x/BTCUSDT-1h.csv.gz"));
        Assert.Equal(Timeframe.FifteenMinutes, CandleCsvReader.TimeframeFromFileName("ETH-15m.csv"));
        Assert.Null(CandleCsvReader.TimeframeFromFileName("candles.csv"));
        var file = CandleCsvReader.Read(new MemoryStream(Encoding.UTF8.GetBytes($"{Header}\n0,1,1,1,1,1\n3600000,1,1,1,1,1\n7200000,1,1,1,1,1\n")), "candles.csv");
        Assert.Equal(Timeframe.OneHour, file.Timeframe);
    }

    [Fact]
    public void An_unset_timeframe_must_be_refused_rather_than_divide_by_zero()
    {
        var error = Assert.Throws<ArgumentException>(() => CandleCsvReader.Read(new MemoryStream(Encoding.UTF8.GetBytes($"{Header}\n0,1,1,1,1,1\n")), "x.csv", default(Timeframe)));
        Assert.Contains("unset", error.Message, StringComparison.Ordinal);
    }

    private static CandleFile Read(string text) =>
        CandleCsvReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "test.csv", Timeframe.FiveMinutes);
}
