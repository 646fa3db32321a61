using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Inspection;
using Enigma.Cluster.Host.Admin;
using Enigma.Cluster.Host.Commands;
using Enigma.Domain.Exchange;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Tests.Support;

namespace Enigma.Tests.Host;

/// <summary>
/// A node's admin API over real HTTP on loopback, in front of a single-node cluster on an SQLite journal and the
/// simulator: what the CLI reads, what it may change only with the token, and the errors it answers bad input with.
/// </summary>
public sealed class AdminApiSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const string Token = "admin-spec-token";
    private static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;
    private readonly TemporaryFolder _folder;
    private readonly HttpClient _http = new();
    private SimulatorHarness _sim = null!;
    private AdminServer _admin = null!;
    private string _node = null!;

    public AdminApiSpecs()
        : this(TestFiles.TemporaryFolder())
    {
    }

    private AdminApiSpecs(TemporaryFolder folder)
        : base(EnigmaNode.SingleNodeCluster(EnigmaConfig.SqliteJournal(Path.Combine(folder.Path, "journal.db"))), "admin-api-specs")
    {
        _folder = folder;
    }

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHarness.StartAsync();
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        await cluster.JoinAsync(cluster.SelfAddress);
        var agents = await EnigmaNode.StartAsync(Sys, new NodeServices(new KuCoinExchangeGateway(_sim.Client()), [Xbt], 10_000m));
        _admin = await AdminServer.StartAsync(Sys, new ClusterInspector(Sys, agents, [Xbt.Symbol]), "127.0.0.1", 0, Token, () => true, CancellationToken.None);
        _node = _admin.Address.Authority;
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _sim.DisposeAsync();
        await Sys.Terminate();
        _http.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Admin_api_must_show_the_member_its_shards_and_health()
    {
        var cluster = await _http.GetFromJsonAsync<ClusterView>(new Uri(_admin.Address, "api/cluster"), AdminClient.Json);
        var self = Assert.Single(cluster!.Members);
        Assert.Equal("Up", self.Status);
        Assert.Equal(NodeRoles.All.Order(StringComparer.Ordinal), self.Roles);

        // The entity starts on the first message; then shards show it on this node, and where names the node.
        var status = await _http.GetFromJsonAsync<StatusView>(new Uri(_admin.Address, "api/status"), AdminClient.Json);
        Assert.Equal(Xbt.Symbol, Assert.Single(status!.Positions).Symbol);
        var where = await _http.GetFromJsonAsync<List<SymbolPlacement>>(new Uri(_admin.Address, "api/shards/where/xbtusdtm"), AdminClient.Json);
        Assert.Equal(self.Address, where!.Single(p => p.Type == "execution").Node);

        var (code, stdout, _) = Cli.Run("shards", "show", "execution", "--node", _node);
        Assert.Equal(0, code);
        Assert.Contains(Xbt.Symbol, stdout, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(_admin.Address, "health/live"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri(_admin.Address, "health/ready"))).StatusCode);
        var metrics = await _http.GetStringAsync(new Uri(_admin.Address, "metrics"));
        Assert.Contains("enigma_cluster_members{status=\"Up\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("enigma_execution_ready{symbol=\"XBTUSDTM\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Admin_commands_must_need_the_token_and_say_what_was_wrong()
    {
        var (noToken, _, missing) = Cli.Run("pause", "--node", _node);
        Assert.Equal(AdminClient.Refused, noToken);
        Assert.Contains("needs the node's admin token", missing, StringComparison.Ordinal);

        using var wrong = new HttpRequestMessage(HttpMethod.Post, new Uri(_admin.Address, "api/emergency-stop")) { Content = JsonContent.Create(new AdminRequest(null, "spec")) };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _http.SendAsync(wrong)).StatusCode);

        // With the token: the state machine still decides (a node that never finished its startup cannot pause).
        var (refused, _, why) = Cli.Run("pause", "--node", _node, "--token", Token);
        Assert.Equal(AdminClient.Refused, refused);
        Assert.Contains("INITIALIZING → PAUSED is not allowed", why, StringComparison.Ordinal);

        var (unknownMember, _, notMember) = Cli.Run("cluster", "down", "akka.tcp://enigma@10.0.0.1:4053", "--node", _node, "--token", Token);
        Assert.Equal(AdminClient.Refused, unknownMember);
        Assert.Contains("is not a member of this cluster", notMember, StringComparison.Ordinal);

        var (unknownSymbol, _, notTraded) = Cli.Run("shards", "where", "DOGEUSDTM", "--node", _node);
        Assert.Equal(ExitCodes.BadInput, unknownSymbol);
        Assert.Contains("'DOGEUSDTM' is not traded by this cluster", notTraded, StringComparison.Ordinal);

        var (stopped, said, _) = Cli.Run("emergency-stop", "--node", _node, "--token", Token, "--reason", "spec");
        Assert.Equal(0, stopped);
        Assert.Contains("EMERGENCY_STOP", said, StringComparison.Ordinal);
        var status = await _http.GetFromJsonAsync<StatusView>(new Uri(_admin.Address, "api/status"), AdminClient.Json);
        Assert.Equal("EMERGENCY_STOP", status!.State);
    }

    [Fact]
    public async Task The_emergency_stop_script_must_stop_the_node_through_its_admin_api()
    {
        static async Task<(int Code, string Output)> Script(Dictionary<string, string> environment, params string[] args)
        {
            var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestFiles.RepositoryRoot };
            start.ArgumentList.Add(Path.Combine(TestFiles.RepositoryRoot, "deploy", "scripts", "emergency-stop.sh"));
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            // The built enigma beside the tests, as an operator's published one (no dotnet run inside a spec).
            start.Environment["ENIGMA_BIN"] = Path.Combine(AppContext.BaseDirectory, "enigma.dll");
            start.Environment.Remove("ENIGMA_NODE_ADMIN_TOKEN");
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }

            using var process = System.Diagnostics.Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }

        var (withoutToken, refusal) = await Script([], "--node", _node);
        Assert.Equal(1, withoutToken);
        Assert.Contains("set ENIGMA_NODE_ADMIN_TOKEN", refusal, StringComparison.Ordinal);

        var (code, output) = await Script(new() { ["ENIGMA_NODE_ADMIN_TOKEN"] = Token }, "--node", _node);
        Assert.True(code == 0, output);
        Assert.Contains("state EMERGENCY_STOP", output, StringComparison.Ordinal);
        var status = await _http.GetFromJsonAsync<StatusView>(new Uri(_admin.Address, "api/status"), AdminClient.Json);
        Assert.Equal("EMERGENCY_STOP", status!.State);
        Assert.Contains(status.History, h => h.To == "EMERGENCY_STOP" && h.Reason.Contains("emergency-stop.sh by", StringComparison.Ordinal));
    }

    [Fact]
    public void Cli_must_name_a_node_that_does_not_answer()
    {
        var (code, _, stderr) = Cli.Run("cluster", "show", "--node", "127.0.0.1:" + EnigmaProcess.FreePort());
        Assert.Equal(AdminClient.NodeUnavailable, code);
        Assert.Contains("no admin API answers at", stderr, StringComparison.Ordinal);

        var (usage, _, bad) = Cli.Run("status", "--node", "not a node");
        Assert.Equal(ExitCodes.Usage, usage);
        Assert.Contains("is not a node's admin address", bad, StringComparison.Ordinal);
    }
}
