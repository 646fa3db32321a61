using System.Net;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Enigma.Actors.Inspection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Enigma.Cluster.Host.Admin;

/// <summary>A command's body: the member it is about (leave, down) or the operator's reason (emergency-stop, pause).</summary>
public sealed record AdminRequest(string? Address, string? Reason);

/// <summary>An error as the admin API answers it.</summary>
public sealed record AdminError(string Error);

/// <summary>
/// A node's admin HTTP API, a minimal API in the node's own process, bound to loopback unless told otherwise:
/// the inspection reads (<c>/api/cluster</c>, <c>/api/shards</c>, <c>/api/agents</c>, <c>/api/status</c>), the
/// operator's commands (POST, each requiring <c>Authorization: Bearer TOKEN</c>), liveness and readiness for an
/// orchestrator (<c>/health/live</c>, <c>/health/ready</c>) and Prometheus metrics (<c>/metrics</c>).
/// </summary>
public sealed class AdminServer : Enigma.Actors.Hosting.IAdminEndpoint
{
    private readonly WebApplication _app;

    private AdminServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <param name="token">Required by the commands; null refuses them all (a node must be given one to be steered).</param>
    /// <param name="started">Whether the node's startup is done (readiness).</param>
    /// <param name="configuration">Where each setting came from, for <c>/api/config</c>; null: the endpoint says so.</param>
    public static async Task<AdminServer> StartAsync(ActorSystem system, ClusterInspector inspector, string bind, int port, string? token, Func<bool> started, CancellationToken cancellationToken, Enigma.Actors.Hosting.EnigmaConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(inspector);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(bind), port));
        builder.Services.AddHealthChecks()
            .AddCheck("actor-system", () => system.WhenTerminated.IsCompleted ? HealthCheckResult.Unhealthy("the actor system has stopped") : HealthCheckResult.Healthy(), ["live"])
            .AddCheck("cluster-member", () => inspector.IsUp ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("this node is not an Up member of the cluster"), ["ready"])
            .AddCheck("agents-started", () => started() ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the node's startup has not finished"), ["ready"]);
        var app = builder.Build();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("live") || c.Tags.Contains("ready"), ResponseWriter = WriteHealthAsync });

        var registry = Metrics.NewCustomRegistry();
        NodeMetrics.Register(registry, inspector);
        app.MapMetrics("/metrics", registry);

        var api = app.MapGroup("/api");
        api.MapGet("/cluster", () => Results.Ok(inspector.Cluster()));
        api.MapGet("/shards", (string? type, CancellationToken ct) => AnswerAsync(async () => await inspector.ShardsAsync(type, ct).ConfigureAwait(false)));
        api.MapGet("/shards/where/{symbol}", (string symbol, CancellationToken ct) => AnswerAsync(async () =>
            inspector.Symbols.Contains(symbol.ToUpperInvariant())
                ? await inspector.WhereAsync(symbol.ToUpperInvariant(), ct).ConfigureAwait(false)
                : throw new ArgumentException($"'{symbol}' is not traded by this cluster; its symbols are {string.Join(", ", inspector.Symbols)}.")));
        api.MapGet("/agents", (CancellationToken ct) => AnswerAsync(async () => await inspector.AgentsAsync(ct).ConfigureAwait(false)));
        api.MapGet("/status", (CancellationToken ct) => AnswerAsync(async () => await inspector.StatusAsync(ct).ConfigureAwait(false)));

        // What the node runs with: each key's value in the actor system's configuration and its source (shipped,
        // --config, environment, command line); secrets are never shown.
        api.MapGet("/config", (string[]? key) => configuration is null
            ? Results.Json(new AdminError("this node was started without a layered configuration"), statusCode: StatusCodes.Status404NotFound)
            : Results.Ok(configuration.Describe(system.Settings.Config, key ?? [])));

        var commands = api.MapGroup("").AddEndpointFilter(async (context, next) =>
            Authorized(context.HttpContext.Request, token) is { } refusal ? refusal : await next(context).ConfigureAwait(false));
        commands.MapPost("/cluster/leave", (AdminRequest request) => Command(() => inspector.Leave(Required(request.Address, "address"))));
        commands.MapPost("/cluster/down", (AdminRequest request) => Command(() => inspector.Down(Required(request.Address, "address"))));
        commands.MapPost("/emergency-stop", (AdminRequest? request, CancellationToken ct) => CommandAsync(() => inspector.EmergencyStopAsync(Reason(request, "emergency stop"), ct)));
        commands.MapPost("/pause", (AdminRequest? request, CancellationToken ct) => CommandAsync(() => inspector.PauseAsync(Reason(request, "pause"), ct)));
        commands.MapPost("/resume", (AdminRequest? request, CancellationToken ct) => CommandAsync(() => inspector.ResumeAsync(Reason(request, "the admin API"), ct)));

        // The Optimizer agent: a client (enigma optimize --cluster) submits batches of backtest jobs and reads their
        // outcomes as the cluster's workers finish them.
        api.MapGet("/optimizer", (CancellationToken ct) => AnswerAsync(async () => await inspector.OptimizerStatusAsync(ct).ConfigureAwait(false)));
        api.MapGet("/optimizer/batches/{id}", (string id, int? from, CancellationToken ct) => AnswerAsync(async () => await inspector.FetchOutcomesAsync(id, from ?? 0, ct).ConfigureAwait(false)));
        commands.MapPost("/optimizer/batches", (Enigma.Actors.Optimization.SubmitWork? work, CancellationToken ct) => AnswerAsync(async () =>
            work?.Study is null || work.Items is null
                ? throw new ArgumentException("the request body needs \"study\" and \"items\" (a batch of backtest jobs)")
                : await inspector.SubmitWorkAsync(work, ct).ConfigureAwait(false)));
        commands.MapDelete("/optimizer/batches/{id}", (string id) =>
        {
            inspector.CancelWork(id);
            return Results.Ok(new CommandOutcome(true, $"batch {id} cancelled"));
        });

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var host = bind == "0.0.0.0" ? "127.0.0.1" : bind;
        var actualPort = new Uri(app.Urls.First()).Port;
        return new AdminServer(app, new Uri($"http://{host}:{actualPort}/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static IResult? Authorized(HttpRequest request, string? token)
    {
        if (token is null)
        {
            return Results.Json(new AdminError("this node has no admin token (enigma.node.admin-token / ENIGMA_NODE_ADMIN_TOKEN), so it refuses every command that changes something"), statusCode: StatusCodes.Status403Forbidden);
        }

        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return Results.Json(new AdminError("this command needs the node's admin token: Authorization: Bearer TOKEN (enigma --token or ENIGMA_NODE_ADMIN_TOKEN)"), statusCode: StatusCodes.Status401Unauthorized);
        }

        // Compared in constant time: the answer's timing must not tell how much of a guess was right.
        var given = Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim());
        var expected = Encoding.UTF8.GetBytes(token);
        return CryptographicOperations.FixedTimeEquals(given, expected)
            ? null
            : Results.Json(new AdminError("the admin token is wrong"), statusCode: StatusCodes.Status401Unauthorized);
    }

    private static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"the request body needs \"{field}\" (a member's address, akka.tcp://enigma@HOST:PORT)") : value;

    private static string Reason(AdminRequest? request, string fallback) => string.IsNullOrWhiteSpace(request?.Reason) ? $"operator ({fallback} through the admin API)" : request.Reason.Trim();

    private static IResult Command(Func<CommandOutcome> command)
    {
        try
        {
            var outcome = command();
            return outcome.Done ? Results.Ok(outcome) : Results.Json(outcome, statusCode: StatusCodes.Status409Conflict);
        }
        catch (ArgumentException e)
        {
            return Results.Json(new AdminError(e.Message), statusCode: StatusCodes.Status400BadRequest);
        }
    }

    private static async Task<IResult> CommandAsync(Func<Task<CommandOutcome>> command)
    {
        try
        {
            var outcome = await command().ConfigureAwait(false);
            return outcome.Done ? Results.Ok(outcome) : Results.Json(outcome, statusCode: StatusCodes.Status409Conflict);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return Results.Json(new AdminError("the orchestrator did not answer in time: " + e.Message), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> AnswerAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return Results.Ok(await read().ConfigureAwait(false));
        }
        catch (ArgumentException e)
        {
            return Results.Json(new AdminError(e.Message), statusCode: StatusCodes.Status400BadRequest);
        }
        catch (InvalidOperationException e)
        {
            // The node cannot do it in its present state (no optimizer coordinator, a batch that moved away).
            return Results.Json(new AdminError(e.Message), statusCode: StatusCodes.Status409Conflict);
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return Results.Json(new AdminError("the cluster did not answer in time: " + e.Message), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain";
        var lines = report.Entries.Select(e => $"{e.Key}: {e.Value.Status}{(e.Value.Description is { } d ? " (" + d + ")" : "")}");
        return context.Response.WriteAsync(report.Status + "\n" + string.Join("\n", lines) + "\n");
    }
}
