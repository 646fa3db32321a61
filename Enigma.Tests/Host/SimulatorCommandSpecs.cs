using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

public sealed class SimulatorCommandSpecs
{
    [Theory]
    [InlineData(new[] { "simulator", "--speed", "-1" }, 1, "--speed -1 must be 0 (stepped) or positive")]
    [InlineData(new[] { "simulator", "--port", "70000" }, 1, "--port 70000 is not a TCP port")]
    [InlineData(new[] { "simulator", "--api-key", "k" }, 1, "--api-key, --api-secret and --api-passphrase go together")]
    [InlineData(new[] { "simulator", "--data", "/nonexistent/candles" }, 1, "is not a folder")]
    [InlineData(new[] { "simulator", "--symbols", "NOPEUSDTM" }, 2, "No contract terms for NOPEUSDTM")]
    public void Bad_options_are_refused_by_name_before_anything_starts(string[] args, int code, string message)
    {
        var data = Path.Combine(TestFiles.RepositoryRoot, "knowledge-bank", "historical-data", "candles", "bybit-linear");
        string[] full = [.. args, .. args.Contains("--data") ? Array.Empty<string>() : ["--data", data], .. args.Contains("--port") ? Array.Empty<string>() : ["--port", "0"]];

        var (exit, _, stderr) = Cli.Run(full);
        Assert.Equal(code, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }
}
