using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Enigma.Actors.Optimization;
using Enigma.Cluster.Host.Admin;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Enigma.Tests.Cluster;

/// <summary>
/// The Optimizer agent across node processes: <c>enigma optimize --cluster</c>, talking to a node without the role,
/// hands its backtests to the workers of the two nodes with the optimizer role (work pulling), gets the same report as
/// a run on one machine, and loses no job when the node holding the coordinator is killed with SIGKILL in the middle
/// of a search (the coordinator moves to the other node, and the client submits again what it had not returned).
/// </summary>
[Collection(PostgresDefinition.Name)]
public sealed class OptimizerProcessSpecs(PostgresServer postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "optimizer-spec-admin-token";
    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        [KuCoinCredentials.KeyVariable] = SimulatorOptions.DefaultAccount.ApiKey,
        [KuCoinCredentials.SecretVariable] = SimulatorOptions.DefaultAccount.ApiSecret,
        [KuCoinCredentials.PassphraseVariable] = SimulatorOptions.DefaultAccount.ApiPassphrase,
        ["ENIGMA_NODE_ADMIN_TOKEN"] = Token,

        // One slot each: two nodes then share the work, whatever the machine's cores.
        ["ENIGMA_OPTIMIZER_WORKER_SLOTS"] = "1",
    };

    private readonly List<EnigmaProcess> _processes = [];
    private readonly TemporaryFolder _folder = TestFiles.TemporaryFolder();
    private string _journal = null!;

    public async Task InitializeAsync() => _journal = await postgres.CreateDatabaseAsync("optimizer");

    public Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }

        NpgsqlConnection.ClearAllPools();
        _folder.Dispose();
        return Task.CompletedTask;
    }

    private (EnigmaProcess Process, string Admin, string Address) StartNode(string name, string roles, string exchange, string? seed, string minMembers = "3", IReadOnlyDictionary<string, string>? extra = null)
    {
        var port = EnigmaProcess.FreePort();
        var admin = EnigmaProcess.FreePort();
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var process = EnigmaProcess.Start(environment,
            "node", "--roles", roles, "--port", port.ToString(CultureInfo.InvariantCulture), "--seeds", seed ?? $"akka.tcp://enigma@127.0.0.1:{port}", "--min-members", minMembers,
            "--journal", _journal, "--exchange", exchange, "--symbols", "ETHUSDTM",
            "--admin-port", admin.ToString(CultureInfo.InvariantCulture), "--data-dir", _folder.File(name));
        _processes.Add(process);
        return (process, $"127.0.0.1:{admin}", $"akka.tcp://enigma@127.0.0.1:{port}");
    }

    private static string[] Optimize(string output, params string[] extra) =>
        ["optimize", "--data", TestFiles.Candles("bybit-linear"), "--strategy", "rsi-bollinger", "--grid", "ENTRY_RSI=20,25,30,35", "--grid", "EXIT_RSI=45,50,55,60",
            "--windows", "2", "--min-trades", "5", "--output", output, .. extra];

    /// <summary>"backtests per node: akka.tcp://enigma@127.0.0.1:4100 30, ..." as node → count.</summary>
    private static Dictionary<string, int> BacktestsPerNode(string line) =>
        System.Text.RegularExpressions.Regex.Matches(line, @"(akka\.tcp://\S+) (\d+)")
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal);

    private static JsonElement Summary(string output)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Assert.Single(Directory.GetDirectories(output)), "summary.json")));
        return document.RootElement.Clone();
    }

    /// <summary>A simulator process replaying ETHUSDTM: the nodes need an exchange to start; the address to give them.</summary>
    private async Task<string> StartSimulatorAsync()
    {
        var port = EnigmaProcess.FreePort();
        var simulator = EnigmaProcess.Start("simulator", "--port", port.ToString(CultureInfo.InvariantCulture), "--symbols", "ETHUSDTM");
        _processes.Add(simulator);
        await simulator.WaitForLineAsync(l => l.StartsWith("simulator listening", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the simulator listens");
        return $"http://127.0.0.1:{port}/";
    }

    [Fact]
    public async Task A_search_on_the_cluster_must_spread_over_the_optimizer_nodes_lose_no_job_to_a_kill_9_and_match_a_local_run()
    {
        var exchange = await StartSimulatorAsync();

        // Node 1 carries every trading agent but no optimizer; nodes 2 and 3 are optimizer workers, one of them the coordinator.
        var front = StartNode("n1", "orchestrator,data,signal,risk,execution,audit", exchange, null);
        var second = StartNode("n2", "optimizer", exchange, front.Address);
        var third = StartNode("n3", "optimizer", exchange, front.Address);
        foreach (var (node, name) in new[] { (front.Process, "n1"), (second.Process, "n2"), (third.Process, "n3") })
        {
            await node.WaitForLineAsync(l => l.StartsWith("node up:", StringComparison.Ordinal), TimeSpan.FromSeconds(120), $"{name} is up");
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        async Task<OptimizerStatus> Status() => (await http.GetFromJsonAsync<OptimizerStatus>($"http://{front.Admin}/api/optimizer", AdminClient.Json))!;
        await Poll.UntilAsync(async () => (await Status()).Workers.Count == 2, "both optimizer workers have asked for work", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));

        // The same search, on the cluster and on this machine alone.
        var (code, _, stderr) = Cli.Run(Optimize(_folder.File("cluster"), "--cluster", front.Admin, "--token", Token));
        Assert.True(code == 0, stderr);
        var perNode = stderr.Split('\n').Single(l => l.StartsWith("backtests per node: ", StringComparison.Ordinal));
        // Both workers had asked for work before the batch came, and each is handed its slots' worth at once: both run
        // some, by construction. Every one of the 16 sets × (2 windows + the whole data) is counted exactly once.
        Assert.Contains($"{second.Address} ", perNode, StringComparison.Ordinal);
        Assert.Contains($"{third.Address} ", perNode, StringComparison.Ordinal);
        Assert.Equal(48, BacktestsPerNode(perNode).Values.Sum());
        var (local, _, localError) = Cli.Run(Optimize(_folder.File("local")));
        Assert.True(local == 0, localError);
        var (onCluster, alone) = (Summary(_folder.File("cluster")), Summary(_folder.File("local")));
        Assert.Equal(alone.GetProperty("outOfSample").GetRawText(), onCluster.GetProperty("outOfSample").GetRawText());
        Assert.Equal(alone.GetProperty("windows").GetRawText(), onCluster.GetProperty("windows").GetRawText());

        // Refused without the token: submitting work is a command.
        var (refused, _, refusal) = Cli.Run(Optimize(_folder.File("refused"), "--cluster", front.Admin, "--token", "wrong"));
        Assert.Equal(AdminClient.Refused, refused);
        Assert.Contains("the admin token is wrong", refusal, StringComparison.Ordinal);

        // The coordinator's node killed in the middle of a search: the coordinator moves to the other optimizer node,
        // the client submits again what it lacks, and the search ends as it would have.
        var coordinator = (await Status()).Coordinator;
        var (doomed, survivor) = coordinator == second.Address ? (second, third) : (third, second);
        Assert.Equal(doomed.Address, coordinator);
        async Task<long> FinishedOn(string node) => (await Status()).Workers.Single(w => w.Node == node).Finished;
        var before = await FinishedOn(doomed.Address);
        var running = Task.Run(() => Cli.Run(Optimize(_folder.File("killed"), "--cluster", front.Admin, "--token", Token, "--grid", "RSI_PERIOD=7,10,14,21,28")));
        await Poll.UntilAsync(async () => await FinishedOn(doomed.Address) >= before + 3, "the coordinator's node has run some of the search", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));
        await doomed.Process.KillAsync();
        var (afterKill, _, killError) = await running;
        output.WriteLine(killError);
        Assert.True(afterKill == 0, killError);
        var perNodeAfterKill = killError.Split('\n').Single(l => l.StartsWith("backtests per node: ", StringComparison.Ordinal));
        // The doomed node ran some before it died (its coordinator's own count said so above), but whether the client
        // read any of those outcomes before the kill is a race: what is promised is that none is lost or counted twice
        // (16 × 5 sets × 3 backtests) and that the survivor finished the search.
        Assert.Equal(240, BacktestsPerNode(perNodeAfterKill).Values.Sum());
        Assert.Contains($"{survivor.Address} ", perNodeAfterKill, StringComparison.Ordinal);
        Assert.Contains("the coordinator moved", perNodeAfterKill, StringComparison.Ordinal);
        Assert.Equal(survivor.Address, (await Status()).Coordinator);
        var (again, _, againError) = Cli.Run(Optimize(_folder.File("killed-local"), "--grid", "RSI_PERIOD=7,10,14,21,28"));
        Assert.True(again == 0, againError);
        Assert.Equal(Summary(_folder.File("killed-local")).GetProperty("outOfSample").GetRawText(), Summary(_folder.File("killed")).GetProperty("outOfSample").GetRawText());
    }

    [Fact]
    public async Task The_scheduled_cycle_must_optimise_deploy_and_have_the_running_node_trade_the_new_version()
    {
        var exchange = await StartSimulatorAsync();

        // Gates off, so that the small search deploys: what is checked here is the loop, not the strategy.
        var weights = _folder.File("weights");
        var node = StartNode("scheduled", "all", exchange, null, "1", new Dictionary<string, string>
        {
            ["ENIGMA_OPTIMIZER_SCHEDULE"] = "3s",
            ["ENIGMA_OPTIMIZER_DEPLOY_POLL_INTERVAL"] = "1s",
            ["ENIGMA_OPTIMIZER_MODEL_WEIGHTS"] = weights,
            ["ENIGMA_OPTIMIZER_SCHEDULE_ARGUMENTS"] = $"--data {TestFiles.Candles("bybit-linear")} --grid SIGNAL_MIN_SCORE=50,60 --windows 2 --min-trades 1 --max-p 1.01 --max-p-live 1.01 --min-dsr 0 --max-pbo 1.01 --allow-inconclusive --model-weights {weights} --output {_folder.File("runs")}",
        });
        await node.Process.WaitForLineAsync(l => l.StartsWith("node up:", StringComparison.Ordinal), TimeSpan.FromSeconds(120), "the node is up");

        var ended = await node.Process.WaitForLineAsync(l => l.Contains("scheduled cycle", StringComparison.Ordinal) && l.Contains("ended", StringComparison.Ordinal), TimeSpan.FromSeconds(120), "a scheduled cycle ends");
        Assert.Contains("exit code 0: deployed: ", ended, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(weights, "signal-score", "ETHUSDTM", "v1.conf")));

        // The deployer applies it at the symbol's safe point; the Signal entity rebuilds its engine.
        var log = Path.Combine(_folder.File("scheduled"), "logs", "node.log");
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(log) && File.ReadAllText(log).Contains("ETHUSDTM: signal parameters v1 in use", StringComparison.Ordinal)),
            "the Signal entity trades v1", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        Assert.Contains("parameters v1 now trade ETHUSDTM", File.ReadAllText(log), StringComparison.Ordinal);
    }
}
