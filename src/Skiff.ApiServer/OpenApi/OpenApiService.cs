using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Options;
using Skiff.Api.Resources;

namespace Skiff.ApiServer.OpenApi;

/// <summary>
/// Serves the OpenAPI v3 index and per-group-version documents and the OpenAPI v2 document, generated
/// from the model types and the resource catalog. Each document is generated on its first request and
/// then kept as UTF-8 bytes; the model descriptions are read from the XML documentation only while
/// documents remain to be generated. Thread-safe.
/// </summary>
internal sealed partial class OpenApiService
{
    private readonly IReadOnlyList<ResourceInfo> _resources;
    private readonly string? _documentationPath;
    private readonly ILogger _logger;
    private readonly Dictionary<string, ResourceInfo[]> _byPath;
    private readonly Dictionary<string, string> _hashes;
    private readonly ConcurrentDictionary<string, OpenApiDocument> _v3 = new(StringComparer.Ordinal);
    private readonly Lock _generate = new();
    private readonly OpenApiDocument _index;
    private OpenApiDocument? _v2;
    private OpenApiDocument? _v2Protobuf;
    private Model? _model;
    private int _generated;

    public OpenApiService(IOptions<OpenApiOptions> options, ILogger<OpenApiService> logger)
        : this(BuiltInResources.Resources, options.Value.ModelDocumentationPath ?? ModelDocumentation.Locate(), logger)
    {
    }

    internal OpenApiService(IReadOnlyList<ResourceInfo> resources, string? documentationPath, ILogger? logger = null)
    {
        _resources = resources;
        _documentationPath = documentationPath;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _byPath = resources.GroupBy(PathOf).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _hashes = _byPath.ToDictionary(p => p.Key, p => Fingerprint(p.Key, p.Value), StringComparer.Ordinal);
        _index = BuildIndex();
    }

    /// <summary>The group-version paths with a v3 document, e.g. <c>api/v1</c> and <c>apis/apps/v1</c>.</summary>
    public IReadOnlyCollection<string> GroupVersionPaths => _byPath.Keys;

    /// <summary>The <c>/openapi/v3</c> index: each group-version path with its hash-pinned URL.</summary>
    public OpenApiDocument GetV3Index() => _index;

    /// <summary>The hash a group-version document is published under, or null for an unknown path.</summary>
    public string? GetV3Hash(string groupVersionPath) => _hashes.GetValueOrDefault(groupVersionPath.Trim('/'));

    /// <summary>The v3 document of one group-version (<c>api/v1</c>, <c>apis/apps/v1</c>), or null when not served.</summary>
    public OpenApiDocument? GetV3Document(string groupVersionPath)
    {
        var path = groupVersionPath.Trim('/');
        if (_v3.TryGetValue(path, out var cached))
        {
            return cached;
        }

        if (!_byPath.TryGetValue(path, out var resources))
        {
            return null;
        }

        return Generate(() => _v3.GetValueOrDefault(path), model =>
        {
            var bytes = new OpenApiDocumentBuilder(model.Names, model.Docs, model.Gvks, v3: true).Build(resources);
            var document = new OpenApiDocument(bytes, _hashes[path]);
            _v3[path] = document;
            return document;
        }, path);
    }

    /// <summary>The swagger 2.0 document of every served resource.</summary>
    public OpenApiDocument GetV2() => _v2 ?? Generate(() => _v2, model =>
    {
        var bytes = new OpenApiDocumentBuilder(model.Names, model.Docs, model.Gvks, v3: false).Build(_resources);
        var document = new OpenApiDocument(bytes, HashOf(bytes));
        _v2 = document;
        return document;
    }, "v2");

    /// <summary>The swagger 2.0 document in gnostic's protobuf encoding (what kubectl 1.27 and 1.28 read).</summary>
    public OpenApiDocument GetV2Protobuf()
    {
        if (_v2Protobuf is { } done)
        {
            return done;
        }

        var json = GetV2();
        lock (_generate)
        {
            if (_v2Protobuf is null)
            {
                var started = Stopwatch.GetTimestamp();
                var bytes = OpenApiV2Protobuf.Encode(json.Content);
                _v2Protobuf = new OpenApiDocument(bytes, HashOf(bytes));
                Log.Generated(_logger, "v2 protobuf", bytes.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return _v2Protobuf;
        }
    }

    private OpenApiDocument Generate(Func<OpenApiDocument?> existing, Func<Model, OpenApiDocument> build, string what)
    {
        // Generation is rare (once per document) and shares the model, so it is simply serialized.
        lock (_generate)
        {
            if (existing() is { } done)
            {
                return done;
            }

            var started = Stopwatch.GetTimestamp();
            var model = _model ??= LoadModel();
            var document = build(model);
            Log.Generated(_logger, what, document.Content.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

            // Once every document exists nothing needs the descriptions again: let them go.
            if (++_generated == _byPath.Count + 1)
            {
                _model = null;
            }

            return document;
        }
    }

    private Model LoadModel()
    {
        var started = Stopwatch.GetTimestamp();
        Type[] extras = [typeof(V1Status), typeof(V1DeleteOptions), typeof(V1WatchEvent), typeof(V1APIResourceList), typeof(V1Scale)];
        var names = new DefinitionNames(_resources, extras);
        var docs = ModelDocumentation.Load(_documentationPath, names.Types);
        if (docs.Count == 0)
        {
            Log.NoDescriptions(_logger, _documentationPath ?? "(not found)");
        }

        var gvks = new Dictionary<Type, List<GroupVersionKind>>();
        void Add(Type type, GroupVersionKind gvk)
        {
            if (!gvks.TryGetValue(type, out var list))
            {
                gvks[type] = list = [];
            }

            if (!list.Contains(gvk))
            {
                list.Add(gvk);
            }
        }

        foreach (var r in _resources)
        {
            Add(r.Type, new(r.Group, r.Version, r.Kind));
            Add(r.ListType, new(r.Group, r.Version, r.Kind + "List"));
        }

        Add(typeof(V1Status), new("", "v1", "Status"));
        Add(typeof(V1APIResourceList), new("", "v1", "APIResourceList"));
        Add(typeof(V1Scale), new("autoscaling", "v1", "Scale"));
        foreach (var (group, version) in _resources.Select(r => (r.Group, r.Version)).Prepend(("", "v1")).Distinct())
        {
            Add(typeof(V1DeleteOptions), new(group, version, "DeleteOptions"));
            Add(typeof(V1WatchEvent), new(group, version, "WatchEvent"));
        }

        Log.ModelLoaded(_logger, docs.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new Model(names, docs, gvks.ToDictionary(p => p.Key, p => (IReadOnlyList<GroupVersionKind>)p.Value));
    }

    private OpenApiDocument BuildIndex()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("paths");
            foreach (var path in _byPath.Keys.Order(StringComparer.Ordinal))
            {
                writer.WriteStartObject(path);
                writer.WriteString("serverRelativeURL", $"/openapi/v3/{path}?hash={_hashes[path]}");
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var bytes = buffer.WrittenSpan.ToArray();
        return new OpenApiDocument(bytes, HashOf(bytes));
    }

    /// <summary>
    /// The hash a group-version document is published under, computed from everything the document
    /// is generated from (generator build, model package, description file, the resources served) so
    /// the index can name it without generating the document. Clients cache documents by this hash.
    /// </summary>
    private string Fingerprint(string path, IEnumerable<ResourceInfo> resources)
    {
        var text = new StringBuilder("skiff-openapi-v3\n")
            .Append(typeof(OpenApiService).Assembly.ManifestModule.ModuleVersionId).Append('\n')
            .Append(typeof(V1Pod).Assembly.ManifestModule.ModuleVersionId).Append('\n');
        if (_documentationPath is not null && File.Exists(_documentationPath))
        {
            var info = new FileInfo(_documentationPath);
            text.Append(info.Length).Append(' ').Append(info.LastWriteTimeUtc.Ticks);
        }

        text.Append('\n').Append(path).Append('\n');
        foreach (var r in resources)
        {
            text.Append(r.Kind).Append(' ').Append(r.Plural).Append(' ').Append(r.Namespaced)
                .Append(' ').AppendJoin(',', r.Verbs).Append(' ').AppendJoin(',', r.Subresources).Append('\n');
        }

        return HashOf(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string HashOf(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA512.HashData(bytes));

    private static string PathOf(ResourceInfo r) => r.Group.Length == 0 ? $"api/{r.Version}" : $"apis/{r.Group}/{r.Version}";

    private sealed record Model(DefinitionNames Names, ModelDocumentation Docs, IReadOnlyDictionary<Type, IReadOnlyList<GroupVersionKind>> Gvks);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Generated OpenAPI {Document}: {Bytes} bytes in {Milliseconds:F1} ms", EventName = "OpenApiGenerated")]
        public static partial void Generated(ILogger logger, string document, int bytes, double milliseconds);

        [LoggerMessage(2, LogLevel.Debug, "Loaded {Count} model descriptions in {Milliseconds:F1} ms", EventName = "OpenApiModelLoaded")]
        public static partial void ModelLoaded(ILogger logger, int count, double milliseconds);

        [LoggerMessage(3, LogLevel.Warning, "KubernetesClient XML documentation not found at {Path}; OpenAPI documents will have no field descriptions", EventName = "OpenApiNoDescriptions")]
        public static partial void NoDescriptions(ILogger logger, string path);
    }
}
