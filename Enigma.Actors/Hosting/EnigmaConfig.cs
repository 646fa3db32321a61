using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using Enigma.Actors.Execution;
using Enigma.Domain.Execution;
using LinqToDB;
using Microsoft.Data.Sqlite;

namespace Enigma.Actors.Hosting;

/// <summary>The HOCON shipped in <c>hocon/</c> (embedded in this assembly), and the journal settings made at start.</summary>
public static class EnigmaConfig
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL.15";

    /// <summary>A file of <c>hocon/</c>, as shipped.</summary>
    public static Config Shipped(string file)
    {
        var assembly = typeof(EnigmaConfig).Assembly;
        var name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith("." + file, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"hocon/{file} is not embedded in {assembly.GetName().Name}.");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>The journal, snapshot store and query journal on one database.</summary>
    public static Config Journal(string connectionString, string provider)
    {
        return JournalConnection(connectionString, provider).WithFallback(Shipped("persistence.conf"));
    }

    /// <summary>Only the journal's connection (the rest of the plugins' settings come from the configuration).</summary>
    public static Config JournalConnection(string connectionString, string provider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var quoted = HoconString(connectionString);
        var providerQuoted = HoconString(provider);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            akka.persistence.snapshot-store.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            akka.persistence.query.journal.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            """);
    }

    /// <summary>The connection of a journal configuration made by <see cref="Journal"/> or <see cref="SqliteJournal"/>.</summary>
    public static Config JournalConnection(Config journal)
    {
        ArgumentNullException.ThrowIfNull(journal);
        return JournalConnection(journal.GetString("akka.persistence.journal.sql.connection-string", ""), journal.GetString("akka.persistence.journal.sql.provider-name", ""));
    }

    /// <summary>
    /// An SQLite journal in <paramref name="path"/>, switched to WAL once (it stays in the file): about two to three
    /// times the write rate of the default rollback journal (study, section 5).
    /// </summary>
    public static Config SqliteJournal(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = full }.ToString();
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        return Journal(connectionString, SqliteProvider);
    }

    /// <summary>
    /// What to create the actor system from: <paramref name="config"/>, and for an SQLite journal the durability chosen
    /// in <c>enigma.journal.sqlite-synchronous</c>, set on every connection the plugin opens (SQLite has no per-file
    /// setting for it). <c>normal</c> (shipped): in WAL mode a commit reaches the operating system before the journal
    /// answers, so it survives the process being killed; only a power cut or a kernel crash can lose the last commits,
    /// and then reconciliation finds the exchange's orders the journal lost and closes the symbol with that reason.
    /// It saves the disk flush on every commit, the largest part of an order's way to the exchange (docs/benchmarks.md).
    /// <c>full</c>: a flush per commit.
    /// </summary>
    public static ActorSystemSetup Bootstrap(Config config) => Bootstrap(config, null);

    /// <param name="sqliteSynchronous">normal or full, as validated at start; null: read from <paramref name="config"/>.</param>
    public static ActorSystemSetup Bootstrap(Config config, string? sqliteSynchronous)
    {
        ArgumentNullException.ThrowIfNull(config);
        var setup = BootstrapSetup.Create().WithConfig(config);
        var journal = config.GetConfig("akka.persistence.journal.sql");
        var provider = journal?.GetString("provider-name", "") ?? "";
        if (!provider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            return ActorSystemSetup.Create(setup);
        }

        var synchronous = sqliteSynchronous ?? SqliteSynchronous(config);
        var options = new DataOptions()
            .UseConnectionString(provider, journal!.GetString("connection-string", ""))
            .UseAfterConnectionOpened(
                connection => SetSynchronous(connection, synchronous),
                (connection, _) =>
                {
                    SetSynchronous(connection, synchronous);
                    return Task.CompletedTask;
                });
        return ActorSystemSetup.Create(setup, new DataOptionsSetup(options));
    }

    /// <summary><c>enigma.journal.sqlite-synchronous</c> (or ENIGMA_JOURNAL_SQLITE_SYNCHRONOUS): <c>normal</c> or <c>full</c>.</summary>
    public static string SqliteSynchronous(Config config, Func<string, string?>? environment = null) => SqliteSynchronous(EnigmaConfiguration.Over(config, environment));

    public static string SqliteSynchronous(EnigmaConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var journal = configuration.Config.HasPath("enigma.journal") ? configuration.Section("enigma.journal") : null;
        var value = (journal?.Text("sqlite-synchronous") is { Length: > 0 } text ? text : "normal").ToLowerInvariant();
        return value is "normal" or "full"
            ? value
            : throw journal!.Error("sqlite-synchronous", $" = '{value}' must be normal or full");
    }

    private static void SetSynchronous(DbConnection connection, string synchronous)
    {
        // Microsoft.Data.Sqlite's async calls run synchronously anyway; a pragma is a few microseconds.
        using var command = connection.CreateCommand();
        command.CommandText = synchronous == "full" ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }

    public static ExecutionSettings ExecutionSettings(Config config) => ExecutionSettings(EnigmaConfiguration.Over(config, _ => null));

    /// <summary>enigma.execution (ENIGMA_EXECUTION_ + key): snapshots, polling, the seed's MAX_SLIPPAGE, the entry timeout, the stop deadline, the last gate's limits.</summary>
    public static ExecutionSettings ExecutionSettings(EnigmaConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.Section("enigma.execution");
        var slippage = section.Text("max-slippage");
        return new ExecutionSettings
        {
            SnapshotEvery = section.WholeNumber("snapshot-every", 1, 1_000_000),
            PollInterval = section.Duration("poll-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            ReconcileRetry = section.Duration("reconcile-retry", TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            MaxSlippage = decimal.TryParse(slippage, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var fraction) && fraction is > 0 and < 1
                ? fraction
                : throw section.Error("max-slippage", $" = '{slippage}' must be a fraction in (0, 1), such as 0.005 for 0.5%"),
            EntryTimeout = section.Duration("entry-timeout", TimeSpan.FromMinutes(1), TimeSpan.FromDays(7)),
            StopDeadline = section.Duration("stop-deadline", TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10)),
            FundingCheckEvery = section.Duration("funding-check-every", TimeSpan.FromSeconds(1), TimeSpan.FromHours(8)),
            Limits = new ApprovalLimits
            {
                MaxLeverage = section.Number("max-leverage", 1, 200),
                MaxOrderNotional = section.Number("max-order-notional", 1, 1_000_000_000),
                MaxMarkDistance = section.Number("max-mark-distance", 0.0001m, 0.5m),
            },
        };
    }

    /// <summary><paramref name="text"/> as a quoted HOCON string (backslashes and quotes escaped).</summary>
    public static string HoconString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

}
