using System.IO.Compression;
using Enigma.Cluster.Host.Commands;
using Enigma.Domain.Market;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

public sealed class IndicatorsCommandSpecs
{
    [Fact]
    public void Enigma_indicators_must_reproduce_the_TA_Lib_fixture()
    {
        using var folder = TestFiles.TemporaryFolder();
        var output = folder.File("out.csv");
        var (code, stdout, stderr) = Cli.Run("indicators", "--input", TestFiles.Fixture("ethusdt-5m-input.csv"), "--output", output);

        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Contains("Wrote 2000 rows", stdout, StringComparison.Ordinal);
        var lines = File.ReadAllLines(output);
        Assert.Equal(IndicatorsCommand.Header, lines[0]);
        var actual = NumericCsv.Parse(lines);
        var reference = NumericCsv.Read(TestFiles.Fixture("ethusdt-5m-reference.csv"));
        var kdj = NumericCsv.Read(TestFiles.Fixture("ethusdt-5m-kdj.csv"));
        var candles = CandleCsvReader.Load(TestFiles.Fixture("ethusdt-5m-input.csv")).Candles;
        Assert.Equal(reference.Column("timestamp_ms"), actual.Column("timestamp_ms"));
        foreach (var column in IndicatorColumns.All)
        {
            var expected = column.StartsWith("kdj", StringComparison.Ordinal) ? kdj.Column(column) : reference.Column(column);
            SeriesComparison.AssertClose(column, expected, actual.Column(column), IndicatorColumns.Scale(column, candles, expected));
        }

        // Warm-up cells are empty, not zero or NaN.
        Assert.StartsWith("1606780800000,,,,,,,,,,,,,,9670.10803,,,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_gz_output_name_must_write_gzip()
    {
        using var folder = TestFiles.TemporaryFolder();
        var output = folder.File("out.csv.gz");
        var (code, _, stderr) = Cli.Run("indicators", "-i", TestFiles.Fixture("ethusdt-5m-input.csv"), "-o", output);
        Assert.True(code == ExitCodes.Success, stderr);
        using var reader = new StreamReader(new GZipStream(File.OpenRead(output), CompressionMode.Decompress));
        Assert.Equal(IndicatorsCommand.Header, reader.ReadLine());
    }

    [Fact]
    public void Bad_candles_must_name_file_line_and_problem_and_leave_the_old_output_untouched()
    {
        using var folder = TestFiles.TemporaryFolder();
        var input = folder.File("bad-5m.csv");
        File.WriteAllText(input, "timestamp_ms,open,high,low,close,volume\n0,1,2,0.5,1,1\n600000,1,2,0.5,1,1\n300000,1,2,0.5,1,1\n");
        var output = folder.File("out.csv");
        File.WriteAllText(output, "previous results");

        var (code, _, stderr) = Cli.Run("indicators", "--input", input, "--output", output);

        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains($"{input}:4: Unsorted", stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was written", stderr, StringComparison.Ordinal);
        Assert.Equal("previous results", File.ReadAllText(output));
        Assert.Single(Directory.GetFiles(folder.Path, "*out.csv*"));
    }

    [Fact]
    public void A_missing_input_must_be_a_clear_error()
    {
        using var folder = TestFiles.TemporaryFolder();
        var (code, _, stderr) = Cli.Run("indicators", "--input", folder.File("nope.csv"), "--output", folder.File("out.csv"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("nope.csv' does not exist", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("out.csv")));
    }

    [Fact]
    public void A_missing_option_must_be_a_usage_error()
    {
        var (code, _, stderr) = Cli.Run("indicators", "--input", "x.csv");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--output", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Gaps_must_be_warned_about_and_not_stop_the_run()
    {
        using var folder = TestFiles.TemporaryFolder();
        var output = folder.File("out.csv");
        var (code, _, stderr) = Cli.Run("indicators", "--input", TestFiles.Candles("binance-spot/ETHUSDT-1h.csv.gz"), "--output", output);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("5 gap(s), 12 missing 1h bar(s)", stderr, StringComparison.Ordinal);
        Assert.Equal(23988 + 1, File.ReadLines(output).Count());
    }

    [Fact]
    public void Candles_check_must_list_gaps_and_fail_on_errors()
    {
        var (code, stdout, _) = Cli.Run("candles", "check", "--input", TestFiles.Candles("binance-spot/BTCUSDT-1h.csv.gz"));
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("23987", stdout, StringComparison.Ordinal);
        Assert.Contains("4 missing 1h bar(s) between 2021-08-13T01:00Z and 2021-08-13T06:00Z", stdout, StringComparison.Ordinal);

        using var folder = TestFiles.TemporaryFolder();
        var input = folder.File("dup-5m.csv");
        File.WriteAllText(input, "timestamp_ms,open,high,low,close,volume\n0,1,2,0.5,1,1\n0,1,2,0.5,1,1\n");
        var (badCode, _, stderr) = Cli.Run("candles", "check", "--input", input);
        Assert.Equal(ExitCodes.BadInput, badCode);
        Assert.Contains(":3: Duplicate", stderr, StringComparison.Ordinal);

        var (usage, _, usageError) = Cli.Run("candles", "check", "--input", input, "--timeframe", "7m");
        Assert.Equal(ExitCodes.Usage, usage);
        Assert.Contains("--timeframe '7m' is not a timeframe", usageError, StringComparison.Ordinal);
    }
}
