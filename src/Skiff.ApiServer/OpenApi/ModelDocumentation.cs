using System.Reflection;
using System.Text;
using System.Xml;

namespace Skiff.ApiServer.OpenApi;

/// <summary>
/// Field and type descriptions of the KubernetesClient models, taken from the package's XML
/// documentation (which carries the Kubernetes OpenAPI descriptions). The 25 MB file is streamed once
/// and only the members of the requested types are kept.
/// </summary>
internal sealed class ModelDocumentation
{
    private const string FileName = "KubernetesClient.xml";

    private readonly Dictionary<Type, string> _types;
    private readonly Dictionary<(Type, string), string> _properties;

    private ModelDocumentation(Dictionary<Type, string> types, Dictionary<(Type, string), string> properties)
    {
        _types = types;
        _properties = properties;
    }

    public static ModelDocumentation Empty { get; } = new([], []);

    /// <summary>How many descriptions are held; for tests and diagnostics.</summary>
    public int Count => _types.Count + _properties.Count;

    public string? ForType(Type type) => _types.GetValueOrDefault(type);

    /// <summary>The description of a property by its CLR name.</summary>
    public string? ForProperty(Type declaringType, string clrName) => _properties.GetValueOrDefault((declaringType, clrName));

    /// <summary>
    /// Where the documentation file is: beside the KubernetesClient assembly (build output with
    /// documentation files copied), the application directory, or the NuGet package cache.
    /// </summary>
    public static string? Locate()
    {
        var assembly = typeof(k8s.Models.V1Pod).Assembly;
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(assembly.Location))
        {
            candidates.Add(Path.ChangeExtension(assembly.Location, ".xml"));
        }

        candidates.Add(Path.Combine(AppContext.BaseDirectory, FileName));
        // The package folder is named after the informational version (21.0.8), not the assembly version (21.0.0.0).
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        if (!string.IsNullOrEmpty(version))
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var lib = Path.Combine(packages, "kubernetesclient", version, "lib");
            if (Directory.Exists(lib))
            {
                candidates.AddRange(Directory.EnumerateDirectories(lib).OrderByDescending(d => d, StringComparer.Ordinal)
                    .Select(d => Path.Combine(d, FileName)));
            }
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Reads the descriptions of <paramref name="types"/> (and their properties) from the file.</summary>
    public static ModelDocumentation Load(string? path, IEnumerable<Type> types)
    {
        if (path is null || !File.Exists(path))
        {
            return Empty;
        }

        var byName = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var type in types)
        {
            if (type.FullName is { } fullName)
            {
                byName.TryAdd(fullName, type);
            }
        }

        var lookup = byName.GetAlternateLookup<ReadOnlySpan<char>>();
        var typeDocs = new Dictionary<Type, string>();
        var propertyDocs = new Dictionary<(Type, string), string>();
        var settings = new XmlReaderSettings { IgnoreComments = true, IgnoreProcessingInstructions = true, DtdProcessing = DtdProcessing.Prohibit };
        using var reader = XmlReader.Create(path, settings);
        while (reader.ReadToFollowing("member"))
        {
            var name = reader.GetAttribute("name");
            if (name is null || name.Length < 3 || name[1] != ':')
            {
                continue;
            }

            Type? type;
            string? property = null;
            if (name[0] == 'T')
            {
                if (!lookup.TryGetValue(name.AsSpan(2), out type))
                {
                    continue;
                }
            }
            else if (name[0] == 'P')
            {
                var dot = name.LastIndexOf('.');
                if (dot <= 2 || !lookup.TryGetValue(name.AsSpan(2, dot - 2), out type))
                {
                    continue;
                }

                property = name[(dot + 1)..];
            }
            else
            {
                continue;
            }

            var summary = ReadSummary(reader);
            if (summary.Length == 0)
            {
                continue;
            }

            if (property is null)
            {
                typeDocs[type] = summary;
            }
            else
            {
                propertyDocs[(type, property)] = summary;
            }
        }

        typeDocs.TrimExcess();
        propertyDocs.TrimExcess();
        return new ModelDocumentation(typeDocs, propertyDocs);
    }

    /// <summary>Reads the member's summary and joins its wrapped lines back into one paragraph.</summary>
    private static string ReadSummary(XmlReader reader)
    {
        using var member = reader.ReadSubtree();
        if (!member.ReadToFollowing("summary"))
        {
            return "";
        }

        var text = new StringBuilder();
        using var summary = member.ReadSubtree();
        while (summary.Read())
        {
            if (summary.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
            {
                text.Append(summary.Value);
            }
            else if (summary.NodeType == XmlNodeType.Element && summary.Name == "see")
            {
                var target = summary.GetAttribute("cref") ?? summary.GetAttribute("langword") ?? "";
                text.Append(target.Length > 2 && target[1] == ':' ? target[(target.LastIndexOf('.') + 1)..] : target);
            }
        }

        return Normalize(text.ToString());
    }

    private static string Normalize(string raw)
    {
        var result = new StringBuilder(raw.Length);
        foreach (var line in raw.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (result.Length > 0)
            {
                result.Append(' ');
            }

            result.Append(trimmed);
        }

        return result.ToString();
    }
}
