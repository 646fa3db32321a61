using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Enigma.Actors.Audit;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Notifications;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Exchange.KuCoin.Auth;
using Enigma.Exchange.KuCoin.Rest;
using Enigma.Exchange.KuCoin.WebSockets;
using Enigma.Exchange.Simulator;
using Enigma.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Topics = Enigma.Actors.Messaging.Topics;

namespace Enigma.Tests.Actors.Audit;

/// <summary>
/// One spec per emergency-stop trigger of the seed, each on a real node (orchestrator, risk portfolio, Audit agent,
/// notifier, the bus) against the simulator, with a loopback server standing in for the webhook and Telegram.
/// </summary>
public sealed class EmergencyTriggerSpecs : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private static readonly ContractSpec Xbt = KnownContracts.Find("XBTUSDTM")!;
    private readonly TemporaryFolder _folder;
    private readonly ConcurrentQueue<(string Path, string Body)> _received = new();
    private readonly HttpClient _http = new();
    private readonly List<IAsyncDisposable> _disposables = [];
    private WebApplication _hooks = null!;
    private Uri _hooksAddress = null!;

    public EmergencyTriggerSpecs()
        : this(TestFiles.TemporaryFolder())
    {
    }

    private EmergencyTriggerSpecs(TemporaryFolder folder)
        : base(EnigmaNode.SingleNodeCluster(EnigmaConfig.SqliteJournal(Path.Combine(folder.Path, "journal.db"))), "emergency-specs")
    {
        _folder = folder;
    }

    private string AuditDirectory => Path.Combine(_folder.Path, "audit");

    public async Task InitializeAsync()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        await cluster.JoinAsync(cluster.SelfAddress);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _hooks = builder.Build();
        _hooks.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            _received.Enqueue((context.Request.Path.Value ?? "", await reader.ReadToEndAsync()));
            context.Response.StatusCode = 200;
        });
        await _hooks.StartAsync();
        _hooksAddress = new Uri(_hooks.Urls.First().TrimEnd('/') + "/");
    }

    public async Task DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }

        await _hooks.DisposeAsync();
        _http.Dispose();

        // The node writes its audit trail and post-mortems into the folder: it stops before the folder goes.
        await Sys.Terminate();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_daily_drawdown_past_the_limit_stops_trading()
    {
        var (agents, sim, _) = await StartNodeAsync();
        var client = sim.Client();
        await TicksAsync(agents, 2);

        // A real loss on the account: a round trip of about 500,000 USDT notional at 100x pays about 6% of equity in taker fees.
        await client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "big-in", Symbol = Xbt.Symbol, Side = "buy", Type = "market", Lots = 6_000, Leverage = 100 });
        await client.PlaceOrderAsync(new KuCoinOrderRequest { ClientOid = "big-out", Symbol = Xbt.Symbol, Side = "sell", Type = "market", Lots = 6_000, Leverage = 100, ReduceOnly = true });

        await ExpectEmergencyAsync(agents, EmergencyTrigger.DailyDrawdown, "daily drawdown");
    }

    [Fact]
    public async Task A_losing_streak_of_MAX_CONSECUTIVE_LOSSES_stops_trading()
    {
        var (agents, _, _) = await StartNodeAsync();
        for (var i = 0; i < 5; i++)
        {
            // What every symbol's Execution publishes when a round trip ends at a loss.
            agents.Bus.Tell(new Publish(Topics.PositionClosed, AgentEnvelope.Event(Agents.Execution, Topics.PositionClosed, new PositionClosed(Xbt.Symbol, Side.Long, -1m, i, i + 1, OrderPurpose.StopLoss), i)));
        }

        await ExpectEmergencyAsync(agents, EmergencyTrigger.LosingStreak, "5 consecutive losses");
    }

    [Fact]
    public async Task Credentials_the_exchange_refuses_stop_trading()
    {
        var (agents, _, _) = await StartNodeAsync(probeCredentials: new KuCoinCredentials(SimulatorHarness.Account.ApiKey, "revoked-secret", SimulatorHarness.Account.ApiPassphrase));
        await ExpectEmergencyAsync(agents, EmergencyTrigger.InvalidCredentials, "HTTP 401");
    }

    [Fact]
    public async Task A_market_data_WebSocket_down_longer_than_the_limit_stops_trading()
    {
        var (agents, sim, probe) = await StartNodeAsync();
        var stream = new KuCoinWebSocketClient(sim.Client(), isPrivate: false);
        _disposables.Add(stream);
        await stream.StartAsync();
        probe.Stream = stream;
        await TicksAsync(agents, 2);
        Assert.Equal(SystemState.Trading, (await StatusAsync(agents)).State);

        sim.Server.SetFaults(FaultSettings.None with { RefuseWebSockets = true });
        sim.Server.DropWebSockets();

        await ExpectEmergencyAsync(agents, EmergencyTrigger.WebSocketDown, "WebSocket is disconnected");
    }

    [Fact]
    public async Task A_key_that_can_move_funds_is_an_invariant_violation_that_stops_trading()
    {
        var (agents, _, _) = await StartNodeAsync(o => o with { Accounts = [SimulatorHarness.Account with { Permissions = "General,Futures,Transfer" }] });
        await ExpectEmergencyAsync(agents, EmergencyTrigger.InvariantViolation, "Transfer");
    }

    [Fact]
    public async Task A_manual_stop_notifies_writes_a_post_mortem_and_waits_for_a_manual_resume()
    {
        var (agents, _, _) = await StartNodeAsync();
        Assert.IsType<TransitionAccepted>(await agents.Orchestrator.Ask<object>(new TriggerEmergencyStop(EmergencyTrigger.Manual, "operator pressed the button"), TimeSpan.FromSeconds(5)));
        await ExpectEmergencyAsync(agents, EmergencyTrigger.Manual, "operator pressed the button");

        // Telegram got the message at its bot path, the token only in the path; the post-mortem holds the state.
        await Eventually.HoldsAsync(() => _received.Any(r => r.Path == "/bot123:secret-token/sendMessage"), "Telegram receives the stop");
        var telegram = JsonDocument.Parse(_received.First(r => r.Path.EndsWith("/sendMessage", StringComparison.Ordinal)).Body).RootElement;
        Assert.Equal("42", telegram.GetProperty("chat_id").GetString());
        Assert.Contains("EMERGENCY_STOP (Manual)", telegram.GetProperty("text").GetString(), StringComparison.Ordinal);
        var folder = Path.Combine(AuditDirectory, "post-mortem");
        await Eventually.HoldsAsync(() => Directory.Exists(folder) && Directory.GetFiles(folder, "emergency-*-Manual.json").Length == 1, "the post-mortem is written");
        var postMortem = JsonDocument.Parse(await File.ReadAllTextAsync(Directory.GetFiles(folder)[0])).RootElement;
        Assert.Equal("Manual", postMortem.GetProperty("trigger").GetString());
        Assert.Equal(Xbt.Symbol, postMortem.GetProperty("execution")[0].GetProperty("symbol").GetString());
        Assert.Contains("\"kind\":\"emergency.stop\"", await File.ReadAllTextAsync(Directory.GetFiles(AuditDirectory, "audit-*.jsonl").Single()), StringComparison.Ordinal);

        // Only a manual resume leaves EMERGENCY_STOP, and it goes to READY, not straight back to trading.
        Assert.IsType<TransitionRefused>(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "automatic"), TimeSpan.FromSeconds(5)));
        Assert.IsType<TransitionAccepted>(await agents.Orchestrator.Ask<object>(new ResumeAfterEmergency("spec operator"), TimeSpan.FromSeconds(5)));
        Assert.Equal(SystemState.Ready, (await StatusAsync(agents)).State);
    }

    private async Task<(EnigmaAgents Agents, SimulatorHarness Simulator, KuCoinAuditProbe Probe)> StartNodeAsync(Func<SimulatorOptions, SimulatorOptions>? simulator = null, KuCoinCredentials? probeCredentials = null)
    {
        var sim = await SimulatorHarness.StartAsync(simulator);
        _disposables.Add(sim);
        var client = sim.Client();
        var probe = new KuCoinAuditProbe(probeCredentials is null ? client : sim.Client(probeCredentials), Xbt.Symbol, keyCheckEvery: 1);
        var agents = await EnigmaNode.StartAsync(Sys, new NodeServices(new KuCoinExchangeGateway(client), [Xbt], 10_000m)
        {
            AuditProbe = probe,
            Audit = new AuditSettings { TickInterval = TimeSpan.FromMilliseconds(200), WebSocketDownLimit = TimeSpan.FromSeconds(1), Directory = AuditDirectory },
            Notifications = new NotificationSettings { WebhookUrl = new Uri(_hooksAddress, "hooks/enigma"), TelegramBotToken = "123:secret-token", TelegramChatId = "42", TelegramApiBase = _hooksAddress, Node = "spec" },
            Http = _http,
        });
        Assert.IsType<TransitionAccepted>(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Ready, "startup done"), TimeSpan.FromSeconds(5)));
        Assert.IsType<TransitionAccepted>(await agents.Orchestrator.Ask<object>(new RequestTransition(SystemState.Trading, "go"), TimeSpan.FromSeconds(5)));
        return (agents, sim, probe);
    }

    private static Task<SystemStatus> StatusAsync(EnigmaAgents agents) => agents.Orchestrator.Ask<SystemStatus>(GetSystemStatus.Instance, TimeSpan.FromSeconds(5));

    private static async Task TicksAsync(EnigmaAgents agents, long ticks)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await agents.Audit!.Ask<AuditReport>(GetAuditReport.Instance, TimeSpan.FromSeconds(5))).Ticks < ticks)
        {
            Assert.True(DateTime.UtcNow < deadline, "the Audit agent did not tick");
            await Task.Delay(50);
        }
    }

    /// <summary>The orchestrator went to EMERGENCY_STOP for <paramref name="trigger"/>, and the webhook heard it.</summary>
    private async Task ExpectEmergencyAsync(EnigmaAgents agents, EmergencyTrigger trigger, string detail)
    {
        SystemStatus status = null!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((status = await StatusAsync(agents)).State != SystemState.EmergencyStop)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no emergency stop; history: {string.Join(" | ", status.History.Select(h => h.Reason))}");
            await Task.Delay(50);
        }

        var reason = status.History[^1].Reason;
        Assert.StartsWith(trigger + ": ", reason, StringComparison.Ordinal);
        Assert.True(reason.Contains(detail, StringComparison.Ordinal), reason);
        await Eventually.HoldsAsync(() => _received.Any(r => r.Path == "/hooks/enigma"), "the webhook receives the stop");
        var hook = JsonDocument.Parse(_received.First(r => r.Path == "/hooks/enigma").Body).RootElement;
        Assert.Equal(("emergency.stop", trigger.ToString(), "TRADING", "spec"), (hook.GetProperty("event").GetString(), hook.GetProperty("trigger").GetString(), hook.GetProperty("from").GetString(), hook.GetProperty("node").GetString()));
    }
}
