using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Patch;
using Skiff.Api.Protobuf;
using Skiff.Api.Resources;
using Skiff.Api.Selectors;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// The REST endpoint of one resource version: turns HTTP requests into registry calls and the results into
/// JSON, Tables or watch streams, with Kubernetes' status codes, query parameters and error bodies.
/// </summary>
internal sealed partial class ResourceHandler<T> : IResourceHandler
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly string[] Served = ["status", "scale", "finalize", "binding", "eviction", "log", "exec", "attach", "portforward"];
    private readonly RegistryStore<T> _store;
    private readonly IVersionConverter<T> _conv;
    private readonly ApiServerOptions _options;
    private readonly FieldChecker _fieldChecker;
    private readonly TimeProvider _time;

    public ResourceHandler(RegistryStore<T> store, IVersionConverter<T> conv, ApiServerOptions options, FieldChecker fieldChecker, TimeProvider time)
    {
        _store = store;
        _conv = conv;
        _options = options;
        _fieldChecker = fieldChecker;
        _time = time;
        ServedSubresources = Info.Subresources.Where(s => Served.Contains(s) && (s != "scale" || ScaleAdapter<T>.Supported)
            && (!Core.Pods.PodStreamProxy.Subresources.Contains(s) || typeof(T) == typeof(V1Pod))).ToArray();
    }

    public ResourceInfo Info => _conv.External;

    /// <summary>Serves pods/log (set on the pods handler only).</summary>
    public Core.Pods.PodLogProxy? PodLogs { get; set; }

    /// <summary>Serves pods/exec, pods/attach and pods/portforward (set on the pods handler only).</summary>
    public Core.Pods.PodStreamProxy? PodStreams { get; set; }

    public IReadOnlyList<string> ServedSubresources { get; }

    public WatchCache Cache => _store.Cache;

    public async Task HandleAsync(HttpContext ctx, RequestInfo req, CancellationToken ct)
    {
        string? ns = null;
        if (Info.Namespaced)
        {
            ns = req.Namespace;
            if (ns is null && req.Verb is not ("list" or "watch"))
            {
                throw ApiException.NotFound("the server could not find the requested resource");
            }
        }
        else if (req.Namespace is not null)
        {
            throw ApiException.NotFound("the server could not find the requested resource");
        }

        if (req.Subresource is { } sub)
        {
            if (!ServedSubresources.Contains(sub) || req.Rest is not null)
            {
                throw ApiException.NotFound("the server could not find the requested resource");
            }

            await HandleSubresourceAsync(ctx, req, ns, sub, ct).ConfigureAwait(false);
            return;
        }

        switch (req.Verb)
        {
            case "get":
                await GetAsync(ctx, ns, req.Name!, ct).ConfigureAwait(false);
                break;
            case "list":
                await ListAsync(ctx, ns, ct).ConfigureAwait(false);
                break;
            case "watch":
                await WatchAsync(ctx, ns, req.Name, ct).ConfigureAwait(false);
                break;
            case "create" when req.Name is null:
                await CreateAsync(ctx, ns, ct).ConfigureAwait(false);
                break;
            case "update" when req.Name is not null:
                await UpdateAsync(ctx, ns, req.Name, UpdateKind.Main, ct).ConfigureAwait(false);
                break;
            case "patch" when req.Name is not null:
                await PatchAsync(ctx, ns, req.Name, UpdateKind.Main, ct).ConfigureAwait(false);
                break;
            case "delete":
                await DeleteAsync(ctx, ns, req.Name!, ct).ConfigureAwait(false);
                break;
            case "deletecollection":
                await DeleteCollectionAsync(ctx, ns, ct).ConfigureAwait(false);
                break;
            default:
                throw ApiException.MethodNotSupported(req.Verb, Info.Plural);
        }
    }

    private async Task HandleSubresourceAsync(HttpContext ctx, RequestInfo req, string? ns, string sub, CancellationToken ct)
    {
        var name = req.Name!;
        switch (sub, req.Verb)
        {
            case ("status", "get"):
                await GetAsync(ctx, ns, name, ct).ConfigureAwait(false);
                break;
            case ("status", "update"):
                await UpdateAsync(ctx, ns, name, UpdateKind.Status, ct).ConfigureAwait(false);
                break;
            case ("status", "patch"):
                await PatchAsync(ctx, ns, name, UpdateKind.Status, ct).ConfigureAwait(false);
                break;
            case ("binding", "create"):
                await BindAsync(ctx, ns, name, ct).ConfigureAwait(false);
                break;
            case ("eviction", "create"):
                await EvictAsync(ctx, ns, name, ct).ConfigureAwait(false);
                break;
            case ("log", "get") when PodLogs is not null:
                await PodLogs.ServeAsync(ctx, (V1Pod)(object)_store.Decode(await _store.GetAsync(ns, name, string.Empty, ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
                break;
            case ("exec" or "attach" or "portforward", "get" or "create") when PodStreams is not null:
                await PodStreams.ServeAsync(ctx, sub, (V1Pod)(object)_store.Decode(await _store.GetAsync(ns, name, string.Empty, ct).ConfigureAwait(false)), ct).ConfigureAwait(false);
                break;
            case ("finalize", "update"):
                await UpdateAsync(ctx, ns, name, UpdateKind.Finalize, ct).ConfigureAwait(false);
                break;
            case ("scale", "get"):
            {
                var o = await _store.GetAsync(ns, name, Query(ctx, "resourceVersion") ?? string.Empty, ct).ConfigureAwait(false);
                await HttpIo.WriteObjectAsync(ctx, 200, ScaleAdapter<T>.ToScale(_store.Decode(o))).ConfigureAwait(false);
                break;
            }

            case ("scale", "update"):
            case ("scale", "patch"):
                await ScaleAsync(ctx, ns, name, req.Verb == "patch", ct).ConfigureAwait(false);
                break;
            default:
                throw ApiException.MethodNotSupported(req.Verb, $"{Info.Plural}/{sub}");
        }
    }

    // ---- reads --------------------------------------------------------------------------------------

    private async Task GetAsync(HttpContext ctx, string? ns, string name, CancellationToken ct)
    {
        var o = await _store.GetAsync(ns, name, Query(ctx, "resourceVersion") ?? string.Empty, ct).ConfigureAwait(false);
        var neg = MediaTypes.Negotiate(ctx.Request.Headers.Accept);
        switch (neg.Format)
        {
            case ResponseFormat.Table:
                var obj = _store.Decode(o);
                await HttpIo.WriteJsonAsync(ctx, 200, TableWriter.Write(_store.Strategy.Table, [obj], neg.MetaVersion,
                    Query(ctx, "includeObject") ?? "Metadata", true, o.ResourceVersion.ToString(CultureInfo.InvariantCulture), null, null, Now(), _conv.Encode), neg.ContentType).ConfigureAwait(false);
                break;
            case ResponseFormat.PartialObjectMetadata:
                await HttpIo.WriteJsonAsync(ctx, 200, PartialMetadata(o, neg.MetaVersion), neg.ContentType).ConfigureAwait(false);
                break;
            default:
                await HttpIo.WriteJsonAsync(ctx, 200, _conv.Encode(o)).ConfigureAwait(false);
                break;
        }
    }

    private async Task ListAsync(HttpContext ctx, string? ns, CancellationToken ct)
    {
        var options = ParseListOptions(ctx);
        var neg = MediaTypes.Negotiate(ctx.Request.Headers.Accept);
        var result = await _store.ListAsync(ns, options, ct).ConfigureAwait(false);
        var rv = result.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        if (neg.Format == ResponseFormat.Table)
        {
            var bytes = TableWriter.Write(_store.Strategy.Table, result.Items.Select(_store.Decode), neg.MetaVersion,
                Query(ctx, "includeObject") ?? "Metadata", true, rv, result.Continue, result.RemainingItemCount, Now(), _conv.Encode);
            await HttpIo.WriteJsonAsync(ctx, 200, bytes, neg.ContentType).ConfigureAwait(false);
            return;
        }

        // The list is streamed to the client as it is written: a LIST of 10,000 objects is megabytes, and one
        // buffer of that size per request would be a large-object-heap allocation and a full GC each time.
        var res = ctx.Response;
        res.StatusCode = 200;
        res.ContentType = neg.ContentType;
        var pipe = res.BodyWriter;
        await using (var w = new Utf8JsonWriter(pipe, ApiJson.WriterOptions))
        {
            var metadataOnly = neg.Format == ResponseFormat.PartialObjectMetadata;
            w.WriteStartObject();
            w.WriteString("kind", metadataOnly ? "PartialObjectMetadataList" : Info.Kind + "List");
            w.WriteString("apiVersion", metadataOnly ? $"meta.k8s.io/{neg.MetaVersion}" : Info.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", rv);
            if (result.Continue is not null)
            {
                w.WriteString("continue", result.Continue);
            }

            if (result.RemainingItemCount is { } remaining)
            {
                w.WriteNumber("remainingItemCount", remaining);
            }

            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in result.Items)
            {
                w.WriteRawValue(metadataOnly ? PartialMetadata(item, neg.MetaVersion) : _conv.Encode(item), skipInputValidation: true);
                if (w.BytesPending > 64 * 1024)
                {
                    w.Flush();
                    await pipe.FlushAsync(ct).ConfigureAwait(false);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.Flush();
            await pipe.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The PartialObjectMetadata form of a cached object, cut from its JSON without decoding it: metadata
    /// watches (the garbage collector's) see every write, so this runs once per write per watcher.
    /// </summary>
    private static byte[] PartialMetadata(CachedObject o, string metaVersion)
    {
        var json = o.Json.AsSpan();
        var (start, length) = JsonSlices.TopLevelValue(json, "metadata"u8);
        using var ms = new MemoryStream(length + 96);
        using (var w = new Utf8JsonWriter(ms, ApiJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", "PartialObjectMetadata");
            w.WriteString("apiVersion", $"meta.k8s.io/{metaVersion}");
            w.WritePropertyName("metadata");
            if (length > 0)
            {
                w.WriteRawValue(json.Slice(start, length), skipInputValidation: true);
            }
            else
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    private ListOptions ParseListOptions(HttpContext ctx)
    {
        try
        {
            var limit = 0;
            if (Query(ctx, "limit") is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit < 0))
            {
                throw ApiException.BadRequest($"limit: Invalid value: \"{l}\": must be a non-negative integer");
            }

            TimeSpan? timeout = null;
            if (Query(ctx, "timeoutSeconds") is { Length: > 0 } t)
            {
                if (!long.TryParse(t, out var secs) || secs < 0)
                {
                    throw ApiException.BadRequest($"timeoutSeconds: Invalid value: \"{t}\": must be a non-negative integer");
                }

                timeout = TimeSpan.FromSeconds(secs);
            }

            var match = Query(ctx, "resourceVersionMatch") ?? string.Empty;
            if (match is not ("" or "NotOlderThan" or "Exact"))
            {
                throw ApiException.BadRequest($"resourceVersionMatch: Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\"");
            }

            bool? sendInitial = Query(ctx, "sendInitialEvents") is { Length: > 0 } s ? s == "true" : null;
            return new ListOptions
            {
                Labels = LabelSelector.Parse(Query(ctx, "labelSelector")),
                Fields = FieldSelector.Parse(Query(ctx, "fieldSelector")),
                Limit = limit,
                Continue = Query(ctx, "continue"),
                ResourceVersion = Query(ctx, "resourceVersion") ?? string.Empty,
                ResourceVersionMatch = match,
                AllowBookmarks = Query(ctx, "allowWatchBookmarks") == "true",
                SendInitialEvents = sendInitial,
                Timeout = timeout,
            };
        }
        catch (SelectorParseException e)
        {
            throw ApiException.BadRequest($"unable to parse requirement: {e.Message}");
        }
    }

    // ---- writes -------------------------------------------------------------------------------------

    private async Task CreateAsync(HttpContext ctx, string? ns, CancellationToken ct)
    {
        var dryRun = DryRun(ctx);
        var body = await HttpIo.ReadBodyAsync(ctx, _options.MaxRequestBodyBytes, ct).ConfigureAwait(false);
        var obj = DecodeBody(ctx, body);
        TrackWrite(ctx, null, obj, null);
        var created = await _store.CreateAsync(ns, obj, dryRun, ct).ConfigureAwait(false);
        AddStrategyWarnings(ctx, created);
        await HttpIo.WriteJsonAsync(ctx, 201, _conv.Encode(created)).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext ctx, string? ns, string name, UpdateKind kind, CancellationToken ct)
    {
        var dryRun = DryRun(ctx);
        var body = await HttpIo.ReadBodyAsync(ctx, _options.MaxRequestBodyBytes, ct).ConfigureAwait(false);
        var incoming = DecodeBody(ctx, body);
        Func<T?, T> produce = kind == UpdateKind.Finalize
            ? old =>
            {
                // namespaces/finalize writes only spec.finalizers (the namespace spec holds nothing else).
                var o = old ?? throw ApiException.NotFound(Info, name);
                ObjectParts<T>.SetSpec(o, ObjectParts<T>.GetSpec(incoming));
                o.Metadata.ResourceVersion = incoming.Metadata?.ResourceVersion;
                return o;
            }
            : old =>
            {
                var next = ApiJson.Deserialize<T>(ApiJson.Serialize(incoming));
                TrackWrite(ctx, old, next, kind == UpdateKind.Status ? "status" : null);
                return next;
            };
        var result = await _store.UpdateAsync(ns, name, kind, produce, dryRun, ct).ConfigureAwait(false);
        AddStrategyWarnings(ctx, result.Object);
        await HttpIo.WriteJsonAsync(ctx, result.Created ? 201 : 200, _conv.Encode(result.Object)).ConfigureAwait(false);
    }

    private async Task ScaleAsync(HttpContext ctx, string? ns, string name, bool patch, CancellationToken ct)
    {
        var dryRun = DryRun(ctx);
        var contentType = (ctx.Request.ContentType ?? string.Empty).Split(';')[0].Trim().ToLowerInvariant();
        var body = await HttpIo.ReadBodyAsync(ctx, _options.MaxRequestBodyBytes, ct).ConfigureAwait(false);
        var result = await _store.UpdateAsync(ns, name, UpdateKind.Main, current =>
        {
            if (current is null)
            {
                throw ApiException.NotFound(Info, name);
            }

            var scale = ScaleAdapter<T>.ToScale(current);
            V1Scale desired;
            try
            {
                if (patch)
                {
                    var node = JsonNode.Parse(ApiJson.Serialize(scale));
                    node = contentType switch
                    {
                        "application/json-patch+json" => JsonPatch.Apply(node, body),
                        "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(node, body, Skiff.Api.Schema.ModelSchema.Of<V1Scale>()),
                        "application/merge-patch+json" => JsonMergePatch.Apply(node, body),
                        _ => throw UnsupportedPatchType(contentType),
                    };
                    desired = ApiJson.Deserialize<V1Scale>(JsonSerializer.SerializeToUtf8Bytes(node));
                }
                else
                {
                    desired = ApiJson.Deserialize<V1Scale>(TranscodeProtobuf(ctx, body));
                }
            }
            catch (JsonException e)
            {
                throw ApiException.BadRequest($"Scale in version \"v1\" cannot be handled as a Scale: {e.Message}");
            }
            catch (PatchException e)
            {
                throw e.Unprocessable ? new ApiException(422, "Invalid", e.Message) : ApiException.BadRequest(e.Message);
            }

            if (!string.IsNullOrEmpty(desired.Metadata?.ResourceVersion) && desired.Metadata.ResourceVersion != current.Metadata.ResourceVersion)
            {
                throw ApiException.Conflict(Info, name, ApiException.ModifiedMessage);
            }

            var replicas = desired.Spec?.Replicas ?? 0;
            if (replicas < 0)
            {
                var errors = new Skiff.Api.Validation.FieldErrors();
                errors.Invalid("spec.replicas", replicas, "must be greater than or equal to 0");
                throw new ApiException(422, "Invalid", $"Scale.autoscaling \"{name}\" is invalid: {errors.Aggregate()}",
                    new V1StatusDetails { Name = name, Group = "autoscaling", Kind = "Scale", Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = e.Body, Field = e.Field }).ToList() });
            }

            var liveJson = JsonNode.Parse(_conv.Encode(current));
            ScaleAdapter<T>.SetReplicas(current, replicas);
            current.Metadata.ResourceVersion = null;
            TrackWrite(ctx, liveJson, current.Metadata.ManagedFields, current, "scale", ManagerOf(ctx, patch ? "PatchOptions" : "UpdateOptions", required: false));
            return current;
        }, dryRun, ct).ConfigureAwait(false);
        await HttpIo.WriteObjectAsync(ctx, 200, ScaleAdapter<T>.ToScale(result.Object)).ConfigureAwait(false);
    }

    private async Task DeleteAsync(HttpContext ctx, string? ns, string name, CancellationToken ct)
    {
        var options = await ReadDeleteOptionsAsync(ctx, ct).ConfigureAwait(false);
        var result = await _store.DeleteAsync(ns, name, options, DryRun(ctx, options), ct).ConfigureAwait(false);
        if (!result.Deleted || Info.Plural == "pods" && Info.Group.Length == 0)
        {
            var accepted = !result.Deleted && options?.OrphanDependents == false;
            await HttpIo.WriteJsonAsync(ctx, accepted ? 202 : 200, _conv.Encode(result.Object)).ConfigureAwait(false);
            return;
        }

        await HttpIo.WriteJsonAsync(ctx, 200, StatusJson.Write(new V1Status
        {
            Kind = "Status",
            ApiVersion = "v1",
            Metadata = new V1ListMeta(),
            Status = "Success",
            Details = new V1StatusDetails
            {
                Name = name,
                Group = Info.Group.Length == 0 ? null : Info.Group,
                Kind = Info.Plural,
                Uid = result.Object.Metadata.Uid,
            },
        })).ConfigureAwait(false);
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, string? ns, CancellationToken ct)
    {
        var options = await ReadDeleteOptionsAsync(ctx, ct).ConfigureAwait(false);
        var list = ParseListOptions(ctx);
        var deleted = await _store.DeleteCollectionAsync(ns, list, options, DryRun(ctx, options), ct).ConfigureAwait(false);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, ApiJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", Info.Kind + "List");
            w.WriteString("apiVersion", Info.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var o in deleted)
            {
                w.WriteRawValue(_conv.Encode(o), skipInputValidation: true);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        await HttpIo.WriteJsonAsync(ctx, 200, ms.ToArray()).ConfigureAwait(false);
    }

    private async Task<V1DeleteOptions?> ReadDeleteOptionsAsync(HttpContext ctx, CancellationToken ct)
    {
        V1DeleteOptions? options = null;
        var body = TranscodeProtobuf(ctx, await HttpIo.ReadBodyAsync(ctx, _options.MaxRequestBodyBytes, ct).ConfigureAwait(false));
        if (body.Length > 0)
        {
            try
            {
                options = ApiJson.Deserialize<V1DeleteOptions>(body);
            }
            catch (JsonException e)
            {
                throw ApiException.BadRequest($"DeleteOptions in version \"v1\" cannot be handled as a DeleteOptions: {e.Message}");
            }
        }

        if (Query(ctx, "gracePeriodSeconds") is { Length: > 0 } g)
        {
            options ??= new V1DeleteOptions();
            options.GracePeriodSeconds = long.TryParse(g, out var v) ? v : throw ApiException.BadRequest($"gracePeriodSeconds: Invalid value: \"{g}\"");
        }

        if (Query(ctx, "propagationPolicy") is { Length: > 0 } p)
        {
            options ??= new V1DeleteOptions();
            options.PropagationPolicy = p;
        }

        if (Query(ctx, "orphanDependents") is { Length: > 0 } od)
        {
            options ??= new V1DeleteOptions();
            options.OrphanDependents = od == "true";
        }

        return options;
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static string? Query(HttpContext ctx, string key) =>
        ctx.Request.Query.TryGetValue(key, out var v) ? v.ToString() : null;

    private DateTime Now() => _time.GetUtcNow().UtcDateTime;

    private static bool DryRun(HttpContext ctx, V1DeleteOptions? options = null)
    {
        var values = ctx.Request.Query["dryRun"].Where(v => !string.IsNullOrEmpty(v)).Concat(options?.DryRun ?? []).ToList();
        foreach (var v in values)
        {
            if (v != "All")
            {
                throw ApiException.BadRequest($"dryRun: Unsupported value: \"{v}\": supported values: \"All\"");
            }
        }

        return values.Count > 0;
    }

    private static FieldValidationMode ParseFieldValidation(HttpContext ctx) => Query(ctx, "fieldValidation") switch
    {
        null or "" or "Warn" => FieldValidationMode.Warn,
        "Strict" => FieldValidationMode.Strict,
        "Ignore" => FieldValidationMode.Ignore,
        var other => throw ApiException.BadRequest($"fieldValidation: Unsupported value: \"{other}\": supported values: \"Ignore\", \"Strict\", \"Warn\""),
    };

    private void CheckFields(HttpContext ctx, byte[] json, FieldValidationMode mode)
    {
        if (mode == FieldValidationMode.Ignore)
        {
            return;
        }

        var problems = _fieldChecker.Check(json, _conv.ExternalType);
        if (problems.Count == 0)
        {
            return;
        }

        if (mode == FieldValidationMode.Strict)
        {
            throw ApiException.BadRequest("strict decoding error: " + string.Join(", ", problems));
        }

        foreach (var p in problems)
        {
            HttpIo.AddWarning(ctx, p);
        }
    }

    private T DecodeBody(HttpContext ctx, byte[] body)
    {
        if (body.Length == 0)
        {
            throw ApiException.BadRequest("the body of the request was empty");
        }

        body = TranscodeProtobuf(ctx, body);

        var mode = ParseFieldValidation(ctx);
        CheckFields(ctx, body, mode);
        return DecodeJson(body);
    }

    /// <summary>
    /// kubectl's typed clients send Kubernetes protobuf bodies; they become the JSON everything else reads.
    /// Answers still go out as JSON, which those clients accept too.
    /// </summary>
    internal static byte[] TranscodeProtobuf(HttpContext ctx, byte[] body)
    {
        if (!ProtobufTranscoder.IsProtobuf(ctx.Request.ContentType))
        {
            return body;
        }

        try
        {
            return ProtobufTranscoder.ToJson(body);
        }
        catch (ProtobufFormatException e)
        {
            throw ApiException.BadRequest($"the body of the request could not be decoded as Kubernetes protobuf: {e.Message}");
        }
    }

    private T DecodeJson(byte[] body)
    {
        var (apiVersion, kind) = PeekTypeMeta(body);
        if (!string.IsNullOrEmpty(kind) && kind != Info.Kind)
        {
            throw ApiException.BadRequest($"the object provided is unrecognized (must be of type {Info.Kind}): kind \"{kind}\" does not match");
        }

        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != Info.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({Info.ApiVersion})");
        }

        try
        {
            return _conv.Decode(body);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw ApiException.BadRequest($"{Info.Kind} in version \"{Info.Version}\" cannot be handled as a {Info.Kind}: {DecodeErrors.Describe(e)}");
        }
    }

    private static (string? ApiVersion, string? Kind) PeekTypeMeta(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw ApiException.BadRequest(reader.TokenType == JsonTokenType.None
                    ? "the body of the request was empty"
                    : $"couldn't get version/kind; json parse error: json: cannot unmarshal {reader.TokenType.ToString().ToLowerInvariant()} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}");
            }

            string? apiVersion = null, kind = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var prop = reader.GetString();
                reader.Read();
                if (prop == "apiVersion" && reader.TokenType == JsonTokenType.String)
                {
                    apiVersion = reader.GetString();
                }
                else if (prop == "kind" && reader.TokenType == JsonTokenType.String)
                {
                    kind = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            return (apiVersion, kind);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
    }

    private void AddStrategyWarnings(HttpContext ctx, T obj)
    {
        foreach (var w in _store.Strategy.Warnings(obj))
        {
            HttpIo.AddWarning(ctx, w);
        }
    }
}
