using Enigma.Exchange.KuCoin.Auth;
using Enigma.Tests.Support;

namespace Enigma.Tests.Exchange.KuCoin;

/// <summary>KuCoin's request signing against the test vectors of kucoin-futures-api.md 4.1 (computed with Python and Node).</summary>
public sealed class SigningSpecs
{
    private static readonly KuCoinCredentials Credentials = new("sim-key-0001", "sim-secret-123", "sim-pass");

    [Theory]
    [InlineData("GET", "/api/v1/account-overview?currency=USDT", "", "s+n9mBswA6gVYIBlXqFGCHArlfs3KP3bn/4tH2sJx2c=")]
    [InlineData("POST", "/api/v1/orders", """{"clientOid":"c-1","side":"buy","symbol":"XBTUSDTM","type":"limit","leverage":5,"price":"30000","size":1}""", "Jpn043zRkch9UtXsbk25RFQJCfabQADnpsjMafF1mH8=")]
    [InlineData("DELETE", "/api/v1/orders/123456", "", "G2zU/V+7L7RT74fJFnx76vhrxJTMIjUgd+o758kpRxo=")]
    public void Requests_must_be_signed_as_KuCoin_signs_them(string method, string path, string body, string expected)
    {
        var headers = KuCoinSigner.Headers(Credentials, 1_700_000_000_000, method, path, body);
        Assert.Equal(expected, headers.Sign);
        Assert.Equal("7l2QaIp13DO53jtREZiImF9VpyAil/q5IFQbGKdw4gs=", headers.Passphrase);
        Assert.Equal("1700000000000", headers.Timestamp);
        Assert.Equal(["KC-API-KEY", "KC-API-TIMESTAMP", "KC-API-SIGN", "KC-API-PASSPHRASE", "KC-API-KEY-VERSION"], headers.All().Select(h => h.Key));
        Assert.True(KuCoinSigner.Verify("sim-secret-123", expected, "1700000000000", method, path, body));
    }

    [Fact]
    public void A_version_1_key_must_send_its_plain_passphrase()
    {
        var headers = KuCoinSigner.Headers(new KuCoinCredentials("k", "s", "plain-pass", "1"), 1, "GET", "/x", "");
        Assert.Equal("plain-pass", headers.Passphrase);
    }

    [Fact]
    public void Verification_must_accept_the_query_as_received_or_percent_decoded_and_nothing_else()
    {
        const string encoded = "/api/v1/orders?status=active&note=a%21b";
        const string decoded = "/api/v1/orders?status=active&note=a!b";
        var signedDecoded = KuCoinSigner.Sign("sim-secret-123", KuCoinSigner.PreSign("1", "GET", decoded, ""));
        var signedEncoded = KuCoinSigner.Sign("sim-secret-123", KuCoinSigner.PreSign("1", "GET", encoded, ""));
        Assert.True(KuCoinSigner.Verify("sim-secret-123", signedDecoded, "1", "GET", encoded, ""));
        Assert.True(KuCoinSigner.Verify("sim-secret-123", signedEncoded, "1", "GET", encoded, ""));
        Assert.False(KuCoinSigner.Verify("sim-secret-123", signedEncoded, "2", "GET", encoded, ""));
        Assert.False(KuCoinSigner.Verify("another-secret", signedEncoded, "1", "GET", encoded, ""));
        Assert.False(KuCoinSigner.Verify("sim-secret-123", signedEncoded, "1", "GET", encoded, "{}"));
    }

    [Fact]
    public void Credentials_must_never_print_their_secret_or_passphrase()
    {
        var text = $"{Credentials} {KuCoinSigner.Headers(Credentials, 1, "GET", "/x", "")}";
        Assert.DoesNotContain("sim-secret-123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sim-pass", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sim-key-0001", text, StringComparison.Ordinal);
        Assert.Contains("0001", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_must_load_from_the_environment_or_a_secrets_file_and_name_what_is_missing()
    {
        var environment = new Dictionary<string, string?>
        {
            [KuCoinCredentials.KeyVariable] = "env-key",
            [KuCoinCredentials.SecretVariable] = "env-secret",
            [KuCoinCredentials.PassphraseVariable] = "env-pass",
        };
        Assert.Equal("env-key", KuCoinCredentials.Load(n => environment.GetValueOrDefault(n)).Key);

        using var folder = TestFiles.TemporaryFolder();
        var file = folder.File("kucoin.secrets");
        File.WriteAllText(file, $"# paper account\n{KuCoinCredentials.KeyVariable}=file-key\n{KuCoinCredentials.SecretVariable} = file-secret\n{KuCoinCredentials.PassphraseVariable}=file-pass\n{KuCoinCredentials.KeyVersionVariable}=3\n");
        var fromFile = KuCoinCredentials.Load(_ => null, file);
        Assert.Equal(("file-key", "3"), (fromFile.Key, fromFile.KeyVersion));

        var missing = Assert.Throws<KuCoinConfigurationException>(() => KuCoinCredentials.Load(n => n == KuCoinCredentials.KeyVariable ? "k" : null));
        Assert.Equal($"Missing KuCoin credentials: {KuCoinCredentials.SecretVariable}, {KuCoinCredentials.PassphraseVariable} (set them in the environment or the secrets file; never in the repository).", missing.Message);

        File.WriteAllText(file, "ENIGMA_KUCOIN_API_SECRET super-secret-value\n");
        var malformed = Assert.Throws<KuCoinConfigurationException>(() => KuCoinCredentials.Load(_ => null, file));
        Assert.Contains(":1: expected NAME=value", malformed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret-value", malformed.Message, StringComparison.Ordinal);
        Assert.Throws<KuCoinConfigurationException>(() => KuCoinCredentials.Load(_ => null, folder.File("absent")));
        Assert.Throws<ArgumentException>(() => new KuCoinCredentials("k", "s", "p", "4"));
    }
}
