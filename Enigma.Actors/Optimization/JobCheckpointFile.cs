using System.Globalization;
using System.Text.Json;
using Enigma.Domain.Backtesting;

namespace Enigma.Actors.Optimization;

/// <summary>
/// A parameter search's outcomes as JSON lines, appended and flushed one by one as jobs finish, so an interrupted
/// search (Ctrl+C, a crash, a lost machine) resumes with everything it had finished. A last line cut short by the
/// interruption is dropped with a warning; a damaged line before it is an error naming the line.
/// </summary>
public sealed class JobCheckpointFile : IJobCheckpoint, IDisposable
{
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private readonly Dictionary<string, JobOutcome> _kept = new(StringComparer.Ordinal);
    private readonly StreamWriter _writer;
    private readonly object _gate = new();

    private JobCheckpointFile(string path, List<string> warnings)
    {
        Path = path;
        Warnings = warnings;
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public string Path { get; }

    public int Count => _kept.Count;

    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Opens (or creates) the checkpoint at <paramref name="path"/>; an <see cref="InvalidDataException"/> names a damaged line.</summary>
    public static JobCheckpointFile Open(string path)
    {
        var warnings = new List<string>();
        var kept = new Dictionary<string, JobOutcome>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length == 0)
                {
                    continue;
                }

                Line? line;
                try
                {
                    line = JsonSerializer.Deserialize<Line>(lines[i], Json);
                }
                catch (JsonException e)
                {
                    if (i == lines.Length - 1)
                    {
                        warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: the last line ({i + 1}) was cut short by the interruption; its job runs again."));
                        continue;
                    }

                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} line {i + 1} is not a job outcome: {e.Message}"), e);
                }

                if (line?.K is null)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} line {i + 1} has no job key."));
                }

                kept[line.K] = new JobOutcome(line.T, line.S, line.N, line.D);
            }

            // Rewrite without a torn line, so appends start on a fresh line.
            File.WriteAllLines(path, kept.Select(k => Serialize(k.Key, k.Value)));
        }

        var file = new JobCheckpointFile(path, warnings);
        foreach (var (key, outcome) in kept)
        {
            file._kept[key] = outcome;
        }

        return file;
    }

    public bool TryGet(string key, out JobOutcome outcome)
    {
        lock (_gate)
        {
            return _kept.TryGetValue(key, out outcome!);
        }
    }

    public void Record(BacktestJob job, JobOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(outcome);
        lock (_gate)
        {
            _kept[job.Key] = outcome;
            _writer.WriteLine(Serialize(job.Key, outcome));
        }
    }

    public void Dispose() => _writer.Dispose();

    private static string Serialize(string key, JobOutcome outcome) =>
        JsonSerializer.Serialize(new Line(key, outcome.Trades, outcome.Sharpe, outcome.NetPnl, outcome.DailyReturns?.ToArray()), Json);

    /// <summary>One outcome: key, trades, Sharpe, net PnL, daily returns (short names: a grid writes tens of thousands).</summary>
    private sealed record Line(string K, int T, double? S, decimal N, double[]? D);
}
