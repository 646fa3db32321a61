using System.Text.RegularExpressions;
using Akka.Configuration;
using Enigma.Actors.Hosting;
using Enigma.Cluster.Host;
using Enigma.Tests.Cluster;
using Enigma.Tests.Support;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Enigma.Tests.Deployment;

/// <summary>
/// docker-compose.yml and deploy/Dockerfile checked without a Docker engine (none runs here): the file's structure,
/// every command a container runs parsed by the real CLI, every node's environment loaded by the real settings code,
/// and the cluster it describes the same as the one the multi-process spec runs (<see cref="NodeProcessSpecs"/>).
/// </summary>
public sealed partial class DeploymentSpecs
{
    private static readonly string[] Nodes = ["enigma-1", "enigma-2", "enigma-3"];

    private static YamlMappingNode Compose()
    {
        using var reader = new StreamReader(Path.Combine(TestFiles.RepositoryRoot, "docker-compose.yml"));
        var stream = new YamlStream();
        // Merge keys (<<: *node) resolved as Compose resolves them.
        stream.Load(new MergingParser(new Parser(reader)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Service(string name) =>
        (YamlMappingNode)((YamlMappingNode)Compose()["services"])[name];

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? "", StringComparer.Ordinal);

    private static string[] Sequence(YamlNode node) => [.. ((YamlSequenceNode)node).Children.Select(c => ((YamlScalarNode)c).Value!)];

    /// <summary>${NAME:?message}, ${NAME:-default}, ${NAME-default} as Compose substitutes them, with the example .env's values.</summary>
    private static string Substitute(string text) => Variable().Replace(text, m => m.Groups["name"].Value switch
    {
        "MSSQL_SA_PASSWORD" => "Example-Passw0rd",
        "ENIGMA_NODE_ADMIN_TOKEN" => "example-token",
        _ => m.Groups["default"].Success ? m.Groups["default"].Value : "",
    });

    [GeneratedRegex(@"\$\{(?<name>[A-Z0-9_]+)(?:(?::\?|\?)[^}]*|(?::-|-)(?<default>[^}]*))?\}")]
    private static partial Regex Variable();

    [Fact]
    public void Compose_must_run_a_sql_server_journal_the_simulator_and_three_nodes_with_health_checks()
    {
        var services = (YamlMappingNode)Compose()["services"];
        Assert.Equal(["enigma-1", "enigma-2", "enigma-3", "journal-database", "simulator", "sqlserver"], services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal));
        foreach (var name in Nodes.Append("simulator").Append("sqlserver"))
        {
            Assert.True(Service(name).Children.ContainsKey("healthcheck"), $"{name} has no health check");
        }

        var build = (YamlMappingNode)Service("simulator")["build"];
        Assert.True(File.Exists(Path.Combine(TestFiles.RepositoryRoot, ((YamlScalarNode)build["dockerfile"]).Value!)), "the Dockerfile the simulator is built from exists");
        foreach (var name in Nodes)
        {
            var dependsOn = ((YamlMappingNode)Service(name)["depends_on"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToList();
            Assert.Contains("journal-database", dependsOn);
            Assert.Contains("simulator", dependsOn);
        }
    }

    [Fact]
    public void Compose_nodes_must_have_the_roles_and_settings_of_the_multi_process_spec()
    {
        var shipped = EnigmaConfig.Shipped("node.conf").GetConfig("enigma.node");
        var known = shipped.AsEnumerable().Select(e => "ENIGMA_NODE_" + e.Key.Replace('-', '_').ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
        var settings = Nodes.ToDictionary(n => n, n =>
        {
            var environment = Environment(Service(n)).ToDictionary(e => e.Key, e => Substitute(e.Value), StringComparer.Ordinal);
            Assert.All(environment.Keys.Where(k => k.StartsWith("ENIGMA_NODE_", StringComparison.Ordinal)), k => Assert.True(known.Contains(k), $"{n}: {k} is not a key of hocon/node.conf"));
            return NodeSettings.Load(EnigmaConfig.Shipped("node.conf"), null, name => environment.GetValueOrDefault(name));
        });

        Assert.Equal(NodeRoles.Parse(NodeProcessSpecs.FrontRoles), settings["enigma-1"].Roles);
        Assert.Equal(NodeRoles.Parse(NodeProcessSpecs.WorkerRoles), settings["enigma-2"].Roles);
        Assert.Equal(NodeRoles.Parse(NodeProcessSpecs.WorkerRoles), settings["enigma-3"].Roles);
        Assert.All(settings.Values, s =>
        {
            Assert.Equal(int.Parse(NodeProcessSpecs.MinMembers, System.Globalization.CultureInfo.InvariantCulture), s.MinMembers);
            Assert.Equal(NodeProcessSpecs.Symbols, s.Symbols);
            Assert.Equal([settings["enigma-1"].Address], s.Seeds);
            Assert.Equal(Enigma.Actors.JournalTools.JournalSource.SqlServerProvider, s.Journal.Provider);
            Assert.Equal(new Uri("http://simulator:8555/"), s.Exchange);
            Assert.NotNull(s.AdminToken);
        });
        Assert.All(Nodes, n => Assert.Equal($"akka.tcp://enigma@{n}:4053", settings[n].Address));
    }

    [Fact]
    public void Every_command_a_container_runs_must_parse_with_the_real_cli()
    {
        var commands = new List<string[]>();
        foreach (var name in Nodes.Append("simulator"))
        {
            var service = Service(name);
            commands.Add(Sequence(service["command"]));
            var test = Sequence(((YamlMappingNode)service["healthcheck"])["test"]);
            Assert.Equal(["CMD", "dotnet", "/enigma/bin/enigma.dll"], test[..3]);
            commands.Add(test[3..]);
        }

        foreach (var args in commands)
        {
            var parsed = EnigmaCli.Build().Parse(args);
            Assert.True(parsed.Errors.Count == 0, $"enigma {string.Join(' ', args)}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
        }
    }

    [Fact]
    public void Every_variable_the_compose_file_needs_must_be_in_the_example_env()
    {
        var compose = File.ReadAllText(Path.Combine(TestFiles.RepositoryRoot, "docker-compose.yml"));
        var example = File.ReadAllText(Path.Combine(TestFiles.RepositoryRoot, "deploy", "compose.env.example"));
        var required = Variable().Matches(compose).Where(m => !m.Groups["default"].Success).Select(m => m.Groups["name"].Value).Distinct();
        Assert.All(required, name => Assert.Matches(new Regex("^#? ?" + name + "=", RegexOptions.Multiline), example));
    }

    [Fact]
    public void Dockerfile_must_copy_every_project_the_host_needs_and_run_enigma()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(TestFiles.RepositoryRoot, "deploy", "Dockerfile"));
        var copied = dockerfile.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal))
            .SelectMany(l => l["COPY ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();
        Assert.All(copied, source => Assert.True(Path.Exists(Path.Combine(TestFiles.RepositoryRoot, source.TrimEnd('/'))), $"COPY {source}: no such path in the repository"));

        // The host's project references, followed to the end: each project folder must be in the image.
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        void Follow(string project)
        {
            if (!needed.Add(project))
            {
                return;
            }

            var text = File.ReadAllText(Path.Combine(TestFiles.RepositoryRoot, project, project + ".csproj"));
            foreach (Match reference in ProjectReference().Matches(text))
            {
                Follow(reference.Groups["name"].Value);
            }
        }

        Follow("Enigma.Cluster.Host");
        Assert.All(needed, project => Assert.Contains(project + "/", copied));
        Assert.Contains("hocon/", copied);
        Assert.Contains(dockerfile, l => l == "ENTRYPOINT [\"dotnet\", \"/enigma/bin/enigma.dll\"]");
        Assert.Equal(2, dockerfile.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"ProjectReference Include=""\.\.\\(?<name>[^\\]+)\\")]
    private static partial Regex ProjectReference();
}
