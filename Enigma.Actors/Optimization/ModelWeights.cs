using System.Globalization;
using System.Text;
using Akka.Configuration;
using Enigma.Domain.Backtesting;

namespace Enigma.Actors.Optimization;

/// <summary>A deployed parameter set: its version, its file, the walk-forward run that chose it, and the parameters.</summary>
public sealed record DeployedParameters(string Strategy, string Symbol, int Version, string Path, string Run, ParameterSet Parameters);

/// <summary>
/// The knowledge bank's deployed parameters: MODEL_WEIGHTS/STRATEGY/SYMBOL/vN.conf (HOCON, N counting up from 1),
/// each with the walk-forward evidence that passed the gates beside it as vN.evidence.json. A version is written once
/// and never overwritten; the newest is the live one.
/// </summary>
public static class ModelWeights
{
    /// <summary>The newest version for the strategy and symbol, or null when none was deployed; a damaged file is an error naming it.</summary>
    public static DeployedParameters? Latest(string root, string strategy, string symbol)
    {
        var folder = new DirectoryInfo(System.IO.Path.Combine(root, strategy, symbol));
        if (!folder.Exists)
        {
            return null;
        }

        var newest = Versions(folder).OrderByDescending(v => v.Version).FirstOrDefault();
        return newest.File is null ? null : Read(newest.File.FullName, strategy, symbol, newest.Version);
    }

    /// <summary>Reads one version's file.</summary>
    public static DeployedParameters Read(string path, string strategy, string symbol, int version)
    {
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is ConfigurationException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a deployed parameter set: {e.Message}", e);
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = config.GetConfig("enigma.parameters");
        if (parameters is null || parameters.IsEmpty)
        {
            throw new InvalidDataException($"{path} has no enigma.parameters.");
        }

        foreach (var (key, _) in parameters.AsEnumerable())
        {
            values[key] = parameters.GetString(key);
        }

        var run = config.HasPath("enigma.deployed.run") ? config.GetString("enigma.deployed.run") : System.IO.Path.GetFileName(path);
        return new DeployedParameters(strategy, symbol, version, path, run, new ParameterSet(values));
    }

    /// <summary>
    /// Writes the next version (one above the newest) with the evidence file copied beside it; never overwrites (two
    /// writers racing for one number: the loser gets an <see cref="IOException"/>).
    /// </summary>
    public static string Deploy(string root, string strategy, string symbol, ParameterSet chosen, string runId, string evidencePath)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        var folder = Directory.CreateDirectory(System.IO.Path.Combine(root, strategy, symbol));
        var version = Versions(folder).Select(v => v.Version).DefaultIfEmpty(0).Max() + 1;
        var path = System.IO.Path.Combine(folder.FullName, string.Create(CultureInfo.InvariantCulture, $"v{version}.conf"));
        var hocon = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# {strategy} on {symbol}, version {version}: chosen by walk-forward run {runId}, which passed every deployment gate.")
            .AppendLine(CultureInfo.InvariantCulture, $"# Evidence: v{version}.evidence.json (the windows, the out-of-sample tests, the gates).")
            .AppendLine(CultureInfo.InvariantCulture, $"enigma.deployed {{ strategy = \"{strategy}\", symbol = \"{symbol}\", version = {version}, run = \"{runId}\" }}");
        foreach (var (key, value) in chosen.Values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            hocon.AppendLine(CultureInfo.InvariantCulture, $"enigma.parameters.{key} = \"{value}\"");
        }

        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(hocon.ToString());
        }

        File.Copy(evidencePath, System.IO.Path.Combine(folder.FullName, string.Create(CultureInfo.InvariantCulture, $"v{version}.evidence.json")));
        return path;
    }

    private static IEnumerable<(int Version, FileInfo File)> Versions(DirectoryInfo folder) =>
        folder.EnumerateFiles("v*.conf")
            .Select(f => (Ok: int.TryParse(System.IO.Path.GetFileNameWithoutExtension(f.Name)[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var v), Version: v, File: f))
            .Where(v => v.Ok && v.Version > 0)
            .Select(v => (v.Version, v.File));
}
