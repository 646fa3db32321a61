using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Enigma.Actors.JournalTools;
using Enigma.Actors.Serialization;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma journal replay|export|verify --journal FILE-OR-CONNECTION [--provider sqlite|postgresql|sqlserver]</c>:
/// post-mortem tools that read a journal offline, with no node running, through Akka.Persistence.Query and the same
/// serializers and fold (<see cref="ExecutionLedger.Apply"/>) as the live Execution entity.
/// </summary>
public static class JournalCommand
{
    /// <summary><c>journal verify</c> found anomalies (the journal was readable).</summary>
    public const int AnomaliesFound = 4;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static Command Build()
    {
        var command = new Command("journal", "Read a journal offline for a post-mortem: replay a symbol's timeline, export every event, verify the whole journal.");
        command.Subcommands.Add(Replay());
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Verify());
        return command;
    }

    private static (Option<string> Journal, Option<string?> Provider) SourceOptions() => (
        new Option<string>("--journal") { Description = "An SQLite journal file (enigma-data/journal.db), or a connection string (Host=...;Database=... for PostgreSQL).", Required = true },
        new Option<string?>("--provider") { Description = "sqlite, postgresql or sqlserver; guessed from --journal when omitted." });

    private static Command Replay()
    {
        var (journal, provider) = SourceOptions();
        var symbol = new Option<string>("--symbol") { Description = "The symbol whose execution timeline to replay (XBTUSDTM).", Required = true };
        var from = new Option<string?>("--from") { Description = "Only events at or after this time (ISO 8601, UTC; the events' own times)." };
        var to = new Option<string?>("--to") { Description = "Only events before this time." };
        var steps = new Option<bool>("--steps") { Description = "Print the position after each event, not only at the end." };
        var json = new Option<bool>("--json") { Description = "JSON lines instead of text." };
        var command = new Command("replay", "The event timeline of one symbol and the position rebuilt from it, with the live actor's own fold.") { journal, provider, symbol, from, to, steps, json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            var name = parseResult.GetValue(symbol)!.Trim().ToUpperInvariant();
            if (!TryTime(parseResult.GetValue(from), "--from", out var fromMs, out var fromError))
            {
                return terminal.Fail(ExitCodes.Usage, fromError!);
            }

            if (!TryTime(parseResult.GetValue(to), "--to", out var toMs, out var toError))
            {
                return terminal.Fail(ExitCodes.Usage, toError!);
            }

            return await WithReaderAsync(terminal, parseResult.GetValue(journal)!, parseResult.GetValue(provider), async reader =>
            {
                var persistenceId = "execution-" + name;
                if (!(await reader.PersistenceIdsAsync(cancellationToken).ConfigureAwait(false)).Contains(persistenceId))
                {
                    return terminal.Fail(ExitCodes.BadInput, $"the journal has no events for {name} (no persistence id {persistenceId}).");
                }

                var snapshot = await reader.LatestSnapshotAsync(persistenceId).ConfigureAwait(false);
                var contract = KnownContracts.Find(name) ?? (snapshot?.Snapshot as Enigma.Actors.Execution.ExecutionSnapshot)?.State.Contract;
                if (contract is null)
                {
                    return terminal.Fail(ExitCodes.BadInput, $"no contract is known for {name}: its events cannot be re-applied.");
                }

                var state = ExecutionState.Start(contract, 0);
                var shown = 0;
                await foreach (var envelope in reader.EventsAsync(persistenceId, cancellationToken).ConfigureAwait(false))
                {
                    if (envelope.Event is not ExecutionEvent e)
                    {
                        return terminal.Fail(ExitCodes.BadInput, string.Create(CultureInfo.InvariantCulture, $"{persistenceId} #{envelope.SequenceNr} is a {envelope.Event.GetType().Name}, not an execution event."));
                    }

                    try
                    {
                        // Every event is applied, so the state is right; only the window is printed.
                        state = ExecutionLedger.Apply(state, e);
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                    {
                        return terminal.Fail(ExitCodes.BadInput, string.Create(CultureInfo.InvariantCulture, $"{persistenceId} #{envelope.SequenceNr} cannot be applied: {ex.Message} (run journal verify)."));
                    }

                    if (e.TimestampMs < fromMs || e.TimestampMs >= toMs)
                    {
                        continue;
                    }

                    shown++;
                    if (parseResult.GetValue(json))
                    {
                        terminal.Line(JsonSerializer.Serialize(new { sequenceNr = envelope.SequenceNr, kind = Kind(e), @event = (object)e, position = parseResult.GetValue(steps) ? Position(state) : null }, Json));
                    }
                    else
                    {
                        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"#{envelope.SequenceNr,-6} {Time(e.TimestampMs)}  {Kind(e),-16} {Describe(e)}"));
                        if (parseResult.GetValue(steps))
                        {
                            terminal.Line("        " + DescribeState(state));
                        }
                    }
                }

                if (parseResult.GetValue(json))
                {
                    terminal.Line(JsonSerializer.Serialize(new { final = Position(state), events = state.EventCount, shown }, Json));
                }
                else
                {
                    terminal.Line(string.Create(CultureInfo.InvariantCulture, $"{name}: {state.EventCount} events, {shown} shown"));
                    terminal.Line("final   " + DescribeState(state));
                }

                return ExitCodes.Success;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Export()
    {
        var (journal, provider) = SourceOptions();
        var format = new Option<string>("--format") { Description = "jsonl: one JSON object per event, every persistence id in order.", DefaultValueFactory = _ => "jsonl" };
        var command = new Command("export", "Every event of the journal as JSON lines: persistence id, sequence number, kind, the event.") { journal, provider, format };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            if (!string.Equals(parseResult.GetValue(format), "jsonl", StringComparison.OrdinalIgnoreCase))
            {
                return terminal.Fail(ExitCodes.Usage, $"--format {parseResult.GetValue(format)} is not supported: jsonl is.");
            }

            return await WithReaderAsync(terminal, parseResult.GetValue(journal)!, parseResult.GetValue(provider), async reader =>
            {
                foreach (var id in await reader.PersistenceIdsAsync(cancellationToken).ConfigureAwait(false))
                {
                    await foreach (var envelope in reader.EventsAsync(id, cancellationToken).ConfigureAwait(false))
                    {
                        terminal.Line(JsonSerializer.Serialize(new { persistenceId = id, sequenceNr = envelope.SequenceNr, manifest = JournalSerializer.ManifestFor(envelope.Event), @event = envelope.Event }, Json));
                    }
                }

                return ExitCodes.Success;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Verify()
    {
        var (journal, provider) = SourceOptions();
        var json = new Option<bool>("--json") { Description = "The report as one JSON object." };
        var command = new Command("verify", $"Re-apply every event and report gaps, duplicates, unreadable rows (unknown event versions), refused events and snapshots that disagree, with sequence numbers. Exit code {AnomaliesFound} when anything is found.") { journal, provider, json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            return await WithReaderAsync(terminal, parseResult.GetValue(journal)!, parseResult.GetValue(provider), async reader =>
            {
                var report = await JournalVerifier.VerifyAsync(reader, cancellationToken).ConfigureAwait(false);
                if (parseResult.GetValue(json))
                {
                    terminal.Line(JsonSerializer.Serialize(new { report.PersistenceIds, report.Rows, clean = report.IsClean, report.Anomalies }, Json));
                }
                else
                {
                    foreach (var anomaly in report.Anomalies)
                    {
                        terminal.Line(string.Create(CultureInfo.InvariantCulture, $"{anomaly.PersistenceId} #{anomaly.SequenceNr}: {anomaly.Problem}"));
                    }

                    terminal.Line(string.Create(CultureInfo.InvariantCulture, $"{reader.Source.Describe()}: {report.PersistenceIds} persistence ids, {report.Rows} rows, {(report.IsClean ? "no anomaly" : $"{report.Anomalies.Count} anomalies")}"));
                }

                return report.IsClean ? ExitCodes.Success : AnomaliesFound;
            }).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> WithReaderAsync(Terminal terminal, string journal, string? provider, Func<JournalReader, Task<int>> run)
    {
        JournalSource source;
        try
        {
            source = JournalSource.Parse(journal, provider);
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException)
        {
            return terminal.Fail(ExitCodes.BadInput, e.Message);
        }

        JournalReader reader;
        try
        {
            reader = JournalReader.Open(source);
        }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or ArgumentException or InvalidOperationException)
        {
            return terminal.Fail(ExitCodes.BadInput, $"{source.Describe()}: {Explain(e)}");
        }

        await using (reader.ConfigureAwait(false))
        {
            try
            {
                return await run(reader).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database cannot be reached, has no journal table, or a row cannot be read: say which and where.
                return terminal.Fail(ExitCodes.BadInput, $"{source.Describe()}: {Explain(e)}");
            }
        }
    }

    /// <summary>
    /// The database's own words when a driver raised them (a socket error under a SqlException reads only "Success"),
    /// else the innermost cause.
    /// </summary>
    private static string Explain(Exception e)
    {
        for (var cause = e; cause is not null; cause = cause.InnerException)
        {
            if (cause is System.Data.Common.DbException)
            {
                return cause.Message;
            }
        }

        return e.GetBaseException().Message;
    }

    private static bool TryTime(string? text, string option, out long ms, out string? error)
    {
        error = null;
        ms = option == "--from" ? long.MinValue : long.MaxValue;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            ms = time.ToUnixTimeMilliseconds();
            return true;
        }

        error = $"{option} '{text}' is not a time (use 2026-11-25T14:00:00Z).";
        return false;
    }

    private static string Kind(ExecutionEvent e) => JournalTags.KindName(e);

    private static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Describe(ExecutionEvent e) => e switch
    {
        OrderPlaced p => string.Create(CultureInfo.InvariantCulture, $"{p.Order.ClientOrderId} {p.Order.Purpose} {p.Order.OrderSide} {p.Order.Type} {p.Order.Lots} lots{(p.Order.Price is { } price ? $" @ {price}" : "")}{(p.Order.StopPrice is { } stop ? $" stop {stop}" : "")}"),
        OrderAccepted a => $"{a.ClientOrderId} exchange id {a.ExchangeOrderId}",
        OrderFilled f => string.Create(CultureInfo.InvariantCulture, $"{f.ClientOrderId} {f.Lots} lots @ {f.Price}, fee {f.Fee} ({f.Liquidity}), trade {f.TradeId}"),
        OrderCancelled c => $"{c.ClientOrderId}: {c.Reason}",
        OrderRejected r => $"{r.ClientOrderId}: {r.Reason}",
        OrderExpired x => x.ClientOrderId,
        FundingSettled s => string.Create(CultureInfo.InvariantCulture, $"rate {s.FundingRate} at mark {s.MarkPrice}: {s.Amount} USDT"),
        _ => e.ToString(),
    };

    private static object Position(ExecutionState state) => new
    {
        lots = state.Position.Lots,
        averageEntry = state.Position.AverageEntry,
        realizedPnl = state.Position.RealizedPnl,
        fees = state.Position.FeesPaid,
        funding = state.Position.FundingPaid,
        cash = state.Cash,
        workingOrders = state.Orders.Values.Count(o => !o.IsFinal),
    };

    private static string DescribeState(ExecutionState state) => string.Create(CultureInfo.InvariantCulture,
        $"position {state.Position.Lots:+#;-#;0} lots @ {state.Position.AverageEntry}, realised {state.Position.RealizedPnl}, fees {state.Position.FeesPaid}, funding {state.Position.FundingPaid}, cash {state.Cash}; {state.Orders.Values.Count(o => !o.IsFinal)} working order(s) of {state.Orders.Count}");
}
