using System.Diagnostics;
using Npgsql;

namespace Enigma.Tests.Support;

/// <summary>
/// A private PostgreSQL server for the tests, started once per test run with the operators' own script
/// (<c>deploy/scripts/pg-up.sh</c>) and stopped with <c>pg-down.sh</c>. Each test gets a database of its own.
/// There is no fallback: where PostgreSQL cannot start, these tests fail and say why (<c>.ci/run</c> installs it).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "enigma-pg-" + Guid.NewGuid().ToString("N")[..12]);
    private string? _adminConnection;

    public string AdminConnectionString => _adminConnection ?? throw new InvalidOperationException("The PostgreSQL server is not started.");

    public async Task InitializeAsync()
    {
        // A second try when the first fails (a port taken between the script's check and the server's bind, or a
        // start slower than the script's 30 s on a loaded machine); each failure is reported with the server's log.
        var failures = new List<string>();
        var (code, output, error) = (0, "", "");
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            (code, output, error) = await RunScriptAsync("pg-up.sh");
            if (code == 0)
            {
                break;
            }

            var log = Path.Combine(_folder, "server.log");
            var tail = File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(15)) : "(no server.log)";
            failures.Add($"attempt {attempt}: pg-up.sh failed ({code}): {error}{output}\nserver.log:\n{tail}");
        }

        if (code != 0)
        {
            throw new InvalidOperationException("deploy/scripts/pg-up.sh could not start PostgreSQL:\n" + string.Join("\n", failures));
        }

        const string Marker = "export ENIGMA_PG_CONN='";
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal))
            ?? throw new InvalidOperationException("pg-up.sh printed no ENIGMA_PG_CONN: " + output);
        _adminConnection = line[Marker.Length..].TrimEnd('\'', '\r');
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunScriptAsync("pg-down.sh");
    }

    /// <summary>A new, empty database; the connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = (prefix + "_" + Guid.NewGuid().ToString("N")[..10]).ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = $"CREATE DATABASE \"{name}\"";
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ToString();
    }

    private async Task<(int Code, string Output, string Error)> RunScriptAsync(string script)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(TestFiles.RepositoryRoot, "deploy", "scripts", script), _folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}

// The process and cluster specs run alone, after the others: their failure detectors and timeouts are tuned for a
// node that is not starved of CPU by a parallel backtest on this 2-core machine.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresDefinition : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
