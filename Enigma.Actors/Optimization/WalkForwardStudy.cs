using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Market;

namespace Enigma.Actors.Optimization;

/// <summary>One walk-forward study, as <c>enigma optimize</c> or the scheduled cycle asks for it.</summary>
public sealed record StudyRequest
{
    public required string Strategy { get; init; }

    public required ContractSpec Contract { get; init; }

    /// <summary>The study's candles, checked and cut to the timerange.</summary>
    public required IReadOnlyList<Candle> Candles { get; init; }

    /// <summary>Where the candles came from: a cluster's workers read the same path.</summary>
    public required string DataFolder { get; init; }

    /// <summary>YYYYMMDD-YYYYMMDD as given; empty: all the data.</summary>
    public string Timerange { get; init; } = "";

    public required SearchKind Search { get; init; }

    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Axes { get; init; }

    public required WalkForwardOptions Options { get; init; }

    public required BacktestSettings Settings { get; init; }

    public decimal Stake { get; init; } = 1_000m;

    public required DeploymentGates Gates { get; init; }

    /// <summary>The version live trading runs now (compared against; never overwritten), or null: the defaults.</summary>
    public DeployedParameters? Live { get; init; }

    /// <summary>Where walk-forward runs are written (<c>knowledge-bank/backtest-results/walk-forward</c>).</summary>
    public required string OutputRoot { get; init; }

    /// <summary>Where a set that passes every gate is deployed (<c>knowledge-bank/model-weights</c>).</summary>
    public required string ModelWeights { get; init; }

    /// <summary>An interrupted run to finish (with the same options), or null: a new run.</summary>
    public string? ResumeId { get; init; }
}

/// <summary>What a study did: its report, the gates, where it wrote, and what it deployed.</summary>
public sealed record StudyOutcome(string Id, string RunFolder, WalkForwardReport Report, IReadOnlyList<GateResult> Gates, string? Deployed, TimeSpan Elapsed)
{
    /// <summary>On a cluster: how many backtests each node ran, and how often the coordinator moved.</summary>
    public IReadOnlyDictionary<string, int>? ByNode { get; init; }

    public int Resubmitted { get; init; }

    /// <summary>One line: "deployed: PATH", or "not deployed: GATE, GATE failed".</summary>
    public string Summary => Deployed is { } path ? $"deployed: {path}" : "not deployed: " + string.Join(", ", Gates.Where(g => !g.Passed).Select(g => g.Gate)) + " failed";
}

/// <summary>Why a study stopped before it finished, and what kind of failure it was (the CLI's exit code).</summary>
public sealed class StudyFailedException : Exception
{
    public StudyFailedException(StudyFailure kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    public StudyFailedException()
    {
    }

    public StudyFailedException(string message)
        : base(message)
    {
    }

    public StudyFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StudyFailure Kind { get; }
}

public enum StudyFailure
{
    /// <summary>The request does not fit an earlier run (resume with other options), or a run is missing.</summary>
    Usage,

    /// <summary>Its input is unreadable: a damaged checkpoint, a bad parameter, a batch the cluster refused.</summary>
    BadInput,

    /// <summary>Its folder or files could not be written.</summary>
    OutputFailed,

    /// <summary>Cancelled: what finished is in the checkpoint; the same request with <c>ResumeId</c> finishes it.</summary>
    Interrupted,
}

/// <summary>
/// The walk-forward study service: the seed's OPTIMIZE, VALIDATE and DEPLOY steps in one call, made by
/// <c>enigma optimize</c> and by a node's scheduled cycle alike. It writes the run's folder (<c>study.json</c> to
/// resume by, a checkpoint of every finished backtest), runs the walk-forward over the workbench, here or on the
/// cluster's optimizer workers, judges the deployment gates, writes <c>summary.json</c>, the CSVs and
/// <c>report.html</c>, and deploys a set that passed every gate to the model weights.
/// </summary>
public static class WalkForwardStudy
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <param name="cluster">The Optimizer agent to run the backtests on; null: this process's threads.</param>
    /// <param name="say">Lines about the run (its id, a resume, warnings, the cluster's spread), as they happen.</param>
    /// <param name="run">Runs the search (the CLI wraps it in a progress bar); null: no progress shown.</param>
    public static async Task<StudyOutcome> RunAsync(StudyRequest request, IOptimizerChannel? cluster, Action<string> say,
        Func<Func<IProgress<SearchProgress>?, CancellationToken, Task<WalkForwardReport>>, CancellationToken, Task<WalkForwardReport>>? run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(say);
        var options = request.Options;
        var space = new ParameterSpace(request.Axes);
        var workbench = new BacktestWorkbench(request.Candles, request.Contract, Timeframe.FiveMinutes, set => StrategyCatalog.Recipe(request.Strategy, set.Values, request.Stake), request.Settings);
        var liveText = request.Live is null ? "the strategy's defaults (nothing deployed yet)" : $"v{request.Live.Version} ({request.Live.Parameters.Key})";
        var id = request.ResumeId ?? string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{request.Strategy}-{request.Contract.Symbol}");
        var runFolder = Path.Combine(request.OutputRoot, id);
        PrepareFolder(request, id, runFolder);

        ClusterJobExecutor? remote = null;
        if (cluster is not null)
        {
            var study = new OptimizationStudy(id, request.DataFolder, request.Contract.Symbol, request.Candles[0].OpenTimeMs, request.Candles[^1].OpenTimeMs + Timeframe.FiveMinutes.Milliseconds,
                request.Strategy, request.Stake, request.Settings.FeeRate, request.Settings.InitialBalance);
            remote = new ClusterJobExecutor(cluster, study, TimeSpan.FromMilliseconds(200));
        }

        JobCheckpointFile checkpoint;
        try
        {
            checkpoint = JobCheckpointFile.Open(Path.Combine(runFolder, "checkpoint.jsonl"));
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new StudyFailedException(StudyFailure.BadInput, e.Message, e);
        }

        WalkForwardReport report;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (checkpoint)
        {
            foreach (var warning in checkpoint.Warnings)
            {
                say("warning: " + warning);
            }

            say(string.Create(CultureInfo.InvariantCulture,
                $"run {id}: {request.Strategy} on {request.Contract.Symbol}, {request.Candles.Count} candles, {request.Search.ToString().ToLowerInvariant()} search over {space.Size} combination(s) × {options.Windows} windows; live parameters: {liveText}{(checkpoint.Count > 0 ? $"; resuming with {checkpoint.Count} backtests already done" : "")}"));
            Task<WalkForwardReport> Search(IProgress<SearchProgress>? progress, CancellationToken ct) => WalkForwardRunner.RunAsync(workbench, space, options, remote, checkpoint, progress, ct);
            try
            {
                report = run is null ? await Search(null, cancellationToken).ConfigureAwait(false) : await run(Search, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException e)
            {
                throw new StudyFailedException(StudyFailure.Interrupted, $"interrupted: {checkpoint.Count} backtests kept in {checkpoint.Path}; finish with: enigma optimize --resume {id} (and the same options)", e);
            }
            catch (ArgumentException e)
            {
                throw new StudyFailedException(StudyFailure.BadInput, e.Message, e);
            }
            catch (OptimizerBatchException e)
            {
                throw new StudyFailedException(StudyFailure.BadInput, $"{e.Message} ({checkpoint.Count} backtests kept; finish with: enigma optimize --resume {id} and the same options)", e);
            }
        }

        if (remote is not null)
        {
            say("backtests per node: " + string.Join(", ", remote.ByNode.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Key} {n.Value}")))
                + (remote.Resubmitted > 0 ? string.Create(CultureInfo.InvariantCulture, $" (the coordinator moved {remote.Resubmitted} time(s); what it held was submitted again)") : ""));
        }

        say(string.Create(CultureInfo.InvariantCulture, $"{report.Trials} parameter set(s) × {options.Windows} windows on {request.Candles.Count} candles in {watch.Elapsed.TotalSeconds:0.0} s"));
        var gates = request.Gates.Judge(report);
        var elapsed = watch.Elapsed;
        try
        {
            File.WriteAllText(Path.Combine(runFolder, "summary.json"), JsonSerializer.Serialize(Summary(request, id, report, gates, elapsed), Json));
            File.WriteAllText(Path.Combine(runFolder, "out-of-sample-trades.csv"), TradeLog.Csv(report.OutOfSampleTrades));
            File.WriteAllText(Path.Combine(runFolder, "parameter-sets.csv"), SetsCsv(report));
            File.WriteAllText(Path.Combine(runFolder, "report.html"), WalkForwardHtml.Render(
                new WalkForwardRunInfo(id, request.Strategy, request.Contract.Symbol, Timerange(request), request.Search.ToString().ToLowerInvariant(), liveText, elapsed, DateTimeOffset.UtcNow), report, gates));

            // Finished: the outcomes are in the summary and parameter-sets.csv; the checkpoint only served a resume.
            File.Delete(checkpoint.Path);
        }
        catch (IOException e)
        {
            throw new StudyFailedException(StudyFailure.OutputFailed, $"could not write {runFolder}: {e.Message}", e);
        }

        string? deployed = null;
        if (gates.All(g => g.Passed))
        {
            // The set chosen on the most recent training period: the one a live system would run next.
            var chosen = report.Windows.Last(w => w.Chosen is not null).Chosen!;
            try
            {
                deployed = ModelWeights.Deploy(request.ModelWeights, request.Strategy, request.Contract.Symbol, chosen, id, Path.Combine(runFolder, "summary.json"));
            }
            catch (IOException e)
            {
                throw new StudyFailedException(StudyFailure.OutputFailed, $"could not write the deployment: {e.Message}", e);
            }
        }

        return new StudyOutcome(id, runFolder, report, gates, deployed, elapsed) { ByNode = remote?.ByNode, Resubmitted = remote?.Resubmitted ?? 0 };
    }

    /// <summary>
    /// What makes two runs the same study: a new run writes it to <c>study.json</c>; a resumed run must be asked with
    /// the same options, and a difference is named.
    /// </summary>
    private static void PrepareFolder(StudyRequest request, string id, string runFolder)
    {
        var o = request.Options;
        var study = JsonSerializer.SerializeToNode(new
        {
            strategy = request.Strategy,
            symbol = request.Contract.Symbol,
            timerange = Timerange(request),
            firstCandle = request.Candles[0].OpenTimeMs,
            lastCandle = request.Candles[^1].OpenTimeMs,
            search = request.Search.ToString(),
            grid = request.Axes,
            genetic = request.Search == SearchKind.Genetic ? o.Genetic : null,
            windows = o.Windows,
            trainFraction = o.TrainFraction,
            anchored = o.Anchored,
            minTestTrades = o.MinTestTrades,
            stake = request.Stake,
            settings = request.Settings,
            live = o.Live.Key,
        }, Json)!.AsObject();
        var studyFile = Path.Combine(runFolder, "study.json");
        try
        {
            if (request.ResumeId is not null)
            {
                if (!File.Exists(studyFile))
                {
                    throw new StudyFailedException(StudyFailure.Usage, $"--resume {id}: no interrupted run {runFolder} (its study.json is missing).");
                }

                if (Difference(JsonNode.Parse(File.ReadAllText(studyFile))!.AsObject(), study) is { } difference)
                {
                    throw new StudyFailedException(StudyFailure.Usage, $"--resume {id}: that run was started with other options ({difference}); give the same options.");
                }
            }
            else
            {
                Directory.CreateDirectory(runFolder);
                File.WriteAllText(studyFile, study.ToJsonString(Json));
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new StudyFailedException(StudyFailure.OutputFailed, $"could not prepare {runFolder}: {e.Message}", e);
        }
    }

    private static object Summary(StudyRequest request, string id, WalkForwardReport report, IReadOnlyList<GateResult> gates, TimeSpan elapsed)
    {
        var options = request.Options;
        return new
        {
            id,
            strategy = request.Strategy,
            symbol = request.Contract.Symbol,
            timerange = Timerange(request),
            search = request.Search.ToString(),
            grid = request.Axes,
            genetic = request.Search == SearchKind.Genetic ? options.Genetic : null,
            options = new { options.Windows, options.TrainFraction, options.Anchored, options.MinTestTrades, options.MinTrainTrades, warmUpDays = options.WarmUp.TotalDays },
            settings = request.Settings,
            live = new { version = request.Live?.Version, parameters = options.Live.Values },
            elapsedSeconds = elapsed.TotalSeconds,
            trials = report.Trials,
            windows = report.Windows.Select(w => new { w.Window, chosen = w.Chosen?.Values, w.TrainScore, w.TrainTrades, w.SetsTried, w.Inconclusive, w.Verdict, test = w.Test?.Metrics, live = w.LiveTest?.Metrics }),
            outOfSample = new
            {
                trades = report.OutOfSampleTrades.Count,
                netPnl = report.OutOfSampleTrades.Sum(t => t.NetPnl),
                meanAboveZero = report.OutOfSampleMeanAboveZero,
                liveTrades = report.LiveOutOfSampleTrades.Count,
                liveNetPnl = report.LiveOutOfSampleTrades.Sum(t => t.NetPnl),
                meanAboveLive = report.OutOfSampleMeanAboveLive,
                report.DeflatedSharpe,
                report.TrainingSharpeVariance,
                report.ProbabilityOfOverfitting,
            },
            gates,
        };
    }

    private static string Timerange(StudyRequest request) => request.Timerange.Length == 0 ? "all" : request.Timerange;

    /// <summary>Every set tried: its parameters, its training score and trades per window, and its whole-data result.</summary>
    private static string SetsCsv(WalkForwardReport report)
    {
        var windows = report.Windows.Count;
        var csv = new StringBuilder();
        csv.AppendJoin(',', report.Axes.Concat(Enumerable.Range(1, windows).SelectMany(w => new[] { $"w{w}_train_score", $"w{w}_train_trades" })).Append("all_net_pnl").Append("all_sharpe")).AppendLine();
        foreach (var e in report.Evaluations)
        {
            var cells = report.Axes.Select(a => e.Set.Values[a])
                .Concat(Enumerable.Range(0, windows).SelectMany(w => new[]
                {
                    e.TrainScores[w] is { } s && double.IsFinite(s) ? s.ToString("0.####", CultureInfo.InvariantCulture) : "",
                    e.TrainTrades[w]?.ToString(CultureInfo.InvariantCulture) ?? "",
                }))
                .Append(e.FullNetPnl?.ToString("0.00", CultureInfo.InvariantCulture) ?? "")
                .Append(e.FullSharpe?.ToString("0.####", CultureInfo.InvariantCulture) ?? "");
            csv.AppendJoin(',', cells).AppendLine();
        }

        return csv.ToString();
    }

    /// <summary>The first option that differs between two studies, as "name: was X, now Y"; null when they are the same.</summary>
    private static string? Difference(JsonObject before, JsonObject now)
    {
        foreach (var key in before.Select(p => p.Key).Union(now.Select(p => p.Key)))
        {
            var (was, @is) = (before[key]?.ToJsonString() ?? "null", now[key]?.ToJsonString() ?? "null");
            if (was != @is)
            {
                return $"{key}: was {was}, now {@is}";
            }
        }

        return null;
    }
}
