using System.Globalization;
using Akka.Configuration;

namespace Enigma.Actors.Hosting;

/// <summary>What a node is started with, before it is layered: the mode's defaults, a file, the environment, options.</summary>
public sealed record ConfigurationInputs
{
    /// <summary>The mode's own defaults on top of the shipped files (paper: a single-node cluster on loopback).</summary>
    public Config ModeDefaults { get; init; } = Config.Empty;

    /// <summary>What the mode's defaults are called in an error ("paper's defaults").</summary>
    public string ModeName { get; init; } = "the mode's defaults";

    /// <summary>The operator's HOCON file (<c>--config</c>), read as a whole; null: none.</summary>
    public string? File { get; init; }

    /// <summary>Reads one environment variable (the process's by default).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The names of every environment variable, for the <c>ENIGMA__</c> form (the process's by default).</summary>
    public IEnumerable<string>? EnvironmentNames { get; init; }

    /// <summary>Keys set on the command line, each with the option that set it (<c>--set KEY=VALUE</c>, <c>--roles</c>).</summary>
    public IReadOnlyList<CommandLineSetting> CommandLine { get; init; } = [];
}

/// <summary>A key of a running node, its value (null: not set) and where the value came from.</summary>
public sealed record ConfigEntry(string Key, string? Value, string Source);

/// <summary>One key given on the command line: its full path, its text, and the option it came from.</summary>
public sealed record CommandLineSetting(string Path, string Value, string Option)
{
    /// <summary><c>KEY=VALUE</c> from <c>--set</c>: the key is a full path (<c>enigma.risk.max-position-percent</c>).</summary>
    public static CommandLineSetting Parse(string assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        var path = equals > 0 ? assignment[..equals].Trim() : "";
        if (path.Length == 0 || path.Any(char.IsWhiteSpace) || path.StartsWith('.') || path.EndsWith('.'))
        {
            throw new ConfigurationException($"--set '{assignment}' is not KEY=VALUE with a full key (--set enigma.risk.max-position-percent=5).");
        }

        return new CommandLineSetting(path, assignment[(equals + 1)..].Trim(), "--set " + path);
    }
}

/// <summary>
/// The one configuration path of every mode (<c>paper</c>, <c>live</c>, <c>node</c>): the HOCON shipped in
/// <c>hocon/</c>, then the mode's defaults, then the operator's <c>--config</c> file, then the environment, then the
/// command line; a later source wins, for every key. <see cref="SourceOf"/> names where a key's value came from, so an
/// error can say "set by --config /etc/enigma.conf" rather than leave the operator guessing which of four places to fix.
/// </summary>
/// <remarks>
/// The environment has two forms. The named variables of each section (the seed's names, documented in the shipped
/// files: <c>ENIGMA_MAX_POSITION_PERCENT</c>, <c>ENIGMA_SIGNAL_RSI_PERIOD</c>, <c>ENIGMA_NODE_ROLES</c>, ...) and, for
/// any key at all, Akka's included, <c>ENIGMA__</c> followed by the key's path with <c>__</c> between its parts and
/// <c>_</c> for <c>-</c> (<c>ENIGMA__AKKA__CLUSTER__SPLIT_BRAIN_RESOLVER__STABLE_AFTER=5s</c>), the convention of .NET's
/// own configuration. HOCON's <c>${?VAR}</c> is not used: Akka's HOCON drops the default when the variable is unset.
/// </remarks>
public sealed class EnigmaConfiguration
{
    /// <summary>The files of <c>hocon/</c> that every node reads, in order of precedence.</summary>
    public static IReadOnlyList<string> ShippedFiles { get; } = ["node.conf", "enigma.conf", "persistence.conf", "cluster.conf"];

    /// <summary>Each section's named variables: the section, and the prefix its keys take (upper case, '_' for '-').</summary>
    public static IReadOnlyList<(string Section, string Prefix)> NamedVariables { get; } =
    [
        ("enigma.risk", "ENIGMA_"),
        ("enigma.signal", "ENIGMA_SIGNAL_"),
        ("enigma.audit", "ENIGMA_AUDIT_"),
        ("enigma.orchestrator", "ENIGMA_ORCHESTRATOR_"),
        ("enigma.optimizer", "ENIGMA_OPTIMIZER_"),
        ("enigma.notify", "ENIGMA_NOTIFY_"),
        ("enigma.node", "ENIGMA_NODE_"),
        ("enigma.journal", "ENIGMA_JOURNAL_"),
        ("enigma.execution", "ENIGMA_EXECUTION_"),
    ];

    /// <summary>The prefix of the form that reaches any key.</summary>
    public const string AnyKeyPrefix = "ENIGMA__";

    private readonly IReadOnlyList<(string File, Config Config)> _shipped;
    private readonly Config _mode;
    private readonly string _modeName;
    private readonly string? _file;
    private readonly Config _fromFile;
    private readonly Dictionary<string, string> _variables;
    private readonly Dictionary<string, string> _options;

    private EnigmaConfiguration(IReadOnlyList<(string, Config)> shipped, Config mode, string modeName, string? file, Config fromFile, Config environment, Dictionary<string, string> variables, Config commandLine, Dictionary<string, string> options)
    {
        _shipped = shipped;
        _mode = mode;
        _modeName = modeName;
        _file = file;
        _fromFile = fromFile;
        _variables = variables;
        _options = options;
        var merged = Stack(Stack(Stack(commandLine, environment), fromFile), mode);
        foreach (var (_, config) in shipped)
        {
            merged = Stack(merged, config);
        }

        Config = merged;
    }

    /// <summary>Every source merged: what the node runs with.</summary>
    public Config Config { get; }

    /// <summary>The shipped files, the mode's defaults, the file, the environment and the command line.</summary>
    public static EnigmaConfiguration Load(ConfigurationInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var shipped = ShippedFiles.Select(f => (f, EnigmaConfig.Shipped(f))).ToList();
        return Layer(shipped, inputs);
    }

    /// <summary>
    /// <paramref name="config"/> as the whole of what is shipped (a spec's or a tool's own HOCON), with the environment
    /// read through <paramref name="environment"/> on top.
    /// </summary>
    public static EnigmaConfiguration Over(Config config, Func<string, string?>? environment = null, IReadOnlyList<CommandLineSetting>? commandLine = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Layer([("the given configuration", config)], new ConfigurationInputs
        {
            Environment = environment ?? System.Environment.GetEnvironmentVariable,
            EnvironmentNames = environment is null ? null : [],
            CommandLine = commandLine ?? [],
        });
    }

    private static EnigmaConfiguration Layer(IReadOnlyList<(string, Config)> shipped, ConfigurationInputs inputs)
    {
        var fromFile = Config.Empty;
        if (inputs.File is { } file)
        {
            if (!System.IO.File.Exists(file))
            {
                throw new ConfigurationException($"--config: no file at {Path.GetFullPath(file)}.");
            }

            try
            {
                fromFile = ConfigurationFactory.ParseString(System.IO.File.ReadAllText(file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigurationException($"--config {file} could not be read: {e.Message}", e);
            }
            catch (Exception e) when (e is not ConfigurationException)
            {
                throw new ConfigurationException($"--config {file} is not HOCON: {e.Message}", e);
            }
        }

        var below = Stack(fromFile, inputs.ModeDefaults);
        foreach (var (_, config) in shipped)
        {
            below = Stack(below, config);
        }

        var (environment, variables) = ReadEnvironment(below, inputs);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var setting in inputs.CommandLine)
        {
            options[setting.Path] = setting.Option;
            lines.Add(Assignment(setting.Path, setting.Value));
        }

        var commandLine = Parse(lines, "the command line");
        return new EnigmaConfiguration(shipped, inputs.ModeDefaults, inputs.ModeName, inputs.File is null ? null : Path.GetFullPath(inputs.File), fromFile, environment, variables, commandLine, options);
    }

    /// <summary>
    /// Where <paramref name="path"/>'s value comes from: "--set KEY" or the named option, "environment VARIABLE",
    /// "--config FILE", the mode's defaults, or "hocon/FILE (shipped)".
    /// </summary>
    public string SourceOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Covering(_options, path) is { } option)
        {
            return "command line " + option;
        }

        if (Covering(_variables, path) is { } variable)
        {
            return "environment " + variable;
        }

        if (_file is not null && HasPath(_fromFile, path))
        {
            return "--config " + _file;
        }

        if (HasPath(_mode, path))
        {
            return _modeName;
        }

        foreach (var (file, config) in _shipped)
        {
            if (HasPath(config, path))
            {
                return file.EndsWith(".conf", StringComparison.Ordinal) ? $"hocon/{file} (shipped)" : file;
            }
        }

        return "no source (not set)";
    }

    /// <summary>
    /// Refuses <paramref name="path"/> when the operator set it (file, environment or command line) although the node
    /// derives it from another key: such a value would be silently overridden, so it is an error instead.
    /// </summary>
    public void RefuseOperatorSetting(string path, string setInstead)
    {
        if (SetByOperator(path))
        {
            throw new ConfigurationException($"{path} is set by {SourceOf(path)}, but this node derives it from {setInstead}: set that instead.");
        }
    }

    /// <summary>Whether the operator set <paramref name="path"/> (or a section holding it): the file, the environment or the command line.</summary>
    public bool SetByOperator(string path) =>
        Covering(_options, path) is not null || Covering(_variables, path) is not null || (_file is not null && HasPath(_fromFile, path));

    /// <summary>
    /// The value each key has in <paramref name="running"/> (the actor system's own configuration) and where it came
    /// from; with no keys, every key under <c>enigma</c>. A value that may hold a secret is never shown.
    /// </summary>
    public IReadOnlyList<ConfigEntry> Describe(Config running, IReadOnlyCollection<string> keys)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(keys);
        var paths = keys.Count > 0
            ? keys
            : Leaves(running.GetConfig("enigma"), "enigma").Order(StringComparer.Ordinal).ToList();
        // A section asked for is shown key by key, so that each secret in it is hidden, never as one object.
        var leaves = paths.SelectMany(path => HasPath(running, path) && running.GetValue(path).IsObject() ? Leaves(running.GetConfig(path), path) : [path]);
        return [.. leaves.Select(path =>
        {
            string? value = null;
            if (HasPath(running, path))
            {
                var hocon = running.GetValue(path);
                value = hocon.IsString() ? hocon.GetString() : hocon.ToString();
            }

            return new ConfigEntry(path, value is null ? null : IsSecret(path) ? "(hidden)" : value, SourceOf(path));
        })];
    }

    /// <summary>Every key under <paramref name="prefix"/> that holds a value rather than an object.</summary>
    private static IEnumerable<string> Leaves(Config? section, string prefix)
    {
        if (section is null || section.IsEmpty)
        {
            yield break;
        }

        foreach (var (key, value) in section.Root.GetObject().Items)
        {
            var path = prefix + "." + key;
            if (value.IsObject())
            {
                foreach (var leaf in Leaves(section.GetConfig(key), path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }

    /// <summary>Keys whose values are never shown: tokens, passwords, webhook addresses, the journal's connection.</summary>
    public static bool IsSecret(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var key = path[(path.LastIndexOf('.') + 1)..].ToLowerInvariant();
        return key.Contains("token", StringComparison.Ordinal) || key.Contains("secret", StringComparison.Ordinal) || key.Contains("password", StringComparison.Ordinal)
            || key.Contains("passphrase", StringComparison.Ordinal) || key.Contains("webhook", StringComparison.Ordinal)
            || key is "journal" or "connection-string" or "chat-id";
    }

    /// <summary>A section of the merged configuration, read with errors that name each key's source.</summary>
    public SettingsSection Section(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var section = Config.GetConfig(path) ?? throw new ConfigurationException($"{path} is missing from the configuration.");
        return new SettingsSection(this, path, section);
    }

    private static (Config Config, Dictionary<string, string> Variables) ReadEnvironment(Config below, ConfigurationInputs inputs)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var (section, prefix) in NamedVariables)
        {
            if (below.GetConfig(section) is not { } keys)
            {
                continue;
            }

            foreach (var (key, _) in keys.AsEnumerable())
            {
                // Only the section's own keys: enigma.risk's prefix ENIGMA_ would otherwise also match ENIGMA_NODE_ROLES.
                if (key.Contains('.', StringComparison.Ordinal))
                {
                    continue;
                }

                var variable = prefix + key.Replace('-', '_').ToUpperInvariant();
                if (inputs.Environment(variable) is { Length: > 0 } value)
                {
                    var path = section + "." + key;
                    variables[path] = variable;
                    lines.Add(Assignment(path, value));
                }
            }
        }

        var names = inputs.EnvironmentNames ?? System.Environment.GetEnvironmentVariables().Keys.Cast<object>().Select(k => k.ToString()!);
        foreach (var name in names.Where(n => n.StartsWith(AnyKeyPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (inputs.Environment(name) is not { Length: > 0 } value)
            {
                continue;
            }

            var path = PathOf(name, below);
            variables[path] = name;
            lines.Add(Assignment(path, value));
        }

        return (Parse(lines, "the environment"), variables);
    }

    /// <summary>ENIGMA__AKKA__CLUSTER__MIN_NR_OF_MEMBERS → akka.cluster.min-nr-of-members, matching the keys that exist.</summary>
    private static string PathOf(string variable, Config known)
    {
        var parts = variable[AnyKeyPrefix.Length..].Split("__");
        if (parts.Any(p => p.Length == 0))
        {
            throw new ConfigurationException($"environment {variable}: write ENIGMA__ then the key's parts separated by __ (ENIGMA__ENIGMA__RISK__MAX_POSITION_PERCENT).");
        }

        var path = new List<string>();
        foreach (var part in parts)
        {
            var prefix = path.Count == 0 ? null : string.Join('.', path);
            var level = prefix is null ? known : (known.HasPath(prefix) ? known.GetConfig(prefix) : null);
            var existing = level?.Root.GetObject().Items.Keys.FirstOrDefault(k => string.Equals(k.Replace('-', '_'), part, StringComparison.OrdinalIgnoreCase));
            path.Add(existing ?? part.ToLowerInvariant().Replace('_', '-'));
        }

        return string.Join('.', path);
    }

    private static string Assignment(string path, string value)
    {
        var trimmed = value.Trim();

        // A list or an object is written as HOCON (akka.cluster.roles = [a, b]); anything else is one quoted value.
        var literal = trimmed.StartsWith('[') || trimmed.StartsWith('{') ? trimmed : EnigmaConfig.HoconString(value);
        return $"{string.Join('.', path.Split('.').Select(QuoteKey))} = {literal}";
    }

    private static Config Parse(List<string> lines, string source)
    {
        if (lines.Count == 0)
        {
            return Config.Empty;
        }

        try
        {
            return ConfigurationFactory.ParseString(string.Join('\n', lines));
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            throw new ConfigurationException($"a value from {source} is not HOCON: {e.Message}", e);
        }
    }

    /// <summary><paramref name="top"/> over <paramref name="fallback"/>; an empty layer is skipped (Akka refuses Config.Empty as its own fallback).</summary>
    private static Config Stack(Config top, Config fallback) => top.IsEmpty ? fallback : fallback.IsEmpty ? top : top.WithFallback(fallback);

    private static string? Covering(Dictionary<string, string> sources, string path)
    {
        // A key set whole (akka.cluster.roles) or any key inside a section set whole (an object given at once).
        for (var prefix = path; prefix.Length > 0; prefix = prefix.Contains('.', StringComparison.Ordinal) ? prefix[..prefix.LastIndexOf('.')] : "")
        {
            if (sources.TryGetValue(prefix, out var source))
            {
                return source;
            }
        }

        return null;
    }

    private static bool HasPath(Config config, string path)
    {
        try
        {
            return !config.IsEmpty && config.HasPath(path);
        }
        catch (Exception e) when (e is ConfigurationException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static string QuoteKey(string part) => part.All(c => char.IsLetterOrDigit(c) || c is '-' or '_') ? part : EnigmaConfig.HoconString(part);

}

/// <summary>
/// One section of the configuration, read and checked: every error names the key, its value, its source and what is
/// allowed (<c>enigma.risk.max-position-percent = 9999 (--config /etc/enigma.conf) is out of range [0.1, 100]</c>).
/// </summary>
public sealed class SettingsSection(EnigmaConfiguration configuration, string path, Config section)
{
    public string Path => path;

    public Config Config => section;

    public bool Has(string key) => section.HasPath(key);

    /// <summary>The key's value as text, or "" when it is not set.</summary>
    public string Text(string key) => section.HasPath(key) ? section.GetString(key)?.Trim() ?? "" : "";

    public string Source(string key) => configuration.SourceOf(path + "." + key);

    public ConfigurationException Error(string key, string problem, Exception? cause = null) =>
        new($"{path}.{key}{problem} (from {Source(key)})", cause);

    public decimal Number(string key, decimal min, decimal max)
    {
        var text = Text(key);
        if (text.Length == 0)
        {
            throw Error(key, " is missing");
        }

        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(key, $" = '{text}' is not a number");
        }

        return value >= min && value <= max
            ? value
            : throw Error(key, string.Create(CultureInfo.InvariantCulture, $" = {value} is out of range [{min}, {max}]"));
    }

    public int WholeNumber(string key, int min, int max)
    {
        var text = Text(key);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(key, string.Create(CultureInfo.InvariantCulture, $" = '{text}' must be a whole number in [{min}, {max}]"));
    }

    public TimeSpan Duration(string key, TimeSpan min, TimeSpan max)
    {
        TimeSpan value;
        try
        {
            value = section.GetTimeSpan(key, null, allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException)
        {
            throw Error(key, $" = '{Text(key)}' is not a duration (use 500ms, 30s, 2m)", e);
        }

        return value >= min && value <= max
            ? value
            : throw Error(key, $" = {value} is out of range [{min}, {max}]");
    }

    /// <summary>The keys of the section with their text (for a section read key by key, such as enigma.signal).</summary>
    public IEnumerable<string> Keys => section.AsEnumerable().Select(kv => kv.Key);
}
