using Enigma.Exchange.KuCoin.Auth;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

/// <summary><c>enigma live</c> against a KuCoin-compatible address (the simulator standing in for KuCoin).</summary>
public sealed class LiveCommandSpecs
{
    private static string SecretsFile(TemporaryFolder folder, bool withPassphrase = true)
    {
        var path = Path.Combine(folder.Path, "kucoin.secrets");
        var account = SimulatorHarness.Account;
        File.WriteAllLines(path,
        [
            "# the paper account of the simulator",
            $"{KuCoinCredentials.KeyVariable}={account.ApiKey}",
            $"{KuCoinCredentials.SecretVariable}={account.ApiSecret}",
            .. withPassphrase ? new[] { $"{KuCoinCredentials.PassphraseVariable}={account.ApiPassphrase}" } : [],
        ]);
        return path;
    }

    [Fact]
    public async Task Live_trading_refuses_a_key_that_can_move_funds_before_anything_trades()
    {
        await using var sim = await SimulatorHarness.StartAsync(o => o with { Accounts = [SimulatorHarness.Account with { Permissions = "General,Futures,Transfer" }] });
        using var folder = TestFiles.TemporaryFolder();

        var (code, stdout, stderr) = Cli.Run("live", "--exchange", sim.Server.BaseAddress.ToString(), "--secrets-file", SecretsFile(folder), "--symbols", "XBTUSDTM", "--data-dir", folder.Path, "--admin-port", "0", "--duration", "2s");

        Assert.Equal(2, code);
        Assert.Contains("Refusing to trade with API key", stderr, StringComparison.Ordinal);
        Assert.Contains("Transfer", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("TRADING", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(SimulatorHarness.Account.ApiSecret, stdout + stderr, StringComparison.Ordinal);
        Assert.Empty(await sim.Client().GetFillsAsync());
    }

    [Fact]
    public void Live_trading_without_a_passphrase_names_the_missing_variable_and_not_the_secret()
    {
        using var folder = TestFiles.TemporaryFolder();
        var (code, _, stderr) = Cli.Run("live", "--exchange", "http://127.0.0.1:9/", "--secrets-file", SecretsFile(folder, withPassphrase: false), "--data-dir", folder.Path, "--admin-port", "0");

        Assert.Equal(2, code);
        Assert.Contains(KuCoinCredentials.PassphraseVariable, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(SimulatorHarness.Account.ApiSecret, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_trading_with_a_trading_only_key_runs_the_startup_sequence_and_trades_until_its_duration()
    {
        await using var sim = await SimulatorHarness.StartAsync();
        using var folder = TestFiles.TemporaryFolder();

        var (code, stdout, stderr) = Cli.Run("live", "--exchange", sim.Server.BaseAddress.ToString(), "--secrets-file", SecretsFile(folder), "--symbols", "XBTUSDTM", "--data-dir", folder.Path, "--admin-port", "0", "--duration", "5s");

        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("  account: 10000 USDT, KuCoin API key …-key (v2; secret and passphrase hidden)", stdout, StringComparison.Ordinal);
        Assert.Contains($"trading XBTUSDTM on {sim.Server.BaseAddress}", stdout, StringComparison.Ordinal);
        Assert.Contains("start [trading] SystemState TRADING", stdout, StringComparison.Ordinal);
        Assert.Contains("TRADING equity 10000.00 USDT", stdout, StringComparison.Ordinal);
        Assert.Contains("stopped; state is in the journal", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder.Path, "journal.db")));
    }
}
