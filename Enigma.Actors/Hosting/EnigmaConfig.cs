using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using Enigma.Actors.Execution;
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
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var quoted = Quote(connectionString);
        var providerQuoted = Quote(provider);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            akka.persistence.snapshot-store.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            akka.persistence.query.journal.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            """).WithFallback(Shipped("persistence.conf"));
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
    public static ActorSystemSetup Bootstrap(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var setup = BootstrapSetup.Create().WithConfig(config);
        var journal = config.GetConfig("akka.persistence.journal.sql");
        var provider = journal?.GetString("provider-name", "") ?? "";
        if (!provider.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            return ActorSystemSetup.Create(setup);
        }

        var synchronous = SqliteSynchronous(config);
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
    public static string SqliteSynchronous(Config config, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var fromEnvironment = (environment ?? Environment.GetEnvironmentVariable)("ENIGMA_JOURNAL_SQLITE_SYNCHRONOUS");
        var value = (fromEnvironment ?? config.GetString("enigma.journal.sqlite-synchronous", "normal")).Trim().ToLowerInvariant();
        var origin = fromEnvironment is null ? "enigma.journal.sqlite-synchronous" : "ENIGMA_JOURNAL_SQLITE_SYNCHRONOUS";
        return value is "normal" or "full"
            ? value
            : throw new ConfigurationException($"{origin} = '{value}' must be normal or full.");
    }

    private static void SetSynchronous(DbConnection connection, string synchronous)
    {
        // Microsoft.Data.Sqlite's async calls run synchronously anyway; a pragma is a few microseconds.
        using var command = connection.CreateCommand();
        command.CommandText = synchronous == "full" ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }

    public static ExecutionSettings ExecutionSettings(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetConfig("enigma.execution");
        var snapshotEvery = section.GetInt("snapshot-every", 100);
        if (snapshotEvery < 1)
        {
            throw new ConfigurationException($"enigma.execution.snapshot-every must be at least 1, got {snapshotEvery}.");
        }

        return new ExecutionSettings
        {
            SnapshotEvery = snapshotEvery,
            PollInterval = section.GetTimeSpan("poll-interval", TimeSpan.FromSeconds(1)),
            ReconcileRetry = section.GetTimeSpan("reconcile-retry", TimeSpan.FromSeconds(2)),
            MaxSlippage = MaxSlippage(section),
            EntryTimeout = EntryTimeout(section),
        };
    }

    private static TimeSpan EntryTimeout(Config section)
    {
        TimeSpan value;
        try
        {
            value = section.GetTimeSpan("entry-timeout", TimeSpan.FromMinutes(15), allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"enigma.execution.entry-timeout = '{section.GetString("entry-timeout", "")}' is not a duration (use 15m).", e);
        }

        return value >= TimeSpan.FromMinutes(1) && value <= TimeSpan.FromDays(7)
            ? value
            : throw new ConfigurationException($"enigma.execution.entry-timeout = {value} is out of range [1 minute, 7 days].");
    }

    private static decimal MaxSlippage(Config section)
    {
        var text = section.GetString("max-slippage", "0.005");
        return decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is > 0 and < 1
            ? value
            : throw new ConfigurationException($"enigma.execution.max-slippage = '{text}' must be a fraction in (0, 1), such as 0.005 for 0.5%.");
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

}
