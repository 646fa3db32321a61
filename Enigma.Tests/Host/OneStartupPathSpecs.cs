using System.Net.Http.Json;
using System.Text.Json;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

/// <summary>
/// paper, live and node start through one path (NodeHost): the same named steps in the same order, and the admin API
/// answering in every mode, so <c>enigma status</c>, <c>/metrics</c> and <c>enigma emergency-stop</c> reach any of them.
/// </summary>
public sealed class OneStartupPathSpecs
{
    private static readonly string[] Steps = PaperCommandSpecs.NodeStartSteps;

    [Theory]
    [InlineData("paper")]
    [InlineData("live")]
    [InlineData("node")]
    public async Task Every_mode_must_run_the_same_startup_steps_and_answer_on_its_admin_API(string mode)
    {
        await using var sim = await SimulatorHarness.StartAsync();
        using var folder = TestFiles.TemporaryFolder();
        var admin = EnigmaProcess.FreePort();
        var secrets = Path.Combine(folder.Path, "kucoin.env");
        File.WriteAllLines(secrets, [$"ENIGMA_KUCOIN_API_KEY={SimulatorHarness.Account.ApiKey}", $"ENIGMA_KUCOIN_API_SECRET={SimulatorHarness.Account.ApiSecret}", $"ENIGMA_KUCOIN_API_PASSPHRASE={SimulatorHarness.Account.ApiPassphrase}"]);
        string[] common = ["--data-dir", folder.Path, "--admin-port", admin.ToString(System.Globalization.CultureInfo.InvariantCulture), "--symbols", "XBTUSDTM"];
        string[] args = mode switch
        {
            "paper" => ["paper", .. common, "--speed", "0", "--data", SimulatorHarness.Data],
            "live" => ["live", .. common, "--exchange", sim.Server.BaseAddress.ToString(), "--secrets-file", secrets],
            _ => ["node", .. common, "--exchange", sim.Server.BaseAddress.ToString(), "--secrets-file", secrets, "--journal", Path.Combine(folder.Path, "journal.db"), "--port", "0"],
        };

        using var node = EnigmaProcess.Start(new Dictionary<string, string> { ["ENIGMA_NODE_ADMIN_TOKEN"] = "" }, args);
        await node.WaitForLineAsync(l => l.StartsWith("node up: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2), $"the {mode} node is up");
        await node.WaitForLineAsync(l => l.StartsWith("cluster trading ", StringComparison.Ordinal), TimeSpan.FromMinutes(1), $"the {mode} node trades");

        var ran = node.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("start [", StringComparison.Ordinal))
            .Select(l => l["start [".Length..l.IndexOf(']', StringComparison.Ordinal)]).ToList();
        Assert.Equal(Steps.Append("admin API").Order(StringComparer.Ordinal), ran.Order(StringComparer.Ordinal));
        Assert.Equal(Steps, ran.Where(s => s != "admin API"));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{admin}/") };
        var status = await http.GetFromJsonAsync<JsonElement>("api/status");
        Assert.Equal("TRADING", status.GetProperty("state").GetString());
        Assert.Contains("enigma_", await http.GetStringAsync("metrics"), StringComparison.Ordinal);
        Assert.Equal("Healthy", (await http.GetStringAsync("health/ready")).Split('\n')[0]);

        // No token was configured: the node made one, readable by its owner only, and only it opens the commands.
        var tokenFile = Path.Combine(folder.Path, "admin-token");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        }

        Assert.DoesNotContain(File.ReadAllText(tokenFile), node.Output, StringComparison.Ordinal);
        node.Terminate();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task A_paper_run_must_answer_status_and_stop_on_the_emergency_stop_of_the_CLI_with_the_risk_limits_of_every_source()
    {
        using var folder = TestFiles.TemporaryFolder();
        var admin = EnigmaProcess.FreePort();
        var file = Path.Combine(folder.Path, "operator.conf");
        File.WriteAllText(file, """
            enigma.risk { max-position-percent = 8, max-daily-drawdown-percent = 3 }
            akka.cluster.split-brain-resolver.stable-after = 7s
            """);
        var environment = new Dictionary<string, string>
        {
            ["ENIGMA_NODE_ADMIN_TOKEN"] = "",
            ["ENIGMA_MAX_POSITION_PERCENT"] = "9",
            ["ENIGMA_MAX_OPEN_POSITIONS"] = "3",
            ["ENIGMA__AKKA__CLUSTER__FAILURE_DETECTOR__ACCEPTABLE_HEARTBEAT_PAUSE"] = "4s",
        };
        // --resume on a journal that is not in an emergency stop: it must not resume the stop that comes later.
        using var paper = EnigmaProcess.Start(environment, "paper", "--symbols", "XBTUSDTM", "--speed", "0", "--data", SimulatorHarness.Data, "--data-dir", folder.Path,
            "--admin-port", admin.ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", file, "--set", "enigma.risk.max-position-percent=5", "--resume");
        await paper.WaitForLineAsync(l => l.StartsWith("node up: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "paper is up");
        Assert.Contains($"admin token in {Path.Combine(folder.Path, "admin-token")}", paper.Output, StringComparison.Ordinal);
        var node = $"127.0.0.1:{admin}";

        // The risk gate decides with what each source set: the command line over the environment over the file.
        var status = Cli.Run("status", "--node", node, "--json");
        Assert.True(status.Code == 0, status.Stderr);
        var limits = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("limits");
        Assert.Equal(5m, limits.GetProperty("maxPositionPercent").GetDecimal());
        Assert.Equal(3, limits.GetProperty("maxOpenPositions").GetInt32());
        Assert.Equal(3m, limits.GetProperty("maxDailyDrawdownPercent").GetDecimal());
        Assert.Contains("risk limits: position 5% of equity", Cli.Run("status", "--node", node).Stdout, StringComparison.Ordinal);

        // Akka's own keys too, in the running actor system, each with its source.
        var config = Cli.Run("config", "--node", node, "akka.cluster.split-brain-resolver.stable-after", "akka.cluster.failure-detector.acceptable-heartbeat-pause", "enigma.risk.max-position-percent", "enigma.node.admin-token");
        Assert.True(config.Code == 0, config.Stderr);
        Assert.Contains($"akka.cluster.split-brain-resolver.stable-after = 7s  [--config {file}]", config.Stdout, StringComparison.Ordinal);
        Assert.Contains("akka.cluster.failure-detector.acceptable-heartbeat-pause = 4s  [environment ENIGMA__AKKA__CLUSTER__FAILURE_DETECTOR__ACCEPTABLE_HEARTBEAT_PAUSE]", config.Stdout, StringComparison.Ordinal);
        Assert.Contains("enigma.risk.max-position-percent = 5  [command line --set enigma.risk.max-position-percent]", config.Stdout, StringComparison.Ordinal);

        // The operator's emergency stop, through the CLI with the token the run wrote.
        var refused = Cli.Run("emergency-stop", "--node", node, "--token-file", Path.Combine(folder.Path, "nope"));
        Assert.NotEqual(0, refused.Code);
        var stop = Cli.Run("emergency-stop", "--node", node, "--token-file", Path.Combine(folder.Path, "admin-token"), "--reason", "spec");
        Assert.True(stop.Code == 0, stop.Stderr + stop.Stdout);
        await Poll.UntilAsync(() => Task.FromResult(Cli.Run("status", "--node", node).Stdout.Contains("state EMERGENCY_STOP", StringComparison.Ordinal)), "the paper run is in EMERGENCY_STOP");

        // Two status lines later (2 s each; the startup watch looks every second) it still waits for a person.
        var stoppedAt = paper.Output.Length;
        await Poll.UntilAsync(() => Task.FromResult(paper.Output[stoppedAt..].Split('\n').Count(l => l.Contains(" equity ", StringComparison.Ordinal)) >= 2), "two more status lines", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("TRADING equity", paper.Output[stoppedAt..], StringComparison.Ordinal);
        Assert.Contains("state EMERGENCY_STOP", Cli.Run("status", "--node", node).Stdout, StringComparison.Ordinal);

        // A section asked for whole is shown key by key: the token stays hidden.
        var section = Cli.Run("config", "--node", node, "enigma.node");
        Assert.Contains("enigma.node.admin-token = ", section.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllText(Path.Combine(folder.Path, "admin-token")), section.Stdout, StringComparison.Ordinal);
        paper.Terminate();
        Assert.Equal(0, await paper.WaitForExitAsync(TimeSpan.FromMinutes(1)));
    }
}
