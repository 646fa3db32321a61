using System.Globalization;

namespace Enigma.Exchange.KuCoin.Auth;

/// <summary>
/// An API key, its secret and passphrase. Never printed: <see cref="ToString"/> shows the key's last four characters
/// only, so a credentials object that reaches a log or an exception message leaks nothing.
/// </summary>
public sealed class KuCoinCredentials
{
    public const string KeyVariable = "ENIGMA_KUCOIN_API_KEY";
    public const string SecretVariable = "ENIGMA_KUCOIN_API_SECRET";
    public const string PassphraseVariable = "ENIGMA_KUCOIN_API_PASSPHRASE";
    public const string KeyVersionVariable = "ENIGMA_KUCOIN_API_KEY_VERSION";

    public KuCoinCredentials(string key, string secret, string passphrase, string keyVersion = "2")
    {
        Key = Require(key, "API key");
        Secret = Require(secret, "API secret");
        Passphrase = Require(passphrase, "API passphrase");
        KeyVersion = keyVersion is "1" or "2" or "3"
            ? keyVersion
            : throw new ArgumentException($"The API key version must be 1, 2 or 3; got '{keyVersion}'.", nameof(keyVersion));
    }

    public string Key { get; }

    internal string Secret { get; }

    internal string Passphrase { get; }

    public string KeyVersion { get; }

    /// <summary>
    /// Reads the credentials from the environment (<see cref="KeyVariable"/>, <see cref="SecretVariable"/>,
    /// <see cref="PassphraseVariable"/>, optionally <see cref="KeyVersionVariable"/>), or from a secrets file of
    /// <c>NAME=value</c> lines with the same names when <paramref name="secretsFile"/> is given. Missing values are
    /// named in the error; their values never are.
    /// </summary>
    public static KuCoinCredentials Load(Func<string, string?> environment, string? secretsFile = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (secretsFile is not null)
        {
            if (!File.Exists(secretsFile))
            {
                throw new KuCoinConfigurationException($"The secrets file '{secretsFile}' does not exist.");
            }

            var lineNumber = 0;
            foreach (var raw in File.ReadLines(secretsFile))
            {
                lineNumber++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                var split = line.IndexOf('=', StringComparison.Ordinal);
                if (split <= 0)
                {
                    throw new KuCoinConfigurationException(string.Create(CultureInfo.InvariantCulture,
                        $"{secretsFile}:{lineNumber}: expected NAME=value (the line's content is not shown, it may be a secret)."));
                }

                values[line[..split].Trim()] = line[(split + 1)..].Trim();
            }
        }

        string? Get(string name) => values.TryGetValue(name, out var v) ? v : environment(name);
        var missing = new[] { KeyVariable, SecretVariable, PassphraseVariable }.Where(n => string.IsNullOrWhiteSpace(Get(n))).ToList();
        if (missing.Count > 0)
        {
            throw new KuCoinConfigurationException($"Missing KuCoin credentials: {string.Join(", ", missing)} (set them in the environment or the secrets file; never in the repository).");
        }

        return new KuCoinCredentials(Get(KeyVariable)!, Get(SecretVariable)!, Get(PassphraseVariable)!, Get(KeyVersionVariable) ?? "2");
    }

    public override string ToString() => $"KuCoin API key …{(Key.Length > 4 ? Key[^4..] : "")} (v{KeyVersion}; secret and passphrase hidden)";

    private static string Require(string value, string what) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"The {what} is empty.") : value;
}

/// <summary>Configuration that cannot work, named without revealing any secret.</summary>
public sealed class KuCoinConfigurationException : Exception
{
    public KuCoinConfigurationException()
    {
    }

    public KuCoinConfigurationException(string message)
        : base(message)
    {
    }

    public KuCoinConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
